"""Which laws a gazette entry promulgates or amends, linked to the laws the store holds.

The gazette's table of contents announces every new law and order: under 法律
`建築士法の一部を改正する法律（七四）` printed in 2026 is 令和八年法律第七十四号, and it
amends 建築士法. Reading that lineage lets an answer go from a gazette entry to
the law text (and back). Two rules keep it honest:

* links are exact: a law number, or a title equal after spacing and dash
  normalisation. Nothing fuzzy, because a wrong link is worse than none;
* the counts say how little matches: the store holds the laws of November
  2020, the gazette index covers 2025-12 to 2026-08, so new laws are never
  there and amended laws only when their title has not changed since.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from govrag.numerals import int_to_kanji, kanji_to_int
from govrag.sources.dates import era_of, western_year
from govrag.sources.gazette.records import IssueRef, TocEntry

__all__ = [
    "LawIndex",
    "LawRow",
    "Link",
    "MatchCounts",
    "Promulgated",
    "is_promulgation_section",
    "link",
    "match_counts",
    "normalize_law_num",
    "normalize_title",
    "promulgation",
    "promulgations",
]

# Sections whose entries are laws or orders being promulgated; 訓令 (internal
# instructions) end in 令 too but are not laws, and 告示 are notices.
_PROMULGATION_SECTION = re.compile(r"^(法律|条約|.*(?<!訓)令|.*規則)$")
_NO_ISSUER_KINDS = frozenset({"法律", "政令", "条約"})

_DIGIT = "〇一二三四五六七八九0-9０-９"
_DASHES = str.maketrans({c: "―" for c in "－‐-–—−─"})
# The number in parentheses that closes a promulgated title: issuer (maybe 同) + digits, e.g. （内閣府・国土交通四）;
# no range or list (（農林水産一二一六～一二三七） numbers 告示).
_NUMBER_TAIL = re.compile(rf"^(?P<title>.+)（(?P<who>[^（）{_DIGIT}～〜、，,]*?)(?P<num>[{_DIGIT}]+(?:[―－‐-][{_DIGIT}]+)*)）$")
_ERA_YEAR = re.compile(r"^(明治|大正|昭和|平成|令和)(元|[〇一二三四五六七八九十百]+)年")

_INSTRUMENT = r"(?:法律|政令|内閣府令|府令|省令|命令|人事院規則|規則|デジタル庁令|庁令|内閣官房令)"
_AMENDING = re.compile(rf"^(?P<target>.+)の一部を改正する(?:等の)?(?P<by>{_INSTRUMENT})$")
# How a law's title ends, so that 及び/、 is only taken as a list separator after a whole title.
_TITLE_END = re.compile(
    r"(法|法律|令|規則|規程|基準|典範|細則|規約|条約|協定|議定書"
    r"|人事院規則[〇一二三四五六七八九]+(?:[―－][〇一二三四五六七八九]+)+（[^（）]*）)$"
)
# Words that end like a title but are not one (…の方法及び…, 関係法令及び…).
_NOT_TITLE_END = re.compile(r"(方法|手法|用法|寸法|製法|工法|療法|技法|文法|話法|作法|法令|指令)$")
# A piece that names a law inside a longer phrase (「A法及びB法の施行に伴う…」, 「A法及びB法の一部を改正する法律」):
# the list is then part of one title, not several.
_EMBEDDED = re.compile(rf"に伴う|に基づく|施行法$|改正する(?:等の)?{_INSTRUMENT}$")
# What each instrument can amend: a law amends laws, a cabinet order amends orders; lower orders never amend a law.
_AMENDABLE = {"法律": re.compile(r"(法|法律|典範)$"), "政令": re.compile(r"令$")}
_LAW_TITLE = re.compile(r"(法|法律|典範)$")
_JINJIIN_ID = re.compile(r"^(人事院規則[〇一二三四五六七八九]+(?:―[〇一二三四五六七八九]+)+)（")


# --------------------------------------------------------------------------- parsing entries


@dataclass(frozen=True, slots=True)
class Promulgated:
    """A law or order an entry promulgates, with its number and the laws it amends (as titled in the entry)."""

    kind: str  # 法律, 政令, 府令, 省令, 庁令, 内閣官房令, 規則, 条約
    law_num: str  # 令和八年法律第七十四号, as e-Gov writes law numbers
    title: str  # the entry's title without the number in parentheses
    issuer: str | None = None  # 厚生労働省, 内閣府・国土交通省, 人事院; None for 法律/政令/条約
    amends: tuple[str, ...] = ()  # titles of the amended laws as printed (for X等 the lead law X only)
    #: The amended laws as printed before の一部を改正する (less a closing 等), unsplit; a linker
    #: prefers it when it is itself one law's title (titles may contain 及び or 、).
    target: str = ""


def is_promulgation_section(section: str) -> bool:
    """法律, 政令, 府令, 省令, 府令・省令, 規則, 最高裁規則, 内閣官房令, 庁令, 条約 … (not 告示, 訓令 or notices)."""
    return bool(_PROMULGATION_SECTION.match(section.strip()))


def promulgation(title: str, section: str, date: str, previous_issuer: str | None = None) -> Promulgated | None:
    """Read one table-of-contents entry; None when it promulgates nothing or its number cannot be read.

    `date` is the issue's ISO date (it gives the era year of the number);
    `previous_issuer` is the issuer of the entry above, which 同 refers to.
    """
    if not is_promulgation_section(section):
        return None
    m = _NUMBER_TAIL.match(title.strip())
    if m is None:
        return None
    era_year = _era_year(date)
    who, num = m["who"].strip(), m["num"].translate(_DASHES)
    if section.strip() in _NO_ISSUER_KINDS:
        if who or "―" in num:
            return None
        kind, issuer, law_type = section.strip(), None, section.strip()
    else:
        parts = _issuer_parts(who, previous_issuer)
        if not parts:
            return None
        kind, law_type = _ordinance_type(parts)
        issuer = "・".join(parts)
    law_num = _law_num(era_year, law_type, num)
    if law_num is None:
        return None
    name = m["title"].strip()
    target, amends = _amended(name)
    return Promulgated(kind, law_num, name, issuer, amends, target)


def promulgations(entries: Iterable[TocEntry]) -> Iterator[tuple[TocEntry, Promulgated | None]]:
    """Every entry under a promulgation section, in order, with its reading (None if unreadable).

    Entries must come in table-of-contents order: 同 means the issuer of the
    entry above in the same issue and section.
    """
    previous: tuple[str, str] | None = None
    issuer: str | None = None
    for entry in entries:
        if not is_promulgation_section(entry.section):
            continue
        if previous != (entry.issue_id, entry.section):
            previous, issuer = (entry.issue_id, entry.section), None
        found = promulgation(entry.title, entry.section, IssueRef.parse(entry.issue_id).date, issuer)
        issuer = found.issuer if found is not None else None
        yield entry, found


def _era_year(iso: str) -> str:
    """2026-07-31 → 令和八年; 2019-05-01 → 令和元年 (sources/dates.py holds the era table)."""
    era, year = era_of(date.fromisoformat(iso[:10]))
    if not era:
        raise ValueError(f"no era year for {iso!r}")
    return f"{era}{'元' if year == 1 else int_to_kanji(year)}年"


def _issuer_parts(who: str, previous_issuer: str | None) -> tuple[str, ...]:
    """（内閣府・国土交通…）→ (内閣府, 国土交通省); （同…）→ the previous entry's issuer."""
    if who == "同":
        who = previous_issuer or ""
    if not who:
        return ()
    return tuple(_full_issuer(part) for part in who.split("・"))


def _full_issuer(part: str) -> str:
    """The gazette shortens issuers: 厚生労働 → 厚生労働省, 国家公安委 → 国家公安委員会, 最高裁 → 最高裁判所."""
    part = part.strip()
    if part == "最高裁":
        return "最高裁判所"
    if part.endswith(("省", "府", "庁", "官房", "委員会", "院", "裁判所")):
        return part
    if part.endswith("委"):
        return part + "員会"
    return part + "省"


def _ordinance_type(parts: tuple[str, ...]) -> tuple[str, str]:
    """(kind, the type as a law number writes it): 内閣府・国土交通省 → (省令, 内閣府・国土交通省令)."""
    if len(parts) == 1 and parts[0].endswith(("委員会", "院", "裁判所")):
        return "規則", f"{parts[0]}規則"
    law_type = "・".join(parts) + "令"
    if any(p.endswith("省") for p in parts):
        return "省令", law_type
    if parts == ("内閣府",):
        return "府令", law_type
    if parts == ("内閣官房",):
        return "内閣官房令", law_type
    return ("庁令" if len(parts) == 1 and parts[0].endswith("庁") else "命令"), law_type


def _law_num(era_year: str, law_type: str, num: str) -> str | None:
    """Digit-by-digit （二四一）→ 第二百四十一号; 人事院規則 keeps its X―Y(―Z) number as written."""
    groups = num.split("―")
    if law_type == "人事院規則":
        return f"{era_year}人事院規則{num}" if len(groups) >= 2 else None
    if len(groups) != 1:
        return None
    n = kanji_to_int(num)
    return f"{era_year}{law_type}第{int_to_kanji(n)}号" if n > 0 else None


def _amended(title: str) -> tuple[str, tuple[str, ...]]:
    """Xの一部を改正する法律 → X; X及びY → (X, Y); X等 → the lead law X only (as printed)."""
    m = _AMENDING.match(title)
    if m is None:
        return "", ()
    target = m["target"]
    if _is_bundle(target):
        target = target[:-1]
    return target, _split_titles(target, m["by"])


def _is_bundle(target: str) -> bool:
    """「X等」: X is the lead law of several (the others unnamed)."""
    return target.endswith("等") and bool(_TITLE_END.search(target[:-1]))


def _without_purpose(title: str) -> str:
    """A bundle law may open with a purpose: 更生保護制度の充実を図るための保護司法 → 保護司法.

    Only a fallback for linking: as often, …ための belongs to the lead law's own
    title (金融機能の強化のための特別措置に関する法律).
    """
    _, sep, rest = title.rpartition("ための")
    if sep and _TITLE_END.search(rest) and not _TITLE_END.fullmatch(rest):
        return rest
    return title


def _split_titles(text: str, by: str) -> tuple[str, ...]:
    """A、B及びC → (A, B, C), splitting only after whole titles that `by` (法律, 政令…) can amend.

    Any doubt keeps the text whole: a title may itself list laws
    (租税条約等の実施に伴う所得税法、法人税法及び地方税法の特例等に関する法律).
    """
    pieces, seps, start = [], [], 0
    for m in re.finditer("及び|、", text):
        left = text[start:m.start()]
        if _TITLE_END.search(left) and not _NOT_TITLE_END.search(left):
            pieces.append(left)
            seps.append(m.group())
            start = m.end()
    pieces.append(text[start:])
    list_shape = bool(seps) and seps[-1] == "及び" and all(s == "、" for s in seps[:-1])
    if not list_shape or not _TITLE_END.search(pieces[-1]) or not all(_amendable(p, by) for p in pieces):
        return (text,)
    return tuple(pieces)


def _amendable(piece: str, by: str) -> bool:
    if _EMBEDDED.search(piece):
        return False
    rank = _AMENDABLE.get(by)
    return bool(rank.search(piece)) if rank is not None else not _LAW_TITLE.search(piece)


# --------------------------------------------------------------------------- the law index


def normalize_title(title: str) -> str:
    """Compare titles without spacing, a closing 抄 (an excerpt mark in e-Gov) or dash variants."""
    title = re.sub(r"[\s　]+抄$", "", title.strip())
    title = re.sub(r"\s+", "", title).translate(_DASHES)
    return title.replace("(", "（").replace(")", "）")


def normalize_law_num(law_num: str) -> str:
    """令和八年 法律第七十四号 → 令和八年法律第七十四号; 人事院規則 dashes → ―."""
    return re.sub(r"\s+", "", law_num).translate(_DASHES)


@dataclass(frozen=True, slots=True)
class LawRow:
    """One law the store holds."""

    doc_id: str
    law_num: str
    title: str


@dataclass(frozen=True, slots=True)
class LawIndex:
    """The store's laws by law number and by title, for exact look-ups only.

    A 人事院規則 is also found by its bare number (人事院規則九―一七), which
    stays while its parenthesised 題名 may change.
    """

    by_num: Mapping[str, tuple[LawRow, ...]]
    by_title: Mapping[str, tuple[LawRow, ...]]

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str]]) -> LawIndex:
        """Rows are (doc_id, law_num, title) as the store's documents table holds them."""
        by_num: dict[str, list[LawRow]] = {}
        by_title: dict[str, list[LawRow]] = {}
        for doc_id, law_num, title in rows:
            row = LawRow(doc_id, law_num, title)
            by_num.setdefault(normalize_law_num(law_num), []).append(row)
            for key in _title_keys(title):
                by_title.setdefault(key, []).append(row)
        return cls({k: tuple(v) for k, v in by_num.items()}, {k: tuple(v) for k, v in by_title.items()})

    def __len__(self) -> int:
        return len({row.doc_id for rows in self.by_num.values() for row in rows})

    def find_number(self, law_num: str) -> tuple[LawRow, ...]:
        return self.by_num.get(normalize_law_num(law_num), ())

    def find_title(self, title: str) -> tuple[LawRow, ...]:
        """Laws whose full title (題名) equals `title`, or for 人事院規則 whose number does."""
        key = normalize_title(title)
        found = self.by_title.get(key, ())
        if not found and (m := _JINJIIN_ID.match(key)):
            found = self.by_title.get(m[1], ())
        return found


def _title_keys(title: str) -> tuple[str, ...]:
    key = normalize_title(title)
    m = _JINJIIN_ID.match(key)
    return (key, m[1]) if m else (key,)


# --------------------------------------------------------------------------- links


@dataclass(frozen=True, slots=True)
class Link:
    """An entry's tie to a stored law: 公布 (it is that law) or 改正 (it amends it)."""

    kind: Literal["公布", "改正"]
    doc_id: str
    law_num: str
    title: str
    how: Literal["law number", "title"]


def link(entry_promulgated: Promulgated, index: LawIndex) -> list[Link]:
    """Exact links only: the law itself by number (else by title in the same year), amended laws by title.

    For a bundle (X等) whose lead law is not a stored title, X without a leading
    purpose clause (…ための) is tried, again exactly.
    """
    p = entry_promulgated
    links = _own_link(p, index)
    seen = {x.doc_id for x in links}
    for row in _amended_rows(p, index):
        if row.doc_id not in seen:
            seen.add(row.doc_id)
            links.append(Link("改正", row.doc_id, row.law_num, row.title, "title"))
    return links


def _own_link(p: Promulgated, index: LawIndex) -> list[Link]:
    by_num = index.find_number(p.law_num)
    if len(by_num) == 1:
        return [Link("公布", by_num[0].doc_id, by_num[0].law_num, by_num[0].title, "law number")]
    if by_num:
        return []  # one number, several laws: no way to choose
    rows = index.find_title(p.title)
    # The same title in another year is another law (e.g. a replacement); only the same year, its number spelt
    # differently, is this one.
    if len(rows) == 1 and _era_year_of(rows[0].law_num) in {_era_year_of(p.law_num)} - {None}:
        return [Link("公布", rows[0].doc_id, rows[0].law_num, rows[0].title, "title")]
    return []


def _amended_rows(p: Promulgated, index: LawIndex) -> list[LawRow]:
    """The amended laws found by title, unique and not newer than the amendment."""
    names = p.amends
    if names != (p.target,) and len(index.find_title(p.target)) == 1:
        names = (p.target,)  # 「A及びB」 is one law's title after all
    year = _western_year(p.law_num)
    found = []
    for i, name in enumerate(names):
        rows = index.find_title(name)
        if not rows and i == 0 and _bundle_entry(p.title):
            rows = index.find_title(_without_purpose(name))
        if len(rows) == 1 and not _later(rows[0].law_num, year):
            found.append(rows[0])
    return found


def _bundle_entry(title: str) -> bool:
    m = _AMENDING.match(title)
    return m is not None and _is_bundle(m["target"])


def _era_year_of(law_num: str) -> str | None:
    m = _ERA_YEAR.match(normalize_law_num(law_num))
    return m.group(0) if m else None


def _western_year(law_num: str) -> int | None:
    m = _ERA_YEAR.match(normalize_law_num(law_num))
    if m is None:
        return None
    return western_year(m[1], 1 if m[2] == "元" else kanji_to_int(m[2]))


def _later(law_num: str, year: int | None) -> bool:
    """An amended law cannot be younger than its amendment; such a title match is another law."""
    own = _western_year(law_num)
    return own is not None and year is not None and own > year


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True, slots=True)
class MatchCounts:
    """How many entries became promulgations and links, for an honest report of the (small) overlap."""

    entries: int  # table-of-contents entries seen
    in_sections: int  # of those, under a promulgation section
    promulgations: int  # read as a promulgation (number and issuer understood)
    by_kind: dict[str, int] = field(default_factory=dict)
    linked_by_number: int = 0  # 公布 links by law number
    linked_by_title: int = 0  # 公布 links by title
    amending: int = 0  # promulgations naming laws they amend
    amend_links: int = 0  # 改正 links
    unmatched: int = 0  # promulgations with no link at all

    @property
    def unparsed(self) -> int:
        return self.in_sections - self.promulgations

    def report(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.by_kind.items(), key=lambda kv: -kv[1]))
        return (
            f"{self.entries} entries, {self.in_sections} under promulgation sections, "
            f"{self.promulgations} promulgations ({kinds}), {self.unparsed} unread; "
            f"linked: {self.linked_by_number} by law number, {self.linked_by_title} by title, "
            f"{self.amend_links} amend links from {self.amending} amending entries; {self.unmatched} unmatched"
        )


def match_counts(entries: Iterable[TocEntry], index: LawIndex) -> MatchCounts:
    """Read every entry (in table-of-contents order) and count what links to `index`."""
    seen = in_sections = amending = unmatched = 0
    kinds: Counter[str] = Counter()
    how: Counter[tuple[str, str]] = Counter()

    def counted() -> Iterator[TocEntry]:
        nonlocal seen
        for entry in entries:
            seen += 1
            yield entry

    for _, p in promulgations(counted()):
        in_sections += 1
        if p is None:
            continue
        kinds[p.kind] += 1
        amending += bool(p.amends)
        links = link(p, index)
        unmatched += not links
        how.update((x.kind, x.how) for x in links)
    return MatchCounts(
        entries=seen,
        in_sections=in_sections,
        promulgations=sum(kinds.values()),
        by_kind=dict(kinds),
        linked_by_number=how[("公布", "law number")],
        linked_by_title=how[("公布", "title")],
        amending=amending,
        amend_links=how[("改正", "title")],
        unmatched=unmatched,
    )
