"""Route a question to candidate laws by its nearness to each law's outline (see index/descriptors.py).

BM25 fails on questions that do not use the statute's words; the descriptor
vectors cover every law at a fraction of the cost of full-text vectors, so
they pick *where* to look and BM25 (and dense vectors, where a law has them)
ranks articles there.
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
    """Top laws for a query vector: each law scores as its best-matching outline window."""

    def __init__(self, store: VectorStore, *, windows: int = 200) -> None:
        self.store = store
        self.windows = windows

    def route(self, vector: Sequence[float], laws: int = 10, filters: Filters | None = None) -> Route:
        hits = self.store.query([Leg(DENSE, list(vector), self.windows)], limit=self.windows, filters=filters)
        best: dict[str, float] = {}
        for hit in hits:  # best first
            doc_id = str(hit.payload.get("doc_id"))
            if doc_id not in best:
                best[doc_id] = hit.score
                if len(best) == laws:
                    break
        return Route(tuple(best), tuple(best.values()))

    def size(self) -> int:
        return self.store.count()
