"""The running service: stores and encoders opened once, shared by the CLI and the API.

Search, ask and document look-ups go through here so both front ends behave
the same and the wiring (which store, which embedder) lives in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

from govrag.answer.extractive import Answer, extractive_answer
from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.descriptors import article_coverage
from govrag.index.embed import Embedder, QueryCachedEmbedder, make_embedder
from govrag.index.indexer import ARTICLE, IndexMeta, StaleIndex, check_tokenizer
from govrag.index.sparse import Bm25Encoder
from govrag.index.store import open_store
from govrag.index.store.base import VectorStore, has_vectors
from govrag.models import Chunk
from govrag.retrieval.router import LawRouter
from govrag.retrieval.search import Searcher, SearchOptions, SearchResult

META_FILE = "meta.json"


def open_index(settings: Settings) -> VectorStore:
    """The chunk index: BM25 for every chunk, dense vectors for the chosen subset."""
    return open_store(settings.store_url, settings.index_dir / "qdrant")


def open_descriptors(settings: Settings) -> VectorStore:
    """The law-outline vectors the router uses (index/descriptors.py)."""
    return open_store(settings.store_url, settings.index_dir / "descriptors", collection="govrag-descriptors")


class NotReady(RuntimeError):
    """Nothing to search yet; the message says which command builds it."""


@dataclass(frozen=True, slots=True)
class DocumentView:
    chunk: Chunk
    before: list[Chunk]
    after: list[Chunk]


class Service:
    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        if not settings.chunk_db.exists():
            raise NotReady(f"no document store at {settings.chunk_db}: run `govrag ingest run ingest/laws-sample.toml` first")
        meta = IndexMeta.load(settings.index_dir / META_FILE)
        if meta is None:
            raise NotReady(f"no index at {settings.index_dir}: run `govrag index build` first")
        try:
            check_tokenizer(meta)
        except StaleIndex as exc:
            raise NotReady(str(exc)) from exc
        self.settings = settings
        self.meta = meta
        self.docstore = DocStore(settings.chunk_db)
        self.store = open_index(settings)
        self.descriptors = open_descriptors(settings)
        self.encoder = Bm25Encoder(k1=meta.bm25_k1, b=meta.bm25_b, avg_len=meta.bm25_avg_len)
        if embedder is None and meta.dense_model:
            embedder = make_embedder(settings.embedder)
        if embedder is not None and meta.dense_model and embedder.model_id != meta.dense_model:
            raise NotReady(f"index vectors come from {meta.dense_model}, but the embedder is {embedder.model_id}")
        #: (laws with article descriptor vectors, laws): the layer is used only when it covers them all.
        self.article_coverage = article_coverage(self.docstore, meta.dense_model) if meta.dense_model else (0, 0)
        done, laws = self.article_coverage
        use_articles = laws > 0 and done == laws and has_vectors(self.store, ARTICLE)
        router = None
        if embedder is not None:
            embedder = QueryCachedEmbedder(embedder, settings.query_cache_size, parallel=os.cpu_count() or 1)
            # Article descriptors route far better than outlines (retrieval/router.py); outlines are the fallback.
            router = LawRouter(self.store, using=ARTICLE) if use_articles else LawRouter(self.descriptors)
        self.searcher = Searcher(self.docstore, self.store, self.encoder, embedder, router=router, use_articles=use_articles)

    def close(self) -> None:
        self.store.close()
        self.descriptors.close()
        self.docstore.close()

    def search(self, query: str, options: SearchOptions = SearchOptions()) -> SearchResult:
        return self.searcher.search(query, options)

    def ask(self, question: str, options: SearchOptions = SearchOptions(k=5)) -> Answer:
        return self.answer(self.searcher.search(question, options))

    def answer(self, result: SearchResult) -> Answer:
        """The answer to a search already made (the eval scores search and answer from one search)."""
        return extractive_answer(result, self.coverage, min_coverage=self.settings.answer_min_coverage)

    def coverage(self, query: str, text: str) -> float:
        """Share of the query's distinct BM25 terms that occur in a text."""
        wanted = set(self.encoder.encode_query(query).indices)
        if not wanted:
            return 0.0
        return len(wanted & set(self.encoder.encode_query(text).indices)) / len(wanted)

    def document(self, chunk_id: str, neighbours: int = 2) -> DocumentView | None:
        chunk = self.docstore.chunk(chunk_id)
        if chunk is None:
            return None
        i = chunk.seq
        around = self.docstore.chunks_of(chunk.source, chunk.doc_id, chunk.version, seqs=(i - neighbours, i + neighbours))
        return DocumentView(chunk, [c for c in around if c.seq < i], [c for c in around if c.seq > i])

    def health(self) -> dict[str, object]:
        """What is being served, plus live query-cache counters; the counts are read once, since a
        served index does not change under the process and counting 573k points is not a probe's job."""
        embedder = self.searcher.embedder
        cache = {"hits": embedder.hits, "misses": embedder.misses, "size": len(embedder)} if isinstance(
            embedder, QueryCachedEmbedder) else None
        return {**self._counts, "query_cache": cache}

    @cached_property
    def _counts(self) -> dict[str, object]:
        return {
            "documents": self.docstore.counts(),
            "points": self.store.count(),
            "dense_points": self.store.count(with_vector="dense") if self.meta.dense_model else 0,
            "dense_model": self.meta.dense_model,
            "descriptor_points": self.descriptors.count(),
            "article_points": self.store.count(with_vector=ARTICLE) if self.meta.dense_model else 0,
            "articles": _article_layer(*self.article_coverage, used=self.searcher.has_articles),
            "router": None if (router := self.searcher.router) is None else ("articles" if router.using == ARTICLE else "outlines"),
        }


def _article_layer(done: int, laws: int, *, used: bool) -> str:
    if used:
        return "complete, in use"
    if done == 0:
        return "none"
    if done == laws:
        return "complete, not used: no query embedder"
    return f"partial: {done:,} of {laws:,} laws (`govrag index build --articles` resumes); not used until complete"
