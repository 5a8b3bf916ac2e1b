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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from govrag.index.docstore import DocStore, DocumentRecord
from govrag.index.embed import EmbeddingCache, Embedder, embed_with_cache
from govrag.index.sparse import TOKENIZER_VERSION, Bm25Encoder
from govrag.index.store.base import Point, Schema, VectorStore
from govrag.models import Chunk

SPARSE = "bm25"
DENSE = "dense"
ARTICLE = "article"  # per-article descriptor vectors (index/descriptors.py), on each article's first chunk
SPARSE_STAGE = "sparse"
UPSERT_BATCH = 1024
_PAYLOAD_FIELDS = ("source", "doc_id", "law_id", "law_type", "year", "date", "provision", "article_num", "seq")


@dataclass(frozen=True, slots=True)
class IndexMeta:
    """What an index was built with; queries must be encoded the same way."""

    bm25_k1: float
    bm25_b: float
    bm25_avg_len: float
    dense_model: str | None = None
    dense_dim: int | None = None
    tokenizer: str | None = None  # TOKENIZER_VERSION at build time; None: built before versions were kept

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> IndexMeta | None:
        return cls(**json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


@dataclass
class IndexReport:
    documents: int = 0
    points: int = 0
    skipped_documents: int = 0


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
    return {"chunk_id": chunk.id, **{k: values.get(k) for k in _PAYLOAD_FIELDS}}


def schema_for(meta: IndexMeta) -> Schema:
    dense = {DENSE: meta.dense_dim, ARTICLE: meta.dense_dim} if meta.dense_dim else {}
    return Schema(dense=dense, sparse=(SPARSE,))


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
    for doc, points in _encode_documents(docstore.path, todo, meta, workers):
        batch.extend(points)
        finished.append(doc)
        report.documents += 1
        report.points += len(points)
        if len(batch) >= UPSERT_BATCH:
            _commit(store, docstore, batch, finished)
            batch, finished = [], []
        if on_document:
            on_document(len(points))
    _commit(store, docstore, batch, finished)
    store.flush()
    return report


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
    with ctx.Pool(workers, initializer=_init_worker, initargs=(db_path, meta)) as pool:
        yield from pool.imap(_encode_document, docs, chunksize=8)


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


def build_dense(
    docstore: DocStore,
    store: VectorStore,
    embedder: Embedder,
    cache: EmbeddingCache,
    doc_ids: Iterable[str],
    *,
    batch_size: int = 32,
    on_batch: Callable[[int], None] | None = None,
) -> IndexReport:
    """Add dense vectors to the chunks of the chosen documents (cached by content hash, resumable)."""
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
    store.flush()
    return report
