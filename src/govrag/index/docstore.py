"""SQLite store of documents and their chunks: the materialised output of every source.

Why a store of its own: an ingest that crashes must resume without re-reading
what it finished and without duplicates, `/documents/{id}` needs a chunk's
neighbours in order, and indexes (BM25, vectors) are rebuilt from here, not
from the raw sources. One transaction per batch of documents, chunk ids as
primary keys, and a document's chunks replaced as a whole make each document
all-or-nothing.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
CREATE TABLE IF NOT EXISTS skipped (
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (source, name)
);
"""


ChunkRow = tuple[str, str, str, str, int, str, str]
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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


class DocStore:
    """Documents and chunks on disk; safe to reopen, resume and re-ingest."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def close(self) -> None:
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        self._db.close()

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
        """Write documents with their chunk rows in one transaction (a crash loses only this batch)."""
        db = self._db
        db.execute("BEGIN")
        try:
            for doc, rows in docs:
                db.execute(
                    "DELETE FROM chunks WHERE source=? AND doc_id=? AND version=?",
                    (doc.source, doc.doc_id, doc.version),
                )
                db.executemany(
                    "INSERT OR REPLACE INTO chunks (id, source, doc_id, version, seq, hash, payload) VALUES (?,?,?,?,?,?,?)",
                    rows,
                )
                db.execute(
                    "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?)",
                    (
                        doc.source, doc.doc_id, doc.version, doc.name, doc.title, doc.file_hash,
                        doc.n_chunks, json.dumps(doc.meta, ensure_ascii=False),
                    ),
                )
                db.execute("DELETE FROM skipped WHERE source=? AND name=?", (doc.source, doc.name))
            db.executemany("INSERT OR REPLACE INTO skipped VALUES (?,?,?)", list(skipped))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def mark_indexed(self, stage: str, docs: Iterable[DocumentRecord]) -> None:
        """Record that an index stage (e.g. "sparse", "dense:e5") holds these documents as stored now."""
        rows = [(stage, *d.index_key) for d in docs]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO indexed VALUES (?,?,?,?,?)", rows)

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

    # -- reading ---------------------------------------------------------
    def done_files(self, source: str) -> set[tuple[str, str]]:
        """(file name, file hash) pairs already ingested: what a resumed run may skip."""
        rows = self._db.execute("SELECT name, file_hash FROM documents WHERE source=?", (source,))
        return {(name, h) for name, h in rows}

    def documents(self, source: str | None = None) -> Iterator[DocumentRecord]:
        sql, args = "SELECT * FROM documents", ()
        if source:
            sql, args = sql + " WHERE source=?", (source,)
        for row in self._db.execute(sql + " ORDER BY source, doc_id, version", args):
            yield DocumentRecord(*row[:7], meta=json.loads(row[7]))

    def chunk(self, chunk_id: str) -> Chunk | None:
        row = self._read.execute("SELECT payload FROM chunks WHERE id=?", (chunk_id,)).fetchone()
        return Chunk.from_payload(json.loads(row[0])) if row else None

    def chunks_by_id(self, ids: Sequence[str]) -> list[Chunk]:
        """Chunks in the order of `ids`; unknown ids are left out."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._read.execute(f"SELECT id, payload FROM chunks WHERE id IN ({marks})", list(ids))
        found = {cid: payload for cid, payload in rows}
        return [Chunk.from_payload(json.loads(found[i])) for i in ids if i in found]

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
        return [Chunk.from_payload(json.loads(r[0])) for r in rows]

    def iter_chunks(self, source: str | None = None) -> Iterator[Chunk]:
        sql, args = "SELECT payload FROM chunks", ()
        if source:
            sql, args = sql + " WHERE source=?", (source,)
        for (payload,) in self._db.execute(sql + " ORDER BY source, doc_id, version, seq", args):
            yield Chunk.from_payload(json.loads(payload))

    def skipped(self, source: str | None = None) -> list[tuple[str, str, str]]:
        sql, args = "SELECT source, name, reason FROM skipped", ()
        if source:
            sql, args = sql + " WHERE source=?", (source,)
        return list(self._db.execute(sql + " ORDER BY source, name", args))

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for source, n in self._db.execute("SELECT source, count(*) FROM documents GROUP BY source"):
            out.setdefault(source, {})["documents"] = n
        for source, n in self._db.execute("SELECT source, count(*) FROM chunks GROUP BY source"):
            out.setdefault(source, {})["chunks"] = n
        for source, n in self._db.execute("SELECT source, count(*) FROM skipped GROUP BY source"):
            out.setdefault(source, {})["skipped"] = n
        return out
