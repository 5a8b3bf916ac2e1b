"""The append-only audit log: every question, what was sent to a model and what came back, kept so the
inputs and outputs can be produced when the PJMO asks for them.

One JSON object per line in `folder/audit.jsonl` (UTF-8, not ASCII-escaped, so it reads as Japanese).
The log adds three fields to every record:

* ``id``   — uuid4 hex, the number to quote in a report;
* ``time`` — UTC, ISO 8601 with microseconds;
* ``prev`` — SHA-256 (hex) of the previous line's bytes (``GENESIS`` for the first line ever). The chain
  runs across rotated files, so an edited, deleted or reordered line shows in `verify()`.

The records the service writes carry:

* ``kind``         — "ask" | "search" | "research" | "retention" (written by the log itself, see below);
  a research record also carries ``report_id``, and every prompt and reply of the research, in order;
* ``key_id``       — the API key's name, "anonymous" for an open API, "cli" for `govrag ask`;
* ``endpoint``     — "/ask", "/search", "cli";
* ``question``     — the question as the user wrote it (the log is internal: it is not masked here);
* ``confidentiality`` — the 機密性 level the user declared for the question;
* ``filters``      — the search filters as given;
* ``source_ids``   — the chunk ids the answer was built from;
* ``sources``      — their citation labels;
* ``prompt``       — the exact text sent to the LLM, after masking; null for an extractive answer;
* ``raw``          — the model's text as it came back (placeholders still in), null when none was called;
* ``answer``       — the text returned to the user; ``sufficient`` — whether the sources answered it;
* ``mode``         — "extractive" | "generated";
* ``model``        — the model name, null when none was called;
* ``verification`` — the verifier's report (dict), null when there was none;
* ``pii``          — masked spans as ``{"kind", "placeholder", "hash"}`` (`pii.PiiSpan.record`), never the original;
* ``routing``      — the confidentiality decision (`routing.Routing.record`);
* ``flags``        — risk flags for `risk.py`: "verification_failed", "unsupported_sentences",
  "routing_blocked", "injection", "pii_masked", "llm_error";
* ``warnings``     — the warnings shown to the user (an LLM error's message among them);
* ``injection``    — what `injection.neutralise` found, as ``{"source", "chunk_id", "kind", "excerpt"}``;
* ``llm_error``    — why the model call failed, null when it did not.

Rotation: a line that would take `audit.jsonl` past `max_bytes` goes to a fresh file; the full one is
renamed `audit-YYYYMMDDTHHMMSSffffffZ.jsonl` (never over an existing file). Retention: at rotation,
rotated files whose newest record is older than `retention_days` are deleted (never the current file).
The deletion is recorded first, as a record of kind "retention" listing each file with its last line's
hash, so the chain still verifies: its first remaining line may point at a declared hash.

Writes hold a thread lock and an `fcntl.flock` on `folder/.audit.lock` (the API and `govrag ask` may
write at once), and each record is flushed and fsynced before `write` returns.

What the chain cannot show: the last line edited or removed (nothing follows it to hold its hash).
The export's manifest holds the SHA-256 of what was handed over.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from govrag.sources.files import atomic_write

if TYPE_CHECKING:
    from govrag.config import Settings

CURRENT = "audit.jsonl"
GENESIS = "0" * 64
RESERVED = frozenset({"id", "time", "prev"})
_ROTATED = re.compile(r"audit-(\d{8}T\d{12}Z)(?:-(\d+))?\.jsonl")
log = logging.getLogger("govrag.audit")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def line_hash(line: bytes) -> str:
    """The chain hash of one stored line (without its newline)."""
    return hashlib.sha256(line).hexdigest()


def record_time(record: Mapping[str, Any]) -> datetime | None:
    """A record's time (a naive value taken as UTC); None if it has no readable one."""
    try:
        when = datetime.fromisoformat(record["time"])
    except (KeyError, TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ExportSummary:
    records: int
    path: Path
    sha256: str
    manifest: Path


@dataclass(frozen=True, slots=True)
class _Line:
    file: str
    number: int
    raw: bytes
    record: dict[str, Any] | None  # None: not a JSON object (a truncated or damaged line)


class AuditLog:
    """The audit folder: `write` appends, `records`/`verify`/`export` read."""

    def __init__(self, folder: Path, *, max_bytes: int, retention_days: int | None,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.retention_days = retention_days
        self.clock = clock
        self._lock = threading.Lock()
        #: Called with each record `write` has stored (the API's metrics count them here, where they happen).
        self.listeners: list[Callable[[Mapping[str, Any]], None]] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditLog:
        return cls(settings.audit_path, max_bytes=settings.audit_max_bytes,
                   retention_days=settings.audit_retention_days)

    @property
    def current(self) -> Path:
        return self.folder / CURRENT

    def files(self) -> list[Path]:
        """Rotated files (oldest first), then the current one if it exists."""
        named = ((m, p) for p in self.folder.glob("audit-*.jsonl") if (m := _ROTATED.fullmatch(p.name)))
        rotated = [p for _, p in sorted(named, key=lambda mp: (mp[0][1], int(mp[0][2] or 0)))]
        return [*rotated, self.current] if self.current.exists() else rotated

    # -- writing -----------------------------------------------------------------------------------
    def write(self, record: Mapping[str, Any]) -> str:
        """Append one record; returns its id. Fields named id, time or prev are the log's own."""
        clash = RESERVED & record.keys()
        if clash:
            raise ValueError(f"the audit log sets {', '.join(sorted(clash))} itself")
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.folder / ".audit.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            rid = self._append(dict(record))
        for listener in list(self.listeners):
            try:
                listener(record)
            except Exception:  # noqa: BLE001 - the record is stored; a failing listener must not fail the request
                log.warning("audit listener failed", exc_info=True)
        return rid

    def _append(self, record: dict[str, Any]) -> str:
        with open(self.current, "ab+") as fh:
            prev, size, newline = _tail(fh)
            if prev is None:  # a fresh current file: the chain goes on from the newest rotated one
                prev = self._rotated_tail()
            now = self.clock()
            rid = uuid.uuid4().hex
            line = _encode({"id": rid, "time": now.isoformat(timespec="microseconds"), "prev": prev} | record)
            if not size or size + len(line) + 1 <= self.max_bytes:
                if size and not newline:
                    fh.write(b"\n")  # a torn last line stays a line of its own (reported, still chained)
                fh.write(line + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
                return rid
        self._rotate(now)
        return self._append(record)

    def _rotated_tail(self) -> str:
        rotated = [p for p in self.files() if p != self.current]
        if not rotated:
            return GENESIS
        with open(rotated[-1], "rb") as fh:
            return _tail(fh)[0] or GENESIS

    def _rotate(self, now: datetime) -> None:
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        n = 0
        while True:
            target = self.folder / (f"audit-{stamp}.jsonl" if n == 0 else f"audit-{stamp}-{n}.jsonl")
            try:
                os.link(self.current, target)  # fails if target exists: a rotated file is never overwritten
                break
            except FileExistsError:
                n += 1
        self.current.unlink()
        _fsync_dir(self.folder)
        self._expire(now)

    def _expire(self, now: datetime) -> None:
        if self.retention_days is None:
            return
        cutoff = now - timedelta(days=self.retention_days)
        expired: list[tuple[Path, str, str]] = []
        for path in self.files():
            if path == self.current:
                continue
            last = _last_line(path)
            when = record_time(last.record) if last and last.record else None
            if last is None or when is None or when >= cutoff:
                break  # files are in time order: the rest are newer (an unreadable end is kept, to look at)
            expired.append((path, line_hash(last.raw), when.isoformat()))
        if not expired:
            return
        self._append({"kind": "retention", "retention_days": self.retention_days, "deleted": [
            {"file": p.name, "last_hash": h, "last_time": t} for p, h, t in expired]})
        for path, _, _ in expired:
            path.unlink()
        _fsync_dir(self.folder)

    # -- reading -----------------------------------------------------------------------------------
    def _lines(self) -> Iterator[_Line]:
        for path in self.files():
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # deleted by retention while we listed
                continue
            for number, raw in enumerate(data.split(b"\n"), 1):
                if raw:
                    yield _decode(path.name, number, raw)

    def _selected(self, since: datetime | None, until: datetime | None, key_id: str | None,
                  kinds: set[str] | None, on_problem: Callable[[str], None]) -> Iterator[tuple[_Line, dict[str, Any]]]:
        since, until = _aware(since), _aware(until)
        for line in self._lines():
            record = line.record
            when = record_time(record) if record is not None else None
            if record is None or when is None:
                on_problem(f"{line.file} line {line.number}: not an audit record (truncated or damaged), skipped")
                continue
            if ((since and when < since) or (until and when >= until)
                    or (key_id is not None and record.get("key_id") != key_id)
                    or (kinds is not None and record.get("kind") not in kinds)):
                continue
            yield line, record

    def records(self, since: datetime | None = None, until: datetime | None = None, key_id: str | None = None,
                kinds: set[str] | None = None, *,
                on_problem: Callable[[str], None] = log.warning) -> Iterator[dict[str, Any]]:
        """Records with since <= time < until, of one key and of some kinds (None: any), oldest first.
        A line that is not a record is skipped and passed to `on_problem`."""
        for _, record in self._selected(since, until, key_id, kinds, on_problem):
            yield record

    def verify(self) -> list[str]:
        """What breaks the chain: edited, deleted, inserted or damaged lines, missing files. Empty: intact."""
        problems: list[str] = []
        declared: set[str] = set()
        first_prev: tuple[str, str] | None = None
        previous: str | None = None
        for line in self._lines():
            where = f"{line.file} line {line.number}"
            record = line.record
            if record is None:
                problems.append(f"{where}: not a JSON record (truncated or damaged)")
            else:
                if record.get("kind") == "retention":
                    declared.update(str(d.get("last_hash")) for d in record.get("deleted", ()) if isinstance(d, dict))
                prev = record.get("prev")
                if previous is None:
                    first_prev = (where, str(prev))
                elif prev != previous:
                    problems.append(f"{where}: prev does not match the line before it "
                                    "(a line was edited, deleted or inserted)")
            previous = line_hash(line.raw)
        if first_prev and first_prev[1] != GENESIS and first_prev[1] not in declared:
            problems.insert(0, f"{first_prev[0]}: the log's first line follows a line that is gone and "
                               "no retention record declares it (older records were deleted)")
        return problems

    def export(self, out: Path, since: datetime | None = None, until: datetime | None = None,
               key_id: str | None = None) -> ExportSummary:
        """The selected records, line for line as stored, in `out` (JSONL), and beside it
        `<out stem>.manifest.json`: count, period, SHA-256 of the export and the chain check."""
        skipped: list[str] = []
        digest = hashlib.sha256()
        count = 0
        first = last = None

        def lines() -> Iterator[bytes]:
            nonlocal count, first, last
            for line, record in self._selected(since, until, key_id, None, skipped.append):
                digest.update(line.raw + b"\n")
                count += 1
                first = first or record["time"]
                last = record["time"]
                yield line.raw + b"\n"

        atomic_write(out, lines())
        problems = self.verify()
        manifest = out.with_name(f"{out.stem}.manifest.json")
        atomic_write(manifest, json.dumps({
            "export": out.name, "records": count, "sha256": digest.hexdigest(),
            "requested": {"since": _iso(since), "until": _iso(until), "key_id": key_id},
            "first_time": first, "last_time": last,
            "created": self.clock().isoformat(timespec="seconds"),
            "source": str(self.folder), "files": [p.name for p in self.files()],
            "chain": {"intact": not problems, "problems": problems},
            "skipped_lines": skipped,
        }, ensure_ascii=False, indent=2).encode("utf-8"))
        return ExportSummary(count, out, digest.hexdigest(), manifest)


def _encode(record: Mapping[str, Any]) -> bytes:
    # json escapes \n and \r inside strings; lines are split on b"\n" only (never str.splitlines, which
    # would also split at U+2028 and friends that ensure_ascii=False leaves raw).
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def _tail(fh: BinaryIO) -> tuple[str | None, int, bool]:
    """Of an open file: the hash of its last line (None if it has none), its size, and whether it ends
    with a newline (a crash can leave a torn line without one)."""
    size = fh.seek(0, os.SEEK_END)
    if size == 0:
        return None, 0, True
    fh.seek(size - 1)
    newline = fh.read(1) == b"\n"
    start, chunk = size, b""
    while start > 0:
        step = min(65_536, start)
        start -= step
        fh.seek(start)
        chunk = fh.read(step) + chunk
        body = chunk.rstrip(b"\n")
        cut = body.rfind(b"\n")
        if cut >= 0:
            return line_hash(body[cut + 1:]), size, newline
    body = chunk.rstrip(b"\n")
    return (line_hash(body) if body else None), size, newline


def _last_line(path: Path) -> _Line | None:
    """A file's last line; None for an empty file."""
    lines = [raw for raw in path.read_bytes().split(b"\n") if raw]
    return _decode(path.name, len(lines), lines[-1]) if lines else None


def _decode(file: str, number: int, raw: bytes) -> _Line:
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    return _Line(file, number, raw, record if isinstance(record, dict) else None)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _aware(when: datetime | None) -> datetime | None:
    return when if when is None or when.tzinfo else when.replace(tzinfo=UTC)


def _iso(when: datetime | None) -> str | None:
    return None if when is None else _aware(when).isoformat()  # type: ignore[union-attr]
