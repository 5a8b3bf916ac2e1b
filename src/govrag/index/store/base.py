"""One small interface over a Qdrant collection, with an embedded and a server adapter.

Points carry the chunk id (a UUID string), a lean payload (the fields filters
and ranking need: source, doc_id, date and each source's own filter fields), named
dense vectors and named sparse vectors. Chunk text lives in the document store,
not here, so the vector store stays small and can be rebuilt from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from govrag.models import Filters

__all__ = ["Filters", "Hit", "Leg", "Point", "Schema", "SparseVector", "StoreError", "VectorStore", "has_vectors"]


@dataclass(frozen=True, slots=True)
class SparseVector:
    """Token ids and weights; ids are unique within a vector."""

    indices: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Point:
    id: str
    payload: Mapping[str, Any]
    dense: Mapping[str, Sequence[float]] = field(default_factory=dict)
    sparse: Mapping[str, SparseVector] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Schema:
    """What a collection holds: dense vectors (cosine) by name and size, sparse vectors
    (Qdrant applies the IDF modifier, so stored values are BM25 term-frequency parts),
    and payload fields to index for filtering."""

    dense: Mapping[str, int] = field(default_factory=dict)
    sparse: tuple[str, ...] = ()
    keyword_fields: tuple[str, ...] = ("source", "doc_id")
    integer_fields: tuple[str, ...] = ()
    datetime_fields: tuple[str, ...] = ("date",)


@dataclass(frozen=True, slots=True)
class Leg:
    """One ranked list to fuse: a dense vector or a sparse vector, searched in `using`.

    `filters` apply to this leg only, on top of the query's filters (e.g. a BM25
    leg restricted to the laws a router picked, next to an unrestricted one).
    """

    using: str
    vector: Sequence[float] | SparseVector
    limit: int = 100
    filters: Filters | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    score: float
    payload: Mapping[str, Any]


class VectorStore(Protocol):
    """The contract both adapters pass (tests/index/test_store_contract.py)."""

    def ensure_schema(self, schema: Schema) -> None:
        """Create the collection and payload indexes if missing; a different existing schema is an error."""

    def upsert(self, points: Sequence[Point]) -> None:
        """Insert or replace points by id (idempotent)."""

    def update_vectors(self, vectors: Sequence[tuple[str, Mapping[str, Sequence[float]]]]) -> None:
        """Add or replace named dense vectors of existing points (dense vectors for a chosen subset)."""

    def query(
        self,
        legs: Sequence[Leg],
        *,
        limit: int = 10,
        filters: Filters | None = None,
        rrf_k: int = 60,
        weights: Sequence[float] | None = None,
    ) -> list[Hit]:
        """One leg: nearest by that vector. Several: each leg prefetched, fused by weighted RRF in Qdrant."""

    def retrieve(self, ids: Sequence[str]) -> list[Hit]:
        """Points by id (score 0.0), in the order asked; missing ids are left out."""

    def count(self, filters: Filters | None = None, *, with_vector: str | None = None) -> int:
        """Points matching the filters (and having the named vector, if given)."""

    def delete(self, ids: Sequence[str]) -> None: ...

    def flush(self, *, optimize: bool = True) -> None:
        """Persist what was written; `optimize=False` leaves building indexes (HNSW, compact segments) for later."""
        ...

    def close(self) -> None: ...


class StoreError(RuntimeError):
    """The store cannot do what was asked (schema mismatch, unreachable server); the message says why."""


class StoreBusy(StoreError):
    """An embedded shard another process (or store object) already holds: not damage; stop the holder,
    or open another copy (`govrag serve --workers N` gives each search process its own, index/replicas.py)."""


class StoreUnreachable(StoreError):
    """A store server that did not answer (connection refused or reset, timed out, a 502/503/504 from the
    proxy before it): not damage, and over once it answers again, so the service never records it as a
    lasting problem (service.py `unanswered`)."""


def has_vectors(store: VectorStore, name: str) -> bool:
    """Whether any point has the named vector; an index built before that vector existed has none."""
    try:
        return store.count(with_vector=name) > 0
    except StoreError:
        return False
