"""Build the search index from the document store: BM25 for everything, dense vectors for a chosen subset.

Stages are resumable: each records which documents (by content hash) it holds
in the document store, so a rerun skips them and a changed document is redone.
Sudachi tokenising runs in worker processes that read the store themselves;
only lean points (id, filter payload, sparse vector) come back to be upserted.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from govrag.index.docstore import DocStore, DocumentRecord
from govrag.index.embed import EmbeddingCache, Embedder, embed_with_cache
from govrag.index.integrity import Problem, load_json_record
from govrag.index.sparse import TOKENIZER_VERSION, Bm25Encoder
from govrag.index.store.base import Filters, Point, Schema, VectorStore
from govrag.models import Chunk
from govrag.sources import registry

SPARSE = "bm25"
DENSE = "dense"
ARTICLE = "article"  # per-article descriptor vectors (index/descriptors.py), on each article's first chunk
SPARSE_STAGE = "sparse"
UPSERT_BATCH = 1024
#: Documents tokenised ahead of the writer, per worker: the pool waits beyond it, so encoded points
#: never pile up in memory while the store is busy (the build's memory stays flat with the corpus).
AHEAD_PER_WORKER = 16
#: Points written between two store flushes (optimize + persist): the engine turns a bounded
#: appendable segment into an indexed one at a time instead of the whole corpus at the end
#: (docs/operations.md, "Build memory": 10.6 GiB → 1.9 GiB for the main job's store).
FLUSH_EVERY = 150_000
CHUNK = 4  # documents per task sent to a tokeniser worker


META_FILE = "meta.json"  # the IndexMeta of an index folder


@dataclass(frozen=True, slots=True)
class IndexMeta:
    """What an index was built with; queries must be encoded the same way."""

    bm25_k1: float
    bm25_b: float
    bm25_avg_len: float
    dense_model: str | None = None
    dense_dim: int | None = None
    tokenizer: str | None = None  # TOKENIZER_VERSION at build time; None: built before versions were kept

    def __post_init__(self) -> None:
        for name in ("bm25_k1", "bm25_b", "bm25_avg_len"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        for name in ("dense_model", "tokenizer"):
            if not isinstance(getattr(self, name), (str, type(None))):
                raise ValueError(f"{name} must be a string or null")
        if self.dense_dim is not None and (isinstance(self.dense_dim, bool) or not isinstance(self.dense_dim, int)):
            raise ValueError("dense_dim must be an integer or null")

    def save(self, path: Path) -> None:
        """Write-then-rename: a build killed mid-write never leaves half a meta.json."""
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> IndexMeta | None:
        """None when there is no index yet; a `DataError` naming the file when it is damaged."""
        if not path.is_file():
            return None
        meta: IndexMeta = load_json_record(path, cls, "index", REBUILD)
        return meta


@dataclass
class IndexReport:
    documents: int = 0
    points: int = 0
    skipped_documents: int = 0
    deleted: int = 0  # points of superseded chunks removed (after the new ones were in)


class StaleIndex(RuntimeError):
    """The index was built with another tokenizer; queries would not match its tokens."""


def check_tokenizer(meta: IndexMeta) -> None:
    if meta.tokenizer != TOKENIZER_VERSION:
        raise StaleIndex(
            f"the index was built with tokenizer {meta.tokenizer or 'of an earlier version'}, this govrag "
            f"tokenizes as {TOKENIZER_VERSION}: run `govrag index build --rebuild` (embeddings come from the cache)"
        )


def point_payload(chunk: Chunk) -> dict[str, Any]:
    """The filter and ranking fields a store keeps; text stays in the document store."""
    values = chunk.payload()
    return {k: values.get(k) for k in registry.payload_fields()}


def schema_for(meta: IndexMeta) -> Schema:
    dense = {DENSE: meta.dense_dim, ARTICLE: meta.dense_dim} if meta.dense_dim else {}
    fields = registry.filter_fields()
    return Schema(
        dense=dense, sparse=(SPARSE,),
        keyword_fields=("source", "doc_id", *(f.payload_key for f in fields if f.kind == "keyword")),
        integer_fields=tuple(f.payload_key for f in fields if f.kind == "integer"),
    )


def new_meta(docstore: DocStore, embedder: Embedder | None) -> IndexMeta:
    """Parameters of a new index: default BM25, avg_len measured on this corpus, the embedder's model."""
    encoder = Bm25Encoder()
    return IndexMeta(
        bm25_k1=encoder.k1, bm25_b=encoder.b, bm25_avg_len=estimate_avg_len(docstore, encoder),
        dense_model=embedder.model_id if embedder else None, dense_dim=embedder.dim if embedder else None,
        tokenizer=TOKENIZER_VERSION,
    )


def forget_index(docstore: DocStore, index_dir: Path) -> None:
    """Remove an embedded index and its progress marks (not the embedding cache), for a rebuild."""
    docstore.clear_indexed()
    if index_dir.exists():
        shutil.rmtree(index_dir)


def estimate_avg_len(store: DocStore, encoder: Bm25Encoder, sample_every: int = 97) -> float:
    """Average document length in tokens from a fixed stride of chunks (deterministic, cheap)."""
    texts = [c.text for i, c in enumerate(store.iter_chunks()) if i % sample_every == 0]
    return encoder.estimate_avg_len(texts) if texts else 1.0


def build_sparse(
    docstore: DocStore,
    store: VectorStore,
    meta: IndexMeta,
    *,
    workers: int | None = None,
    on_document: Callable[[int], None] | None = None,
) -> IndexReport:
    """Upsert every stored chunk with its BM25 vector; documents already indexed unchanged are skipped."""
    check_tokenizer(meta)
    store.ensure_schema(schema_for(meta))
    done = docstore.indexed(SPARSE_STAGE)
    todo = [d for d in docstore.documents() if d.index_key not in done]
    report = IndexReport(skipped_documents=len(done))
    batch: list[Point] = []
    finished: list[DocumentRecord] = []
    since_flush = 0
    for doc, points in _encode_documents(docstore.path, todo, meta, workers):
        batch.extend(points)
        finished.append(doc)
        report.documents += 1
        report.points += len(points)
        if len(batch) >= UPSERT_BATCH:
            _commit(store, docstore, batch, finished)
            since_flush += len(batch)
            batch, finished = [], []
            if since_flush >= FLUSH_EVERY:
                store.flush()
                since_flush = 0
        if on_document:
            on_document(len(points))
    _commit(store, docstore, batch, finished)
    report.deleted = delete_retired(docstore, store)
    store.flush()
    return report


def delete_retired(docstore: DocStore, store: VectorStore) -> int:
    """Delete the points of chunks rewrites left behind: run after the new points are in, so a search
    never finds a document missing; a crash before it leaves them for the next build."""
    gone = docstore.retired()
    for start in range(0, len(gone), UPSERT_BATCH):
        store.delete(gone[start : start + UPSERT_BATCH])
    docstore.forget_retired(gone)
    docstore.forget_orphans(SPARSE_STAGE, docstore.orphans(SPARSE_STAGE))
    return len(gone)


def _commit(store: VectorStore, docstore: DocStore, points: list[Point], docs: list[DocumentRecord]) -> None:
    """Points first, then the progress mark: a crash in between only redoes idempotent upserts."""
    if points:
        store.upsert(points)
    if docs:
        docstore.mark_indexed(SPARSE_STAGE, docs)


def _encode_documents(
    db_path: Path, docs: Sequence[DocumentRecord], meta: IndexMeta, workers: int | None
) -> Iterator[tuple[DocumentRecord, list[Point]]]:
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(docs) < 8:
        _init_worker(db_path, meta)
        yield from map(_encode_document, docs)
        return
    ctx = multiprocessing.get_context("fork")
    # The pool hands out documents CHUNK at a time: fewer slots than that and it would wait forever.
    slots = threading.Semaphore(max(workers * AHEAD_PER_WORKER, CHUNK))
    stop = threading.Event()

    def gated() -> Iterator[DocumentRecord]:
        """Runs in the pool's task thread: waiting here holds the workers. It must notice `stop`, since
        leaving the pool (terminate) joins this thread: a writer that failed would otherwise hang."""
        for doc in docs:
            while not slots.acquire(timeout=0.2):
                if stop.is_set():
                    return
            yield doc

    with ctx.Pool(workers, initializer=_init_worker, initargs=(db_path, meta)) as pool:
        try:
            for result in pool.imap(_encode_document, gated(), chunksize=CHUNK):
                yield result
                slots.release()
        finally:
            stop.set()


_WORKER: tuple[DocStore, Bm25Encoder] | None = None


def _init_worker(db_path: Path, meta: IndexMeta) -> None:
    global _WORKER
    _WORKER = (DocStore(db_path), Bm25Encoder(k1=meta.bm25_k1, b=meta.bm25_b, avg_len=meta.bm25_avg_len))


def _encode_document(doc: DocumentRecord) -> tuple[DocumentRecord, list[Point]]:
    assert _WORKER is not None
    docstore, encoder = _WORKER
    points = [
        Point(id=c.id, payload=point_payload(c), sparse={SPARSE: encoder.encode_document(c.text)})
        for c in docstore.chunks_of(doc.source, doc.doc_id, doc.version)
    ]
    return doc, points


def pending_steps(
    docstore: DocStore, stage: str, docs: Iterable[DocumentRecord], size: int, report: IndexReport
) -> Iterator[list[DocumentRecord]]:
    """The documents a stage does not hold yet, `size` at a time; each step is recorded as done
    only once the caller's work on it returns, so an interrupted build resumes at that step."""
    done = docstore.indexed(stage)
    docs = list(docs)
    todo = [d for d in docs if d.index_key not in done]
    report.skipped_documents += len(docs) - len(todo)
    for start in range(0, len(todo), size):
        step = todo[start : start + size]
        yield step
        docstore.mark_indexed(stage, step)
        report.documents += len(step)


def dense_stage(model_id: str) -> str:
    return f"dense:{model_id}"


def article_stage(model_id: str) -> str:
    """Per-article descriptor vectors (index/descriptors.py) live on the main index's points."""
    return f"articles:{model_id}"


def build_dense(
    docstore: DocStore,
    store: VectorStore,
    embedder: Embedder,
    cache: EmbeddingCache,
    doc_ids: Iterable[str],
    *,
    batch_size: int = 32,
    on_batch: Callable[[int], None] | None = None,
    optimize: bool = True,
) -> IndexReport:
    """Add dense vectors to the chunks of the chosen documents (cached by content hash, resumable);
    `optimize=False` leaves the store's indexing to a later flush (a serving process: see EdgeStore.flush)."""
    wanted = set(doc_ids)
    report = IndexReport()
    docs = [d for d in docstore.documents() if d.doc_id in wanted]
    for (doc,) in pending_steps(docstore, dense_stage(embedder.model_id), docs, 1, report):
        chunks = docstore.chunks_of(doc.source, doc.doc_id, doc.version)
        vectors = embed_with_cache(
            embedder, cache, [(c.hash, c.text) for c in chunks], batch_size=batch_size, on_batch=on_batch
        )
        store.update_vectors([(c.id, {DENSE: v.tolist()}) for c, v in zip(chunks, vectors)])
        report.points += len(chunks)
    store.flush(optimize=optimize)
    return report


# ---- integrity: what the index should hold, and its repair -----------------------------------------

BUILD = "`govrag index build`"
REBUILD = "`govrag index build --rebuild` (embeddings come from the cache)"


@dataclass(frozen=True, slots=True)
class _Tally:
    """What the build recorded against what the store holds: the one count both the check and the repair read."""

    docs: list[DocumentRecord]
    indexed: list[DocumentRecord]
    points: int
    expected: int
    dense_done: set[tuple[str, str, str, str]]
    dense_have: int
    dense_wanted: int


def _tally(docstore: DocStore, store: VectorStore, meta: IndexMeta) -> _Tally:
    docs = list(docstore.documents())
    done = docstore.indexed(SPARSE_STAGE)
    indexed = [d for d in docs if d.index_key in done]
    dense_done = docstore.indexed(dense_stage(meta.dense_model)) if meta.dense_model else set()
    return _Tally(
        docs, indexed, store.count(), sum(d.n_chunks for d in indexed), dense_done,
        store.count(with_vector=DENSE) if meta.dense_model else 0,
        sum(d.n_chunks for d in docs if d.index_key in dense_done),
    )


def verify_index(docstore: DocStore, store: VectorStore, meta: IndexMeta, where: Path | str) -> list[Problem]:
    """Compare the index with what its build recorded: documents indexed, points written, dense vectors.

    Cheap (two counts per stage), so the service runs it at start-up. An index with no point at all,
    or none of the stored documents, is fatal: it could only answer "no results".
    """
    t = _tally(docstore, store, meta)
    if not t.docs:
        return [Problem("docstore", str(docstore.path), "holds no documents", "`govrag ingest run <job>`", fatal=True)]
    if not t.indexed or t.points == 0:
        return [Problem("index", str(where), f"holds {t.points:,} points for {len(t.indexed):,} of {len(t.docs):,} "
                        "stored documents (a build that never finished)", BUILD, fatal=True)]
    problems: list[Problem] = []
    if len(t.indexed) < len(t.docs):
        problems.append(Problem("index", str(where), f"covers {len(t.indexed):,} of {len(t.docs):,} stored documents "
                                "(an interrupted build, or documents ingested since)", f"{BUILD} (resumes)"))
    if t.points < t.expected:
        problems.append(Problem("index", str(where), f"holds {t.points:,} of the {t.expected:,} points its build wrote "
                                "(damaged or cut files)", f"{BUILD} (re-indexes what is missing; no --rebuild needed)"))
    if t.dense_have < t.dense_wanted:
        problems.append(Problem("index", str(where), f"holds dense vectors for {t.dense_have:,} of the "
                                f"{t.dense_wanted:,} chunks its build embedded",
                                f"{BUILD} with the same --dense-laws (vectors come from the cache)"))
    return problems


def repair_index(docstore: DocStore, store: VectorStore, meta: IndexMeta) -> list[str]:
    """Find the documents whose points or vectors the store lost and forget their progress marks, so
    the build that follows redoes exactly those (upserts are idempotent; vectors come from the cache).

    Returns the repaired documents' ids. Costs one count per document only when the totals disagree.
    """
    t = _tally(docstore, store, meta)
    points_short = t.points < t.expected
    dense_short = t.dense_have < t.dense_wanted
    if not (points_short or dense_short):
        return []
    dense = dense_stage(meta.dense_model) if meta.dense_model else None
    # The point is gone with every vector it carried: each stage of this store redoes the document.
    main_stages = [SPARSE_STAGE] + ([dense, article_stage(meta.dense_model)] if dense and meta.dense_model else [])
    chunks_of: dict[tuple[str, str], int] = {}  # every indexed version of a document shares its doc_id filter
    for doc in t.indexed:
        chunks_of[doc.source, doc.doc_id] = chunks_of.get((doc.source, doc.doc_id), 0) + doc.n_chunks
    repaired: list[str] = []
    for doc in t.indexed:
        one = Filters(source=(doc.source,), doc_id=(doc.doc_id,))
        if points_short and store.count(one) < chunks_of[doc.source, doc.doc_id]:
            docstore.forget_indexed(doc, stages=main_stages)
            repaired.append(doc.doc_id)
        elif dense and dense_short and doc.index_key in t.dense_done and store.count(one, with_vector=DENSE) < doc.n_chunks:
            docstore.forget_indexed(doc, stages=(dense,))
            repaired.append(doc.doc_id)
    return repaired
