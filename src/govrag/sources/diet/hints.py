"""Search filters read from a question about the Diet minutes: who spoke, where, when.

People ask 「石破総理は防衛費についてどう答弁したか」 or 「参議院予算委員会で2025年3月5日に…」.
The words about the speaker, the house or committee, the session and the date are not
topics to match but filters on the speech metadata. This module finds them, resolves
them against what the store actually holds (`DietDirectory`), and says what it applied
in plain Japanese, so the searcher can show each filter and the user can switch it off.

Resolution is deliberately conservative: a word becomes a filter only when the store
has a speaker, position or meeting it can stand for. A wrong filter hides every right
answer, a missed one only costs some ranking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from govrag.numerals import kanji_to_int
from govrag.sources.dates import RANGE_SEP, UNTIL, QueryText, find_dates

#: A surname shared by more stored speakers than this is too vague to filter on.
MAX_NAMESAKES = 5
#: The speaker name the minutes give their header record (speechOrder 0): not a person.
HEADER_SPEAKER = "会議録情報"
#: The first 国会 met in 1947; no minutes in this store can be older.
FIRST_DIET_YEAR = 1947
#: Full names without a title must be at least this long: 2-character names (東徹, 森健)
#: also occur inside ordinary words (関東徹底), so they count only with a title (東徹議員).
MIN_BARE_NAME = 3

_WHITESPACE = re.compile(r"\s+")

# --- positions -------------------------------------------------------------------------

# A stored 肩書 joins several posts with ・, ／ or 兼, but ・ also joins words inside one
# bureau name (厚生労働省健康・生活衛生局長). A separator splits only after a post word.
_POST_END = re.compile(r"(?:臣|官|長|者|授|代理|事)$")
_POST_SEPARATORS = "・／/兼"
_PAREN_TAIL = re.compile(r"([^（(]+)[（(].*[）)]")


def positions_of(position: str | None) -> tuple[str, ...]:
    """The posts a stored 肩書 names, each also without its portfolio in parentheses.

    "財務大臣・内閣府特命担当大臣（金融）" → ("財務大臣", "内閣府特命担当大臣（金融）",
    "内閣府特命担当大臣"), so 「財務大臣」 in a question finds speeches filed under the joint
    title. Index time and query time both go through here, so they always agree.
    """
    if not position:
        return ()
    out: list[str] = []
    for part in _split_posts(_WHITESPACE.sub("", position)):
        out.append(part)
        if (m := _PAREN_TAIL.fullmatch(part)) is not None and _POST_END.search(m[1]):
            out.append(m[1])
    return tuple(dict.fromkeys(p for p in out if len(p) >= 2))


def _split_posts(text: str) -> list[str]:
    parts: list[str] = []
    depth = start = 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(depth - 1, 0)
        elif depth == 0 and ch in _POST_SEPARATORS and _POST_END.search(text[start:i]):
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


# What people call a post → how the minutes write it (used only when the target is stored).
_FIXED_ALIASES = {
    "総理": "内閣総理大臣",
    "首相": "内閣総理大臣",
    "総理大臣": "内閣総理大臣",
    "官房長官": "内閣官房長官",
    "外相": "外務大臣",
    "法相": "法務大臣",
    "日銀総裁": "日本銀行総裁",
}
# Ministry short forms used with 大臣 and 相 (厚労相, 文科大臣).
_MINISTRY_SHORT = {"文部科学": "文科", "厚生労働": "厚労", "経済産業": "経産", "農林水産": "農水", "国土交通": "国交"}
# 〇〇相 is a minister unless 相 starts another word (財務相談, 相当, 相手, 相次ぐ).
_SO_STARTS_NO_WORD = "(?![談当手互続場次違応関対撲])"
_PM_TITLES = frozenset({"総理", "首相", "総理大臣"})
# Ranks: a title that narrows to speakers holding any post ending in it (岩屋大臣).
_RANKS = ("大臣", "副大臣", "大臣政務官", "政務官", "長官", "総裁", "局長", "審議官")
# Honorifics name a person but say nothing about a post (野田委員, 山田さん).
_HONORIFICS = ("議員", "委員長", "委員(?!会)", "理事", "代表", "先生", "さん", "くん", "君", "氏")
_HOUSES = {"衆議院": "衆議院", "衆院": "衆議院", "参議院": "参議院", "参院": "参議院", "両院": "両院"}
# 衆議院議員, 参院選, 衆議院解散 talk about the house, not about where something was said.
_HOUSE_NOT_VENUE = "(?!議員|選|解散)"


_LOOKAROUND = re.compile(r"\(\?[!=<][^)]*\)|\\")


def _alternation(patterns: Iterable[str]) -> str:
    """Longest literal first, so 財政金融委員会 wins over 金融委員会; never matches if empty."""
    ordered = sorted(set(patterns), key=lambda p: (-len(_LOOKAROUND.sub("", p)), p))
    return "|".join(ordered) if ordered else "(?!)"


@dataclass(frozen=True, slots=True)
class SpeakerInfo:
    """What the store knows about one speaker: reading (often absent) and every post seen."""

    yomi: str | None
    positions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DietDirectory:
    """What the store knows, read once from the stored speeches: names to resolve against.

    Hints resolve only to what is stored, so a filter can never exclude everything
    by naming someone or something the archive does not have.
    """

    speakers: Mapping[str, SpeakerInfo]
    meetings: frozenset[tuple[str, str]]
    _by_prefix: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _longest_name: int = field(init=False, repr=False, compare=False)
    _aliases: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _titles: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _names: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _venues: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _house_words: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        prefixes: dict[str, list[str]] = {}
        for name in sorted(self.speakers):
            for k in range(1, len(name) + 1):
                prefixes.setdefault(name[:k], []).append(name)
        positions = {p for info in self.speakers.values() for p in info.positions}
        aliases = {p: p for p in positions}
        for p in positions:
            if p.endswith("大臣") and "（" not in p:
                aliases.setdefault(p[:-2] + "相", p)
        for full, short in _MINISTRY_SHORT.items():
            if f"{full}大臣" in positions:
                aliases.setdefault(f"{short}大臣", f"{full}大臣")
                aliases.setdefault(f"{short}相", f"{full}大臣")
        for alias, target in _FIXED_ALIASES.items():
            if target in positions:
                aliases.setdefault(alias, target)
        title_patterns = [
            re.escape(a) + (_SO_STARTS_NO_WORD if a.endswith("相") else "") for a in aliases
        ]
        title_patterns += [re.escape(r) for r in _RANKS if r not in aliases] + list(_HONORIFICS)
        houses = frozenset(h for h, _ in self.meetings)
        house_words = [w for w, h in _HOUSES.items() if h in houses]
        meeting_names = {m for _, m in self.meetings}
        bare_names = [n for n in self.speakers if len(n) >= MIN_BARE_NAME]
        values = {
            "_by_prefix": MappingProxyType({k: tuple(v) for k, v in prefixes.items()}),
            "_longest_name": max(map(len, self.speakers), default=0),
            "_aliases": MappingProxyType(aliases),
            "_titles": re.compile(f"(?P<former>[元前])?(?P<title>{_alternation(title_patterns)})"),
            "_names": re.compile(_alternation(map(re.escape, bare_names))),
            "_venues": re.compile(
                f"(?P<house>{_alternation(house_words)})?(?P<meeting>{_alternation(map(re.escape, meeting_names))})"
            ),
            "_house_words": re.compile(f"(?:{_alternation(house_words)}){_HOUSE_NOT_VENUE}"),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def build(
        cls,
        speeches: Iterable[tuple[str, str | None, tuple[str, ...]]],
        meetings: Iterable[tuple[str, str]],
    ) -> DietDirectory:
        """Collect (speaker, yomi, positions) of every speech and the (house, meeting) pairs.

        Positions may be raw 肩書 or already split: they go through `positions_of`
        again, which changes nothing in split ones. Names lose their spaces and the
        minutes' header pseudo-speaker is dropped, since neither is how people write names.
        """
        yomi: dict[str, str | None] = {}
        seen: dict[str, dict[str, None]] = {}
        for speaker, reading, positions in speeches:
            name = _WHITESPACE.sub("", speaker)
            if not name or name == HEADER_SPEAKER:
                continue
            if yomi.get(name) is None:
                yomi[name] = reading
            posts = seen.setdefault(name, {})
            for position in positions:
                posts.update(dict.fromkeys(positions_of(position)))
        speakers = {name: SpeakerInfo(yomi[name], tuple(posts)) for name, posts in seen.items()}
        return cls(MappingProxyType(speakers), frozenset(meetings))


@dataclass(frozen=True, slots=True)
class DietHints:
    """Filters found in one question, with the lines that explain them to the user.

    `applied` has one line per filter; `spans` marks every stretch of the query
    (character offsets into the original string) that produced a filter, in query order.
    `unknown` lists person mentions that could not become a filter: nobody stored by
    that name and title (「山田総理」), or too many namesakes to pick from.
    """

    speakers: tuple[str, ...] = ()
    positions: tuple[str, ...] = ()
    houses: tuple[str, ...] = ()
    meetings: tuple[str, ...] = ()
    session_from: int | None = None
    session_to: int | None = None
    date_from: str | None = None
    date_to: str | None = None
    applied: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()
    unknown: tuple[str, ...] = ()


# --- the query as matched --------------------------------------------------------------


_POSITION_LINE = "役職: "


class _Found:
    """Hints collected so far; a stretch of the query feeds at most one hint."""

    def __init__(self, text: QueryText) -> None:
        self.text = text
        self.taken: list[tuple[int, int]] = []  # compact offsets, hints and unknown mentions
        self.hint_spans: list[tuple[int, int]] = []
        self.lines: list[tuple[int, str]] = []
        self.speakers: dict[str, None] = {}
        self.positions: dict[str, None] = {}
        self.houses: dict[str, None] = {}
        self.meetings: dict[str, None] = {}
        self.unknown: dict[str, None] = {}
        self.sessions: list[tuple[int, int, int, int]] = []  # start, end, first session, last session
        self.periods: list[tuple[int, int, date | None, date | None]] = []  # start, end, first day, last day

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.taken)

    def last_taken_before(self, pos: int) -> int:
        return max((e for _, e in self.taken if e <= pos), default=0)

    def take(self, start: int, end: int, line: str | None = None, note: str = "") -> None:
        """Claim query[start:end] for a hint; `line` gets its source quoted after it."""
        self.taken.append((start, end))
        self.hint_spans.append((start, end))
        if line is not None:
            self.lines.append((start, f"{line}（「{self.text.quote(start, end)}」から{note}）"))

    def take_unknown(self, start: int, end: int) -> None:
        self.taken.append((start, end))
        self.unknown[self.text.quote(start, end)] = None

    def hints(self) -> DietHints:
        first_session, last_session = _merge_sessions(self.sessions)
        first_day, last_day = _merge_periods(self.periods)
        # Who: named speakers, else positions. Filters on different fields must all hold, so a position
        # beside a name (「石破総理…農林水産大臣だった当時」) would wrongly demand both of one speech.
        positions = () if self.speakers else tuple(self.positions)
        lines = [(at, line) for at, line in self.lines if not (self.speakers and line.startswith(_POSITION_LINE))]
        if first_session is not None and last_session is not None:
            what = f"第{first_session}回" + ("" if first_session == last_session else f"〜第{last_session}回")
            lines.append((self.sessions[0][0], f"国会回次: {what}（{self._sources(self.sessions)}から）"))
        if self.periods:
            if first_day is not None and first_day == last_day:
                what = first_day.isoformat()
            else:
                what = f"{_iso(first_day)}〜{_iso(last_day)}"
            lines.append((self.periods[0][0], f"期間: {what}（{self._sources(self.periods)}から）"))
        return DietHints(
            speakers=tuple(self.speakers),
            positions=positions,
            houses=tuple(self.houses),
            meetings=tuple(self.meetings),
            session_from=first_session,
            session_to=last_session,
            date_from=None if first_day is None else first_day.isoformat(),
            date_to=None if last_day is None else last_day.isoformat(),
            applied=tuple(line for _, line in sorted(lines, key=lambda x: x[0])),
            spans=tuple(sorted(self.text.span(s, e) for s, e in self.hint_spans)),
            unknown=tuple(self.unknown),
        )

    def _sources(self, mentions: Iterable[tuple[int, int, object, object]]) -> str:
        return "".join(f"「{self.text.quote(s, e)}」" for s, e, _, _ in mentions)


def _iso(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def _merge_sessions(sessions: list[tuple[int, int, int, int]]) -> tuple[int | None, int | None]:
    """Several session mentions filter on the stretch that covers them all."""
    if not sessions:
        return None, None
    return min(s[2] for s in sessions), max(s[3] for s in sessions)


def _merge_periods(periods: list[tuple[int, int, date | None, date | None]]) -> tuple[date | None, date | None]:
    """Several dates filter on the stretch that covers them all; an open end stays open."""
    starts = [p[2] for p in periods]
    ends = [p[3] for p in periods]
    known_starts = [d for d in starts if d is not None]
    known_ends = [d for d in ends if d is not None]
    return (
        None if None in starts or not known_starts else min(known_starts),
        None if None in ends or not known_ends else max(known_ends),
    )


# --- people and posts ------------------------------------------------------------------


def _holders(directory: DietDirectory, names: tuple[str, ...], kind: str, target: str) -> tuple[str, ...]:
    """The namesakes a title fits: holders of the post or rank; anyone for an honorific."""
    if kind == "post":
        return tuple(n for n in names if target in directory.speakers[n].positions)
    if kind == "rank":
        return tuple(n for n in names if any(_has_rank(p, target) for p in directory.speakers[n].positions))
    return names


def _has_rank(position: str, rank: str) -> bool:
    """外務大臣 is a 大臣, 外務副大臣 is not; 大臣政務官 and the rest by their ending."""
    return position.endswith(rank) and not (rank == "大臣" and position.endswith("副大臣"))


def _surname_before(directory: DietDirectory, found: _Found, end: int) -> str | None:
    """The longest stored-name prefix that ends right before a title: 石破 in 「…について石破総理」."""
    text = found.text.text
    floor = found.last_taken_before(end)
    for k in range(min(directory._longest_name, end - floor), 0, -1):
        if text[end - k : end] in directory._by_prefix:
            return text[end - k : end]
    return None


def _resolve(
    directory: DietDirectory, found: _Found, end: int, kind: str, target: str
) -> tuple[str, tuple[str, ...]] | None:
    """(surname, speakers it resolves to), or None if no name stands before the title.

    One-character surnames (林, 平) count only when the title is a post they held
    (林官房長官), since a single character before a title is usually not a name (新大臣).
    """
    surname = _surname_before(directory, found, end)
    if surname is None:
        return None
    holders = _holders(directory, directory._by_prefix[surname], kind, target)
    if len(surname) == 1 and not (kind == "post" and holders):
        return None
    return surname, holders


def _title_meaning(directory: DietDirectory, title: str) -> tuple[str, str]:
    if title in directory._aliases:
        return "post", directory._aliases[title]
    if title in _RANKS:
        return "rank", title
    return "honorific", title


#: Kanji or katakana right before a title: a name (安倍総理), unless it is a word that qualifies the post.
_NAME_BEFORE = re.compile(r"(?<![一-龥ァ-ヶ])(?!(?:元|前|副|現|新|旧|歴代|各|同|当時の)[^一-龥ァ-ヶ]*$)[一-龥ァ-ヶ々]{1,4}$")


def _find_people(directory: DietDirectory, found: _Found) -> None:
    """Surname + title (石破総理, 岩屋外相, 野田委員, 野田元総理) and bare posts (外務大臣)."""
    text = found.text.text
    for m in directory._titles.finditer(text):
        kind, target = _title_meaning(directory, m["title"])
        # 中谷元防衛大臣: 元 ends the name. 野田元総理: 元 means former, so the post narrows nothing.
        hit = _resolve(directory, found, m.start("title"), kind, target)
        start = m.start("title")
        if hit is None and m["former"]:
            hit = _resolve(directory, found, m.start(), "honorific", target)
            start = m.start()
        if hit is not None:
            surname, names = hit
            _add_person(found, start - len(surname), m.end(), names)
        elif kind == "post" and _NAME_BEFORE.search(text, 0, m.start()) and found.free(m.start() - 1, m.start()):
            # 安倍総理, 菅首相: a name the minutes do not hold is never a filter on whoever holds the post
            name = _NAME_BEFORE.search(text, 0, m.start())
            assert name is not None
            found.take_unknown(name.start(), m.end())
        elif kind == "post" and not m["former"] and not (
            m["title"] in _PM_TITLES and text[m.start() - 1 : m.start()] == "副"
        ):
            found.take(m.start(), m.end(), f"{_POSITION_LINE}{target}")
            found.positions[target] = None


def _add_person(found: _Found, start: int, end: int, names: tuple[str, ...]) -> None:
    """A filter on the speakers a mention stands for, or an unknown mention if none or too many."""
    if not names or len(names) > MAX_NAMESAKES:
        found.take_unknown(start, end)
        return
    note = "" if len(names) == 1 else f"、該当{len(names)}人"
    found.take(start, end, f"発言者: {'・'.join(names)}", note)
    found.speakers.update(dict.fromkeys(names))


def _find_bare_names(directory: DietDirectory, found: _Found) -> None:
    """Full names without a title: 石破茂, 石破 茂."""
    for m in directory._names.finditer(found.text.text):
        if found.free(m.start(), m.end()):
            found.take(m.start(), m.end(), f"発言者: {m[0]}")
            found.speakers[m[0]] = None


# --- houses and meetings ---------------------------------------------------------------


def _find_venues(directory: DietDirectory, found: _Found) -> None:
    """Meetings as stored (予算委員会, 本会議), with the house when written right before."""
    text = found.text.text
    for m in directory._venues.finditer(text):
        if not found.free(m.start(), m.end()):
            continue
        house = _HOUSES[m["house"]] if m["house"] else None
        found.take(m.start(), m.end(), f"会議: {'' if house is None else house + ' '}{m['meeting']}")
        found.meetings[m["meeting"]] = None
        if house is not None:
            found.houses[house] = None
    for m in directory._house_words.finditer(text):
        if found.free(m.start(), m.end()):
            found.take(m.start(), m.end(), f"院: {_HOUSES[m[0]]}")
            found.houses[_HOUSES[m[0]]] = None


# --- sessions --------------------------------------------------------------------------

_KANJI_DIGITS = "〇一二三四五六七八九"
_SESSION = re.compile(
    rf"(?<![\d{_KANJI_DIGITS}十百千])(?P<dai>第)?(?P<n>\d{{1,4}}|[{_KANJI_DIGITS}十百千]{{1,7}})回"
    r"(?P<kokkai>(?:通常|臨時|特別)?国会)?"
)


def _number(numeral: str) -> int | None:
    try:
        return kanji_to_int(numeral)
    except ValueError:
        return None


def _find_sessions(found: _Found) -> None:
    """第217回国会, 217回国会, 第二百十七回国会, 第213回から第215回(国会)."""
    text = found.text.text
    pos = 0
    while (m := _SESSION.search(text, pos)) is not None:
        first = last = _number(m["n"])
        end = m.end()
        # A lone 第3回 is any third meeting; a session needs 国会, or 第…回から第…回.
        is_session = m["kokkai"] is not None
        if (sep := RANGE_SEP.match(text, end)) is not None and (m2 := _SESSION.match(text, sep.end())) is not None:
            last = _number(m2["n"])
            is_session = is_session or m2["kokkai"] is not None or (m["dai"] is not None and m2["dai"] is not None)
            end = until.end() if (until := UNTIL.match(text, m2.end())) is not None else m2.end()
        pos = end
        if (
            is_session
            and first is not None
            and last is not None
            and 1 <= first <= last <= 999
            and found.free(m.start(), end)
        ):
            found.take(m.start(), end)
            found.sessions.append((m.start(), end, first, last))


# --- dates -----------------------------------------------------------------------------


def _find_dates(found: _Found) -> None:
    """Dates with a year (read by `find_dates`) that say when something was said."""
    text = found.text.text
    spans = find_dates(text, FIRST_DIET_YEAR, date.today().year + 1)
    starts = {span.start for span in spans}
    for span in spans:
        if found.free(span.start, span.end) and _said_then(found, text, span.end, starts):
            found.take(span.start, span.end)
            found.periods.append((span.start, span.end, span.first, span.last))


#: Words that make a date the time something was said: a sitting, a venue, an act of speech.
_SAID = re.compile(r"衆議院|参議院|衆院|参院|両院|国会|委員会|委員|本会議|審査会|調査会|党首討論|審議|答弁|発言|質問|質疑|討論|"
                   r"演説|所信|説明|述べ|答え|議論|答申|会議")
_CLAUSE_END = re.compile(r"[、。，,？?！!]|で(?!の)")
_NEXT_DATE = re.compile(r"[とや及]")


def _said_then(found: _Found, text: str, end: int, date_starts: set[int]) -> bool:
    """Whether a date says when something was said, not when an event happened: 「2025年2月の衆議院予算委員会で」
    and 「2025年2月の答弁」 do; 「2024年12月の日中外相会談で」「令和6年に中高生の自殺者が」 do not. The clause after
    the date must name a sitting, a venue, a speaker or an act of speech, or be empty (the date ends the question),
    or lead to another date (「2024年12月と2025年3月の審議」)."""
    stop = _CLAUSE_END.search(text, end)
    clause = text[end:stop.start() if stop else len(text)]
    if not clause.strip("のにはでも 　"):
        return True
    if _NEXT_DATE.match(clause) and end + 1 in date_starts:
        return True
    lead = end + len(clause) - len(clause.lstrip("のにはでも 　"))
    if any(s == lead for s, _ in found.hint_spans):  # a venue or a speaker right after it
        return True
    return _SAID.search(clause) is not None


# --- entry point -----------------------------------------------------------------------


def parse_hints(query: str, directory: DietDirectory) -> DietHints:
    """Find who/where/when in a question and turn it into filters; DietHints() if none.

    Never raises: anything that does not read cleanly as a hint is left to the
    topic search.
    """
    found = _Found(QueryText.of(query))
    _find_people(directory, found)
    _find_bare_names(directory, found)
    _find_venues(directory, found)
    _find_sessions(found)
    _find_dates(found)
    return found.hints()
