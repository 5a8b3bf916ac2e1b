"""One index kept as two collections: every point's BM25 vector in one, dense vectors in another.

Why: a Qdrant segment keeps a slot for each named dense vector of every point it holds, whether
the point has that vector or not. With the dense subset and the article vectors on the same
points as BM25, the full laws build held two empty 384-float slots for each of 613k points: the
build peaked at 10.6 GiB, most of it those slots and their copies while the segments were
optimized (docs/operations.md, "Build memory"). Here the BM25 collection has no dense vectors and
the dense one holds only the points that have one, with a copy of their payload so its legs filter
the same way.

An index built before the split (dense vectors on the BM25 points) is served and updated as the
one collection it is; `govrag index build --rebuild` moves it to this layout (vectors come from
the cache). Which layout an index has is read at the first use, not at opening (so opening never
calls a server), and read again while the index does not exist yet.

A query whose legs all live in one collection is fused there, as before. Legs in both are asked
one by one and fused here with Qdrant's own weighted RRF (`1 / ((rank + 1) / w + k - 1)`), so a
hybrid query ranks exactly as a one-collection index would (tests/index/test_store_contract.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from govrag.index.store import convert
from govrag.index.store.base import Filters, Hit, Leg, Point, Schema, StoreError, VectorStore


class SplitStore:
    """VectorStore over a BM25 collection (`main`: every point, its payload) and a dense one (`vectors`)."""

    def __init__(self, main: VectorStore, vectors: VectorStore) -> None:
        self.main = main
        self.vectors = vectors
        self._schema: Schema | None = None
        self._vectors_used = False
        self._legacy = False
        self._read = False

    def _layout(self) -> bool:
        """Read the collections' schemas once (True: a legacy one-collection index, served by `main`)."""
        if not self._read or (self._schema is None and not self._legacy):
            found = _schema_of(self.main)
            self._legacy = found is not None and bool(found.dense)
            if found is not None and not self._legacy:
                dense = _schema_of(self.vectors)
                self._schema = replace(found, dense=dense.dense if dense else {})
                self._vectors_used = dense is not None and self.vectors.count() > 0
            self._read = True
        return self._legacy

    def _dense_held(self) -> bool:
        """Whether the dense collection holds any point. A no is asked again each time: with a Qdrant
        server another process (a build beside the server) may have written it since."""
        if not self._vectors_used and _schema_of(self.vectors) is not None:
            self._vectors_used = self.vectors.count() > 0
        return self._vectors_used

    # -- schema -----------------------------------------------------------------------------

    @property
    def schema(self) -> Schema | None:
        if self._layout():
            return _schema_of(self.main)
        return self._schema

    def ensure_schema(self, schema: Schema) -> None:
        if self._layout():
            self.main.ensure_schema(schema)
            return
        self.main.ensure_schema(replace(schema, dense={}))
        if schema.dense:
            self.vectors.ensure_schema(replace(schema, sparse=()))
        self._schema = schema

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, points: Sequence[Point]) -> None:
        """Replaces whole points, as one collection would: a point written without a dense vector loses
        the one it had."""
        if not points:
            return
        if self._layout():
            self.main.upsert(points)
            return
        if self._schema is None:
            raise StoreError("the index has no schema yet: call ensure_schema first")
        convert.check_points(points, self._schema)
        self.main.upsert([replace(p, dense={}) for p in points])
        dense = [replace(p, sparse={}) for p in points if p.dense]
        if dense:
            self.vectors.upsert(dense)
            self._vectors_used = True
        plain = [p.id for p in points if not p.dense]
        if plain and self._dense_held():
            self.vectors.delete(plain)

    def update_vectors(self, vectors: Sequence[tuple[str, Mapping[str, Sequence[float]]]]) -> None:
        """All or nothing, like one collection: every id must be in the index and every vector fit."""
        if not vectors:
            return
        if self._layout():
            self.main.update_vectors(vectors)
            return
        schema = self._schema
        if schema is None:
            raise StoreError("the index has no schema yet: call ensure_schema first")
        convert.check_dense_updates(vectors, schema)
        ids = list(dict.fromkeys(convert.point_id(pid) for pid, _ in vectors))
        payloads = {h.id: h.payload for h in self.main.retrieve(ids)}
        convert.check_all_exist(ids, set(payloads))
        held = {h.id for h in self.vectors.retrieve(ids)} if self._dense_held() else set()
        update = [(pid, named) for pid, named in vectors if convert.point_id(pid) in held]
        new = [Point(pid, payloads[pid], dense=named) for pid, named in
               ((convert.point_id(p), n) for p, n in vectors) if pid not in held]
        self.vectors.update_vectors(update)
        self.vectors.upsert(_merged(new))
        self._vectors_used = True

    def delete(self, ids: Sequence[str]) -> None:
        self.main.delete(ids)
        if not self._layout() and self._dense_held():
            self.vectors.delete(ids)

    def flush(self, *, optimize: bool = True) -> None:
        self.main.flush(optimize=optimize)
        if not self._layout() and (self._schema is None or self._schema.dense):
            self.vectors.flush(optimize=optimize)

    def close(self) -> None:
        try:
            self.main.close()
        finally:
            self.vectors.close()

    # -- reads ------------------------------------------------------------------------------

    def query(
        self,
        legs: Sequence[Leg],
        *,
        limit: int = 10,
        filters: Filters | None = None,
        rrf_k: int = 60,
        weights: Sequence[float] | None = None,
    ) -> list[Hit]:
        if self._layout():
            return self.main.query(legs, limit=limit, filters=filters, rrf_k=rrf_k, weights=weights)
        pairs = convert.live_legs(legs, weights)
        if not pairs or limit <= 0:
            return []
        dense = self._schema.dense if self._schema is not None else {}
        sides = {leg.using in dense for leg, _ in pairs}
        if len(sides) == 1:  # one collection: fused there, exactly as before the split
            store = self.vectors if sides == {True} else self.main
            return store.query([leg for leg, _ in pairs], limit=limit, filters=filters, rrf_k=rrf_k,
                               weights=[w for _, w in pairs] if weights is not None else None)
        scores: dict[str, float] = {}
        payloads: dict[str, Mapping[str, object]] = {}
        for leg, weight in pairs:
            if weight <= 0:  # a leg switched off (1/w would divide by zero)
                continue
            store = self.vectors if leg.using in dense else self.main
            for rank, hit in enumerate(store.query([leg], limit=leg.limit, filters=filters)):
                scores[hit.id] = scores.get(hit.id, 0.0) + 1.0 / ((rank + 1) / weight + rrf_k - 1)
                payloads.setdefault(hit.id, hit.payload)
        best = sorted(scores, key=lambda i: (-scores[i], i))[:limit]
        return [Hit(i, scores[i], payloads[i]) for i in best]

    def retrieve(self, ids: Sequence[str]) -> list[Hit]:
        return self.main.retrieve(ids)

    def count(self, filters: Filters | None = None, *, with_vector: str | None = None) -> int:
        if self._layout():
            return self.main.count(filters, with_vector=with_vector)
        if with_vector is not None and self._schema is not None and with_vector in self._schema.dense:
            return self.vectors.count(filters, with_vector=with_vector) if self._dense_held() else 0
        return self.main.count(filters, with_vector=with_vector)


def _merged(points: list[Point]) -> list[Point]:
    """One point per id (an update may name an id twice, once per vector name): their vectors merged."""
    by_id: dict[str, Point] = {}
    for p in points:
        seen = by_id.get(p.id)
        by_id[p.id] = p if seen is None else replace(seen, dense={**seen.dense, **p.dense})
    return list(by_id.values())


def _schema_of(store: VectorStore) -> Schema | None:
    """What a collection was created with; None before the first build made it."""
    found: Schema | None = getattr(store, "schema", None)
    return found

