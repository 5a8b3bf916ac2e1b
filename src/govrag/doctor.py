"""`govrag doctor`: every integrity check on a data dir, each with the command that repairs what it finds.

It opens the files itself instead of through `Service`, so it still reports
everything when the service would refuse to start (that is when it is needed).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.indexer import SPARSE, IndexMeta, StaleIndex, check_tokenizer, verify_index
from govrag.index.integrity import DataError, Problem, check_sqlite_file, reingest
from govrag.index.sparse import Bm25Encoder
from govrag.index.store.base import Leg, StoreError, VectorStore
from govrag.service import META_FILE, REBUILD, SMOKE_QUERY, open_descriptors, open_index


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
            except (DataError, StoreError) as exc:
                yield Check("index holds every point its build wrote", (_problem(exc, where),))
            try:
                encoder = Bm25Encoder(k1=meta.bm25_k1, b=meta.bm25_b, avg_len=meta.bm25_avg_len)
                store.query([Leg(SPARSE, encoder.encode_query(SMOKE_QUERY), 10)], limit=10)
                yield Check("index answers a query", ())
            except StoreError as exc:
                yield Check("index answers a query", (_problem(exc, where),))
        if outlines is not None and docstore is not None and meta is not None and meta.dense_model:
            yield _outline_check(docstore, outlines, meta, settings.index_dir / "descriptors")
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
        yield Check(name, (_problem(exc, where),))
        return None
    yield Check(name, ())
    return store


def _outline_check(docstore: DocStore, outlines: VectorStore, meta: IndexMeta, where: Path) -> Check:
    from govrag.index.descriptors import descriptor_stage

    done = docstore.indexed(descriptor_stage(meta.dense_model or ""))
    laws = [d for d in docstore.documents("law") if d.index_key in done]
    have = outlines.count()
    if have < len(laws):
        return Check("law-outline index covers its laws", (Problem(
            "descriptors", str(where), f"holds {have:,} windows for {len(laws):,} laws (at least one each)",
            "`govrag index build` (re-embeds from the cache)"),))
    return Check("law-outline index covers its laws", (), detail=f"{have:,} windows")


def _problem(exc: BaseException, where: object) -> Problem:
    if isinstance(exc, DataError):
        return exc.problem
    text = str(exc)
    if "another process" in text:
        return Problem("index", str(where), "is held by another process", "stop `govrag serve` (or the running "
                       "build) and run `govrag doctor` again", fatal=True)
    return Problem("index", str(where), f"is damaged ({text[:240]})", REBUILD, fatal=True)
