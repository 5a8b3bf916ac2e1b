"""Client for the NDL Diet minutes search API (国会会議録検索システム 検索用API, https://kokkai.ndl.go.jp/api.html).

Three endpoints share one set of search conditions and differ in what comes back:
``speech`` (one record per matching speech, up to 100 a request), ``meeting``
(whole minutes with every speech, up to 10 a request) and ``meeting_list``
(minutes without text, up to 100). Paging is ``startRecord`` →
``nextRecordPosition`` until the latter is absent.

NDL asks users not to send requests in parallel and to wait a few seconds
between them, so the client sends one request at a time, at least
``min_interval`` seconds apart (3 s by default), and backs off on 429/5xx,
honouring ``Retry-After``. ``harvest`` keeps every raw response page on disk
(the source as published, which the government-data rules require us to keep)
and can resume after an interruption; ``parse.iter_speeches`` reads that folder.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Unpack

import httpx

import govrag
from govrag.sources.diet.parse import HARVEST_STATE, Page, ResponseError, parse_response
from govrag.sources.files import atomic_write
from govrag.sources.http import ApiError, Injected, PoliteClient

__all__ = [
    "DEFAULT_BASE_URL",
    "ENDPOINT_LIMITS",
    "DietApiClient",
    "DietApiError",
    "DietQuery",
    "HarvestReport",
    "harvest",
]

DEFAULT_BASE_URL = "https://kokkai.ndl.go.jp/api"
DEFAULT_USER_AGENT = f"govrag/{govrag.__version__} (research over Diet minutes; python-httpx)"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

Endpoint = Literal["speech", "meeting", "meeting_list"]
# maximumRecords each endpoint allows (API spec); asking for more is a 400.
ENDPOINT_LIMITS: Mapping[str, int] = {"speech": 100, "meeting": 10, "meeting_list": 100}

# --------------------------------------------------------------------------- query


def _iso(value: date | str, what: str) -> str:
    """A date or 'YYYY-MM-DD' → 'YYYY-MM-DD', so a bad date fails before any request."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{what} must be a date or 'YYYY-MM-DD', got {value!r}")


@dataclass(frozen=True, slots=True)
class DietQuery:
    """Search conditions, with pythonic names; `params()` gives the API's names.

    Dates are normalised to 'YYYY-MM-DD' on construction, and a query with no
    condition at all is refused, because the API rejects it anyway.
    """

    any: str | None = None
    speaker: str | None = None
    name_of_house: str | None = None
    name_of_meeting: str | None = None
    from_: date | str | None = None
    until: date | str | None = None
    session_from: int | None = None
    session_to: int | None = None
    speaker_position: str | None = None
    speaker_group: str | None = None
    speaker_role: str | None = None
    speech_id: str | None = None
    issue_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("from_", "until"):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else _iso(value, name))
        if self.from_ and self.until and self.from_ > self.until:
            raise ValueError(f"from_ {self.from_} is after until {self.until}")
        for name in ("session_from", "session_to"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.session_from and self.session_to and self.session_from > self.session_to:
            raise ValueError(f"session_from {self.session_from} is after session_to {self.session_to}")
        if not self.params():
            raise ValueError("a Diet API query needs at least one condition")

    def params(self) -> dict[str, str]:
        """The conditions that are set, under the API's parameter names."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            out[_API_NAMES[f.name]] = str(value).strip()
        return out


_API_NAMES = {
    "any": "any", "speaker": "speaker", "name_of_house": "nameOfHouse", "name_of_meeting": "nameOfMeeting",
    "from_": "from", "until": "until", "session_from": "sessionFrom", "session_to": "sessionTo",
    "speaker_position": "speakerPosition", "speaker_group": "speakerGroup", "speaker_role": "speakerRole",
    "speech_id": "speechID", "issue_id": "issueID",
}


# --------------------------------------------------------------------------- errors


class DietApiError(ApiError):
    """The API did not give us the page: says where (URL), how (HTTP status) and, if it said, why."""

    api_name = "NDL Diet API"


# --------------------------------------------------------------------------- client


class DietApiClient(PoliteClient):
    """Polite, retrying, synchronous client: one request at a time, `min_interval` seconds apart.

    Connect errors, timeouts, 408/425/429 and 5xx are retried up to
    `max_retries` times with exponential backoff (`backoff_base` · 2^n, capped
    at `backoff_max`), or after exactly `Retry-After` when the server sends one;
    no jitter, since one serial client has nobody to desynchronise from. Other
    4xx (a bad query) fail at once, quoting the API's message. `clock`, `sleep`,
    `now` and `transport` are injectable so tests never wait or touch the network.
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        min_interval: float = 3.0,
        max_retries: int = 5,
        backoff_base: float = 5.0,
        backoff_max: float = 300.0,
        max_retry_after: float = 900.0,
        record_packing: Literal["json", "xml"] = "json",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        user_agent: str = DEFAULT_USER_AGENT,
        **injected: Unpack[Injected],
    ) -> None:
        if record_packing not in ("json", "xml"):
            raise ValueError(f"record_packing must be 'json' or 'xml', got {record_packing!r}")
        super().__init__(base_url=base_url, min_interval=min_interval, max_retries=max_retries,
                         backoff_base=backoff_base, backoff_max=backoff_max, max_retry_after=max_retry_after,
                         timeout=timeout, user_agent=user_agent, **injected)
        self.record_packing = record_packing

    # -- paging ---------------------------------------------------------------

    def pages(
        self, endpoint: Endpoint, query: DietQuery, *, maximum_records: int | None = None
    ) -> Iterator[tuple[bytes, Page]]:
        """Every response page for `query`, raw bytes with their parse, following nextRecordPosition.

        Bad arguments raise ValueError here, at call time, not on the first `next()`.
        """
        limit = ENDPOINT_LIMITS.get(endpoint)
        if limit is None:
            raise ValueError(f"endpoint must be one of {sorted(ENDPOINT_LIMITS)}, got {endpoint!r}")
        size = limit if maximum_records is None else maximum_records
        if not 1 <= size <= limit:
            raise ValueError(f"maximum_records for {endpoint} must be 1..{limit}, got {size}")
        base = {**query.params(), "maximumRecords": str(size), "recordPacking": self.record_packing}
        return self._walk(f"{self.base_url}/{endpoint}", base)

    def _walk(self, url: str, base: Mapping[str, str]) -> Iterator[tuple[bytes, Page]]:
        start = 1
        while True:
            response = self._request(url, {**base, "startRecord": str(start)})
            try:
                page = parse_response(response.content, str(response.url))
            except ResponseError as exc:
                raise DietApiError(
                    exc.reason, url=str(response.url), status=response.status_code, api_message=exc.api_message
                ) from exc
            yield response.content, page
            if page.next_record_position is None:
                return
            if page.next_record_position <= start:
                raise DietApiError(
                    f"paging made no progress (startRecord {start} → nextRecordPosition {page.next_record_position})",
                    url=str(response.url), status=response.status_code,
                )
            start = page.next_record_position

    # -- transport ------------------------------------------------------------

    def _request(self, url: str, params: Mapping[str, str]) -> httpx.Response:
        """GET with pacing and retries (sources/http.py); a 2xx response or DietApiError."""
        return self._get(url, params, DietApiError, lambda response: (None, _api_message(response)))


def _api_message(response: httpx.Response) -> str | None:
    """The API's own words from an error body (JSON or XML `message`/`details`), else the body's start."""
    try:
        parse_response(response.content, str(response.url))
    except ResponseError as exc:
        if exc.api_message is not None:
            return exc.api_message + (f" ({'; '.join(exc.details)})" if exc.details else "")
    text = response.text.strip()
    return text[:200] or None


# --------------------------------------------------------------------------- harvest


@dataclass(frozen=True, slots=True)
class HarvestReport:
    """What one `harvest` run did: windows fetched or already done, pages written, speeches received."""

    windows: int
    windows_fetched: int
    windows_already_done: int
    pages_written: int
    speeches: int
    warnings: tuple[str, ...]


def harvest(
    client: DietApiClient,
    query: DietQuery | None,
    date_from: date | str,
    date_until: date | str,
    out_dir: Path,
    window_days: int = 7,
    endpoint: Endpoint = "speech",
) -> HarvestReport:
    """Fetch [date_from, date_until] window by window, keeping every raw page, resumable.

    Pages go to ``out_dir/<endpoint>-<from>-<until>-<startRecord, 6 digits>.<json|xml>``
    and finished windows to ``out_dir/harvest-state.json``, both written atomically
    (temporary file, then rename). A rerun skips finished windows and restarts an
    unfinished one from its first page, after removing that window's leftover
    pages, so the folder never holds a speech twice. A finished window inside
    the range that is not one of this run's windows (the range was extended past
    a shorter last window, or window_days changed) is dropped and fetched again
    as part of the new windows. `query` adds conditions (its own from_/until are
    replaced by each window's); None means every speech. A state file from a
    different query, endpoint or packing, or a finished window that straddles
    the range's edge, raise ValueError: going on would duplicate or miss speeches.
    """
    start, end = _iso(date_from, "date_from"), _iso(date_until, "date_until")
    if start > end:
        raise ValueError(f"date_from {start} is after date_until {end}")
    if window_days < 1:
        raise ValueError("window_days must be >= 1")
    if endpoint not in ENDPOINT_LIMITS:
        raise ValueError(f"endpoint must be one of {sorted(ENDPOINT_LIMITS)}, got {endpoint!r}")
    conditions = {k: v for k, v in (query.params() if query else {}).items() if k not in ("from", "until")}
    identity = {"endpoint": endpoint, "record_packing": client.record_packing, "query": conditions}
    out_dir.mkdir(parents=True, exist_ok=True)
    state_path = out_dir / HARVEST_STATE
    done = _load_state(state_path, identity)
    windows = _windows(date.fromisoformat(start), date.fromisoformat(end), window_days)
    planned = {f"{lo}..{hi}" for lo, hi in windows}
    redo = []
    for key in sorted(done - planned):
        d_lo, d_hi = key.split("..")
        if d_lo > end or d_hi < start:
            continue  # outside this run's range: untouched
        if not start <= d_lo <= d_hi <= end:
            raise ValueError(f"finished window {key} in {state_path} straddles {start}..{end}; "
                             f"extend the range to cover it or use another out_dir")
        redo.append(key)
    if redo:  # forget them first, then remove their pages: an interruption never leaves a window marked done without pages
        done -= set(redo)
        _save_state(state_path, identity, done)
        for key in redo:
            _remove_pages(out_dir, f"{endpoint}-{key.replace('..', '-')}-")
    fetched = already = pages = speeches = 0
    warnings: dict[str, None] = {}
    for lo, hi in windows:
        key = f"{lo}..{hi}"
        if key in done:
            already += 1
            continue
        prefix = f"{endpoint}-{lo}-{hi}-"
        _remove_pages(out_dir, prefix)  # an interrupted try's pages: this window starts over from its first page
        window_query = dataclasses.replace(query, from_=lo, until=hi) if query else DietQuery(from_=lo, until=hi)
        start_record = 1
        for body, page in client.pages(endpoint, window_query):
            atomic_write(out_dir / f"{prefix}{start_record:06d}.{client.record_packing}", body)
            pages += 1
            speeches += len(page.speeches)
            warnings.update((f"{key} page {start_record}: {w}", None) for w in page.warnings)
            start_record = page.next_record_position or start_record
        done.add(key)
        _save_state(state_path, identity, done)
        fetched += 1
    return HarvestReport(
        windows=len(windows), windows_fetched=fetched, windows_already_done=already,
        pages_written=pages, speeches=speeches, warnings=tuple(warnings),
    )


def _windows(start: date, end: date, days: int) -> list[tuple[str, str]]:
    """Consecutive inclusive [from, until] ranges of `days` days; the last one is cut at `end`."""
    out = []
    lo = start
    while lo <= end:
        hi = min(end, lo + timedelta(days=days - 1))
        out.append((lo.isoformat(), hi.isoformat()))
        lo = hi + timedelta(days=1)
    return out


_WINDOW_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$")


def _load_state(path: Path, identity: Mapping[str, Any]) -> set[str]:
    """Finished windows ('from..until') from an earlier run of the same harvest (none if there was no run)."""
    if not path.exists():
        return set()
    try:
        state = json.loads(path.read_bytes())
        done = {str(key) for key in state["done"]}
        saved = {k: state[k] for k in identity}
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: unreadable harvest state ({exc}); remove it to start over") from None
    if bad := sorted(key for key in done if not _WINDOW_KEY.match(key)):
        raise ValueError(f"{path}: unreadable harvest state (window {bad[0]!r}); remove it to start over")
    if saved != dict(identity):
        raise ValueError(f"{path} belongs to another harvest ({saved}, not {dict(identity)}); use another out_dir")
    return done


def _save_state(path: Path, identity: Mapping[str, Any], done: set[str]) -> None:
    atomic_write(path, json.dumps({**identity, "done": sorted(done)}, ensure_ascii=False, indent=1).encode())


def _remove_pages(out_dir: Path, prefix: str) -> None:
    """A window's saved pages, and temporary files a crash left behind while writing them."""
    for stale in (*out_dir.glob(f"{prefix}*"), *out_dir.glob(f".{prefix}*.tmp")):
        stale.unlink()
