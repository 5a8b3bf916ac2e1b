"""Hybrid search: exact citations first, then BM25 and dense legs fused by weighted RRF in Qdrant.

A query that names a provision (「民法709条」) gets that provision at rank 1
from the citation parser; a query that names only a law is scoped to it. The
rest is ranked by the store, fusing up to five legs:

* BM25 over every chunk (full coverage, exact wording);
* BM25 restricted to the laws the router picks from the descriptor vectors
  (full coverage, for questions that do not use the statute's words);
* dense vectors over the chunks that have them, restricted to the routed
  laws when there is a router: dense vectors exist for a chosen subset only,
  and an unrestricted dense leg would rank that subset first for any question;
* per-article descriptor vectors over every article, when the index has them;
* optionally (off by default) the same vectors restricted to the routed laws.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from govrag.index.docstore import DocStore
from govrag.index.embed import Embedder
from govrag.index.indexer import ARTICLE, DENSE, SPARSE
from govrag.index.sparse import Bm25Encoder
from govrag.index.store.base import Filters, Hit, Leg, VectorStore, has_vectors
from govrag.models import Chunk
from govrag.retrieval.citation import AbsentLaws, CitationLookup
from govrag.retrieval.router import LawRouter
from govrag.sources.laws.cite import parse_citations
from govrag.sources.laws.lawid import law_doc_id

Mode = Literal["hybrid", "bm25", "dense"]
EARLIEST_DATE = "0001-01-01"
Via = Literal["citation", "bm25", "dense", "hybrid"]
Reranker = Callable[[str, list["SearchHit"]], list["SearchHit"]]


@dataclass(frozen=True, slots=True)
class SearchOptions:
    k: int = 10
    mode: Mode = "hybrid"
    filters: Filters = field(default_factory=Filters)
    rrf_k: int = 60
    sparse_weight: float = 1.0
    dense_weight: float = 1.0
    candidates: int = 100
    use_citations: bool = True
    #: Laws the router picks (0: no routing); their BM25 leg weighs `route_weight`.
    route_laws: int = 10
    route_weight: float = 1.0
    #: Weight of the per-article descriptor leg (used when the index has those vectors).
    article_weight: float = 1.0
    #: Weight of the article descriptor leg restricted to the routed laws (0: off).
    routed_article_weight: float = 0.0


@dataclass(frozen=True, slots=True)
class SearchHit:
    chunk: Chunk
    score: float
    rank: int
    via: Via


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    hits: list[SearchHit]
    timings_ms: dict[str, float]
    scoped_to: tuple[str, ...] = ()
    routed_to: tuple[str, ...] = ()
    #: Provisions the query cites that the store does not hold (「民法第1500条」): say so, never guess.
    missing: tuple[str, ...] = ()
    #: Law names the query uses that no known law has (「証券取引法」, repealed; 「スパイ防止法」, invented).
    unknown_laws: tuple[str, ...] = ()
    #: Known laws the query names that the store does not hold (「金融商品取引法（昭和二十三年法律第二十五号）」).
    not_stored: tuple[str, ...] = ()
    #: What the search could not do as asked (a filter a source cannot honour), one line each.
    warnings: tuple[str, ...] = ()


class Searcher:
    """Everything a query needs, opened once: document store, vector store, encoders."""

    def __init__(
        self,
        docstore: DocStore,
        store: VectorStore,
        encoder: Bm25Encoder,
        embedder: Embedder | None = None,
        *,
        router: LawRouter | None = None,
        reranker: Reranker | None = None,
        use_articles: bool = True,
    ) -> None:
        self.docstore = docstore
        self.store = store
        self.encoder = encoder
        self.embedder = embedder
        self.router = router if embedder is not None and router is not None and router.size() > 0 else None
        self.reranker = reranker
        self.citations = CitationLookup.from_store(docstore)
        self.has_dense = embedder is not None and has_vectors(store, DENSE)
        self.has_articles = use_articles and embedder is not None and has_vectors(store, ARTICLE)
        #: Sources with stored chunks, and those whose chunks carry a date: a date filter on the others
        #: could only ever match nothing. Read once: a served store does not change under the process.
        self.sources = frozenset(docstore.counts())
        self.dated_sources = frozenset(
            source for source in self.sources if store.count(Filters(source=(source,), date_from=EARLIEST_DATE)) > 0
        )

    def search(self, query: str, options: SearchOptions = SearchOptions()) -> SearchResult:
        query = query.strip()
        if not query:
            raise ValueError("empty query")
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        exact, scope, named, missing, absent = self._citations(query) if options.use_citations else (
            [], (), (), (), AbsentLaws())
        filters = options.filters
        warnings = self._date_filter_warnings(filters)
        if scope and not filters.doc_id:
            filters = replace(filters, doc_id=scope)
        timings["parse"] = _ms(t0)

        legs, weights, routed = self._legs(query, options, filters, named, timings)
        t1 = time.perf_counter()
        hits = self.store.query(
            legs, limit=options.k + len(exact), filters=filters, rrf_k=options.rrf_k, weights=weights
        ) if legs else []
        timings["search"] = _ms(t1)

        t2 = time.perf_counter()
        ranked = self._hydrate(hits, exact, options)
        if self.reranker is not None:
            ranked = [replace(hit, rank=i + 1) for i, hit in enumerate(self.reranker(query, ranked))]
        timings["fetch"] = _ms(t2)
        return SearchResult(query, ranked[: options.k], timings, scope, routed, missing, absent.unknown,
                            absent.not_stored, warnings)

    def _date_filter_warnings(self, filters: Filters) -> tuple[str, ...]:
        """A date filter no requested source can honour is an error, never a silent empty result;
        one that only some can honour says which sources it leaves out."""
        if filters.date_from is None and filters.date_to is None:
            return ()
        wanted = set(filters.source) or set(self.sources)
        undated = sorted(wanted - self.dated_sources)
        if not undated:
            return ()
        why = ("chunks in this store carry no date" + (" (the 2020 e-Gov XML gives only the promulgation year, "
               "so filter laws with year_from/year_to)" if "law" in undated else ""))
        if not wanted & self.dated_sources:
            raise ValueError(f"date_from/date_to cannot be applied: the {', '.join(undated)} {why}")
        return (f"date_from/date_to leave out every {', '.join(undated)} result: those {why}",)

    def _citations(
        self, query: str
    ) -> tuple[list[Chunk], tuple[str, ...], tuple[str, ...], tuple[str, ...], AbsentLaws]:
        """Chunks of provisions the query cites, the laws those cite (a hard scope), laws it only names
        (「民法の不法行為」: searched first, not exclusively, since the answer may sit elsewhere), cited
        provisions the store does not hold, and named laws it does not hold."""
        exact: list[Chunk] = []
        laws: list[str] = []
        missing: list[str] = []
        citations = parse_citations(query, self.citations.directory)
        for citation in citations:
            if citation.law is None:
                continue
            doc_id = law_doc_id(citation.law.law_id, citation.law.law_num)
            if doc_id not in laws:
                laws.append(doc_id)
            if citation.ref is None:  # 民法第0条, 民法第1000000000000条: no provision can have that number
                missing.append(f"{citation.law.title} {citation.provision_text}")
            elif citation.ref.article is not None:
                found = self.citations.provision(doc_id, citation.ref)
                exact.extend(c for c in found if c not in exact)
                if not found:
                    missing.append(f"{citation.law.title} {citation.ref.to_kanji()}")
        named: list[str] = []
        names = self.citations.directory.names_in(query)
        for _, _, entries in names:
            for entry in entries[:1]:  # an ambiguous name: its first reading, as the citation parser does
                doc_id = law_doc_id(entry.law_id, entry.law_num)
                if doc_id not in laws and doc_id not in named:
                    named.append(doc_id)
        absent = self.citations.absent_laws(query, citations, names)
        return exact, tuple(laws), tuple(named), tuple(dict.fromkeys(missing)), absent

    def _legs(
        self, query: str, options: SearchOptions, filters: Filters, named: tuple[str, ...], timings: dict[str, float]
    ) -> tuple[list[Leg], list[float], tuple[str, ...]]:
        legs: list[Leg] = []
        weights: list[float] = []

        def add(leg: Leg, weight: float) -> None:
            if weight > 0:  # a leg weighted 0 cannot move the fused ranking: do not pay for it
                legs.append(leg)
                weights.append(weight)

        sparse_on = options.mode in ("hybrid", "bm25")
        dense_on = options.mode in ("hybrid", "dense") and (self.has_dense or self.has_articles)
        vector = None
        route_on = options.mode == "hybrid" and self._routing(options, filters)
        if dense_on or route_on:
            assert self.embedder is not None
            t = time.perf_counter()
            vector = self.embedder.embed_query(query).tolist()
            timings["embed"] = _ms(t)
        routed: tuple[str, ...] = named if options.mode == "hybrid" and not filters.doc_id else ()
        if vector is not None and route_on:
            assert self.router is not None
            t = time.perf_counter()
            picked = self.router.route(vector, options.route_laws, _law_filters(filters)).doc_ids
            routed = tuple(dict.fromkeys((*routed, *picked)))[: max(options.route_laws, len(routed))]
            timings["route"] = _ms(t)
        if sparse_on:
            t = time.perf_counter()
            sparse = self.encoder.encode_query(query)
            timings["encode_sparse"] = _ms(t)
            if sparse.indices:
                add(Leg(SPARSE, sparse, options.candidates), options.sparse_weight)
                if routed:
                    add(Leg(SPARSE, sparse, options.candidates, Filters(doc_id=routed)), options.route_weight)
        if dense_on and vector is not None and self.has_dense:
            add(Leg(DENSE, vector, options.candidates, Filters(doc_id=routed) if routed else None), options.dense_weight)
        if dense_on and vector is not None and self.has_articles:
            # Every article has a descriptor vector, so this leg needs no routing to stay fair.
            add(Leg(ARTICLE, vector, options.candidates), options.article_weight)
            if routed:  # off by default: more paraphrased hits, fewer lawqa_jp ones (docs/benchmarks.md)
                add(Leg(ARTICLE, vector, options.candidates, Filters(doc_id=routed)), options.routed_article_weight)
        return legs, weights, routed

    def _routing(self, options: SearchOptions, filters: Filters) -> bool:
        """Route unless there is no router, routing is off, or the query is already scoped to laws."""
        return self.router is not None and options.route_laws > 0 and not filters.doc_id

    def _hydrate(self, hits: Sequence[Hit], exact: list[Chunk], options: SearchOptions) -> list[SearchHit]:
        via: Via = "hybrid" if options.mode == "hybrid" else options.mode
        seen = {c.id for c in exact}
        chunks = self.docstore.chunks_by_id([h.id for h in hits if h.id not in seen])
        by_id = {c.id: c for c in chunks}
        ranked = [SearchHit(c, 1.0, 0, "citation") for c in exact]
        ranked += [SearchHit(by_id[h.id], h.score, 0, via) for h in hits if h.id in by_id]
        return [replace(hit, rank=i + 1) for i, hit in enumerate(ranked)]


def _law_filters(filters: Filters) -> Filters:
    """The part of the query's filters that outline windows carry (they have no year or date)."""
    return Filters(source=filters.source, doc_id=filters.doc_id, law_id=filters.law_id, law_type=filters.law_type)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
