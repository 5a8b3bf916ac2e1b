"""Search filters read from a question about the official gazette (官報): which edition, what, who, when.

People ask 「令和7年7月14日の官報政府調達号に載った警察庁の入札公告」 or 「2026年7月31日に公布された法律」.
The words about the edition and issue number, the kind of entry, the issuing ministry and
the day of the issue are not topics to match but filters on the entries' metadata
(`edition`, `issue_number`, `kind`, `issuers`, `date`). This module finds them and says
what it applied in plain Japanese, so the searcher can show each filter and the user can
switch it off.

Reading is deliberately conservative: a wrong filter hides every right answer, a missed
one only costs some ranking. So an issuer filters only when the store holds that name,
法律 in 「…に関する法律に基づく告示」 is a reference, not the kind sought, and a date
filters only when it is the day of an issue, not a deadline or the day of an event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from govrag.numerals import kanji_to_int
from govrag.sources.dates import DateSpan, QueryText, find_dates
from govrag.sources.gazette.orgs import MINISTRIES

#: The store's gazette is post-war; earlier or far-future years are numbers, not issue dates.
FIRST_GAZETTE_YEAR = 1947
#: The editions, as the `edition` payload field names them.
EDITIONS = ("本紙", "号外", "政府調達", "特別号外")
#: The kinds of entry, as the `kind` payload field names them.
KINDS = (
    "法律", "政令", "省令・規則", "告示", "条約", "詔書", "国会事項", "人事異動", "叙位・叙勲", "皇室事項",
    "官庁報告", "公告", "入札公告", "入札公示", "落札", "随意契約", "調達予定", "招請", "資格", "その他",
)

_GAZETTE = "官報"
_KANJI_OR_KANA = re.compile(r"[一-龥々〆ヵヶァ-ヺー]")
# A longer organisation name goes on after these (内閣 → 内閣府), so a name may not stop right before one.
_ORG_GOES_ON = frozenset("省庁局府院")
# Organisation names end in these; such a name may be followed by another word without a break
# (国土交通省関東地方整備局, 警察庁長官), any other is then part of a longer word (内閣総理大臣, 入管法).
_ORG_ENDS = frozenset("省庁局府院会所部室署委")
_NOT_THIS = re.compile(r"以外|を除|除く")


@dataclass(frozen=True, slots=True)
class GazetteHints:
    """Filters found in one question, with the lines that explain them to the user.

    `prefer` says the question mentions 官報 at all (no filter by itself). `applied` has
    one line per filter, in query order; `spans` marks every stretch of the query
    (character offsets into the original string) that produced a filter. `notes` say
    what was read but not applied: a ministry the store holds no entry of, several
    issue numbers at once.
    """

    editions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    issue_number: int | None = None
    date_from: str | None = None
    date_to: str | None = None
    prefer: bool = False
    applied: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()


# --- issuers ---------------------------------------------------------------------------

#: How people write a ministry or agency → how the gazette names it.
ALIASES: Mapping[str, str] = MappingProxyType({
    "国交省": "国土交通省", "厚労省": "厚生労働省", "経産省": "経済産業省", "農水省": "農林水産省",
    "文科省": "文部科学省", "総務庁": "総務省", "公取委": "公正取引委員会", "公取": "公正取引委員会",
    "規制委": "原子力規制委員会", "原子力規制委": "原子力規制委員会", "国家公安委": "国家公安委員会",
    "個情委": "個人情報保護委員会", "入管庁": "出入国在留管理庁", "入管": "出入国在留管理庁",
    "海保": "海上保安庁", "最高裁": "最高裁判所", "日銀": "日本銀行", "こども庁": "こども家庭庁",
    "防衛装備庁": "防衛装備庁", "デジ庁": "デジタル庁",
})
#: Ministries and agencies people name; one the store does not hold gets a note, never a filter.
KNOWN_ORGS = tuple(f"{m}省" for m in MINISTRIES) + (
    "内閣", "内閣府", "内閣官房", "内閣法制局", "復興庁", "警察庁", "警視庁", "金融庁", "消費者庁", "デジタル庁",
    "こども家庭庁", "宮内庁", "国家公安委員会", "公正取引委員会", "個人情報保護委員会", "カジノ管理委員会",
    "原子力規制委員会", "運輸安全委員会", "公害等調整委員会", "出入国在留管理庁", "公安調査庁", "国税庁",
    "林野庁", "水産庁", "資源エネルギー庁", "特許庁", "中小企業庁", "観光庁", "気象庁", "海上保安庁",
    "防衛装備庁", "文化庁", "スポーツ庁", "消防庁", "人事院", "会計検査院", "最高裁判所", "日本銀行",
)
# What an organisation's name ends with. Other stored "issuers" are misreadings of a title's
# tail (建設工事, 一) and would turn an ordinary word of the query into a filter.
_ORG_NAME = re.compile(
    r"..*(?:省|庁|府|院|局|所|会|委|部|室|署|隊|本部|機構|センター|大学|学校|病院|公社|銀行)$"
)
# Regional offices, named for notes when the store holds none of them.
_REGIONAL = re.compile(
    r"(?:北海道|東北|関東|北陸|中部|近畿|中国|四国|九州|沖縄)"
    r"(?:地方整備局|財務局|農政局|経済産業局|運輸局|防衛局|総合通信局|厚生局|地方環境事務所|管区警察局)"
    r"|北海道開発局|沖縄総合事務局"
    r"|[一-龥]{2,3}?(?:拘置所|刑務所|少年院|税関|国税局|地方法務局|法務局|労働局|地方検察庁)"
)
# Said of a name, these make it the subject of the entry, not its issuer (「警察庁に関する告示」,
# 「衆議院を解散する詔書」, 「衆議院議員総選挙」).
_NOT_ISSUER = re.compile(
    r"所管|に関す|に関し|について|に対する|宛|あて|を|議員|議長|本会議|委員会|選挙|解散|の解散|の総選挙"
    r"|[^、。\s]{0,10}(?:委員会|本会議|調査会|審査会)")


def _names_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """Longest name first, so 関東地方整備局 wins over 整備局; never matches if empty."""
    ordered = sorted(set(names), key=lambda n: (-len(n), n))
    return re.compile("|".join(map(re.escape, ordered)) if ordered else "(?!)")


@dataclass(frozen=True, slots=True)
class GazetteDirectory:
    """The issuers the store holds, read once from the stored entries: names to resolve against.

    A name becomes a filter only when some entry carries it, so a filter can never
    exclude everything by naming an office the store has no entry of.
    """

    issuers: frozenset[str]
    _held: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _held_names: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _unheld: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _unheld_names: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        held = {name: name for name in self.issuers if name in KNOWN_ORGS or _ORG_NAME.search(name)}
        unheld = {name: name for name in KNOWN_ORGS if name not in held}
        for alias, name in ALIASES.items():
            (held if name in held else unheld).setdefault(alias, name)
        values = {
            "_held": MappingProxyType(held),
            "_held_names": _names_pattern(held),
            "_unheld": MappingProxyType(unheld),
            "_unheld_names": _names_pattern(unheld),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def build(cls, issuers: Iterable[str]) -> GazetteDirectory:
        """Collect the `issuers` of every stored entry; names lose their spaces, as queries do."""
        return cls(frozenset(n for n in ("".join(i.split()) for i in issuers) if n))


# --- the query as read -----------------------------------------------------------------


class _Found:
    """Hints collected so far; a stretch of the query feeds at most one hint."""

    def __init__(self, text: QueryText) -> None:
        self.text = text
        self.taken: list[tuple[int, int]] = []  # compact offsets: hints and names read for notes
        self.hint_spans: list[tuple[int, int]] = []
        self.editions: dict[str, int] = {}  # value → offset of its first mention
        self.numbers: dict[int, int] = {}
        self.kinds: dict[str, int] = {}
        self.issuers: dict[str, int] = {}
        self.dates: list[DateSpan] = []
        self.notes: dict[str, None] = {}

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.taken)

    def taken_end(self, pos: int) -> bool:
        """Whether a hint or name read ends right at pos."""
        return any(e == pos for _, e in self.taken)

    def take(self, start: int, end: int, *, hint: bool = True) -> None:
        self.taken.append((start, end))
        if hint:
            self.hint_spans.append((start, end))

    def free_matches(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches inside the stretches no hint has taken yet, left to right."""
        text = self.text.text
        bounds = sorted(self.taken)
        pos = 0
        for start, end in [*bounds, (len(text), len(text))]:
            while pos < start and (m := pattern.search(text, pos, start)) is not None and m.end() > m.start():
                yield m
                pos = m.end()
            pos = max(pos, end)

    def hints(self) -> GazetteHints:
        lines: list[tuple[int, str]] = []
        numbers = tuple(self.numbers)
        number = numbers[0] if len(numbers) == 1 else None
        for values, label in ((self.editions, "官報の号"), (self.kinds, "種類"), (self.issuers, "発出元")):
            if values:
                lines.append((min(values.values()), f"{label}: {'、'.join(values)}"))
        if number is not None:
            lines.append((self.numbers[number], f"号数: 第{number}号"))
        elif numbers:
            self.notes[f"号数が複数（{'、'.join(f'第{n}号' for n in numbers)}）あるため、号数の条件にしていません"] = None
        first, last = _merge(self.dates)
        if self.dates:
            what = _iso(first) if first is not None and first == last else f"{_iso(first)}〜{_iso(last)}"
            lines.append((self.dates[0].start, f"日付: {what}"))
        return GazetteHints(
            editions=tuple(self.editions),
            kinds=tuple(self.kinds),
            issuers=tuple(self.issuers),
            issue_number=number,
            date_from=None if first is None else first.isoformat(),
            date_to=None if last is None else last.isoformat(),
            prefer=_GAZETTE in self.text.text,
            applied=tuple(line for _, line in sorted(lines, key=lambda x: x[0])),
            notes=tuple(self.notes),
            spans=tuple(sorted(self.text.span(s, e) for s, e in self.hint_spans)),
        )


def _iso(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def _merge(dates: list[DateSpan]) -> tuple[date | None, date | None]:
    """Several dates filter on the stretch that covers them all; an open end stays open."""
    starts = [d.first for d in dates]
    ends = [d.last for d in dates]
    known_starts = [d for d in starts if d is not None]
    known_ends = [d for d in ends if d is not None]
    return (
        None if None in starts or not known_starts else min(known_starts),
        None if None in ends or not known_ends else max(known_ends),
    )


def _number(numeral: str) -> int | None:
    try:
        return kanji_to_int(numeral)
    except ValueError:
        return None


# --- editions and issue numbers --------------------------------------------------------

_NUMERAL = r"(?:\d{1,5}|[〇一二三四五六七八九十百千]{1,8})"
# 政府調達 also names the WTO agreement and its procedures, which every edition may mention.
_PROCUREMENT_NOT_EDITION = r"(?!協定|に関す|手続|の手続|特例|の特例|苦情|制度|の制度|セミナー|年次)"
_EDITION = re.compile(
    rf"(?:(?P<c>(?:号外の?)?政府調達{_PROCUREMENT_NOT_EDITION}(?:号外)?(?:号(?!外)|版)?)"
    r"|(?P<t>特別号外)|(?P<g>(?<!特別)号外)|(?P<h>本紙))"
    rf"(?:の?第(?P<number>{_NUMERAL})号)?"
)
_EDITION_OF = {"c": "政府調達", "t": "特別号外", "g": "号外", "h": "本紙"}
# 官報第1657号: the number of an issue whose edition is not said.
_GAZETTE_NUMBER = re.compile(rf"官報の?第(?P<number>{_NUMERAL})号")
_MORE_NUMBERS = re.compile(rf"(?:と|や|、|,|及び|から|[〜～~\-])第(?P<number>{_NUMERAL})号")


def _find_editions(found: _Found) -> None:
    """本紙, 号外, 特別号外, (号外)政府調達, each maybe with its number (政府調達第129号); 官報第N号."""
    for m in found.free_matches(_EDITION):
        if _NOT_THIS.match(found.text.text, m.end()):
            continue
        found.editions.setdefault(_edition(m), m.start())
        found.take(m.start(), _add_numbers(found, m))
    for m in found.free_matches(_GAZETTE_NUMBER):
        found.take(m.start(), _add_numbers(found, m))


def _edition(m: re.Match[str]) -> str:
    return next(_EDITION_OF[k] for k in "ctgh" if m[k] is not None)


def _add_numbers(found: _Found, m: re.Match[str]) -> int:
    """Record the number a match ends with and those listed after it (第129号と第130号); returns where they end.

    Several numbers are read so that none becomes a filter that hides the others."""
    if m["number"] is None:
        return m.end()
    more = [m]
    while (nxt := _MORE_NUMBERS.match(found.text.text, more[-1].end())) is not None:
        more.append(nxt)
    for each in more:
        if (n := _number(each["number"])) is not None and n > 0:
            found.numbers.setdefault(n, each.start())
    return more[-1].end()


# --- kinds -----------------------------------------------------------------------------

_PROCUREMENT_NOTICES = ("入札公告", "入札公示")
_PROMULGATED = ("法律", "政令", "省令・規則", "条約")
# Words that name a kind of entry by themselves, longest first within each family.
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # 落札方式 / 落札者の決定方法 / 落札価格の計算 are what a tender notice says of its own award, not an award.
    (r"落札(?!方式|方法|者の決定|の方法|決定に当たって|価格と(?:する|なる)|価格[のを]計算)", ("落札",)),
    (r"入札結果", ("落札",)),
    (r"(?:入札|競争)参加(?:者の)?資格", (*_PROCUREMENT_NOTICES, "資格")),
    # 入札談合 and 入札制度 are topics (a 公正取引委員会 decision, a reform), not notices
    (r"入札(?!談合|妨害|制度|改革|監視|不正)(?:公告|公示)?", _PROCUREMENT_NOTICES),
    (r"随意契約|随契", ("随意契約",)),
    (r"調達予定|調達の予定", ("調達予定",)),
    (r"(?:資料提供|意見)?招請", ("招請",)),
    (r"叙位|叙勲|勲章|褒章|褒賞", ("叙位・叙勲",)),
    (r"人事異動", ("人事異動",)),
    (r"詔書", ("詔書",)),
    (r"国会事項", ("国会事項",)),
    (r"皇室事項", ("皇室事項",)),
    (r"官庁報告", ("官庁報告",)),
    (r"(?:決算|破産|相続|失踪|公示催告)(?:の)?公告", ("公告",)),
)
_KIND_WORD = re.compile("|".join(f"(?P<k{i}>{p})" for i, (p, _) in enumerate(_KIND_WORDS)))

# Kinds of legal text: 法律, 政令, 省令 (and 令 right after a ministry: 国土交通省令), 告示, 条約.
_DOC_KIND = re.compile(
    r"(?P<word>法律|政令|省令|府令|庁令|内閣官房令|人事院規則|最高裁規則|訓令|法規的告示|告示|条約"
    r"|(?<=[省府庁])令|(?<=[院裁])規則)"
    rf"(?P<number>第{_NUMERAL}号)?"
)
_DOC_KIND_OF = {"法律": "法律", "政令": "政令", "告示": "告示", "法規的告示": "告示", "訓令": "告示", "条約": "条約"}
# After a kind word, these make it a reference (「…法律に基づく告示」「政令で定める」), not the kind sought.
_REFERENCE = re.compile(
    r"に基づ|による|により|によっ|によれ|で定め|の定め|に定め|の規定|に規定|の一部|の施行|に従|に違反|の趣旨|の適用|上の"
)
_VERB_NOTICE = re.compile(r"さ|し|する")
# Where a query speaks of laws being made or published, 法律 is the kind it asks for.
_PROMULGATION = re.compile(r"公布|成立|制定|官報|掲載|(?<!記)載")
_PROMULGATE = re.compile(r"公布")


def _find_kinds(found: _Found) -> None:
    """Kinds of entry the query asks for: notices by their words, legal texts when they are what is sought."""
    text = found.text.text
    for m in found.free_matches(_KIND_WORD):
        if _NOT_THIS.match(text, m.end()):
            continue
        found.take(m.start(), m.end())
        kinds = _KIND_WORDS[int((m.lastgroup or "k0")[1:])][1]
        for kind in kinds:
            found.kinds.setdefault(kind, m.start())
    legal = False
    for m in found.free_matches(_DOC_KIND):
        if (kinds := _doc_kinds(text, m)) is not None:
            found.take(m.start(), m.end())
            legal = True
            for kind in kinds:
                found.kinds.setdefault(kind, m.start())
    if not legal:
        _find_promulgation(found)


def _doc_kinds(text: str, m: re.Match[str]) -> tuple[str, ...] | None:
    """The kinds a legal-text word asks for, or None when it is a reference or part of another word.

    法律 is everywhere in questions, so it counts only as a law number (法律第45号) or
    where the query speaks of promulgation or the gazette (公布された法律, 官報に載った法律). 告示 as a verb (告示された)
    or as 官報告示 is how people say "published", which covers 公告 too.
    """
    word, end = m["word"], m.end()
    if (m["number"] is None and _KANJI_OR_KANA.match(text, end)) or _REFERENCE.match(text, end):
        return None  # 政令指定都市, 法律案, 告示第3条; 法律に基づく, 政令で定める
    if _NOT_THIS.match(text, end):
        return None
    if word == "法律" and m["number"] is None and not _PROMULGATION.search(text):
        return None
    if word == "告示" and (_VERB_NOTICE.match(text, end) or text.endswith(_GAZETTE, 0, m.start())):
        return ("告示", "公告")
    return (_DOC_KIND_OF.get(word, "省令・規則"),)


def _find_promulgation(found: _Found) -> None:
    """公布 without a kind of legal text named: whatever is promulgated (法律, 政令, 省令, 条約)."""
    for m in found.free_matches(_PROMULGATE):
        found.take(m.start(), m.end())
        for kind in _PROMULGATED:
            found.kinds.setdefault(kind, m.start())


# --- issuers ---------------------------------------------------------------------------


def _stands_alone(found: _Found, start: int, end: int) -> bool:
    """Whether a name is a whole name here: not the tail of a longer word (最高裁判所 ⊅ 裁判所)
    nor the head of a longer organisation (内閣府 ⊅ 内閣)."""
    text = found.text.text
    before = text[start - 1] if start > 0 else ""
    if before and _KANJI_OR_KANA.match(before) and before not in _ORG_ENDS and not found.taken_end(start):
        return False
    after = text[end] if end < len(text) else ""
    if after and _KANJI_OR_KANA.match(after) and text[end - 1] not in _ORG_ENDS:
        return False
    return after not in _ORG_GOES_ON


def _find_issuers(directory: GazetteDirectory, found: _Found) -> None:
    """Issuers the store holds (or their common short forms), then known ones it does not, for notes."""
    text = found.text.text
    for m in found.free_matches(directory._held_names):
        if not _stands_alone(found, m.start(), m.end()):
            continue
        found.take(m.start(), m.end(), hint=False)
        if not (_NOT_THIS.match(text, m.end()) or _NOT_ISSUER.match(text, m.end())):
            found.hint_spans.append((m.start(), m.end()))
            found.issuers.setdefault(directory._held[m[0]], m.start())
    for pattern in (directory._unheld_names, _REGIONAL):
        for m in found.free_matches(pattern):
            if _stands_alone(found, m.start(), m.end()):
                found.take(m.start(), m.end(), hint=False)
                _note_unheld(found, m[0], directory._unheld.get(m[0], m[0]))


def _note_unheld(found: _Found, written: str, name: str) -> None:
    said = f"「{written}」" if written == name else f"「{written}」（{name}）"
    found.notes[f"{said}が出した記事は収録された官報にないため、発出元の条件にしていません"] = None


# --- dates -----------------------------------------------------------------------------

# Between a date and what it dates: 付で, の, に, は, a weekday 「（月）」.
_LINK = re.compile(r"(?:付け?|づけ|分|の|に|で|は|も|が|を|と|や|及び|、|[（(][月火水木金土日][）)])*")
# What makes a date the day of an issue: the gazette, an edition, publishing, an entry.
_ISSUE_DAY = re.compile(r"官報|本紙|号外|政府調達|号|公布|公示|告示|公告|掲載|(?<!記)載|発行|発出|出さ|出た|出し|出る|公表|付")
_QUERY_END = re.compile(r"[？?。！!]*(?:は|を|って)?[？?。！!]*$")
# Right before a date, these make it a deadline or the day something takes effect.
_NOT_ISSUE_DAY = re.compile(
    r"(?:(?:施行|適用|効力|開札|入札|提出|納入|履行|契約|説明会|受付|開催)(?:日時|日|期限|期日|期間|は|が)"
    r"|期限|締切|締め切り?|納期|期日|期間|満了)(?:は|が|を|の|:|：)?$"
)
# A month and day written right after a year (2025年の7月14日): the year is the one to read them in.
_MONTH_DAY_AHEAD = re.compile(r"(?:\d{1,2}|[〇一二三四五六七八九十]{1,3})月(?:\d{1,2}|[〇一二三四五六七八九十]{1,3})日")


def _find_dates(found: _Found) -> None:
    """Dates that are the day of an issue; 7月14日 is read in the year the query gives elsewhere."""
    text = found.text.text
    last_year = date.today().year + 1
    spans = find_dates(text, FIRST_GAZETTE_YEAR, last_year)
    starts = {s.start for s in spans}
    years = {d.year for s in spans if _issue_day(found, s, starts) or _MONTH_DAY_AHEAD.match(text, _link_end(text, s))
             for d in (s.first, s.last) if d is not None}
    if len(years) == 1:
        spans = find_dates(text, FIRST_GAZETTE_YEAR, last_year, assume_year=years.pop())
    starts = {s.start for s in spans}
    kept = [s for s in spans if found.free(s.start, s.end) and _issue_day(found, s, starts)]
    if any(s.year_assumed for s in kept):  # 令和7年の…7月14日: the day says more than its year
        kept = [s for s in kept if s.precision != "year"]
    for span in kept:
        found.take(span.start, span.end)
        found.dates.append(span)


def _link_end(text: str, span: DateSpan) -> int:
    return _LINK.match(text, span.end).end()


def _issue_day(found: _Found, span: DateSpan, date_starts: set[int]) -> bool:
    """Whether a date is the day of an issue: 「令和7年7月14日の官報」「2026年7月31日に公布」
    「7月14日の警察庁の入札公告」 are; 「入札期限が2025年8月1日の」「2025年10月1日から施行」
    「2024年1月の能登半島地震に関する告示」 are not. What follows the date must name the gazette,
    publishing, an entry or another hint, or be the end of the question, or another date."""
    text = found.text.text
    if _NOT_ISSUE_DAY.search(text, max(0, span.start - 8), span.start):
        return False
    lead = _link_end(text, span)
    if lead == len(text) or _QUERY_END.match(text, lead) or lead in date_starts:
        return True
    if any(s == lead for s, _ in found.hint_spans):
        return True
    return _ISSUE_DAY.match(text, lead) is not None


# --- entry point -----------------------------------------------------------------------


def parse_hints(query: str, directory: GazetteDirectory) -> GazetteHints:
    """Find edition, number, kind, issuer and day in a question and turn them into filters.

    GazetteHints() when none; never raises: anything that does not read cleanly as a
    hint is left to the topic search.
    """
    found = _Found(QueryText.of(query))
    _find_editions(found)
    _find_issuers(directory, found)
    _find_kinds(found)
    _find_dates(found)
    return found.hints()


#: Kinds only the gazette prints: asking for one is asking the gazette.
GAZETTE_KINDS = frozenset({"入札公告", "入札公示", "落札", "随意契約", "調達予定", "招請", "資格", "詔書", "人事異動",
                           "叙位・叙勲"})


def about_gazette(hints: GazetteHints) -> bool:
    """Whether the question is about the gazette at all: it says 官報, an edition or an issue number, or asks
    for what only the gazette prints (a tender, an award, a rescript). Otherwise 「…を定めた法律」「…政令の条文」
    or a ministry's name is a question about laws or speeches, and gazette filters would put gazette entries
    ahead of them (every source's hint filters weigh the other sources down)."""
    return bool(hints.prefer or hints.editions or hints.issue_number is not None or GAZETTE_KINDS & set(hints.kinds))
