"""The gazette's records and the identifiers users cite: issue ids, page URLs, 「官報 令和7年7月14日 … 2頁」.

An issue id (`20250714c00129`) is the date, the edition letter and the issue
number; kanpo.go.jp builds every URL of the issue from it, so every reader
(issues.json, saved pages, PDFs, the live site) shares these builders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from govrag.sources.dates import era_of

BASE_URL = "https://www.kanpo.go.jp"

#: Edition letter → what the filters and the site call it.
EDITIONS = {"h": "本紙", "g": "号外", "c": "政府調達", "t": "特別号外"}
EDITION_LETTERS = {name: letter for letter, name in EDITIONS.items()}
#: How an issue is cited: the procurement edition is printed as 号外政府調達第N号.
_CITED_EDITION = {"h": "本紙", "g": "号外", "c": "号外政府調達", "t": "特別号外"}

#: A full-issue PDF's file name on kanpo.go.jp (pages first–last), also in its `…f.html` viewer link.
FULL_PDF = re.compile(r"(?P<issue>\d{8}[a-z]\d{5})full(?P<first>\d{4})(?P<last>\d{4})")
_ISSUE_ID = re.compile(r"^(?P<day>\d{8})(?P<letter>[hgct])(?P<number>\d{5})$")


class IssueIdError(ValueError):
    """Not an issue id of the form YYYYMMDD + h/g/c/t + five digits."""


@dataclass(frozen=True, slots=True)
class IssueRef:
    """One issue of the gazette: the date, the edition and its number, parsed from its id."""

    issue_id: str
    date: str  # ISO
    letter: str
    number: int

    @classmethod
    def parse(cls, issue_id: str) -> IssueRef:
        m = _ISSUE_ID.match(issue_id.strip())
        if m is None:
            raise IssueIdError(f"{issue_id!r} is not a gazette issue id (e.g. 20250714c00129)")
        day = m["day"]
        try:
            iso = date(int(day[:4]), int(day[4:6]), int(day[6:])).isoformat()
        except ValueError:
            raise IssueIdError(f"{issue_id!r} has no valid date") from None
        return cls(m.group(0), iso, m["letter"], int(m["number"]))

    @property
    def day(self) -> str:
        """YYYYMMDD, the folder of the issue on kanpo.go.jp."""
        return self.issue_id[:8]

    @property
    def edition(self) -> str:
        return EDITIONS[self.letter]

    @property
    def cited(self) -> str:
        """「官報 令和7年7月14日 号外政府調達第129号」"""
        return f"官報 {wareki(self.date)} {_CITED_EDITION[self.letter]}第{self.number}号"

    def toc_url(self) -> str:
        return self.page_url(0)

    def page_url(self, page: int) -> str:
        """The page's HTML view (page 0 is the issue's table of contents)."""
        return f"{BASE_URL}/{self.day}/{self.issue_id}/{self.issue_id}{page:04d}f.html"

    def pdf_file(self, first: int, last: int) -> str:
        """The full issue's PDF file name, as kanpo.go.jp names it (FULL_PDF reads it back)."""
        return f"{self.issue_id}full{first:04d}{last:04d}.pdf"

    def pdf_url(self, first: int, last: int, page: int | None = None) -> str:
        """The full issue's PDF (pages first–last); with `page`, opened at that page."""
        url = f"{BASE_URL}/{self.day}/{self.issue_id}/pdf/{self.pdf_file(first, last)}"
        return url if page is None else f"{url}#page={page - first + 1}"


def wareki(iso: str) -> str:
    """2025-07-14 → 令和7年7月14日 (令和元年 for the first year)."""
    d = date.fromisoformat(iso[:10])
    era, year = era_of(d)
    return f"{era}{'元' if era and year == 1 else year}年{d.month}月{d.day}日"


def cited_page(ref: IssueRef, page: int) -> str:
    """「官報 令和7年7月14日 号外政府調達第129号 2頁」"""
    return f"{ref.cited} {page}頁"


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One line of an issue's table of contents: a title on a page, under a section (「公告 / 諸事項 / 裁判所」)."""

    issue_id: str
    page: int
    section: str
    title: str
    #: Place among the entries on the same page, from 0 (issues.json's article_id ends with it).
    ordinal: int = 0


@dataclass(frozen=True, slots=True)
class Issue:
    """What the readers know of one issue: its id, its page count and PDF parts when a PDF link or file says
    them, its entries."""

    ref: IssueRef
    pages: int | None = None
    entries: tuple[TocEntry, ...] = ()
    #: Where each piece came from (file names), for reports.
    origins: tuple[str, ...] = field(default=())
    #: The full-issue PDF files as (first page, last page): a big issue comes in several parts.
    parts: tuple[tuple[int, int], ...] = ()

    def pdf_url(self, page: int) -> str | None:
        """The PDF part that holds `page`, opened at it; None when no known part holds it."""
        part = next(((first, last) for first, last in self.parts if first <= page <= last), None)
        return self.ref.pdf_url(*part, page) if part else None
