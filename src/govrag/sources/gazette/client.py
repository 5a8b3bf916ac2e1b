"""Client for kanpo.go.jp (官報発行サイト): the daily issues' tables of contents and full-issue PDFs, kept raw.

Only the last 90 days are free on the site: the top page (``/index.html``)
lists them, each issue with its table of contents (``…0000f.html``) and its
full PDF, in one or more page ranges (``…full00010032f.html`` → the PDF
``/{YYYYMMDD}/{issue_id}/pdf/{issue_id}full00010032.pdf``). Older days are on
the paid 官報情報検索サービス only; a range reaching before the top page's oldest
day is fetched as far as the site goes and the rest is reported.

The site is a public service: one request at a time, ``min_interval`` seconds
apart (2 s by default), backing off on 429/5xx and honouring ``Retry-After``
(sources/http.py). ``fetch_days`` keeps every response as published, under
``{out}/{YYYYMMDD}/{issue_id}/``, and resumes: a file is written atomically
(temporary file, then rename), so one that exists is complete and is not
fetched again, and a day whose files all exist makes no request at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Unpack

import httpx

import govrag
from govrag.sources.files import atomic_write
from govrag.sources.gazette.records import BASE_URL, IssueRef
from govrag.sources.gazette.toc import TocError, list_top_page
from govrag.sources.http import ApiError, Injected, PoliteClient

__all__ = ["STATE_FILE", "FetchReport", "KanpoClient", "KanpoError", "fetch_days", "pdf_name", "toc_name"]

DEFAULT_USER_AGENT = f"govrag/{govrag.__version__} (research over the official gazette; python-httpx)"
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)  # a full issue's PDF runs to 60 MB
TOP_PAGE_PATH = "/index.html"
#: What the top pages said each day held (issue id → PDF page ranges), so a rerun knows a day is complete.
STATE_FILE = "fetch-state.json"
TOP_DIR = "top"


class KanpoError(ApiError):
    """kanpo.go.jp did not give the page: which URL, the HTTP status, and the page's own words if any."""

    api_name = "kanpo.go.jp"


# --------------------------------------------------------------------------- client


class KanpoClient(PoliteClient):
    """Polite, retrying, synchronous client: one request at a time, `min_interval` seconds apart.

    Connect errors, timeouts, 408/425/429 and 5xx are retried up to
    `max_retries` times with exponential backoff, or after exactly `Retry-After`
    when the server sends one (up to `max_retry_after`). Other 4xx, a 404
    included, raise KanpoError at once (`.status` says which). Redirects are not
    followed: a moved page is an error, never a saved error page. `clock`,
    `sleep`, `now` and `transport` are injectable so tests never wait or touch
    the network.
    """

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        min_interval: float = 2.0,
        max_retries: int = 4,
        backoff_base: float = 5.0,
        backoff_max: float = 120.0,
        max_retry_after: float = 600.0,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        user_agent: str = DEFAULT_USER_AGENT,
        **injected: Unpack[Injected],
    ) -> None:
        super().__init__(base_url=base_url, min_interval=min_interval, max_retries=max_retries,
                         backoff_base=backoff_base, backoff_max=backoff_max, max_retry_after=max_retry_after,
                         timeout=timeout, user_agent=user_agent, **injected)

    def top_page(self) -> bytes:
        """The top page: the last 90 days' issues with their PDF links."""
        return self.get(self.base_url + TOP_PAGE_PATH)

    def toc_page(self, ref: IssueRef) -> bytes:
        return self.get(self._here(ref.toc_url()))

    def pdf(self, ref: IssueRef, first: int, last: int) -> bytes:
        """The full issue's PDF, pages first–last (a big issue comes in several such parts)."""
        return self.get(self._here(ref.pdf_url(first, last)))

    def get(self, url: str) -> bytes:
        """GET with pacing and retries (sources/http.py); the body, or KanpoError."""
        return self._get(url, {}, KanpoError, _describe).content

    def _here(self, site_url: str) -> str:
        """records.py builds kanpo.go.jp URLs; a client pointed elsewhere (a mirror, a test) swaps the base."""
        return self.base_url + site_url.removeprefix(BASE_URL)


def _describe(response: httpx.Response) -> tuple[str | None, str | None]:
    """An error page's words: its <title> if HTML, else the body's start."""
    text = response.text.strip()
    lower = text.lower()
    start, end = lower.find("<title>"), lower.find("</title>")
    if 0 <= start < end:
        return None, text[start + 7 : end].strip()[:200] or None
    return None, text[:200] or None


# --------------------------------------------------------------------------- fetch


def toc_name(ref: IssueRef) -> str:
    """Where an issue's table of contents is saved, relative to the output folder."""
    return f"{ref.day}/{ref.issue_id}/{ref.issue_id}0000f.html"


def pdf_name(ref: IssueRef, first: int, last: int) -> str:
    """Where a full-issue PDF part is saved: the site's own file name, beside the table of contents."""
    return f"{ref.day}/{ref.issue_id}/{ref.pdf_file(first, last)}"


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What one `fetch_days` run did; `missing` are listed files the site answered 404 for (retried next run)."""

    days: int
    days_fetched: int
    days_already_done: int
    issues: int
    files_written: int
    top_page: str | None = None
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())


Listing = dict[str, dict[str, list[tuple[int, int]]]]  # YYYYMMDD → issue id → PDF page ranges


def fetch_days(
    client: KanpoClient,
    out_dir: Path,
    date_from: date | str,
    date_until: date | str,
    *,
    pdfs: bool = False,
) -> FetchReport:
    """Save every issue of [date_from, date_until] the site lists: its table of contents, and with `pdfs` its PDF.

    Resumable by day: the days of the last top page (all but its newest day,
    which may still get a later 号外) are remembered in ``{out}/fetch-state.json``;
    a remembered day whose files all exist is skipped, and when every day of the
    range is, the run sends no request. Otherwise the top page is fetched (and
    kept as ``{out}/top/index-{newest day}.html``) and each missing file fetched.
    A 404 for a listed file is reported in `missing` and skipped (the day stays
    unfinished, so a rerun tries it again); other failures raise KanpoError
    after their retries, leaving complete files only.
    """
    start, end = _day(date_from, "date_from"), _day(date_until, "date_until")
    if start > end:
        raise ValueError(f"date_from {start} is after date_until {end}")
    days = [f"{start + timedelta(n):%Y%m%d}" for n in range((end - start).days + 1)]
    out_dir.mkdir(parents=True, exist_ok=True)
    state = _load_state(out_dir / STATE_FILE)
    pending = [d for d in days if not _day_done(out_dir, state.get(d), pdfs)]
    if not pending:
        return FetchReport(len(days), 0, len(days), sum(len(state[d]) for d in days), 0)
    listing, top_name, warnings = _fetch_listing(client, out_dir)
    _remember(out_dir / STATE_FILE, state, listing)
    run = _Run(client, out_dir, pdfs, warnings)
    oldest, newest = min(listing), max(listing)
    for day in pending:
        if day < oldest:
            warnings.append(f"{day}: older than the site's free 90 days (oldest listed day {oldest}), not fetched")
        elif day > newest:
            warnings.append(f"{day}: not published yet (newest listed day {newest})")
        else:
            run.day(day, listing.get(day, {}))
    issues = sum(len(listing.get(d) or state.get(d) or {}) for d in days)
    return FetchReport(
        days=len(days), days_fetched=run.days, days_already_done=len(days) - len(pending), issues=issues,
        files_written=run.written, top_page=top_name, missing=tuple(run.missing), warnings=tuple(warnings),
    )


def _day(value: date | str, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} must be a date or 'YYYY-MM-DD', got {value!r}") from None


def _fetch_listing(client: KanpoClient, out_dir: Path) -> tuple[Listing, str, list[str]]:
    """The top page, parsed into day → issues, and kept raw under top/."""
    body = client.top_page()
    url = client.base_url + TOP_PAGE_PATH
    problems: list[str] = []
    try:
        listed = list_top_page(body, url, problems)
    except TocError as exc:
        raise KanpoError(f"the top page lists no issues ({exc})", url=url, status=200) from exc
    listing: Listing = {}
    for item in listed:
        listing.setdefault(item.ref.day, {})[item.ref.issue_id] = list(item.pdf_parts)
    if not listing:  # e.g. only 目録 issues, which are not read
        raise KanpoError("the top page lists no issue that can be read", url=url, status=200)
    name = f"{TOP_DIR}/index-{max(listing)}.html"
    atomic_write(out_dir / name, body)
    return listing, name, problems


@dataclass
class _Run:
    """One run's fetching of days: counts what it wrote, what the site did not have, what looked wrong."""

    client: KanpoClient
    out_dir: Path
    pdfs: bool
    warnings: list[str]
    days: int = 0
    written: int = 0
    missing: list[str] = field(default_factory=list)

    def day(self, day: str, issues: Mapping[str, list[tuple[int, int]]]) -> None:
        self.days += 1
        for issue_id, parts in issues.items():
            ref = IssueRef.parse(issue_id)
            _remove_temporaries(self.out_dir / ref.day / ref.issue_id)
            self._file(ref, toc_name(ref), partial(self.client.toc_page, ref), _looks_like_toc)
            if self.pdfs and not parts:
                self.warnings.append(f"{issue_id}: the top page gives no PDF link, PDF not fetched")
            for first, last in parts if self.pdfs else ():
                self._file(ref, pdf_name(ref, first, last), partial(self.client.pdf, ref, first, last), _looks_like_pdf)

    def _file(
        self, ref: IssueRef, name: str, get: Callable[[], bytes], check: Callable[[IssueRef, bytes], str | None]
    ) -> None:
        path = self.out_dir / name
        if path.exists():
            return
        try:
            body = get()
        except KanpoError as exc:
            if exc.status != 404:
                raise
            self.missing.append(f"{ref.issue_id}: {exc.url} (HTTP 404)")
            return
        if (wrong := check(ref, body)) is not None:
            self.warnings.append(f"{name}: {wrong}, not saved")
            return
        atomic_write(path, body)
        self.written += 1


def _looks_like_toc(ref: IssueRef, body: bytes) -> str | None:
    """A maintenance page served with 200 must not count as the issue's table of contents."""
    return None if ref.issue_id.encode() in body else f"the page does not mention {ref.issue_id}"


def _looks_like_pdf(ref: IssueRef, body: bytes) -> str | None:
    return None if body.startswith(b"%PDF-") else f"not a PDF (starts with {body[:16]!r})"


def _day_done(out_dir: Path, issues: Mapping[str, list[tuple[int, int]]] | None, pdfs: bool) -> bool:
    """A day the state knows, whose every wanted file exists (a day without issues is done at once)."""
    if issues is None:
        return False
    for issue_id, parts in issues.items():
        ref = IssueRef.parse(issue_id)
        wanted = [toc_name(ref), *(pdf_name(ref, a, b) for a, b in parts if pdfs)]
        if not all((out_dir / name).is_file() for name in wanted):
            return False
    return True


# --------------------------------------------------------------------------- state


def _load_state(path: Path) -> Listing:
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_bytes())["days"]
        state = {str(day): {str(i): [(int(a), int(b)) for a, b in parts] for i, parts in issues.items()}
                 for day, issues in raw.items()}
        for issues in state.values():
            for issue_id in issues:
                IssueRef.parse(issue_id)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: unreadable fetch state ({exc}); remove it to start over") from None
    return state


def _remember(path: Path, state: Listing, listing: Listing) -> None:
    """Record every listed day but the newest (issues may still be added to it today), and the holidays between."""
    newest = max(listing)
    day, last = datetime.strptime(min(listing), "%Y%m%d").date(), datetime.strptime(newest, "%Y%m%d").date()
    while day < last:
        key = f"{day:%Y%m%d}"
        state[key] = listing.get(key, {})
        day += timedelta(days=1)
    atomic_write(path, json.dumps({"days": dict(sorted(state.items()))}, ensure_ascii=False, indent=1).encode())


# --------------------------------------------------------------------------- files


def _remove_temporaries(folder: Path) -> None:
    """Temporary files a killed run left: never counted as done, removed before the folder is written again."""
    for stale in folder.glob(".*.tmp") if folder.is_dir() else ():
        stale.unlink()
