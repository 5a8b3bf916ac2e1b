"""The report history: every research kept in SQLite, so it can be reopened, exported or produced on request.

One row per report: the columns a list needs (who, when, what was asked, its shape) and the
whole report as JSON (question, settings, sources, text, verification, timings). A list shows
only the caller's own reports (an API key sees what it asked, never another key's questions);
an administrator's key sees all.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from govrag.research.records import Report

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    key_id TEXT NOT NULL,
    question TEXT NOT NULL,
    question_type TEXT NOT NULL,
    mode TEXT NOT NULL,
    sources INTEGER NOT NULL,
    sections INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_key_created ON reports (key_id, created);
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the history list."""

    id: str
    created: str
    question: str
    question_type: str
    mode: str
    sources: int
    sections: int


class HistoryError(RuntimeError):
    """The history file cannot be read or written; the message names it."""


class History:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"the research history {path} cannot be opened ({exc})") from None

    def save(self, report: Report) -> None:
        row = (report.id, report.created, report.key_id, report.question, report.question_type, report.mode,
               len(report.sources), len(report.sections), json.dumps(report.as_dict(), ensure_ascii=False))
        with self._guarded("written"):
            self._db.execute("INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    def get(self, report_id: str, key_id: str | None = None) -> Report | None:
        """The report, if it exists and (`key_id` given) belongs to that key."""
        with self._guarded("read"):
            row = self._db.execute("SELECT key_id, report FROM reports WHERE id=?", (report_id,)).fetchone()
        if row is None or (key_id is not None and row[0] != key_id):
            return None
        try:
            return Report.from_dict(json.loads(row[1]))
        except (ValueError, KeyError, TypeError) as exc:
            raise HistoryError(f"report {report_id} in {self.path} is damaged ({type(exc).__name__})") from None

    def list(self, key_id: str | None = None, *, limit: int = 50, offset: int = 0) -> tuple[list[Entry], int]:
        """Newest first, with the total count; `key_id` None lists every key's reports."""
        where, args = ("WHERE key_id=?", [key_id]) if key_id is not None else ("", [])
        with self._guarded("read"):
            total = self._db.execute(f"SELECT count(*) FROM reports {where}", args).fetchone()[0]
            rows = self._db.execute(
                f"SELECT id, created, question, question_type, mode, sources, sections FROM reports {where} "
                "ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        return [Entry(*row) for row in rows], int(total)

    def delete(self, report_id: str, key_id: str | None = None) -> bool:
        sql, args = "DELETE FROM reports WHERE id=?", [report_id]
        if key_id is not None:
            sql, args = sql + " AND key_id=?", [*args, key_id]
        with self._guarded("written"):
            return self._db.execute(sql, args).rowcount > 0

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _guarded(self, verb: str) -> Iterator[None]:
        """The lock, and one clear error for any SQLite failure (a full disk, a damaged file)."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise HistoryError(f"the research history {self.path} cannot be {verb} ({exc})") from None
