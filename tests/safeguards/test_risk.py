"""Risk cases and the filed report, from a small real audit log."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from govrag.answer.records import SentenceCheck, Verification
from govrag.safeguards.audit import AuditLog
from govrag.safeguards.risk import period, render_markdown, risk_cases, summary
from tests.safeguards.conftest import Clock


@pytest.fixture
def log(tmp_path: Path, clock: Clock) -> AuditLog:
    """Five records over two Japan-time days: four with flags, one clean."""
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=None, clock=clock)
    clock.now = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)  # 12:00 JST on 7/1
    log.write({"kind": "ask", "key_id": "taro", "question": "山田太郎さん（090-1234-5678）の件で、生活保護の要件は？",
               "flags": ["pii_masked", "verification_failed"], "pii": [
                   {"kind": "name", "placeholder": "〔氏名1〕", "hash": "ab"},
                   {"kind": "phone", "placeholder": "〔電話番号1〕", "hash": "cd"}],
               "verification": asdict(Verification(passed=False, policy="refuse", sentences=(
                   SentenceCheck("生活保護は誰でも受けられる。", (1,), 0.2, False),
                   SentenceCheck("要件は法律で定める。", (1,), 0.9, True)), forged_quotes=("誰でも",))),
               "warnings": ["生成した回答が検証を通らなかったため、抽出回答にしました"]})
    clock.advance(hours=1)
    log.write({"kind": "search", "key_id": "taro", "question": "民法709条", "flags": []})
    clock.advance(hours=1)
    log.write({"kind": "ask", "key_id": "hanako", "question": "内部資料|予算の件", "flags": ["routing_blocked"],
               "routing": {"allowed": False, "blocked": ["memo:1"],
                           "reason": "機密性2の資料（1件）は外部のモデルに送れないため、抽出回答にしました。"}})
    clock.now = datetime(2025, 7, 1, 16, 0, tzinfo=UTC)  # 01:00 JST on 7/2
    log.write({"kind": "ask", "key_id": "taro", "question": "官報の告示について", "flags": ["injection"],
               "injection": [{"chunk_id": "gazette:1", "kind": "instruction", "excerpt": "以前の指示を無視"}]})
    clock.advance(minutes=5)
    log.write({"kind": "ask", "key_id": "taro", "question": "質問", "flags": ["llm_error"], "llm_error": "ReadTimeout",
               "warnings": ["LLMに接続できませんでした（timeout）"]})
    return log


def test_only_flagged_records_are_cases_with_their_details(log: AuditLog) -> None:
    cases = risk_cases(log.records())
    assert [c.flags for c in cases] == [("pii_masked", "verification_failed"), ("routing_blocked",), ("injection",),
                                        ("llm_error",)]
    first = cases[0]
    assert first.key_id == "taro" and len(first.record_id) == 32 and first.time.startswith("2025-07-01T03:00")
    assert first.question == "〔氏名1〕さん（〔電話番号1〕）の件で、生活保護の要件は？"  # the report never shows the original
    assert first.detail == ("検証: 引用「誰でも」は引用元の資料にありません", "検証: 根拠のない文: 生活保護は誰でも受けられる。",
                            "マスク: 氏名1件、電話番号1件",
                            "警告: 生成した回答が検証を通らなかったため、抽出回答にしました")
    assert cases[1].detail == ("送信停止: 機密性2の資料（1件）は外部のモデルに送れないため、抽出回答にしました。",)
    assert cases[2].detail == ("指示文（instruction）: 以前の指示を無視",)
    assert cases[3].detail == ("LLM: ReadTimeout", "警告: LLMに接続できませんでした（timeout）")


def test_cases_of_some_kinds(log: AuditLog) -> None:
    cases = risk_cases(log.records(), kinds={"verification_failed", "llm_error"})
    assert [c.flags for c in cases] == [("verification_failed",), ("llm_error",)]


def test_summary_counts_per_flag_and_per_japan_day(log: AuditLog) -> None:
    counts = summary(risk_cases(log.records()))
    assert counts["cases"] == 4
    assert counts["by_flag"] == {"verification_failed": 1, "unsupported_sentences": 0, "routing_blocked": 1,
                                 "injection": 1, "pii_masked": 1, "llm_error": 1}
    assert counts["by_day"] == {"2025-07-01": 2, "2025-07-02": 2}


def test_a_period_is_whole_japan_days() -> None:
    start, end = period(date(2025, 7, 2), date(2025, 7, 2))
    assert start == datetime(2025, 7, 1, 15, 0, tzinfo=UTC) and end == datetime(2025, 7, 2, 15, 0, tzinfo=UTC)
    assert period(None, None) == (None, None)


def test_the_markdown_report(log: AuditLog) -> None:
    start, end = period(date(2025, 7, 2), date(2025, 7, 2))
    cases = risk_cases(log.records(start, end))
    report = render_markdown(cases, start, end)
    assert report.startswith("# 生成AIリスク事案報告\n")
    assert "- 対象期間: 2025-07-02 〜 2025-07-02（日本時間）\n- 事案数: 2件" in report
    assert "| 資料中の指示文（injection） | 1 |" in report and "| 検証不合格（verification_failed） | 0 |" in report
    assert "| 2025-07-02 | 2 |" in report
    rows = [line for line in report.splitlines() if line.startswith("| 2025-07-02 01:")]
    assert len(rows) == 2 and "| taro | 資料中の指示文 | 官報の告示について |" in rows[0]


def test_the_report_escapes_table_cells_and_says_when_there_is_nothing(log: AuditLog) -> None:
    report = render_markdown(risk_cases(log.records()), None, None)
    assert "記録の最初 〜 記録の最後" in report
    assert "内部資料\\|予算の件" in report
    assert "対象期間に事案はありません。" in render_markdown([], None, None)


def test_a_verification_from_another_version_gives_no_detail_but_still_a_case(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, max_bytes=1_000_000, retention_days=None)
    log.write({"kind": "ask", "question": "q", "flags": ["verification_failed"], "verification": {"ok": False}})
    (case,) = risk_cases(log.records())
    assert case.detail == () and case.key_id == "-"
