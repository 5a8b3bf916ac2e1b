"""API keys with roles and per-key rate limits, checked in front of the app.

* `KeyStore` keeps a JSON file of keys. Only a SHA-256 of each key is stored, so a
  copy of the file (a backup, a support bundle) lets no one in; the plaintext is
  shown once by `add`. A missing or empty file means no keys, and then the API is
  open (a single-user machine); a file that cannot be read fails closed.
* `RateLimiter` is a token bucket per key: `rate` requests a minute, refilled
  continuously, so a burst up to the rate is allowed and the long-run rate holds.
* `KeyGuard` (pure ASGI, like `api_guard.BodyLimit`) answers 401/403/429/503
  itself, before the app or the body reader runs, and puts the key's name in
  `scope["state"]["key_id"]` for the audit log. Keys added with the CLI count at
  once: the file is re-read whenever it changes. Each refusal is told to `on_refused`
  (the API's metrics count them there).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from starlette.types import ASGIApp, Receive, Scope, Send

from govrag.sources.files import atomic_write

Role = Literal["user", "admin"]
KEY_PREFIX = "grk_"
ANONYMOUS = "anonymous"
FILE_FORMAT = "govrag-api-keys/1"
#: Paths any client may reach without a key: the probes, Prometheus' scrape (counts and timings, no question),
#: the API's documentation and the UI's page and assets (they hold no data; the page's own API calls send the key).
OPEN_PATHS = ("/", "/healthz", "/readyz", "/metrics", "/docs", "/openapi.json", "/redoc", "/static")
ADMIN_PATHS = ("/risk",)
#: Why `KeyGuard` answered a request itself: 401, 401, 403, 429, 503.
Refusal = Literal["missing_key", "unknown_key", "not_admin", "rate_limited", "key_file_error"]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class KeyFileError(ValueError):
    """The key file exists but cannot be read as a key file: the API must not fall open."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    name: str
    role: Role
    rate_per_minute: int
    #: UTC, ISO 8601.
    created: str


@dataclass(frozen=True, slots=True)
class _Entry:
    info: KeyInfo
    digest: bytes


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


class KeyStore:
    """The key file at `path`; reads are cached until the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int, int] | None = None
        self._entries: tuple[_Entry, ...] = ()

    @property
    def is_open(self) -> bool:
        """No key is configured: every request is let in (anonymous, rate-limited per client)."""
        return not self._current()

    def list(self) -> list[KeyInfo]:
        return [e.info for e in self._current()]

    def check(self, presented: str) -> KeyInfo | None:
        """The key's record, or None. Every stored digest is compared in constant time."""
        digest = _digest(presented)
        found: KeyInfo | None = None
        for entry in self._current():
            if hmac.compare_digest(entry.digest, digest):
                found = entry.info
        return found

    def add(self, name: str, *, rate_per_minute: int, role: Role = "user") -> str:
        """Store a new key and return its plaintext; it is never shown again."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"bad key name {name!r}: 1–64 letters, digits, '.', '_', '-' or '@'")
        if role not in get_args(Role):
            raise ValueError(f"bad role {role!r}: user or admin")
        if rate_per_minute < 1:
            raise ValueError("rate_per_minute must be at least 1")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._locked():
            entries = list(self._read())
            if any(e.info.name == name for e in entries):
                raise ValueError(f"a key named {name!r} exists; revoke it first")
            created = datetime.now(UTC).isoformat(timespec="seconds")
            entries.append(_Entry(KeyInfo(name, role, rate_per_minute, created), _digest(key)))
            self._write(entries)
        return key

    def revoke(self, name: str) -> None:
        """Remove a key; requests with it are refused from the next one on. KeyError if unknown."""
        with self._locked():
            entries = self._read()
            kept = [e for e in entries if e.info.name != name]
            if len(kept) == len(entries):
                raise KeyError(name)
            self._write(kept)

    # -- the file ----------------------------------------------------------------------------------
    def _current(self) -> tuple[_Entry, ...]:
        try:
            st = os.stat(self.path)
            seen: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            seen = None
        if seen != self._seen:
            self._entries = self._read()
            self._seen = seen
        return self._entries

    def _read(self) -> tuple[_Entry, ...]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return ()
        if not raw.strip():
            return ()
        try:
            data = json.loads(raw)
            return tuple(_entry(item) for item in data["keys"])
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyFileError(f"{self.path}: not a govrag key file ({exc})") from exc

    def _write(self, entries: list[_Entry]) -> None:
        keys = [asdict(e.info) | {"sha256": e.digest.hex()} for e in entries]
        atomic_write(self.path, json.dumps({"format": FILE_FORMAT, "keys": keys}, ensure_ascii=False,
                                           indent=2).encode("utf-8"))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Two `keys add` at once must not lose one of the keys."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(f".{self.path.name}.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def _entry(item: dict[str, Any]) -> _Entry:
    role, rate, digest = item["role"], item["rate_per_minute"], bytes.fromhex(item["sha256"])
    if role not in get_args(Role) or not isinstance(rate, int) or rate < 1 or len(digest) != 32:
        raise ValueError(f"bad entry for {item.get('name')!r}")
    return _Entry(KeyInfo(str(item["name"]), role, rate, str(item["created"])), digest)


class RateLimiter:
    """A token bucket per key id: capacity `rate`, refilled at `rate` per minute.

    `clock` is injectable so tests move time instead of sleeping. Buckets that have
    refilled completely carry no information and are dropped once there are more than
    `max_buckets` (anonymous clients are counted per address)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_buckets: int = 10_000) -> None:
        self.clock = clock
        self.max_buckets = max_buckets
        self._buckets: dict[str, tuple[float, float]] = {}  # key id → (tokens, when)
        self._lock = threading.Lock()

    def take(self, key_id: str, rate: int) -> float:
        """0.0 if a request may go now (one token is used), else the seconds until one may."""
        with self._lock:
            now = self.clock()
            tokens, when = self._buckets.get(key_id, (float(rate), now))
            tokens = min(float(rate), tokens + (now - when) * rate / 60.0)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                self._prune(now, rate)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (1.0 - tokens) * 60.0 / rate

    def _prune(self, now: float, rate: int) -> None:
        if len(self._buckets) > self.max_buckets:
            self._buckets = {k: (t, w) for k, (t, w) in self._buckets.items() if t + (now - w) * rate / 60.0 < rate}


def retry_after(wait: float) -> int:
    """The Retry-After value for a wait: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(wait))


def _matches(path: str, prefixes: tuple[str, ...]) -> bool:
    """`path` is one of the paths or below one ("/" is the root alone, not every path)."""
    return any(path == p or (p != "/" and path.startswith(p.rstrip("/") + "/")) for p in prefixes)


def presented_key(headers: dict[bytes, bytes]) -> str | None:
    """The key of `Authorization: Bearer <key>` or else `X-API-Key`."""
    auth = headers.get(b"authorization", b"").decode("latin-1").strip()
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get(b"x-api-key", b"").decode("latin-1").strip()
    return key or None


class KeyGuard:
    """Keys, roles and rates in front of every HTTP request except `open_paths`."""

    def __init__(
        self,
        app: ASGIApp,
        store: KeyStore,
        limiter: RateLimiter,
        *,
        anonymous_rate: int = 60,
        open_paths: tuple[str, ...] = OPEN_PATHS,
        admin_paths: tuple[str, ...] = ADMIN_PATHS,
        on_refused: Callable[[Refusal, str], None] | None = None,
    ) -> None:
        self.app = app
        self.on_refused = on_refused
        self.store = store
        self.limiter = limiter
        self.anonymous_rate = anonymous_rate
        self.open_paths = open_paths
        self.admin_paths = admin_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        path: str = scope.get("path", "")
        if _matches(path, self.open_paths):
            state["key_id"] = ANONYMOUS
            await self.app(scope, receive, send)
            return
        try:
            is_open = self.store.is_open
        except KeyFileError as exc:
            self._refused("key_file_error", ANONYMOUS)
            await _reply(send, 503, f"the API key file cannot be read: {exc}")
            return
        if is_open:
            key_id, bucket, rate = ANONYMOUS, f"ip:{(scope.get('client') or ('?',))[0]}", self.anonymous_rate
        else:
            presented = presented_key(dict(scope.get("headers") or []))
            info = self.store.check(presented) if presented else None
            if info is None:
                detail = ("unknown or revoked API key" if presented else
                          "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
                self._refused("unknown_key" if presented else "missing_key", ANONYMOUS)
                await _reply(send, 401, detail, [(b"www-authenticate", b"Bearer")])
                return
            if info.role != "admin" and _matches(path, self.admin_paths):
                self._refused("not_admin", info.name)
                await _reply(send, 403, f"{path} needs an admin key")
                return
            key_id, bucket, rate = info.name, f"key:{info.name}", info.rate_per_minute
        wait = self.limiter.take(bucket, rate) if rate > 0 else 0.0  # 0: unlimited (an open API, by choice)
        if wait > 0:
            self._refused("rate_limited", key_id)
            seconds = retry_after(wait)
            await _reply(send, 429, f"rate limit of {rate} requests per minute reached; retry in {seconds} s",
                         [(b"retry-after", str(seconds).encode())])
            return
        state["key_id"] = key_id
        await self.app(scope, receive, send)

    def _refused(self, reason: Refusal, key_id: str) -> None:
        """Tell `on_refused` (the API's metrics) why a request was answered here."""
        if self.on_refused is not None:
            self.on_refused(reason, key_id)


async def _reply(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    payload = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})
