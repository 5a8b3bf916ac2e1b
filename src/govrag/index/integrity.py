"""Is the data being served whole? One place that says what is damaged or missing, and how to repair it.

A service that answers from a truncated document store or half an index gives
silently wrong answers ("no results" where the law is). The checks here run at
start-up (`Service`), on every `/readyz`, in `govrag doctor` and before `govrag
index build`; each finding is a `Problem` with the file it concerns and the
command that repairs it, so a user sees one line, never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True, slots=True)
class Problem:
    """One fault: what, where, and the command that repairs it.

    `fatal` problems stop the service (nothing trustworthy to serve); the others
    leave it serving in a loudly reported degraded state.
    """

    component: str
    path: str
    message: str
    repair: str
    fatal: bool = False

    def line(self) -> str:
        """One line, whatever the underlying error's text held (SQLite and Qdrant messages span lines)."""
        return " ".join(f"{self.path}: {self.message}; repair: {self.repair}".split())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class DataError(RuntimeError):
    """Stored data is damaged or cannot be read; the message names the file and the repair."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.line())
        self.problem = problem

    def __reduce__(self) -> tuple[type[DataError], tuple[Problem]]:
        return DataError, (self.problem,)  # whole across processes (a search process raises it, search_pool.py)


def reingest(path: Path) -> str:
    return (f"move {path} aside, then `govrag ingest run <job>` (e.g. ingest/laws-sample.toml) and "
            "`govrag index build` (vectors come from the embedding cache)")


def check_sqlite_file(path: Path, component: str, repair: str) -> Problem | None:
    """A SQLite file that exists must start with SQLite's header: an empty or overwritten file is
    damage, never an empty store to be recreated silently."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        return Problem(component, str(path), f"cannot be read ({exc.strerror or exc})", repair, fatal=True)
    if not head:
        return Problem(component, str(path), "is empty (0 bytes)", repair, fatal=True)
    if head != SQLITE_HEADER:
        return Problem(component, str(path), "is not a SQLite database (damaged header)", repair, fatal=True)
    return None


def quick_check(db: sqlite3.Connection, path: Path, component: str, repair: str) -> Problem | None:
    """SQLite's `PRAGMA quick_check` (b-tree and page structure, seconds even for the whole archive)."""
    try:
        rows = [r[0] for r in db.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return Problem(component, str(path), f"is damaged ({exc})", repair, fatal=True)
    if rows == ["ok"]:
        return None
    found = " ".join("; ".join(rows).split())[:200]
    return Problem(component, str(path), f"fails SQLite's quick_check ({found})", repair, fatal=True)


def load_json_record(path: Path, cls: type[Any], component: str, repair: str) -> Any:
    """A dataclass from a JSON file, or a `DataError` naming the file: never a traceback for a bad byte."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(Problem(component, str(path), f"is not readable JSON ({_short(exc)})", repair, fatal=True)) from None
    names = {f.name for f in fields(cls)}
    if not isinstance(raw, dict) or not set(raw) <= names:
        raise DataError(Problem(component, str(path), f"does not hold the expected fields ({sorted(names)})", repair,
                                fatal=True))
    try:
        return cls(**raw)
    except (TypeError, ValueError) as exc:
        raise DataError(Problem(component, str(path), f"holds bad values ({_short(exc)})", repair, fatal=True)) from None


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
