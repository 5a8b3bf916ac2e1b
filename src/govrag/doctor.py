"""`govrag doctor`: every integrity check on a data dir, each with the command that repairs what it finds.

It opens the files itself instead of through `Service`, so it still reports
everything when the service would refuse to start (that is when it is needed).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from govrag.config import Settings
from govrag.index.descriptors import verify_descriptors
from govrag.index.docstore import DocStore
from govrag.index.indexer import REBUILD, IndexMeta, StaleIndex, check_tokenizer, verify_index
from govrag.index.integrity import DataError, Problem, check_sqlite_file, reingest
from govrag.index.sparse import Bm25Encoder
from govrag.index.store.base import StoreError, VectorStore
from govrag.service import META_FILE, open_descriptors, open_index, smoke_read, store_problem


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    problems: tuple[Problem, ...]
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def diagnose(settings: Settings, *, full: bool = False) -> list[Check]:
    """Run the checks in data-flow order; a check whose input is broken is reported, not skipped silently.

    `full` also decodes every stored row (seconds to minutes on the whole archive).
    """
    return list(_checks(settings, full))


def _checks(settings: Settings, full: bool) -> Iterator[Check]:
    db = settings.chunk_db
    docstore: DocStore | None = None
    try:
        docstore = DocStore(db)
        yield Check("document store opens", ())
    except DataError as exc:
        yield Check("document store opens", (exc.problem,))
    if docstore is not None:
        problem = docstore.quick_check()
        yield Check("document store passes PRAGMA quick_check", (problem,) if problem else ())
        if full:
            bad = docstore.damaged_rows()
            yield Check("every stored row decodes", (
                (Problem("docstore", str(db), f"holds {len(bad):,} damaged rows (e.g. {bad[0]})", reingest(db)),)
                if bad else ()), detail="full read")
    meta: IndexMeta | None = None
    try:
        meta = IndexMeta.load(settings.index_dir / META_FILE)
        missing = Problem("index", str(settings.index_dir / META_FILE), "does not exist", "`govrag index build`",
                          fatal=True)
        yield Check("index metadata (meta.json) is valid", () if meta else (missing,))
    except DataError as exc:
        yield Check("index metadata (meta.json) is valid", (exc.problem,))
    if meta is not None:
        try:
            check_tokenizer(meta)
        except StaleIndex as exc:
            yield Check("index tokenizer matches", (Problem("index", str(settings.index_dir), str(exc), REBUILD),))
    store = yield from _open("search index opens", lambda: open_index(settings), settings.index_dir / "qdrant")
    outlines = yield from _open("law-outline index opens", lambda: open_descriptors(settings),
                                settings.index_dir / "descriptors")
    try:
        if store is not None and docstore is not None and meta is not None:
            where = settings.store_url or settings.index_dir / "qdrant"
            try:
                counted = verify_index(docstore, store, meta, where)
                yield Check("index holds every point its build wrote", tuple(counted),
                            detail=f"{store.count():,} points")
            except DataError as exc:
                yield Check("index holds every point its build wrote", (exc.problem,))
            except StoreError as exc:
                yield Check("index holds every point its build wrote", (store_problem(exc, where, "cannot be counted"),))
            try:
                smoke_read(store, Bm25Encoder(k1=meta.bm25_k1, b=meta.bm25_b, avg_len=meta.bm25_avg_len), meta.dense_dim)
                yield Check("index answers a query", ())
            except StoreError as exc:
                yield Check("index answers a query", (store_problem(exc, where, "cannot be read"),))
        if outlines is not None and docstore is not None and meta is not None and meta.dense_model:
            where = settings.store_url or settings.index_dir / "descriptors"
            yield Check("law-outline index covers its laws",
                        tuple(verify_descriptors(docstore, outlines, meta.dense_model, where)),
                        detail=f"{outlines.count():,} windows")
    finally:
        for opened in (store, outlines):
            if opened is not None:
                opened.close()
        if docstore is not None:
            docstore.close()
    cache = settings.embedding_cache
    if cache.exists():
        problem = check_sqlite_file(cache, "embedding cache", f"delete {cache} (a cache: vectors are embedded again)")
        yield Check("embedding cache is a SQLite file", (problem,) if problem else ())


def _open(name: str, opener: Callable[[], VectorStore], where: Path) -> Generator[Check, None, VectorStore | None]:
    try:
        store = opener()
    except StoreError as exc:
        yield Check(name, (store_problem(exc, where, "cannot be opened"),))
        return None
    yield Check(name, ())
    return store

