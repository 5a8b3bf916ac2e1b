"""Hybrid search: what the query names first, then BM25 and dense legs fused by weighted RRF in Qdrant.

Every source the request allows reads the query for hints (`QueryHints`): a
provision it cites (「民法709条」) comes first, a law it cites scopes the laws,
a speaker, house or date it names (「石破総理」「令和7年2月」) filters the
speeches. Hint filters bind only their own source's chunks and are shown in
`applied_filters`; the request's own filters bind every path, the exact units
included. The rest is ranked by the store, fusing up to five legs:

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
from functools import lru_cache
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from govrag.index.docstore import DocStore
from govrag.index.embed import Embedder
from govrag.index.indexer import ARTICLE, DENSE, SPARSE
from govrag.index.sparse import Bm25Encoder
from govrag.index import everyday, synonyms
from govrag.index.store.base import Filters, Hit, Leg, VectorStore, has_vectors
from govrag.models import Chunk, QueryHints
from govrag.retrieval.router import LawRouter
from govrag.sources import registry

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
    #: Read the query for hints (citations, law names, speakers, dates); off: rank the words only.
    use_hints: bool = True
    #: Laws the router picks (0: no routing); their BM25 leg weighs `route_weight`.
    route_laws: int = 10
    route_weight: float = 1.0
    #: Weight of the per-article descriptor leg (used when the index has those vectors).
    article_weight: float = 1.0
    #: Weight of the article descriptor leg restricted to the routed laws (0: off).
    routed_article_weight: float = 0.0
    #: Weight of the words the query's synonyms bring to its BM25 legs (大人 → 成年者; 0: no expansion).
    synonym_weight: float = 0.3
    #: Weight of the statute terms the everyday-words lexicon brings (クビ → 解雇; 0: none).
    everyday_weight: float = 0.5
    #: Weight of a BM25 leg confined to the laws that define a term the question uses (0: off, the default:
    #: it cost lawqa_jp 6 of 68 questions and found no paraphrased one; docs/everyday.md).
    definition_weight: float = 0.0
    #: When the query names a speaker, house or date of one source (「石破総理」), the legs of the other
    #: sources weigh this much: they still answer, behind the source the question is about.
    unhinted_weight: float = 0.5


@dataclass(frozen=True, slots=True)
class SearchHit:
    chunk: Chunk
    score: float
    rank: int
    via: Via
    #: Chunks the hit's own record links to: the answer to a question, the question an answer answers.
    linked: tuple[Chunk, ...] = ()


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
    #: Where the terms the query uses are defined, one line each: a hint for the reader and a leg of the search.
    definitions: tuple[str, ...] = ()
    #: The query's words were expanded to the statute's (synonyms, the everyday-words lexicon).
    expanded: bool = False
    #: Filters taken from the query itself (「石破総理」 → speaker), one line each: `use_hints=False` drops them.
    applied_filters: tuple[str, ...] = ()
    #: The query less the names its hints matched (「民法709条の損害賠償の要件は」 → 「、の損害賠償の要件は」):
    #: what it asks about them, which an answer's evidence must hold. Empty: the whole query.
    asks: str = ""

    @property
    def asked(self) -> str:
        return self.asks or self.query

    @property
    def absent(self) -> tuple[str, ...]:
        """Everything the question names that the store lacks: missing provisions, unknown and unstored laws."""
        return (*self.missing, *self.unknown_laws, *self.not_stored)


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
        self.synonyms = synonyms.packaged()
        self.everyday = everyday.packaged()
        self._bridges = lru_cache(maxsize=8192)(self._bridge_terms)  # per searcher: a word's bridges never change
        self.has_dense = embedder is not None and has_vectors(store, DENSE)
        self.has_articles = use_articles and embedder is not None and has_vectors(store, ARTICLE)
        #: Sources with stored chunks, and those whose chunks carry a date: a date filter on the others
        #: could only ever match nothing. Read once: a served store does not change under the process.
        self.sources = frozenset(docstore.counts())
        #: Sources whose every chunk has a dense vector.
        self.dense_sources = frozenset(
            s for s in self.sources if self.has_dense
            and store.count(Filters(source=(s,)), with_vector=DENSE) == store.count(Filters(source=(s,))) > 0)
        known = set(registry.names())
        self.hinters = {name: registry.get(name).hinter(docstore) for name in sorted(self.sources & known)}
        self.dated_sources = frozenset(
            source for source in self.sources if store.count(Filters(source=(source,), date_from=EARLIEST_DATE)) > 0
        )

    def search(self, query: str, options: SearchOptions = SearchOptions()) -> SearchResult:
        query = query.strip()
        if not query:
            raise ValueError("empty query")
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        filters = options.filters
        warnings = self._date_filter_warnings(filters)
        wanted = filters.values("source")
        allowed = sorted(s for s in self.sources if not filters.constrains_source or s in wanted)
        hints = {s: self.hinters[s](query) for s in allowed if s in self.hinters} if options.use_hints else {}
        # The request's filters bind every path: a cited provision they exclude is not shown.
        exact = [c for h in hints.values() for c in h.exact if filters.matches(c.payload())]
        scope = tuple(d for h in hints.values() for d in h.scope) if not filters.doc_id else ()
        named = tuple(d for h in hints.values() for d in h.named)
        defining = tuple(d for h in hints.values() for d in h.defining) if not scope else ()
        per_source = {s: f for s, h in hints.items() if not (f := self._hint_filters(h, filters)).empty}
        timings["parse"] = _ms(t0)

        legs, weights, routed = self._legs(query, options, filters, named, defining, bool(scope), timings)
        legs, weights = _per_source(legs, weights, per_source, allowed, options.unhinted_weight)
        t1 = time.perf_counter()
        hits = self.store.query(
            legs, limit=options.k + len(exact), filters=filters, rrf_k=options.rrf_k, weights=weights
        ) if legs else []
        timings["search"] = _ms(t1)

        t2 = time.perf_counter()
        ranked = self._hydrate(hits, exact, options)
        if self.reranker is not None:
            ranked = [replace(hit, rank=i + 1) for i, hit in enumerate(self.reranker(query, ranked))]
        ranked = self._linked(ranked[: options.k])
        timings["fetch"] = _ms(t2)
        return SearchResult(
            query, ranked, timings, scope, routed,
            missing=_joined(h.missing for h in hints.values()), unknown_laws=_joined(h.unknown for h in hints.values()),
            not_stored=_joined(h.not_stored for h in hints.values()),
            warnings=(*warnings, *_joined(h.notes for h in hints.values())),
            applied_filters=_joined(h.applied for s, h in hints.items() if s in per_source),
            definitions=_joined(h.definitions for h in hints.values()),
            expanded=options.mode != "dense" and (options.synonym_weight > 0 or options.everyday_weight > 0),
            asks=without_spans(query, [span for h in hints.values() for span in h.matched]),
        )

    @staticmethod
    def _hint_filters(hints: QueryHints, request: Filters) -> Filters:
        """A source's hint filters: what the query says (a speaker, a date) and the laws it cites. They hold
        together with the request's own filters, never instead of them: every one shown is applied."""
        return hints.filters.also(Filters(doc_id=hints.scope)) if hints.scope and not request.doc_id else hints.filters

    def _date_filter_warnings(self, filters: Filters) -> tuple[str, ...]:
        """A date filter no requested source can honour is an error, never a silent empty result;
        one that only some can honour says which sources it leaves out."""
        if filters.date_from is None and filters.date_to is None:
            return ()
        wanted = set(filters.values("source")) if filters.constrains_source else set(self.sources)
        undated = sorted(wanted - self.dated_sources)
        if not undated:
            return ()
        instead = [f"{f.name}_from/{f.name}_to" for name in undated if name in registry.names()
                   for f in registry.get(name).filter_fields if f.kind == "integer"]
        why = "chunks in this store carry no date" + (f" (filter them with {', '.join(instead)})" if instead else "")
        if not wanted & self.dated_sources:
            raise ValueError(f"date_from/date_to cannot be applied: the {', '.join(undated)} {why}")
        return (f"date_from/date_to leave out every {', '.join(undated)} result: those {why}",)

    def _legs(
        self, query: str, options: SearchOptions, filters: Filters, named: tuple[str, ...],
        defining: tuple[str, ...], scoped: bool, timings: dict[str, float],
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
        route_on = options.mode == "hybrid" and not scoped and self._routing(options, filters)
        if dense_on or route_on:
            assert self.embedder is not None
            t = time.perf_counter()
            vector = self.embedder.embed_query(query).tolist()
            timings["embed"] = _ms(t)
        routed: tuple[str, ...] = named if options.mode == "hybrid" and not filters.doc_id and not scoped else ()
        if vector is not None and route_on:
            assert self.router is not None
            t = time.perf_counter()
            picked = self.router.route(vector, options.route_laws, _law_filters(filters)).doc_ids
            routed = tuple(dict.fromkeys((*routed, *picked)))[: max(options.route_laws, len(routed))]
            timings["route"] = _ms(t)
        if sparse_on:
            t = time.perf_counter()
            sparse = self.encoder.encode_query(query, self._expansions(query, options))
            timings["encode_sparse"] = _ms(t)
            if sparse.indices:
                add(Leg(SPARSE, sparse, options.candidates), options.sparse_weight)
                if routed:
                    add(Leg(SPARSE, sparse, options.candidates, Filters(doc_id=routed)), options.route_weight)
                if defining and not filters.doc_id:
                    add(Leg(SPARSE, sparse, options.candidates, Filters(doc_id=defining)), options.definition_weight)
        if dense_on and vector is not None and self.has_dense:
            # A source with vectors for a chosen subset only (laws) is searched densely within the routed laws:
            # unrestricted, its subset would rank first for any question. A fully covered one (minutes) is fair.
            if routed:
                add(Leg(DENSE, vector, options.candidates, Filters(doc_id=routed)), options.dense_weight)
            elif not self.dense_sources:
                add(Leg(DENSE, vector, options.candidates), options.dense_weight)
            if self.dense_sources:
                add(Leg(DENSE, vector, options.candidates, Filters(source=tuple(sorted(self.dense_sources)))),
                    options.dense_weight)
        if dense_on and vector is not None and self.has_articles:
            # Every article has a descriptor vector, so this leg needs no routing to stay fair.
            add(Leg(ARTICLE, vector, options.candidates), options.article_weight)
            if routed:  # off by default: more paraphrased hits, fewer lawqa_jp ones (docs/benchmarks.md)
                add(Leg(ARTICLE, vector, options.candidates, Filters(doc_id=routed)), options.routed_article_weight)
        return legs, weights, routed

    def _expansions(self, query: str, options: SearchOptions) -> list[tuple[list[str], float]]:
        """Words the query's BM25 legs add, each at its weight: its synonyms, the statute's terms for its everyday words."""
        out = []
        if options.synonym_weight > 0:
            out.append((self.encoder.tokenizer.synonym_words(query, self.synonyms), options.synonym_weight))
        if options.everyday_weight > 0:
            out.append((self.everyday.terms(query), options.everyday_weight))
        return out

    def bridges(self, word: str) -> tuple[str, ...]:
        """The statute terms one question word expands to at the default weights (its synonyms, the lexicon's
        terms): the answer counts them as the word when it weighs evidence (a search made without
        expansion says so in `SearchResult.expanded`, and its answer counts none)."""
        return self._bridges(word)

    def _bridge_terms(self, word: str) -> tuple[str, ...]:
        terms = [w for words, weight in self._expansions(word, SearchOptions()) if weight > 0 for w in words]
        return tuple(dict.fromkeys(terms))

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

    def _linked(self, hits: list[SearchHit]) -> list[SearchHit]:
        """Attach what each hit links to (a question's answers, an answer's question), read in one go."""
        wanted = [i for h in hits for i in h.chunk.attrs.get("links") or ()]
        if not wanted:
            return hits
        by_id = {c.id: c for c in self.docstore.chunks_by_id(list(dict.fromkeys(wanted)))}
        return [replace(h, linked=tuple(by_id[i] for i in h.chunk.attrs.get("links") or () if i in by_id))
                for h in hits]


def _law_filters(filters: Filters) -> Filters:
    """The part of the query's filters that outline windows carry (keywords; they have no year or date)."""
    return Filters(source=filters.source, doc_id=filters.doc_id, any_of=filters.any_of)


def _per_source(
    legs: list[Leg], weights: list[float], per_source: dict[str, Filters], allowed: Sequence[str],
    unhinted_weight: float,
) -> tuple[list[Leg], list[float]]:
    """Each leg once per source with hint filters (that source's chunks, its filters) and once for the
    other allowed sources, weighted less: a speaker named in the query narrows the speeches and puts them
    first, but never drops the laws."""
    if not per_source:
        return legs, weights
    # Legs scoped to chosen documents (the laws a router or the query picked) are one source's second
    # look: beside a query that names a speaker or a date they would count that source twice.
    kept = [(leg, w) for leg, w in zip(legs, weights) if not (leg.filters and leg.filters.doc_id)]
    legs, weights = [leg for leg, _ in kept], [w for _, w in kept]
    rest = tuple(s for s in allowed if s not in per_source)
    groups = [(Filters(source=(s,)).also(f), 1.0) for s, f in per_source.items()]
    groups += [(Filters(source=rest), unhinted_weight)] if rest and unhinted_weight > 0 else []
    split = [(replace(leg, filters=g if leg.filters is None else leg.filters.also(g)), w * factor)
             for leg, w in zip(legs, weights) for g, factor in groups]
    return [leg for leg, _ in split], [w for _, w in split]


def without_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with each span (overlaps merged) replaced by 、, so the words around it stay apart."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    parts, last = [], 0
    for a, b in merged:
        parts += [text[last:a], "、"]
        last = b
    return "".join(parts) + text[last:]


def _joined(groups: Iterable[Sequence[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for group in groups for item in group))


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
