"""SQLite store of documents and their chunks: the materialised output of every source.

Why a store of its own: an ingest that crashes must resume without re-reading
what it finished and without duplicates, `/documents/{id}` needs a chunk's
neighbours in order, and indexes (BM25, vectors) are rebuilt from here, not
from the raw sources. One transaction per batch of documents, chunk ids as
primary keys, and a document's chunks replaced as a whole make each document
all-or-nothing.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ParamSpec, TypeVar

from govrag.index.integrity import DataError, Problem, check_sqlite_file, quick_check, reingest
from govrag.models import Chunk

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    source TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    meta TEXT NOT NULL,
    PRIMARY KEY (source, doc_id, version)
);
CREATE INDEX IF NOT EXISTS documents_name ON documents (source, name);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (source, doc_id, version, seq);
-- A cited article (「民法709条」) is read without decoding the law's other chunks.
CREATE INDEX IF NOT EXISTS chunks_article ON chunks (source, doc_id, version, json_extract(payload, '$.article_num'));
CREATE TABLE IF NOT EXISTS indexed (
    stage TEXT NOT NULL,
    source TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    PRIMARY KEY (stage, source, doc_id, version)
);
-- Laws a source or its LawId tables name, stored or not: a question about one outside the store is told so.
CREATE TABLE IF NOT EXISTS catalog (
    source TEXT NOT NULL,
    law_num TEXT NOT NULL,
    title TEXT NOT NULL,
    law_id TEXT,
    PRIMARY KEY (source, law_num, title)
);
CREATE TABLE IF NOT EXISTS skipped (
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (source, name)
);
"""
# Chunk ids a rewrite left behind (a law now shorter, a law whose LawId became known): the index
# still holds their points until a build deletes them, after the new points are in. The index on
# `indexed` lets a rewrite find a document's marks in every stage without scanning them all.
_RETIRED = (
    "CREATE TABLE IF NOT EXISTS retired (id TEXT PRIMARY KEY, source TEXT NOT NULL, doc_id TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS indexed_doc ON indexed (source, doc_id, version)",
)

# Terms documents define for themselves (a law's 定義規定), derived from the chunks by a build stage:
# `key` is the term's lookup form, `payload` the source's own record of the definition as JSON.
_DEFINITIONS = (
    """CREATE TABLE IF NOT EXISTS definitions (
    source TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    seq INTEGER NOT NULL,
    term TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (source, doc_id, version, seq)
)""",
    "CREATE INDEX IF NOT EXISTS definitions_key ON definitions (key)",
)


ChunkRow = tuple[str, str, str, str, int, str, str]
#: One definition as stored: (term as written, its lookup key, the source's record as JSON).
DefinitionRow = tuple[str, str, str]
_T = TypeVar("_T")
_P = ParamSpec("_P")


def _reading(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """SQLite's own errors on a read (a damaged page) become a `DataError` that names the file."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            result = method(*args, **kwargs)
            if inspect.isgenerator(result):
                return _guarded(result, args[0])  # type: ignore[arg-type,return-value]
            return result
        except sqlite3.DatabaseError as exc:
            raise _read_error(args[0], exc) from None  # type: ignore[arg-type]

    return wrapper


def _read_error(store: DocStore, exc: sqlite3.DatabaseError) -> DataError:
    """A damaged page is fatal (nothing read from the file can be trusted); one row whose text no
    longer decodes is not (the rest of the store still reads), so it leaves the service degraded."""
    row_only = "decode" in str(exc)
    what = "holds a damaged row" if row_only else "cannot be read"
    return DataError(Problem("docstore", str(store.path), f"{what} ({_brief(exc)})", reingest(store.path),
                             fatal=not row_only))


def _brief(exc: BaseException) -> str:
    """SQLite's message, without the row text it sometimes quotes."""
    return str(exc).split(" with text ")[0][:160]


def _guarded(rows: Iterator[_T], store: DocStore) -> Iterator[_T]:
    try:
        yield from rows
    except sqlite3.DatabaseError as exc:
        raise _read_error(store, exc) from None
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    """Whether a table added after the first stores (definitions, retired) exists in this one."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def chunk_row(chunk: Chunk) -> ChunkRow:
    """A chunk as stored: serialised where it is made (often a worker process), not in the writer."""
    return (
        chunk.id, chunk.source, chunk.doc_id, chunk.version, chunk.seq, chunk.hash,
        json.dumps(chunk.payload(), ensure_ascii=False),
    )


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    source: str
    doc_id: str
    version: str
    name: str
    title: str
    file_hash: str
    n_chunks: int
    meta: dict[str, Any]

    @property
    def index_key(self) -> tuple[str, str, str, str]:
        """What an index stage records of a document: a changed file hash means the stage must redo it."""
        return self.source, self.doc_id, self.version, self.file_hash


_TABLES = frozenset({"documents", "chunks", "indexed", "skipped"})  # catalog, definitions: added later, optional


class DocStore:
    """Documents and chunks on disk; safe to reopen, resume and re-ingest.

    Only an ingest creates a store (`create=True`). Everything else opens an
    existing one (the default): a missing, emptied or overwritten file is then a
    `DataError` that names the file and the repair, never a fresh empty store that
    answers "no results".
    """

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        if path.exists() and not (create and path.stat().st_size == 0):  # an ingest may refill an emptied file
            problem = check_sqlite_file(path, "docstore", reingest(path))
            if problem is not None:
                raise DataError(problem)
        elif not create and not path.exists():
            raise DataError(Problem("docstore", str(path), "does not exist", "`govrag ingest run <job>`", fatal=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            if create:
                self._db.executescript(_SCHEMA)
                self._ensure_definitions()
                self._ensure_retired()
            else:
                found = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if not _TABLES <= found:
                    raise DataError(Problem("docstore", str(path), f"lacks the tables {sorted(_TABLES - found)}",
                                            reingest(path), fatal=True))
        except sqlite3.DatabaseError as exc:
            raise DataError(Problem("docstore", str(path), f"is damaged ({exc})", reingest(path), fatal=True)) from None
        self._local = threading.local()
        self._raw: BinaryIO | None = None  # the file itself, for quick_check's read-through (kept open: see there)
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def close(self) -> None:
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        self._db.close()
        if self._raw is not None:
            self._raw.close()

    @property
    def _read(self) -> sqlite3.Connection:
        """This thread's own read connection for the serving paths.

        One shared connection serialises every reader on its mutex; with WAL, a
        connection per API worker thread lets lookups run side by side.
        """
        reader = getattr(self._local, "db", None)
        if reader is None:
            reader = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            with self._readers_lock:
                self._readers.append(reader)
            self._local.db = reader
        return reader

    def __enter__(self) -> DocStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------
    def write(
        self, docs: Iterable[tuple[DocumentRecord, Sequence[ChunkRow]]], skipped: Iterable[tuple[str, str, str]] = ()
    ) -> None:
        """Write documents with their chunk rows in one transaction (a crash loses only this batch).

        A rewritten document replaces its old self as a whole: chunks it no longer has, and a stored
        document of the same name and version under another id (its LawId became known), are retired
        for the next index build to delete; its index marks are voided (not removed), so every stage
        redoes it and still knows what it held of it (the outline router's windows beyond the new
        count, for one)."""
        db = self._db
        derived = self._has_definitions()
        self._ensure_retired()
        db.execute("BEGIN")
        try:
            for doc, rows in docs:
                key = (doc.source, doc.doc_id, doc.version)
                replaced = db.execute("SELECT doc_id FROM documents WHERE source=? AND name=? AND version=? AND doc_id<>?",
                                      (doc.source, doc.name, doc.version, doc.doc_id)).fetchall()
                for (old_id,) in replaced:
                    self._drop_document(doc.source, old_id, doc.version, derived)
                self._retire_chunks(key)
                db.execute("DELETE FROM chunks WHERE source=? AND doc_id=? AND version=?", key)
                db.executemany(
                    "INSERT OR REPLACE INTO chunks (id, source, doc_id, version, seq, hash, payload) VALUES (?,?,?,?,?,?,?)",
                    rows,
                )
                db.executemany("DELETE FROM retired WHERE id=?", [(row[0],) for row in rows])
                db.execute(
                    "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?)",
                    (
                        doc.source, doc.doc_id, doc.version, doc.name, doc.title, doc.file_hash,
                        doc.n_chunks, json.dumps(doc.meta, ensure_ascii=False),
                    ),
                )
                # Every stage redoes it (its marks no longer match), and still knows it held it before.
                db.execute("UPDATE indexed SET file_hash='' WHERE source=? AND doc_id=? AND version=?", key)
                db.execute("DELETE FROM skipped WHERE source=? AND name=?", (doc.source, doc.name))
                if derived:  # read from the old text: the next build reads them again
                    db.execute("DELETE FROM definitions WHERE source=? AND doc_id=? AND version=?", key)
            db.executemany("INSERT OR REPLACE INTO skipped VALUES (?,?,?)", list(skipped))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _drop_document(self, source: str, doc_id: str, version: str, derived: bool) -> None:
        """Inside `write`'s transaction: a document superseded under another id goes, its chunks retired.
        Its index marks stay, so each stage can find what it still holds of it (`orphans`)."""
        key = (source, doc_id, version)
        self._retire_chunks(key)
        for table in ("chunks", "documents", *(("definitions",) if derived else ())):
            self._db.execute(f"DELETE FROM {table} WHERE source=? AND doc_id=? AND version=?", key)

    def _retire_chunks(self, key: tuple[str, str, str]) -> None:
        """Inside `write`'s transaction: a document's chunk ids, before its chunks go (those it writes
        again are taken off the list by `write`)."""
        self._db.execute("INSERT OR IGNORE INTO retired SELECT id, source, doc_id FROM chunks "
                         "WHERE source=? AND doc_id=? AND version=?", key)

    @_reading
    def retired(self) -> list[str]:
        """Chunk ids rewrites left behind that no document holds any more: what the index must delete."""
        if not _has_table(self._db, "retired"):
            return []
        rows = self._db.execute("SELECT id FROM retired WHERE id NOT IN (SELECT id FROM chunks) ORDER BY id")
        return [r[0] for r in rows]

    @_reading
    def orphans(self, stage: str) -> list[tuple[str, str, str]]:
        """(source, doc_id, version) a stage holds that the store no longer has (superseded documents)."""
        rows = self._db.execute("SELECT source, doc_id, version FROM indexed i WHERE stage=? AND NOT EXISTS "
                                "(SELECT 1 FROM documents d WHERE d.source=i.source AND d.doc_id=i.doc_id "
                                "AND d.version=i.version) ORDER BY source, doc_id, version", (stage,))
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def forget_orphans(self, stage: str, keys: Sequence[tuple[str, str, str]]) -> None:
        """The stage has deleted what it held of these documents."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("DELETE FROM indexed WHERE stage=? AND source=? AND doc_id=? AND version=?",
                                 [(stage, *k) for k in keys])

    def forget_retired(self, ids: Sequence[str]) -> None:
        """The index no longer holds these: stop tracking them."""
        if not ids:  # also a store made before the table existed, which has none to forget
            return
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("DELETE FROM retired WHERE id=?", [(i,) for i in ids])

    def _ensure_retired(self) -> None:
        for statement in _RETIRED:
            self._db.execute(statement)

    def _ensure_definitions(self) -> None:
        for statement in _DEFINITIONS:
            self._db.execute(statement)

    def _has_definitions(self) -> bool:
        return _has_table(self._db, "definitions")

    def replace_definitions(self, docs: Iterable[tuple[DocumentRecord, Sequence[DefinitionRow]]]) -> None:
        """Set the definitions of these documents to the given rows, in one transaction (a rerun replaces,
        never duplicates; rows of a document's other versions go too; a store made before the table
        existed gets it here)."""
        self._ensure_definitions()
        db = self._db
        db.execute("BEGIN")
        try:
            for doc, rows in docs:
                # Every version's rows go: a document's definitions are those of its latest version only.
                db.execute("DELETE FROM definitions WHERE source=? AND doc_id=?", (doc.source, doc.doc_id))
                db.executemany("INSERT INTO definitions VALUES (?,?,?,?,?,?,?)",
                               [(doc.source, doc.doc_id, doc.version, seq, *row) for seq, row in enumerate(rows)])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def add_catalog(self, source: str, rows: Iterable[tuple[str, str, str | None]]) -> None:
        """Record (law_num, title, law_id) of documents a source names; known ones keep a known id."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO catalog VALUES (?,?,?,?) ON CONFLICT(source, law_num, title) DO UPDATE SET law_id=coalesce(excluded.law_id, law_id)",
                [(source, num, title, law_id) for num, title, law_id in rows if num and title],
            )

    def mark_indexed(self, stage: str, docs: Iterable[DocumentRecord]) -> None:
        """Record that an index stage (e.g. "sparse", "dense:e5") holds these documents as stored now."""
        rows = [(stage, *d.index_key) for d in docs]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO indexed VALUES (?,?,?,?,?)", rows)

    def forget_indexed(self, doc: DocumentRecord, stages: Sequence[str]) -> None:
        """Forget that the given stages hold one document, so the next build redoes it there."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("DELETE FROM indexed WHERE stage=? AND source=? AND doc_id=? AND version=?",
                                 [(stage, doc.source, doc.doc_id, doc.version) for stage in stages])

    @_reading
    def indexed(self, stage: str) -> set[tuple[str, str, str, str]]:
        """(source, doc_id, version, file_hash) of documents a stage already holds: what a resumed build skips."""
        rows = self._db.execute("SELECT source, doc_id, version, file_hash FROM indexed WHERE stage=?", (stage,))
        return {tuple(r) for r in rows}  # type: ignore[misc]

    def clear_indexed(self, stage: str | None = None) -> None:
        """Forget index progress (the index itself was removed or rebuilt)."""
        with self._db:
            self._db.execute("BEGIN")
            if stage is None:
                self._db.execute("DELETE FROM indexed")
            else:
                self._db.execute("DELETE FROM indexed WHERE stage=?", (stage,))

    # -- checking --------------------------------------------------------
    def quick_check(self) -> Problem | None:
        """SQLite's structural check of every page (`PRAGMA quick_check`): None when whole.

        It walks the b-trees page by page, so on a cold page cache it reads the file in random
        order: minutes for the 1.7 GB store of the whole archive on this machine's disk. The file is
        read through once in order first (about 30 s cold, a second warm), which makes the check
        itself take 2-3 s. Its own connection, so it can run beside the serving threads.
        """
        # The descriptor stays open until close(): on POSIX, closing any descriptor of a file drops every lock
        # this process holds on it, SQLite's too; another process's connection (a background builder's)
        # then saw itself as the last one at its close, checkpointed and deleted the WAL under ours, and
        # what this process wrote next was lost (tests/api/test_background.py found it).
        if self._raw is None:
            self._raw = self.path.open("rb", buffering=0)
        offset = 0
        while chunk := os.pread(self._raw.fileno(), 8 << 20, offset):
            offset += len(chunk)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            return quick_check(db, self.path, "docstore", reingest(self.path))
        finally:
            db.close()

    def damaged_rows(self) -> list[str]:
        """Ids of chunks (and names of documents) whose stored JSON no longer decodes: a full read, for `doctor`."""
        bad: list[str] = []
        try:
            for cid, payload in self._db.execute("SELECT id, payload FROM chunks"):
                try:
                    self._decode(payload)
                except DataError:
                    bad.append(str(cid))
            for row in self._db.execute("SELECT * FROM documents"):
                try:
                    self._document(row)
                except DataError:
                    bad.append(f"document {row[0]}/{row[1]}")
        except sqlite3.DatabaseError as exc:
            bad.append(f"unreadable pages ({exc})")
        return bad

    def _decode(self, payload: str) -> Chunk:
        try:
            return Chunk.from_payload(json.loads(payload))
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(Problem("docstore", str(self.path), f"holds a damaged chunk row ({type(exc).__name__})",
                                    reingest(self.path))) from None

    def _document(self, row: Sequence[Any]) -> DocumentRecord:
        try:
            return DocumentRecord(*row[:7], meta=json.loads(row[7]))
        except (ValueError, TypeError) as exc:
            raise DataError(Problem("docstore", str(self.path), f"holds a damaged document row ({type(exc).__name__})",
                                    reingest(self.path))) from None

    # -- reading ---------------------------------------------------------
    @_reading
    def done_files(self, source: str) -> set[tuple[str, str]]:
        """(file name, file hash) pairs already ingested: what a resumed run may skip."""
        rows = self._db.execute("SELECT name, file_hash FROM documents WHERE source=?", (source,))
        return {(name, h) for name, h in rows}

    @_reading
    def documents(self, source: str | None = None) -> Iterator[DocumentRecord]:
        sql, args = "SELECT * FROM documents", ()
        if source:
            sql, args = sql + " WHERE source=?", (source,)
        for row in self._db.execute(sql + " ORDER BY source, doc_id, version", args):
            yield self._document(row)

    @_reading
    def titles(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """doc_id → title, for the ids the store holds (a router names documents by id only)."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self._db.execute(f"SELECT doc_id, title FROM documents WHERE doc_id IN ({marks})", list(doc_ids))
        return {doc_id: title for doc_id, title in rows}

    @_reading
    def linked_from(self, source: str, doc_id: str) -> list[Chunk]:
        """Chunks of other sources that link to this document (a law's promulgation entries in the gazette).

        A source lists them in its documents' meta (`linked`: {"<source>:<doc_id>": [chunk ids]}), so
        this reads the few documents that mention the key, never the chunks of every source."""
        key = f"{source}:{doc_id}"
        needle = json.dumps(key, ensure_ascii=False)  # as metas are stored: a LawId may be 「lawnum:平成十年…」
        rows = self._read.execute("SELECT meta FROM documents WHERE source != ? AND instr(meta, ?) > 0", (source, needle))
        ids = [i for (meta,) in rows for i in json.loads(meta).get("linked", {}).get(key, ())]
        return self.chunks_by_id(list(dict.fromkeys(ids)))

    @_reading
    def chunk(self, chunk_id: str) -> Chunk | None:
        row = self._read.execute("SELECT payload FROM chunks WHERE id=?", (chunk_id,)).fetchone()
        return self._decode(row[0]) if row else None

    @_reading
    def chunks_by_id(self, ids: Sequence[str]) -> list[Chunk]:
        """Chunks in the order of `ids`; unknown ids are left out."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._read.execute(f"SELECT id, payload FROM chunks WHERE id IN ({marks})", list(ids))
        found = {cid: payload for cid, payload in rows}
        return [self._decode(found[i]) for i in ids if i in found]

    @_reading
    def chunks_of(
        self,
        source: str,
        doc_id: str,
        version: str | None = None,
        *,
        where: Mapping[str, str | int] | None = None,
        seqs: tuple[int, int] | None = None,
    ) -> list[Chunk]:
        """A document's chunks in order (latest version when none is given).

        `where` keeps chunks whose payload fields equal the given values and `seqs` an
        inclusive range of positions; both are filtered in SQLite, so a citation lookup
        or a neighbour view does not decode all 1,500 chunks of 民法.
        """
        db = self._read
        if version is None:
            row = db.execute("SELECT max(version) FROM chunks WHERE source=? AND doc_id=?", (source, doc_id)).fetchone()
            version = row[0] if row else None
            if version is None:
                return []
        # Named, since without ANALYZE statistics SQLite prefers chunks_doc and scans the whole law.
        table = "chunks INDEXED BY chunks_article" if where and "article_num" in where else "chunks"
        sql = f"SELECT payload FROM {table} WHERE source=? AND doc_id=? AND version=?"
        args: list[object] = [source, doc_id, version]
        if seqs is not None:
            sql += " AND seq BETWEEN ? AND ?"
            args += list(seqs)
        for key, value in (where or {}).items():
            if not _FIELD.fullmatch(key):
                raise ValueError(f"not a payload field name: {key!r}")
            sql += f" AND json_extract(payload, '$.{key}') = ?"
            args.append(value)
        rows = db.execute(sql + " ORDER BY seq", args)
        return [self._decode(r[0]) for r in rows]

    @_reading
    def iter_chunks(self, source: str | None = None) -> Iterator[Chunk]:
        sql, args = "SELECT payload FROM chunks", ()
        if source:
            sql, args = sql + " WHERE source=?", (source,)
        for (payload,) in self._db.execute(sql + " ORDER BY source, doc_id, version, seq", args):
            yield self._decode(payload)

    @_reading
    def catalog(self, source: str) -> list[tuple[str, str, str | None]]:
        """(law_num, title, law_id) of every document the source's listings name (see `add_catalog`)."""
        try:
            rows = self._read.execute("SELECT law_num, title, law_id FROM catalog WHERE source=?", (source,))
            return [tuple(r) for r in rows]  # type: ignore[misc]
        except sqlite3.OperationalError:  # a store written before the catalog existed
            return []

    @_reading
    def definition_terms(self, source: str) -> list[tuple[str, str, int, int]]:
        """(key, term as written, how many definitions, in how many documents) of every term the source's
        documents define; empty for a store built before definitions were kept."""
        if not self._read_has_definitions():
            return []
        rows = self._read.execute(
            "SELECT key, term, count(*), count(DISTINCT doc_id) FROM definitions WHERE source=? GROUP BY key, term",
            (source,))
        return [tuple(r) for r in rows]  # type: ignore[misc]

    @_reading
    def definitions(self, source: str, keys: Sequence[str]) -> list[str]:
        """The stored records (JSON) of the definitions of these term keys, in document order."""
        if not keys or not self._read_has_definitions():
            return []
        marks = ",".join("?" * len(keys))
        # Sorted here: an ORDER BY on the primary key made SQLite walk the whole table in key order
        # instead of using the key index (58 ms a question over 89k definitions, now under 1 ms).
        rows = self._read.execute(
            f"SELECT doc_id, version, seq, payload FROM definitions INDEXED BY definitions_key "
            f"WHERE source=? AND key IN ({marks})", (source, *keys))
        return [payload for *_, payload in sorted(rows)]

    def _read_has_definitions(self) -> bool:
        """A store built before definitions were kept has no table: that, and only that, reads as none."""
        return _has_table(self._read, "definitions")

    @_reading
    def skipped(self, source: str | None = None) -> list[tuple[str, str, str]]:
        sql, args = "SELECT source, name, reason FROM skipped", ()
        if source:
            sql, args = sql + " WHERE source=?", (source,)
        return list(self._db.execute(sql + " ORDER BY source, name", args))

    @_reading
    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for source, n in self._db.execute("SELECT source, count(*) FROM documents GROUP BY source"):
            out.setdefault(source, {})["documents"] = n
        for source, n in self._db.execute("SELECT source, count(*) FROM chunks GROUP BY source"):
            out.setdefault(source, {})["chunks"] = n
        for source, n in self._db.execute("SELECT source, count(*) FROM skipped GROUP BY source"):
            out.setdefault(source, {})["skipped"] = n
        return out
