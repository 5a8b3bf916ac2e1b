"""Risk cases from the audit log, for the reporting the government's gen-AI rules require.

A case is an audit record with at least one risk flag. The report counts them per flag and per day
and lists them one row each, with the question shortened and its personal data masked (the report is
filed and circulated; the audit log, which keeps the original, is not). Days and times are Japan time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Final

from govrag.answer.records import SentenceCheck, Verification
from govrag.safeguards import pii
from govrag.safeguards.audit import record_time

JST: Final = timezone(timedelta(hours=9), "JST")
FLAGS: Final[dict[str, str]] = {
    "verification_failed": "検証不合格",
    "unsupported_sentences": "根拠のない文",
    "routing_blocked": "機密性による送信停止",
    "injection": "資料中の指示文",
    "pii_masked": "個人情報のマスキング",
    "llm_error": "LLMの呼び出し失敗",
}
QUESTION_CHARS: Final = 60
DETAIL_LINES: Final = 6


@dataclass(frozen=True, slots=True)
class RiskCase:
    #: As recorded (UTC, ISO 8601).
    time: str
    record_id: str
    key_id: str
    flags: tuple[str, ...]
    #: Shortened, personal data masked.
    question: str
    detail: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        return asdict(self)


def period(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole days in Japan time, both included, as the half-open [since, until) the audit log filters by."""
    start = datetime.combine(since, time(), JST) if since else None
    end = datetime.combine(until + timedelta(days=1), time(), JST) if until else None
    return start, end


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _failures(stored: Mapping[str, Any]) -> tuple[str, ...]:
    """The failure lines of a stored `Verification` (as `asdict` wrote it), worded as the user saw them."""
    def known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
        return {f.name: data[f.name] for f in fields(cls) if f.name in data}

    try:
        sentences = tuple(SentenceCheck(**known(SentenceCheck, s)) for s in stored.get("sentences") or ())
        return Verification(**known(Verification, stored) | {"sentences": sentences}).failures
    except TypeError:  # a record from another version, without the required fields
        return ()


def _detail(record: Mapping[str, Any], flags: tuple[str, ...]) -> tuple[str, ...]:
    lines: list[str] = []
    verification = record.get("verification")
    if isinstance(verification, Mapping) and {"verification_failed", "unsupported_sentences"} & set(flags):
        lines += [f"検証: {_short(f, 80)}" for f in _failures(verification)]
    routing = record.get("routing")
    if "routing_blocked" in flags and isinstance(routing, Mapping) and routing.get("reason"):
        lines.append(f"送信停止: {routing['reason']}")
    if "llm_error" in flags and record.get("llm_error"):
        lines.append(f"LLM: {_short(str(record['llm_error']), 80)}")
    for finding in record.get("injection") or ():
        if isinstance(finding, Mapping):
            lines.append(f"指示文（{finding.get('kind', '?')}）: {_short(str(finding.get('excerpt', '')), 60)}")
    spans = [s for s in record.get("pii") or () if isinstance(s, Mapping)]
    if spans:
        counts = Counter(pii.LABELS.get(str(s.get("kind")), str(s.get("kind"))) for s in spans)
        lines.append("マスク: " + "、".join(f"{label}{n}件" for label, n in counts.items()))
    lines += [f"警告: {_short(str(w), 80)}" for w in record.get("warnings") or ()]
    # Answer sentences, warnings and excerpts may hold personal data too: the report is circulated.
    unique = list(dict.fromkeys(pii.mask(line).text for line in lines))
    return tuple(unique[:DETAIL_LINES]) + ((f"…ほか{len(unique) - DETAIL_LINES}件",) if len(unique) > DETAIL_LINES else ())


def risk_cases(records: Iterable[Mapping[str, Any]], kinds: set[str] | None = None) -> list[RiskCase]:
    """One case per record carrying a flag of `kinds` (None: any flag), in the records' order."""
    cases: list[RiskCase] = []
    for record in records:
        flags = tuple(str(f) for f in record.get("flags") or () if kinds is None or f in kinds)
        if not flags:
            continue
        question = pii.mask(str(record.get("question") or "")).text
        cases.append(RiskCase(str(record.get("time", "")), str(record.get("id", "")),
                              str(record.get("key_id") or "-"), flags, _short(question, QUESTION_CHARS),
                              _detail(record, flags)))
    return cases


def _day(case: RiskCase) -> str:
    when = record_time({"time": case.time})
    return when.astimezone(JST).date().isoformat() if when else "?"


def summary(cases: Iterable[RiskCase]) -> dict[str, Any]:
    """{"cases": n, "by_flag": {flag: n} (every known flag, then any other), "by_day": {JST date: n}}."""
    cases = list(cases)
    by_flag = Counter(flag for case in cases for flag in case.flags)
    return {
        "cases": len(cases),
        "by_flag": {flag: by_flag.get(flag, 0) for flag in FLAGS} | {f: n for f, n in by_flag.items() if f not in FLAGS},
        "by_day": dict(sorted(Counter(_day(case) for case in cases).items())),
    }


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _jst(value: datetime | str | None, *, date_only: bool = False) -> str:
    when = record_time({"time": value}) if isinstance(value, str) else value
    if when is None:
        return "—"
    local = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(JST)
    return local.date().isoformat() if date_only else local.strftime("%Y-%m-%d %H:%M")


def render_markdown(cases: Iterable[RiskCase], since: datetime | None, until: datetime | None) -> str:
    """A report a PJMO officer can file: the period, counts per flag and per day, one row per case."""
    cases = list(cases)
    counts = summary(cases)
    out = [
        "# 生成AIリスク事案報告", "",
        (f"- 対象期間: {_jst(since, date_only=True) if since else '記録の最初'} 〜 "
         f"{_jst(until - timedelta(microseconds=1), date_only=True) if until else '記録の最後'}（日本時間）"),
        f"- 事案数: {counts['cases']}件", "",
        "## 種別ごとの件数", "", "| 種別 | 件数 |", "| --- | ---: |",
        *(f"| {FLAGS.get(flag, flag)}（{flag}） | {n} |" for flag, n in counts["by_flag"].items()), "",
        "## 日ごとの件数", "", "| 日付 | 件数 |", "| --- | ---: |",
        *(f"| {day} | {n} |" for day, n in counts["by_day"].items()), "",
        "## 事案一覧", "",
    ]
    if not cases:
        out.append("対象期間に事案はありません。")
    else:
        out += ["| 日時（日本時間） | 記録ID | 利用者 | 種別 | 質問 | 詳細 |", "| --- | --- | --- | --- | --- | --- |"]
        out += [f"| {_jst(c.time)} | {c.record_id[:12]} | {_cell(c.key_id)} | "
                f"{'、'.join(FLAGS.get(f, f) for f in c.flags)} | {_cell(c.question)} | "
                f"{'<br>'.join(_cell(d) for d in c.detail) or '—'} |" for c in cases]
    return "\n".join(out) + "\n"
