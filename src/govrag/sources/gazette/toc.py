"""Readers of the gazette's tables of contents: issues.json, kanpo.go.jp pages, a day's Markdown digest.

Every input becomes `Issue` records (records.py) so the ingest can merge what
several inputs know of one issue: issues.json has titles and sections but no
page counts, the top page has page counts but no titles, an issue's own page
has both. `merge_issues` joins them.

Problems: a reader either raises `TocError` (the whole input is unusable: not
JSON, no issues list, HTML of another layout) or, for a single bad entry or
issue, skips it. What was skipped is appended to the `problems` list the caller
passes; without one, the first such problem raises `TocError` instead, so a bad
entry is never dropped silently. `read_toc` always collects and returns them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import lxml.html
from lxml.etree import ParserError

from govrag.sources.dates import western_year
from govrag.sources.gazette.records import (
    EDITION_LETTERS,
    FULL_PDF,
    Issue,
    IssueIdError,
    IssueRef,
    TocEntry,
)

__all__ = [
    "SKIPPED_EDITIONS",
    "ListedIssue",
    "TocError",
    "TocRead",
    "list_top_page",
    "merge_issues",
    "parse_day_markdown",
    "parse_issue_page",
    "parse_issues_json",
    "parse_top_page",
    "read_toc",
]

#: Section levels are joined like issues.json does: 「公告 / 諸事項 / 裁判所」.
SECTION_SEP = " / "
#: Editions the top page lists that are not gazette issues we read: 目録 (the catalogue) has no table of contents.
SKIPPED_EDITIONS = {"m": "目録"}

# A page URL's file name: issue id + 4-digit page + "f.html" (page 0000 is the table of contents).
_PAGE_HREF = re.compile(r"(?P<issue>\d{8}[a-z]\d{5})(?P<page>\d{4})f\.html(?:[?#].*)?$")
_FULL_HREF = re.compile(FULL_PDF.pattern + r"(?:f\.html|\.pdf)")
_ARTICLE_ID = re.compile(r"^(?P<issue>\d{8}[a-z]\d{5}):(?P<page>\d{4}):(?P<ordinal>\d+)$")
_HEADER = re.compile(
    r"(?P<era>令和|平成|昭和)\s*(?P<year>元|\d+)年\s*(?P<month>\d+)月\s*(?P<day>\d+)日\s*"
    r"\(\s*(?P<edition>[^\s\d()]+?)\s*第\s*(?P<number>\d+)\s*号\s*\)"
)


class TocError(ValueError):
    """An input the readers cannot use, or (strict mode) a bad entry in it; the message names the file."""


class TocRead(NamedTuple):
    """What `read_toc` got from one input: the issues, and what it skipped and why (one line each)."""

    issues: list[Issue]
    problems: list[str]


@dataclass(frozen=True, slots=True)
class ListedIssue:
    """An issue as the top page lists it: the full-issue PDF comes as one or more (first, last) page ranges."""

    ref: IssueRef
    pdf_parts: tuple[tuple[int, int], ...] = ()

    @property
    def pages(self) -> int | None:
        return max((last for _, last in self.pdf_parts), default=None)


# --------------------------------------------------------------------------- problems


Report = Callable[[str], None]


def _reporter(name: str, problems: list[str] | None) -> Report:
    """Append `name: problem` to `problems`; with no list, raise it (strict mode)."""

    def report(problem: str) -> None:
        if problems is None:
            raise TocError(f"{name}: {problem}")
        problems.append(f"{name}: {problem}")

    return report


# --------------------------------------------------------------------------- dispatch


def read_toc(name: str, data: bytes) -> TocRead:
    """Any supported input, recognised by content (and name): issues.json, an issue's page, the top page, a day's .md.

    Raises TocError when the input as a whole is unusable; bad single entries are
    skipped and listed in `problems`.
    """
    problems: list[str] = []
    head = data.lstrip()[:1]
    lower = name.lower()
    if lower.endswith(".json") or head in (b"{", b"["):
        return TocRead(parse_issues_json(data, name, problems), problems)
    if lower.endswith(".md") or head == b"#":
        return TocRead(parse_day_markdown(data, name, problems), problems)
    if b"pageAll" in data:
        return TocRead([parse_issue_page(data, name, problems)], problems)
    if b"articleTop" in data:
        return TocRead(parse_top_page(data, name, problems), problems)
    if head == b"<":
        raise TocError(f"{name}: HTML of another layout: neither an issue's table of contents (span#pageAll) "
                       f"nor the kanpo.go.jp top page (a.articleTop)")
    raise TocError(f"{name}: not a gazette table of contents (expected issues.json, kanpo.go.jp HTML or a day's .md)")


# --------------------------------------------------------------------------- issues.json


def parse_issues_json(data: bytes, name: str, problems: list[str] | None = None) -> list[Issue]:
    """issues.json (martians-sheep/kanpo-rss): every issue, with its articles as entries (none if it has no list).

    Sections are kept as given (「公告 / 諸事項 / 裁判所」); the ordinal is the
    article_id's last part (`20260821h01773:0005:2` → page 5, ordinal 2).
    """
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        cut = "; truncated?" if exc.pos >= len(exc.doc.rstrip()) else ""
        raise TocError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}{cut})") from None
    except UnicodeDecodeError as exc:
        cut = "; truncated?" if exc.end >= len(data) else ""
        raise TocError(f"{name}: not valid JSON (not UTF-8: {exc.reason} at byte {exc.start}{cut})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("issues"), list):
        raise TocError(f"{name}: no 'issues' list (not a gazette issues.json)")
    report = _reporter(name, problems)
    issues = []
    for i, raw in enumerate(doc["issues"]):
        issue = _json_issue(raw, f"issue #{i}", name, report)
        if issue is not None:
            issues.append(issue)
    return issues


def _json_issue(raw: Any, where: str, name: str, report: Report) -> Issue | None:
    if not isinstance(raw, dict):
        report(f"{where}: not an object, skipped")
        return None
    try:
        ref = IssueRef.parse(str(raw.get("issue_id", "")))
    except IssueIdError as exc:
        report(f"{where}: {exc}, skipped")
        return None
    articles = raw.get("articles", [])
    if not isinstance(articles, list):
        report(f"{ref.issue_id}: 'articles' is not a list, entries skipped")
        articles = []
    entries = [e for j, a in enumerate(articles) if (e := _json_entry(a, ref, f"{ref.issue_id} article #{j}", report))]
    entries.sort(key=lambda e: (e.page, e.ordinal))
    return Issue(ref, None, tuple(entries), (name,))


def _json_entry(raw: Any, ref: IssueRef, where: str, report: Report) -> TocEntry | None:
    if not isinstance(raw, dict):
        report(f"{where}: not an object, skipped")
        return None
    page = raw.get("page_number")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        report(f"{where}: no page number (page_number={page!r}), skipped")
        return None
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        report(f"{where}: no title, skipped")
        return None
    section = raw.get("section", "")
    m = _ARTICLE_ID.match(str(raw.get("article_id", "")))
    if m is None or m["issue"] != ref.issue_id or int(m["page"]) != page:
        report(f"{where}: article_id {raw.get('article_id')!r} is not {ref.issue_id}:{page:04d}:<ordinal>, skipped")
        return None
    return TocEntry(ref.issue_id, page, str(section or "").strip(), title.strip(), int(m["ordinal"]))


# --------------------------------------------------------------------------- HTML


def _html(data: bytes, name: str) -> lxml.html.HtmlElement:
    """kanpo.go.jp pages are UTF-8 (meta charset); decoding here keeps lxml from guessing."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TocError(f"{name}: not UTF-8 HTML ({exc.reason} at byte {exc.start})") from None
    try:
        return lxml.html.document_fromstring(text)
    except (ParserError, ValueError) as exc:
        raise TocError(f"{name}: not HTML ({exc})") from None


def _text(el: lxml.html.HtmlElement) -> str:
    """The element's `span.text` (titles sit there; the page number sits in span.date), else all its text."""
    spans = el.xpath(".//span[contains(concat(' ', normalize-space(@class), ' '), ' text ')]")
    return (spans[0] if spans else el).text_content().strip()


def _has_class(cls: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


def parse_issue_page(html: bytes, name: str, problems: list[str] | None = None) -> Issue:
    """An issue's table of contents page (`…0000f.html`): id, page count (span#pageAll), entries by page.

    Headings h2/h3/h4 make the section path; a heading that is itself a link
    (国会事項, 会社その他) is an entry titled by the heading, as issues.json has it.
    """
    root = _html(html, name)
    report = _reporter(name, problems)
    ref = _page_issue(root, name)
    pages = _page_all(root, report)
    box = root.xpath(f"//div[{_has_class('contentsBox')}]")
    if not box:
        raise TocError(f"{name}: {ref.issue_id} page has no table of contents (div.contentsBox)")
    entries = _page_entries(box[0], ref, report)
    return Issue(ref, pages, _numbered(entries), (name,))


def _page_issue(root: lxml.html.HtmlElement, name: str) -> IssueRef:
    """From the menu's 「この官報の目次」 link, else the entry links, else the header 「令和8年3月3日（本紙　第1657号）」."""
    found = [m for href in root.xpath("//a/@href") if (m := _PAGE_HREF.search(href))]
    ids = {m["issue"] for m in found if m["page"] == "0000"} or {m["issue"] for m in found}  # the 目次 link first
    if len(ids) > 1:
        raise TocError(f"{name}: links to pages of several issues ({', '.join(sorted(ids))}); not one issue's page")
    if ids:
        try:
            return IssueRef.parse(ids.pop())
        except IssueIdError as exc:
            raise TocError(f"{name}: {exc}") from None
    for header in root.xpath(f"//p[{_has_class('date')}]"):
        if ref := _header_ref(header.text_content()):
            return ref
    raise TocError(f"{name}: no issue id found (no page links, no 「令和…年…月…日（本紙　第…号）」 header); "
                   f"HTML of another layout?")


def _page_all(root: lxml.html.HtmlElement, report: Report) -> int | None:
    found = root.xpath("//span[@id='pageAll']")
    if not found:
        return None
    text = found[0].text_content().strip()
    if not text.isdigit() or int(text) < 1:
        report(f"page count span#pageAll is {text!r}, not a number")
        return None
    return int(text)


_LEVELS = {"h2": 1, "h3": 2, "h4": 3}


def _page_entries(box: lxml.html.HtmlElement, ref: IssueRef, report: Report) -> list[TocEntry]:
    """Walk the headings and list items in document order, keeping the section path as a stack of (level, name)."""
    path: list[tuple[int, str]] = []
    entries: list[TocEntry] = []
    for el in box.iter("h2", "h3", "h4", "li"):
        if el.tag in _LEVELS:
            level = _LEVELS[el.tag]
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, _text(el)))
            if el.xpath(".//a[@href]") and (entry := _link_entry(el, ref, _section(path), report)):
                entries.append(entry)
        elif el.xpath(".//a[@href]") and (entry := _link_entry(el, ref, _section(path), report)):
            entries.append(entry)
    return entries


def _section(path: list[tuple[int, str]]) -> str:
    return SECTION_SEP.join(name for _, name in path if name)


def _link_entry(el: lxml.html.HtmlElement, ref: IssueRef, section: str, report: Report) -> TocEntry | None:
    """A linked title: its page from the link's file name (…0009f.html), else from span.date."""
    link = el.xpath(".//a[@href]")[0]
    title = _text(link)
    if not title:
        report(f"{ref.issue_id}: an entry under {section or '(no section)'!r} has no title, skipped")
        return None
    page = _href_page(link.get("href", ""), ref)
    if page is None:
        dates = link.xpath(f".//span[{_has_class('date')}]")
        text = dates[0].text_content().strip() if dates else ""
        page = int(text) if text.isdigit() else None
    if page is None or page < 1:
        report(f"{ref.issue_id}: entry {title!r} has no page number, skipped")
        return None
    return TocEntry(ref.issue_id, page, section, title)


def _href_page(href: str, ref: IssueRef) -> int | None:
    m = _PAGE_HREF.search(href)
    return int(m["page"]) if m and m["issue"] == ref.issue_id else None


def _numbered(entries: Iterable[TocEntry]) -> tuple[TocEntry, ...]:
    """Stable by page; each entry's ordinal is its place among the entries on its page."""
    out: list[TocEntry] = []
    counts: dict[int, int] = {}
    for e in sorted(entries, key=lambda e: e.page):
        n = counts.get(e.page, 0)
        counts[e.page] = n + 1
        out.append(TocEntry(e.issue_id, e.page, e.section, e.title, n))
    return tuple(out)


def list_top_page(html: bytes, name: str, problems: list[str] | None = None) -> list[ListedIssue]:
    """The kanpo.go.jp top page (the last 90 days): each issue with its full-PDF page ranges, in page order.

    A big issue's PDF comes in parts (`full00010320f.html`, `full03210360f.html`).
    目録 (edition letter m) is skipped: a catalogue, with no table of contents.
    """
    root = _html(html, name)
    report = _reporter(name, problems)
    boxes = root.xpath(f"//li[{_has_class('articleBox')}]")
    if not boxes:
        raise TocError(f"{name}: no issues listed (no li.articleBox); not the kanpo.go.jp top page?")
    listed: dict[str, ListedIssue] = {}
    for box in boxes:
        item = _listed(box, report)
        if item is not None and item.ref.issue_id not in listed:
            listed[item.ref.issue_id] = item
    return list(listed.values())


def _listed(box: lxml.html.HtmlElement, report: Report) -> ListedIssue | None:
    hrefs = box.xpath(".//a/@href")
    ids = [m["issue"] for href in hrefs if (m := _PAGE_HREF.search(href) or _FULL_HREF.search(href))]
    if not ids:
        report(f"an issue box links to no issue page: {' '.join(hrefs)[:120]!r}, skipped")
        return None
    if ids[0][8] in SKIPPED_EDITIONS:
        return None
    try:
        ref = IssueRef.parse(ids[0])
    except IssueIdError as exc:
        report(f"{exc}, skipped")
        return None
    parts = sorted((int(m["first"]), int(m["last"])) for href in hrefs
                   if (m := _FULL_HREF.search(href)) and m["issue"] == ref.issue_id)
    return ListedIssue(ref, tuple(parts))


def parse_top_page(html: bytes, name: str, problems: list[str] | None = None) -> list[Issue]:
    """Every issue the top page lists, with its page count from the full-PDF links (`full00010032` → 32), no entries."""
    return [Issue(item.ref, item.pages, (), (name,), item.pdf_parts) for item in list_top_page(html, name, problems)]


# --------------------------------------------------------------------------- Markdown


_MD_ISSUE = re.compile(r"^###\s+(?P<text>.+?)\s*$")
_MD_HEADING = re.compile(r"^(?P<hashes>#{4,6})\s+(?:\[(?P<linked>.+)\]\((?P<url>[^)\s]+)\)|(?P<plain>.+?))\s*$")
_MD_ENTRY = re.compile(r"^[-*]\s+\[(?P<title>.+)\]\((?P<url>[^)\s]+)\)\s*$")


def parse_day_markdown(text: bytes, name: str, problems: list[str] | None = None) -> list[Issue]:
    """A day's Markdown digest (testkun08080/kanpo-rss `官報_YYYY-MM-DD.md`): its issues, entries, page counts.

    `### 令和7年7月14日（政府調達　第129号）` opens an issue; `####`–`######`
    are section levels 1–3; `- [title](…0025f.html)` is an entry on page 25; a
    heading that is a link is an entry titled by the section. Page counts come
    from the PDF URLs (`…full00010040.pdf`).
    """
    try:
        lines = text.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise TocError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    report = _reporter(name, problems)
    parts = _md_pdf_parts(lines)
    found: dict[str, list[TocEntry]] = {}
    for ref, entries in _md_issues(lines, report):
        found.setdefault(ref.issue_id, []).extend(entries)
    for issue_id in parts:
        found.setdefault(issue_id, [])
    if not found:
        raise TocError(f"{name}: no gazette issue found (no `### 令和…（本紙　第…号）` heading, no PDF URL)")
    issues = []
    for issue_id, entries in found.items():
        ref = IssueRef.parse(issue_id)
        pages = max((last for _, last in parts.get(issue_id, ())), default=None)
        issues.append(Issue(ref, pages, _numbered(entries), (name,), tuple(sorted(set(parts.get(issue_id, ()))))))
    return issues


def _md_pdf_parts(lines: list[str]) -> dict[str, list[tuple[int, int]]]:
    parts: dict[str, list[tuple[int, int]]] = {}
    for line in lines:
        for m in _FULL_HREF.finditer(line):
            if m["issue"][8] in "hgct":
                ranges = parts.setdefault(m["issue"], [])
                if (span := (int(m["first"]), int(m["last"]))) not in ranges:
                    ranges.append(span)
    return parts


def _md_issues(lines: list[str], report: Report) -> Iterator[tuple[IssueRef, list[TocEntry]]]:
    """Each `###` issue with its entries; lines outside an issue (the header, the PDF table) are ignored."""
    ref: IssueRef | None = None
    path: list[tuple[int, str]] = []
    entries: list[TocEntry] = []
    for n, line in enumerate(lines, 1):
        opens = _MD_ISSUE.match(line)
        if opens or line.startswith("## "):  # a new issue, or the end of the issues' part
            if ref is not None:
                yield ref, entries
            ref, path, entries = None, [], []
            if opens:
                ref = _md_issue_ref(opens["text"], lines[n:], report, n)
            continue
        heading, item = _MD_HEADING.match(line), _MD_ENTRY.match(line)
        if not (heading or item):
            continue
        if ref is None:
            report(f"line {n}: {line.strip()[:60]!r} is outside any `###` issue, skipped")
            continue
        if heading:
            level = len(heading["hashes"]) - 3
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, (heading["linked"] or heading["plain"]).strip()))
            title, url = heading["linked"], heading["url"]
        else:
            title, url = item["title"], item["url"]
        if url and (e := _md_entry(title, url, _section(path), ref, n, report)):
            entries.append(e)
    if ref is not None:
        yield ref, entries


def _md_issue_ref(header: str, rest: list[str], report: Report, n: int) -> IssueRef | None:
    """From the heading's date, edition and number; failing that, from the issue's first entry URL."""
    if ref := _header_ref(header):
        return ref
    for line in rest:
        if _MD_ISSUE.match(line):
            break
        if (m := _PAGE_HREF.search(line.rstrip(") \t"))) and m["issue"][8] in "hgct":
            return IssueRef.parse(m["issue"])
    report(f"line {n}: issue heading {header!r} gives no issue (no date/edition/number, no entry link), skipped")
    return None


def _md_entry(title: str, url: str, section: str, ref: IssueRef, n: int, report: Report) -> TocEntry | None:
    m = _PAGE_HREF.search(url)
    if m is None or int(m["page"]) < 1:
        report(f"line {n}: entry {title.strip()!r} has no page number in its URL {url!r}, skipped")
        return None
    if m["issue"] != ref.issue_id:
        report(f"line {n}: entry {title.strip()!r} links to issue {m['issue']}, not {ref.issue_id}, skipped")
        return None
    return TocEntry(ref.issue_id, int(m["page"]), section, title.strip())


def _header_ref(text: str) -> IssueRef | None:
    """「令和7年7月14日（政府調達　第129号）」 → 20250714c00129 (full-width forms folded first)."""
    m = _HEADER.search(unicodedata.normalize("NFKC", text))
    letter = EDITION_LETTERS.get(m["edition"].removeprefix("号外").strip() or "号外") if m else None
    if m is None or letter is None:
        return None
    year = western_year(m["era"], 1 if m["year"] == "元" else int(m["year"]))
    try:
        day = date(year, int(m["month"]), int(m["day"]))
    except ValueError:
        return None
    return IssueRef.parse(f"{day:%Y%m%d}{letter}{int(m['number']):05d}")


# --------------------------------------------------------------------------- merge


def merge_issues(issues: Iterable[Issue]) -> dict[str, Issue]:
    """One Issue per id, in first-seen order, joining what each input knew of it.

    The page count is the largest any input gives (None only if none knows it);
    entries are deduplicated by (page, section, title), ordered by page then by
    first appearance, and renumbered per page; origins are joined.
    """
    groups: dict[str, list[Issue]] = {}
    for issue in issues:
        groups.setdefault(issue.ref.issue_id, []).append(issue)
    return {issue_id: _merged(group) for issue_id, group in groups.items()}


def _merged(group: list[Issue]) -> Issue:
    seen: dict[tuple[int, str, str], TocEntry] = {}
    for issue in group:
        for e in issue.entries:
            seen.setdefault((e.page, e.section, e.title), e)
    pages = max((i.pages for i in group if i.pages is not None), default=None)
    origins = tuple(dict.fromkeys(o for i in group for o in i.origins))
    parts = tuple(sorted({part for i in group for part in i.parts}))
    return Issue(group[0].ref, pages, _numbered(seen.values()), origins, parts)
