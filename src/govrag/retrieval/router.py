"""Route a question to candidate laws by the nearest descriptor vectors (see index/descriptors.py).

BM25 fails on questions that do not use the statute's words; descriptor vectors
cover every law at a fraction of the cost of full-text vectors, so they pick
*where* to look and BM25 (and dense vectors, where a law has them) ranks
articles there. Two sources, one rule (a law scores as its best descriptor):

* the per-article descriptors in the chunk index (`govrag index build --articles`),
  when it has them: on the full 2020 archive they put a gold law among the first
  10 for 0.72 of the paraphrased questions, against 0.52 for the outlines;
* otherwise the law-outline windows in their own store (title, 編章節, 条見出し).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from govrag.index.indexer import DENSE
from govrag.index.store.base import Filters, Leg, VectorStore


@dataclass(frozen=True, slots=True)
class Route:
    doc_ids: tuple[str, ...]
    scores: tuple[float, ...]


class LawRouter:
    """Top laws for a query vector: each law scores as its best-matching descriptor.

    `using` names the vector: DENSE in the outline store, ARTICLE in the chunk index.
    Points must carry the law's `doc_id` in their payload (both kinds do).
    """

    def __init__(self, store: VectorStore, *, using: str = DENSE, windows: int = 200) -> None:
        self.store = store
        self.using = using
        self.windows = windows

    def route(self, vector: Sequence[float], laws: int = 10, filters: Filters | None = None) -> Route:
        hits = self.store.query([Leg(self.using, list(vector), self.windows)], limit=self.windows, filters=filters)
        best: dict[str, float] = {}
        for hit in hits:  # best first
            doc_id = str(hit.payload.get("doc_id"))
            if doc_id not in best:
                best[doc_id] = hit.score
                if len(best) == laws:
                    break
        return Route(tuple(best), tuple(best.values()))

    def size(self) -> int:
        """Descriptors it routes over (0: nothing to route with)."""
        return self.store.count(with_vector=self.using)
