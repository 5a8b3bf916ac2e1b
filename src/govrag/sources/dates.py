"""Dates written in a question, read the same way by every source's hinter.

「令和7年2月14日」「2025年2月」「２０２５／２／１４」「2024年12月から1月」「令和6年以前」:
people write dates in many ways, and a filter on a misread date hides every right
answer. This module reads them once, at the precision written (2025年 is the whole
year, 令和7年2月 the whole month), with ranges (〜, から…まで) and open ends (以降, まで).
What a date means for a source (a day something was said, a day an issue came out)
is the hinter's call; this module only says which days a stretch of text names.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from govrag.numerals import kanji_to_int, to_halfwidth_digits

__all__ = ["RANGE_SEP", "UNTIL", "DateSpan", "QueryText", "find_dates"]

_FULLWIDTH_MARKS = str.maketrans({"／": "/", "－": "-"})

#: How a range is written between its ends: 2025年2月から3月, 2025年2月〜3月, 第213回～第215回.
RANGE_SEP = re.compile(r"から|[～〜~\-]")
#: What may close a range: 2025年2月1日から14日まで.
UNTIL = re.compile(r"まで")


@dataclass(frozen=True, slots=True)
class QueryText:
    """The query without whitespace and with ASCII digits, mapped back to query offsets.

    Removing spaces lets 「石破 茂」 match 石破茂 and 「２０２５年 ２月」 read as a date,
    while spans still point into what the user typed. Reading an already compact
    text changes nothing, so offsets into it stay as they are.
    """

    query: str
    text: str
    origin: tuple[int, ...]

    @classmethod
    def of(cls, query: str) -> QueryText:
        kept = [(i, ch) for i, ch in enumerate(query) if not ch.isspace()]
        text = to_halfwidth_digits("".join(ch for _, ch in kept)).translate(_FULLWIDTH_MARKS)
        return cls(query, text, tuple(i for i, _ in kept))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Query offsets of text[start:end]."""
        return self.origin[start], self.origin[end - 1] + 1

    def quote(self, start: int, end: int) -> str:
        """What the user typed for text[start:end], spaces included."""
        first, last = self.span(start, end)
        return self.query[first:last]


@dataclass(frozen=True, slots=True)
class DateSpan:
    """One date, range or open range written in the text, and the days it covers.

    `start`/`end` are offsets into the text given to `find_dates`. `first` is None
    for an open start (2025年3月まで), `last` for an open end (2025年2月以降).
    `precision` is that of the date written first: "year", "month" or "day".
    `year_assumed` marks a month and day written without a year (7月14日), read in
    the year the caller gave.
    """

    start: int
    end: int
    first: date | None
    last: date | None
    precision: str
    year_assumed: bool = False


_KANJI_DIGITS = "〇一二三四五六七八九"
#: era: (year 1 in the western calendar, first day, last day) — the one era table of every source.
ERAS: dict[str, tuple[int, date, date]] = {
    "明治": (1868, date(1868, 10, 23), date(1912, 7, 29)),
    "大正": (1912, date(1912, 7, 30), date(1926, 12, 24)),
    "昭和": (1926, date(1926, 12, 25), date(1989, 1, 7)),
    "平成": (1989, date(1989, 1, 8), date(2019, 4, 30)),
    "令和": (2019, date(2019, 5, 1), date.max),
}


def western_year(era: str, year: int) -> int:
    """令和 7 → 2025 (year 1 is 元年)."""
    return ERAS[era][0] + year - 1


def era_of(day: date) -> tuple[str, int]:
    """The era and its year a day falls in: 2025-07-14 → (令和, 7); before 明治, ("", western year)."""
    for era, (first_year, first_day, _) in reversed(ERAS.items()):
        if day >= first_day:
            return era, day.year - first_year + 1
    return "", day.year
_SMALL = rf"(?:\d{{1,2}}|[{_KANJI_DIGITS}十]{{1,3}})"
_WITH_YEAR = (
    rf"(?:(?P<era>昭和|平成|令和)(?P<eyear>元|{_SMALL})年"
    rf"|(?<![\d{_KANJI_DIGITS}])(?P<year>\d{{4}}|[{_KANJI_DIGITS}]{{4}})年)(?!度)"
    rf"(?:(?P<month>{_SMALL})月(?:(?P<day>{_SMALL})日)?)?"
    r"|(?<!\d)(?P<iyear>\d{4})(?P<isep>[/\-])(?P<imonth>\d{1,2})(?:(?P=isep)(?P<iday>\d{1,2}))?(?!\d)"
)
# 7月14日 without a year; never the tail of a longer numeral or of a year (令和99年7月14日).
_MONTH_DAY = rf"(?<![\d{_KANJI_DIGITS}十年/\-])(?P<bmonth>{_SMALL})月(?P<bday>{_SMALL})日"
_DATE = re.compile(_WITH_YEAR)
_DATE_OR_MONTH_DAY = re.compile(f"{_WITH_YEAR}|{_MONTH_DAY}")
_PART = re.compile(rf"(?P<month>{_SMALL})月(?:(?P<day>{_SMALL})日)?|(?P<day2>{_SMALL})日")
_OPEN_AFTER = re.compile(r"以降|以後|から")
_OPEN_BEFORE = re.compile(r"まで|以前")


@dataclass(frozen=True, slots=True)
class _Period:
    """One written date at its precision: 2025年 is a year, 令和7年2月 a month."""

    first: date
    last: date
    year: int
    month: int | None
    has_day: bool

    @property
    def precision(self) -> str:
        return "year" if self.month is None else "day" if self.has_day else "month"


@dataclass(frozen=True, slots=True)
class _Years:
    """The years a source can have dates in; anything outside is a number, not a date."""

    first: int
    last: int


def _number(numeral: str) -> int | None:
    try:
        return kanji_to_int(numeral)
    except ValueError:
        return None


def _optional(numeral: str | None) -> int | None:
    return None if numeral is None else _number(numeral)


def _period(years: _Years, year: int, month: int | None, day: int | None, era: str | None = None) -> _Period | None:
    """The days a written date covers, or None when it is no date the source can have.

    Months end on their real last day (2024年2月 → 29日); an era year is cut to the
    era (令和元年 starts 2019-05-01); years outside `years` are numbers, not dates
    (2100年問題, 令和99年).
    """
    if not years.first <= year <= years.last:
        return None
    try:
        if month is None:
            first, last = date(year, 1, 1), date(year, 12, 31)
        elif day is None:
            first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        else:
            first = last = date(year, month, day)
    except ValueError:
        return None
    if era is not None:
        _, era_first, era_last = ERAS[era]
        first, last = max(first, era_first), min(last, era_last)
        if first > last:
            return None
    return _Period(first, last, year, month, day is not None)


def _full_date(m: re.Match[str], years: _Years, assumed: int | None = None) -> _Period | None:
    """The period a match names; a month and day without a year are read in `assumed`."""
    if m["iyear"] is not None:
        return _period(years, int(m["iyear"]), int(m["imonth"]), _optional(m["iday"]))
    if m.groupdict().get("bmonth") is not None:
        month, day = _number(m["bmonth"]), _number(m["bday"])
        return None if assumed is None or month is None or day is None else _period(years, assumed, month, day)
    month, day = _optional(m["month"]), _optional(m["day"])
    if (m["month"] is not None and month is None) or (m["day"] is not None and day is None):
        return None
    if m["era"] is not None:
        n = _number(m["eyear"])
        return None if n is None else _period(years, western_year(m["era"], n), month, day, m["era"])
    year = _number(m["year"])
    return None if year is None else _period(years, year, month, day)


def _range_end(text: str, pos: int, start: _Period, years: _Years) -> tuple[int, _Period | None] | None:
    """The end after 〜/から: a full date, or a month/day taking the rest from the start.

    Returns (end offset, period or None if invalid), or None when no end is written.
    """
    if (sep := RANGE_SEP.match(text, pos)) is None:
        return None
    if (m := _DATE.match(text, sep.end())) is not None:
        return m.end(), _full_date(m, years)
    if (m := _PART.match(text, sep.end())) is None:
        return None
    if m["day2"] is not None:  # 2025年2月1日から14日; a day alone needs a day to start from
        if not start.has_day:
            return None
        return m.end(), _period(years, start.year, start.month, _number(m["day2"]))
    month, day = _number(m["month"]), _optional(m["day"])
    if month is None or (m["day"] is not None and day is None):
        return m.end(), None
    end = _period(years, start.year, month, day)
    if end is not None and end.last < start.first:  # 2024年12月から1月 means the next January
        end = _period(years, start.year + 1, month, day)
    return m.end(), end


def _bounds(
    text: str, end: int, start: _Period, years: _Years
) -> tuple[tuple[date | None, date | None] | None, int]:
    """What a date means with what follows it (a range, an open end, or itself), and where it stops."""
    if (ranged := _range_end(text, end, start, years)) is not None:
        end, until = ranged
        if until is None or until.last < start.first:
            return None, end
        tail = UNTIL.match(text, end)
        return (start.first, until.last), end if tail is None else tail.end()
    if (after := _OPEN_AFTER.match(text, end)) is not None:
        return (start.first, None), after.end()
    if (before := _OPEN_BEFORE.match(text, end)) is not None:
        return (None, start.last), before.end()
    return (start.first, start.last), end


def find_dates(text: str, first_year: int, last_year: int, *, assume_year: int | None = None) -> list[DateSpan]:
    """Every date in `text` a source can have, in text order, none overlapping another.

    Dates carry a year, western (2025年, 2025/2/14, 二〇二五年) or era (令和7年, 令和元年),
    and may be a range (〜, から…まで) or open (以降, 以後, から, まで, 以前). 令和7年度 is a
    fiscal year, a topic rather than a date; 2月30日 and years outside first_year..last_year
    read as nothing. With `assume_year`, a month and day without a year (7月14日) are read
    in that year; without it they are left alone, since the year is anyone's guess.
    A stretch that looks like a date but is not valid (2025年3月から2025年2月) is skipped whole,
    so no part of it is read as another date.
    """
    query = QueryText.of(text)
    compact, years = query.text, _Years(first_year, last_year)
    pattern = _DATE if assume_year is None else _DATE_OR_MONTH_DAY
    found: list[DateSpan] = []
    pos = 0
    while (m := pattern.search(compact, pos)) is not None:
        pos = m.end()
        if (start := _full_date(m, years, assume_year)) is None:
            continue
        bounds, pos = _bounds(compact, m.end(), start, years)
        if bounds is not None:
            first, last = query.span(m.start(), pos)
            assumed = m.groupdict().get("bmonth") is not None
            found.append(DateSpan(first, last, *bounds, start.precision, assumed))
    return found
