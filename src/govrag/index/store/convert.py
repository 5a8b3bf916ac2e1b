"""Conversions and checks both store adapters share (edge.py: Qdrant Edge in-process; server.py: a Qdrant
server through qdrant-client): filters as neutral conditions, point ids, leg weights, the point and schema
checks made before anything reaches an engine. One definition each, so the two backends agree."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from govrag.index.store.base import Filters, Hit, Leg, Point, Schema, SparseVector, StoreError

Condition = tuple[str, str, Any, Any]


def conditions(filters: Filters | None) -> list[Condition]:
    """Filters as neutral conditions: ("any", key, values, None), ("int", key, gte, lte),
    ("datetime", "date", gte, lt). `date_to` is inclusive of the whole day, hence `lt` the next day."""
    if filters is None or filters.empty:
        return []
    out: list[Condition] = []
    for key, values in (("source", filters.source), ("doc_id", filters.doc_id), *filters.any_of):
        if values:
            out.append(("any", key, tuple(values), None))
    for key, low, high in filters.ranges:
        if low is not None or high is not None:
            out.append(("int", key, low, high))
    if filters.date_from is not None or filters.date_to is not None:
        out.append(("datetime", "date", filters.date_from, day_after(filters.date_to)))
    return out


def day_after(date_to: str | None) -> str | None:
    if date_to is None:
        return None
    try:
        day = dt.date.fromisoformat(date_to[:10])
    except ValueError as e:
        raise ValueError(f"date_to must be an ISO date (YYYY-MM-DD), not {date_to!r}") from e
    return (day + dt.timedelta(days=1)).isoformat()


def live_legs(legs: Sequence[Leg], weights: Sequence[float] | None) -> list[tuple[Leg, float]]:
    """Legs paired with their weights; a sparse leg with no terms can match nothing, so it is dropped."""
    if weights is not None and len(weights) != len(legs):
        raise ValueError(f"{len(weights)} weights for {len(legs)} legs")
    ws = list(weights) if weights is not None else [1.0] * len(legs)
    return [(leg, w) for leg, w in zip(legs, ws) if not (isinstance(leg.vector, SparseVector) and not leg.vector.indices)]


def canonical(point_id: str) -> str | None:
    """The canonical UUID string, or None for an id that cannot be a point (so it cannot be found)."""
    try:
        return str(uuid.UUID(str(point_id)))
    except ValueError:
        return None


def ids(ids: Iterable[str]) -> list[int | uuid.UUID | str]:
    """A list the binding's stubs accept (list is invariant, so list[str] does not type-check)."""
    return list(ids)


def point_id(point_id: str) -> str:
    """The canonical UUID string of an id that must be valid."""
    found = canonical(point_id)
    if found is None:
        raise StoreError(f"point id {point_id!r} is not a UUID string")
    return found


def in_order(wanted: Sequence[tuple[str, str]], found: Mapping[str, Mapping[str, Any]]) -> list[Hit]:
    """Hits in the order asked (wanted: (as asked, canonical)); ids not found are left out."""
    return [Hit(c, 0.0, found[c]) for _, c in wanted if c in found]


def check_points(points: Sequence[Point], schema: Schema) -> None:
    """Reject bad points before any reaches the engine (a rejected upsert stays in Qdrant Edge's WAL: see edge.py)."""
    for p in points:
        point_id(p.id)
        check_dense(p.id, p.dense, schema)
        for name, sv in p.sparse.items():
            if name not in schema.sparse:
                raise StoreError(f"point {p.id}: unknown sparse vector {name!r} (schema has {list(schema.sparse)})")
            if len(sv.indices) != len(sv.values):
                raise StoreError(f"point {p.id}: sparse vector {name!r} has {len(sv.indices)} indices "
                                 f"but {len(sv.values)} values")


def check_dense_updates(vectors: Sequence[tuple[str, Mapping[str, Sequence[float]]]], schema: Schema) -> None:
    for pid, named in vectors:
        point_id(pid)
        check_dense(pid, named, schema)


def check_dense(pid: str, dense: Mapping[str, Sequence[float]], schema: Schema) -> None:
    for name, v in dense.items():
        size = schema.dense.get(name)
        if size is None:
            raise StoreError(f"point {pid}: unknown dense vector {name!r} (schema has {list(schema.dense)})")
        if len(v) != size:
            raise StoreError(f"point {pid}: dense vector {name!r} has {len(v)} dimensions, the index expects {size}")


def check_all_exist(ids: Sequence[str], found: set[str]) -> None:
    missing = [i for i in ids if i not in found]
    if missing:
        raise StoreError(f"update_vectors: {len(missing)} point(s) not in the index, e.g. {missing[0]}; nothing updated")


def check_same_vectors(stored: Schema, wanted: Schema, where: str) -> None:
    if dict(stored.dense) != dict(wanted.dense) or set(stored.sparse) != set(wanted.sparse):
        raise StoreError(
            f"{where} holds dense {dict(stored.dense)} and sparse {list(stored.sparse)}, but dense "
            f"{dict(wanted.dense)} and sparse {list(wanted.sparse)} were asked for: rebuild the index "
            f"(remove it) or use the embedding model it was built with"
        )


def merge_fields(stored: Schema, wanted: Schema) -> Schema:
    """Payload indexes only ever get added: a field indexed once stays indexed."""

    def union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*a, *b)))

    return replace(
        stored,
        keyword_fields=union(stored.keyword_fields, wanted.keyword_fields),
        integer_fields=union(stored.integer_fields, wanted.integer_fields),
        datetime_fields=union(stored.datetime_fields, wanted.datetime_fields),
    )
