"""Qdrant server adapter (qdrant-client): the same contract as EdgeStore, for a shared or bigger deployment.

`ServerStore(location=":memory:")` runs qdrant-client's local mode, a pure-Python
re-implementation used by the contract tests (no server needed). Local mode
searches exactly (no HNSW) and ignores payload indexes, so they are not created
there; scores, IDF and weighted RRF follow the server's formulas.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from govrag.index.store import convert
from govrag.index.store.base import Filters, Hit, Leg, Point, Schema, SparseVector, StoreError, StoreUnreachable

_TIMEOUT_S = 120  # bulk upserts of ~1k points with vectors can take a while on a busy server


@dataclass(frozen=True, slots=True)
class Layout:
    """How a collection this store creates is spread over a Qdrant cluster; None leaves the server's default.

    Used only when the collection is created: an existing collection keeps the layout it was made with.
    """

    shards: int | None = None
    replication: int | None = None
    write_consistency: int | None = None


class ServerStore:
    """VectorStore over one collection of a Qdrant server (or qdrant-client's local mode)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        collection: str = "govrag",
        location: str | None = None,
        client: QdrantClient | None = None,
        layout: Layout = Layout(),
    ) -> None:
        if client is not None:
            self.client, self._owns_client = client, False
        elif url is not None:
            # No version check: it runs in a background thread whose warning lands anywhere; an
            # incompatible server fails the first call instead, as a StoreError.
            self.client = QdrantClient(url=url, timeout=_TIMEOUT_S, check_compatibility=False)
            self._owns_client = True
        elif location is not None:
            self.client, self._owns_client = QdrantClient(location=location), True
        else:
            raise ValueError("ServerStore needs a url, a location (e.g. ':memory:') or a client")
        self.collection = collection
        self.layout = layout
        self._where = url or location or "the given client"
        self._schema: Schema | None = None
        self._exists = False
        self._local = _is_local(self.client)

    # -- schema -----------------------------------------------------------------------------

    @property
    def schema(self) -> Schema | None:
        """Vectors as the collection holds them; payload fields as last ensured (local mode keeps no index list)."""
        if self._schema is None and self._collection_exists():
            self._schema = self._stored_schema()
        return self._schema

    def ensure_schema(self, schema: Schema) -> None:
        indexed: set[str]
        if not self._collection_exists():
            with self._errors(f"create the collection {self.collection!r}"):
                self.client.create_collection(
                    self.collection,
                    vectors_config={n: models.VectorParams(size=s, distance=models.Distance.COSINE)
                                    for n, s in schema.dense.items()},
                    sparse_vectors_config={n: models.SparseVectorParams(modifier=models.Modifier.IDF)
                                           for n in schema.sparse},
                    shard_number=self.layout.shards,
                    replication_factor=self.layout.replication,
                    write_consistency_factor=self.layout.write_consistency,
                )
            self._exists = True
            stored, indexed = schema, set()
        else:
            current = self._stored_schema()
            convert.check_same_vectors(current, schema, f"collection {self.collection!r} at {self._where}")
            stored = convert.merge_fields(current, schema)
            indexed = {*current.keyword_fields, *current.integer_fields, *current.datetime_fields}
        if not self._local:  # local mode ignores payload indexes (and warns); nothing to gain
            for name, kind in _payload_indexes(stored):
                if name not in indexed:
                    with self._errors(f"create the payload index {name!r}"):
                        self.client.create_payload_index(self.collection, name, field_schema=kind, wait=True)
        self._schema = stored

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, points: Sequence[Point]) -> None:
        if not points:
            return
        schema = self._writable()
        convert.check_points(points, schema)
        batch = [
            models.PointStruct(id=convert.point_id(p.id), vector=_vectors(p.dense, p.sparse), payload=dict(p.payload))
            for p in points
        ]
        with self._errors("upsert points"):
            self.client.upsert(self.collection, points=batch, wait=True)

    def update_vectors(self, vectors: Sequence[tuple[str, Mapping[str, Sequence[float]]]]) -> None:
        if not vectors:
            return
        schema = self._writable()
        convert.check_dense_updates(vectors, schema)
        ids = list(dict.fromkeys(convert.point_id(pid) for pid, _ in vectors))
        with self._errors("update vectors"):
            records = self.client.retrieve(
                self.collection, ids=convert.ids(ids), with_payload=False, with_vectors=False
            )
        convert.check_all_exist(ids, {convert.canonical(str(r.id)) or str(r.id) for r in records})  # all or nothing
        batch = [models.PointVectors(id=convert.point_id(pid), vector=_vectors(named, {})) for pid, named in vectors]
        with self._errors("update vectors"):
            self.client.update_vectors(self.collection, points=batch, wait=True)

    def delete(self, ids: Sequence[str]) -> None:
        valid = convert.ids(c for i in ids if (c := convert.canonical(i)) is not None)
        if not valid or not self._collection_exists():
            return
        with self._errors("delete points"):
            self.client.delete(self.collection, points_selector=models.PointIdsList(points=valid), wait=True)

    def flush(self, *, optimize: bool = True) -> None:
        """Nothing to do: every write waits for the server (wait=True), which persists and indexes on its own."""

    def close(self) -> None:
        """Closes the client only if this store made it."""
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

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
        pairs = convert.live_legs(legs, weights)
        if not pairs or limit <= 0 or not self._collection_exists():
            return []
        with self._errors("query"):
            if len(pairs) == 1:
                leg = pairs[0][0]
                found = self.client.query_points(
                    self.collection, query=_query_vector(leg), using=leg.using,
                    query_filter=_filter(filters, leg.filters),
                    limit=limit, with_payload=True, with_vectors=False,
                ).points
            else:
                prefetch = [
                    models.Prefetch(
                        query=_query_vector(leg), using=leg.using, filter=_filter(filters, leg.filters), limit=leg.limit
                    )
                    for leg, _ in pairs
                ]
                rrf = models.Rrf(k=rrf_k, weights=[float(w) for _, w in pairs] if weights is not None else None)
                found = self.client.query_points(
                    self.collection, prefetch=prefetch, query=models.RrfQuery(rrf=rrf),
                    limit=limit, with_payload=True, with_vectors=False,
                ).points
        return [Hit(convert.canonical(str(p.id)) or str(p.id), float(p.score), p.payload or {}) for p in found]

    def retrieve(self, ids: Sequence[str]) -> list[Hit]:
        wanted = [(i, c) for i in ids if (c := convert.canonical(i)) is not None]
        if not wanted or not self._collection_exists():
            return []
        with self._errors("retrieve points"):
            records = self.client.retrieve(
                self.collection, ids=list(dict.fromkeys(c for _, c in wanted)), with_payload=True, with_vectors=False
            )
        return convert.in_order(wanted, {convert.canonical(str(r.id)) or str(r.id): (r.payload or {}) for r in records})

    def count(self, filters: Filters | None = None, *, with_vector: str | None = None) -> int:
        if not self._collection_exists():
            return 0
        conditions: list[Any] = _conditions_of(filters)
        if with_vector is not None:
            conditions.append(models.HasVectorCondition(has_vector=with_vector))
        flt = models.Filter(must=conditions) if conditions else None
        with self._errors("count points"):
            return self.client.count(self.collection, count_filter=flt, exact=True).count

    # -- internals --------------------------------------------------------------------------

    def _collection_exists(self) -> bool:
        """Cached once true: a collection does not vanish under a running service."""
        if not self._exists:
            with self._errors(f"reach collection {self.collection!r}"):
                self._exists = self.client.collection_exists(self.collection)
        return self._exists

    def _stored_schema(self) -> Schema:
        with self._errors(f"read collection {self.collection!r}"):
            info = self.client.get_collection(self.collection)
        vectors = info.config.params.vectors
        if isinstance(vectors, models.VectorParams):  # one unnamed vector: not ours, reported as a mismatch
            dense = {"": vectors.size}
        else:
            dense = {name: p.size for name, p in (vectors or {}).items()}
        sparse = tuple((info.config.params.sparse_vectors or {}).keys())
        by_type: dict[str, list[str]] = {"keyword": [], "integer": [], "datetime": []}
        for name, index in (info.payload_schema or {}).items():
            kind = getattr(index.data_type, "value", str(index.data_type))
            if kind in by_type:
                by_type[kind].append(name)
        return Schema(
            dense=dense, sparse=sparse, keyword_fields=tuple(by_type["keyword"]),
            integer_fields=tuple(by_type["integer"]), datetime_fields=tuple(by_type["datetime"]),
        )

    def _writable(self) -> Schema:
        schema = self.schema
        if schema is None:
            raise StoreError(f"no collection {self.collection!r} at {self._where} yet: call ensure_schema first")
        return schema

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Connection failures, HTTP errors and local-mode ValueError/KeyError all become StoreError; a server
        that did not answer at all becomes its `StoreUnreachable`."""
        try:
            yield
        except StoreError:
            raise
        except Exception as e:  # qdrant-client raises many unrelated types
            kind = StoreUnreachable if _unreachable(e) else StoreError
            raise kind(f"Qdrant at {self._where}: could not {action}: {type(e).__name__}: {e}") from e


def _unreachable(e: Exception) -> bool:
    """What qdrant-client raises when no server answers: the transport's error (refused, reset, timed out)
    wrapped in ResponseHandlingException, or a gateway's 502/503/504 in front of a server not up yet."""
    if isinstance(e, ResponseHandlingException):
        return isinstance(e.source, httpx.TransportError)
    return isinstance(e, UnexpectedResponse) and e.status_code in (502, 503, 504)


def _is_local(client: QdrantClient) -> bool:
    try:
        from qdrant_client.local.qdrant_local import QdrantLocal
    except ImportError:  # pragma: no cover - layout of a future qdrant-client
        return False
    return isinstance(getattr(client, "_client", None), QdrantLocal)


def _payload_indexes(schema: Schema) -> Iterator[tuple[str, models.PayloadSchemaType]]:
    for name in schema.keyword_fields:
        yield name, models.PayloadSchemaType.KEYWORD
    for name in schema.integer_fields:
        yield name, models.PayloadSchemaType.INTEGER
    for name in schema.datetime_fields:
        yield name, models.PayloadSchemaType.DATETIME


def _dense_list(v: Sequence[float]) -> list[float]:
    tolist = getattr(v, "tolist", None)
    return tolist() if tolist is not None else list(v)


def _vectors(dense: Mapping[str, Sequence[float]], sparse: Mapping[str, SparseVector]) -> dict[str, Any]:
    out: dict[str, Any] = {name: _dense_list(v) for name, v in dense.items()}
    for name, sv in sparse.items():
        out[name] = models.SparseVector(indices=list(sv.indices), values=list(sv.values))
    return out


def _query_vector(leg: Leg) -> list[float] | models.SparseVector:
    v = leg.vector
    if isinstance(v, SparseVector):
        return models.SparseVector(indices=list(v.indices), values=list(v.values))
    return _dense_list(v)


def _conditions_of(filters: Filters | None) -> list[Any]:
    out: list[Any] = []
    for kind, key, a, b in convert.conditions(filters):
        if kind == "any":
            out.append(models.FieldCondition(key=key, match=models.MatchAny(any=list(a))))
        elif kind == "int":
            out.append(models.FieldCondition(key=key, range=models.Range(gte=a, lte=b)))
        else:
            out.append(models.FieldCondition(key=key, range=models.DatetimeRange(gte=a, lt=b)))
    return out


def _filter(*filters: Filters | None) -> models.Filter | None:
    """All conditions of all the given filters (the query's and a leg's) must hold."""
    conditions = [c for f in filters for c in _conditions_of(f)]
    return models.Filter(must=conditions) if conditions else None
