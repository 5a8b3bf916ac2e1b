"""What every source's API client shares: polite pacing, retries with backoff, Retry-After, one error shape.

Government APIs (e-Gov 法令API, the NDL minutes API) are free public services:
one request at a time, a pause between requests, backoff when they are busy.
The clients differ in endpoints and error bodies, not in manners, so the
manners live here once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self, TypedDict

import httpx

#: Statuses worth another try: timeouts, too early, too many requests — and every 5xx.
RETRY_STATUSES = frozenset({408, 425, 429})


class ApiError(Exception):
    """An API did not give what was asked: which API, why, the URL, the HTTP status, the API's own words."""

    api_name = "API"

    def __init__(
        self,
        reason: str,
        *,
        url: str,
        status: int | None = None,
        api_code: str | None = None,
        api_message: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.reason = reason
        self.url = url
        self.status = status
        self.api_code = api_code
        self.api_message = api_message
        self.attempts = attempts
        parts = [f"{self.api_name}: {reason}"]
        if status is not None:
            parts.append(f"HTTP {status}")
        if api_message:
            parts.append(f"API says: {api_message}" + (f" ({api_code})" if api_code else ""))
        parts.append(f"url={url}")
        if attempts > 1:
            parts.append(f"after {attempts} attempts")
        super().__init__("; ".join(parts))


class Pacer:
    """At least `min_interval` seconds between request starts, retries included."""

    def __init__(self, min_interval: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = float(min_interval)
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None and self.min_interval > 0:
            wait = self._last + self.min_interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last = self._clock()


def retry_after(response: httpx.Response, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), if it has a usable one."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


Fail = Callable[..., ApiError]


def get_with_retries(
    http: httpx.Client,
    url: str,
    params: Mapping[str, str],
    *,
    pacer: Pacer,
    attempts: int,
    backoff: Callable[[int], float],
    max_retry_after: float,
    sleep: Callable[[float], None],
    now: Callable[[], datetime],
    fail: Fail,
    describe: Callable[[httpx.Response], tuple[str | None, str | None]],
    **request: Any,
) -> httpx.Response:
    """GET, paced, with retries on transport errors, 408/425/429 and 5xx (honouring Retry-After up to
    `max_retry_after`); a 2xx response, or `fail(reason, url=…, status=…, api_code=…, api_message=…,
    attempts=…)` raised. `describe` reads an error body's (code, message)."""
    full_url = str(httpx.URL(url, params=params))
    for attempt in range(1, attempts + 1):
        pacer.wait()
        try:
            response = http.get(url, params=params, **request)
        except httpx.TransportError as exc:  # connect errors, timeouts, broken reads
            if attempt >= attempts:
                raise fail(f"{type(exc).__name__}: {exc}", url=full_url, attempts=attempt) from exc
            sleep(backoff(attempt))
            continue
        status = response.status_code
        if 200 <= status < 300:
            return response
        code, message = describe(response)
        details = {"url": str(response.url), "status": status, "api_code": code, "api_message": message,
                   "attempts": attempt}
        if status not in RETRY_STATUSES and status < 500:
            raise fail("request rejected", **details)
        if attempt >= attempts:
            raise fail("giving up", **details)
        delay = retry_after(response, now())
        if delay is not None and delay > max_retry_after:
            raise fail(f"server asks to retry after {delay:.0f}s (more than max_retry_after={max_retry_after:.0f}s)",
                       **details)
        sleep(backoff(attempt) if delay is None else delay)
    raise AssertionError("unreachable")  # pragma: no cover


class Injected(TypedDict, total=False):
    """What tests put in a client's place: the transport and the clocks (`**Unpack[Injected]`)."""

    transport: httpx.BaseTransport | None
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    now: Callable[[], datetime]


class PoliteClient:
    """The manners of a harvesting client, once: one request at a time `min_interval` seconds apart,
    retries with exponential backoff (`backoff_base` · 2^n, capped at `backoff_max`) or exactly
    `Retry-After` (up to `max_retry_after`), redirects not followed (a moved page is an error, never a
    saved error page). `clock`, `sleep`, `now` and `transport` are injectable so tests never wait or
    touch the network. A subclass says which errors it raises (`fail`) and how it reads an error body
    (`describe`)."""

    def __init__(
        self,
        *,
        base_url: str,
        min_interval: float,
        max_retries: int,
        backoff_base: float,
        backoff_max: float,
        max_retry_after: float,
        timeout: float | httpx.Timeout,
        user_agent: str,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.min_interval = float(min_interval)
        self.max_retries = max_retries
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.max_retry_after = float(max_retry_after)
        self._sleep = sleep
        self._now = now
        self._http = httpx.Client(
            transport=transport, timeout=timeout, follow_redirects=False, headers={"User-Agent": user_agent}
        )
        self._pacer = Pacer(self.min_interval, clock, sleep)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))

    def _get(
        self, url: str, params: Mapping[str, str], fail: Fail,
        describe: Callable[[httpx.Response], tuple[str | None, str | None]],
    ) -> httpx.Response:
        """GET, paced and retried (`get_with_retries`): a 2xx response, or `fail(...)` raised."""
        return get_with_retries(
            self._http, url, params, pacer=self._pacer, attempts=self.max_retries + 1, backoff=self._backoff,
            max_retry_after=self.max_retry_after, sleep=self._sleep, now=self._now, fail=fail, describe=describe,
        )
