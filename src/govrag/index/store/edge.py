"""Qdrant Edge adapter: the Qdrant engine in-process, one shard in one folder, no server.

Layout of `path`: the shard's own files (`edge_config.json`, `segments/`, `wal/`)
plus `govrag-schema.json`, our record of the Schema it was created with, so a
reopen knows the vector names and sizes without being told again.

What the shard needs after a bulk load: EdgeShard has no background optimizer.
Upserts land in an appendable segment that is searched by brute force (dense)
and a mutable in-RAM inverted index (sparse); the HNSW graph and the compact
immutable sparse index are built only when `EdgeShard.optimize()` runs (it
blocks until the optimizers are done; segments below Qdrant's indexing
threshold, ~10 MB of vectors, stay plain — exact and fast at that size).
`flush()` here therefore runs the optimizers and then persists: call it once
at the end of a bulk stage, not per batch (the indexer already does). When
nothing crosses a threshold the optimizers plan nothing and return at once, so
a flush after a few writes costs only the fsync; and a build that was
interrupted and resumed still gets its segments indexed by the next flush.
`close()` only persists, so an interrupted build shuts down quickly; queries
stay correct, just slower, until the next `flush()`. Reopening a flushed shard
replays no WAL, which keeps it fast.

Engine quirks this adapter guards against:
* a rejected upsert is still in the WAL, and replaying it on the next load can
  insert what was rejected (seen with an unknown vector name: the point comes
  back with its payload and no vectors) — so points are validated against the
  schema here, before anything reaches the shard;
* update_vectors with one missing id updates the others and then fails — so
  the ids are checked first, which makes a batch all-or-nothing;
* point ids come back as `uuid.UUID`; hits carry the canonical string form.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import qdrant_edge as qe

from govrag.index.store import convert
from govrag.index.store.base import Filters, Hit, Leg, Point, Schema, SparseVector, StoreBusy, StoreError

SCHEMA_FILE = "govrag-schema.json"
#: A token that changes before the first write of every opened store: a copy of the shard that
#: recorded the same token holds the same points (replicas.py). Opening a shard rewrites some of its
#: files without changing what it holds, so their times and sizes cannot tell that.
GENERATION_FILE = "govrag-generation"
_SHARD_MARKER = "edge_config.json"


class EdgeStore:
    """VectorStore over one `qdrant_edge.EdgeShard` at `path` (created by the first `ensure_schema`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._shard: qe.EdgeShard | None = None
        self._schema: Schema | None = None
        self._generation_written = False
        if (self.path / _SHARD_MARKER).is_file():
            try:
                with _errors(f"open the Qdrant Edge shard at {self.path}"):
                    self._shard = qe.EdgeShard.load(str(self.path))
            except StoreError as e:
                if "WouldBlock" in str(e):  # the WAL is locked: another process (or store object) holds the shard
                    raise StoreBusy(
                        f"the index at {self.path} is open in another process (a running `govrag serve`?): "
                        "an embedded Qdrant Edge shard has one owner at a time; stop it, or query it over HTTP"
                    ) from e
                raise
            self._schema = _read_schema(self.path / SCHEMA_FILE)

    # -- schema -----------------------------------------------------------------------------

    @property
    def schema(self) -> Schema | None:
        """The schema the shard was created with (None before the first `ensure_schema`)."""
        return self._schema

    def ensure_schema(self, schema: Schema) -> None:
        """Create the shard, or check the existing one holds the same vectors; add missing payload indexes."""
        if self._shard is None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._new_generation()
            with _errors(f"create a Qdrant Edge shard at {self.path}"):
                self._shard = qe.EdgeShard.create(str(self.path), _edge_config(schema))
            stored = schema
        elif self._schema is not None:
            convert.check_same_vectors(self._schema, schema, str(self.path))
            stored = convert.merge_fields(self._schema, schema)
        else:
            # A shard without our schema file (made by another tool): Qdrant checks compatibility on load.
            self._shard.close()
            try:
                with _errors(f"open {self.path} with the requested schema (is it the same embedding model?)"):
                    self._shard = qe.EdgeShard.load(str(self.path), _edge_config(schema))
            except StoreError:
                self._shard = qe.EdgeShard.load(str(self.path))  # leave the store as it was
                raise
            stored = schema
        shard = self._shard
        existing = set(shard.info().payload_schema)
        for name, kind in _payload_indexes(stored):
            if name not in existing:
                self._new_generation()
                with _errors(f"create the payload index {name!r}"):
                    shard.update(qe.UpdateOperation.create_field_index(name, kind))
        if stored != self._schema:
            _write_schema(self.path / SCHEMA_FILE, stored)
            self._schema = stored

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, points: Sequence[Point]) -> None:
        """One update operation per call, done when it returns (the indexer marks progress right after).

        Converting to the binding's objects costs about as much as the engine's write (payload strings
        are the slow part); the engine releases the GIL, so tokeniser processes keep running meanwhile.
        """
        if not points:
            return
        shard, schema = self._writable()
        convert.check_points(points, schema)
        self._new_generation()
        with _errors("upsert points"):
            batch = [qe.Point(p.id, _edge_vectors(p.dense, p.sparse), dict(p.payload)) for p in points]
            shard.update(qe.UpdateOperation.upsert_points(batch))

    def update_vectors(self, vectors: Sequence[tuple[str, Mapping[str, Sequence[float]]]]) -> None:
        """Qdrant's update_vectors replaces only the named vectors; payload and the sparse vector stay."""
        if not vectors:
            return
        shard, schema = self._writable()
        convert.check_dense_updates(vectors, schema)
        with _errors("update vectors"):
            ids = list(dict.fromkeys(convert.point_id(pid) for pid, _ in vectors))
            found = {str(r.id) for r in shard.retrieve(convert.ids(ids), False, False)}
        convert.check_all_exist(ids, found)
        self._new_generation()
        with _errors("update vectors"):
            batch = [qe.PointVectors(pid, _edge_vectors(named, {})) for pid, named in vectors]
            shard.update(qe.UpdateOperation.update_vectors(batch))

    def delete(self, ids: Sequence[str]) -> None:
        valid = convert.ids(c for i in ids if (c := convert.canonical(i)) is not None)
        if not valid or self._shard is None:
            return
        self._new_generation()
        with _errors("delete points"):
            self._shard.update(qe.UpdateOperation.delete_points(valid))

    def optimize(self) -> bool:
        """Run the optimizers now (blocking): HNSW and immutable sparse segments; True if any segment changed."""
        if self._shard is None:
            return False
        with _errors("optimize the shard"):
            return self._shard.optimize()

    def flush(self, *, optimize: bool = True) -> None:
        """Optimize (a no-op unless a bulk write crossed a threshold), then persist; see the module docstring.
        `optimize=False` only persists: a serving process writes so, because the engine holds the GIL while it
        optimizes (86 s for a dense subset written into the main job's 613k points), which would stall searches."""
        if self._shard is None:
            return
        if optimize:
            self.optimize()
        with _errors("flush the shard"):
            self._shard.flush()

    def close(self) -> None:
        """Persist and release the shard (no optimize: closing must stay quick)."""
        if self._shard is None:
            return
        shard, self._shard = self._shard, None
        with _errors("close the shard"):
            shard.flush()
            shard.close()

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
        """One leg: nearest in it. Several: a Prefetch per leg (filtered, leg.limit), fused by weighted RRF."""
        pairs = convert.live_legs(legs, weights)
        if not pairs or self._shard is None or limit <= 0:
            return []
        if len(pairs) == 1:
            leg = pairs[0][0]
            request = qe.QueryRequest(
                limit=limit, query=_nearest(leg), filter=_edge_filter(filters, leg.filters),
                with_payload=True, with_vector=False,
            )
        else:
            prefetches = [
                qe.Prefetch(limit=leg.limit, query=_nearest(leg), filter=_edge_filter(filters, leg.filters))
                for leg, _ in pairs
            ]
            fusion_weights = [float(w) for _, w in pairs] if weights is not None else None
            request = qe.QueryRequest(
                limit=limit,
                prefetches=prefetches,
                query=qe.Fusion.Rrf(k=rrf_k, weights=fusion_weights),  # type: ignore[arg-type]  # stub lists Fusion only
                with_payload=True,
                with_vector=False,
            )
        with _errors("query"):
            found = self._shard.query(request)
        return [Hit(str(p.id), float(p.score), p.payload or {}) for p in found]

    def retrieve(self, ids: Sequence[str]) -> list[Hit]:
        wanted = [(i, c) for i in ids if (c := convert.canonical(i)) is not None]
        if not wanted or self._shard is None:
            return []
        with _errors("retrieve points"):
            records = self._shard.retrieve(convert.ids(dict.fromkeys(c for _, c in wanted)), True, False)
        return convert.in_order(wanted, {str(r.id): (r.payload or {}) for r in records})

    def count(self, filters: Filters | None = None, *, with_vector: str | None = None) -> int:
        if self._shard is None:
            return 0
        conditions: list[Any] = _edge_conditions(filters)
        if with_vector is not None:
            conditions.append(qe.HasVectorCondition(with_vector))
        flt = qe.Filter(must=conditions) if conditions else None
        with _errors("count points"):
            return self._shard.count(qe.CountRequest(exact=True, filter=flt))

    # -- internals --------------------------------------------------------------------------

    def generation(self) -> str:
        """This shard's generation token (one is written now if the shard has none yet)."""
        token = read_generation(self.path)
        if token is None:
            self._new_generation()
            token = read_generation(self.path)
        return token or ""

    def _new_generation(self) -> None:
        """A fresh token, once per opened store, before its first write (so a crash mid-write still
        leaves a token no earlier copy has)."""
        if self._generation_written:
            return
        tmp = self.path / f"{GENERATION_FILE}.tmp"
        tmp.write_text(uuid.uuid4().hex, encoding="utf-8")
        os.replace(tmp, self.path / GENERATION_FILE)
        self._generation_written = True

    def _writable(self) -> tuple[qe.EdgeShard, Schema]:
        if self._shard is None or self._schema is None:
            raise StoreError(f"no index at {self.path} yet: call ensure_schema first")
        return self._shard, self._schema


def read_generation(path: Path) -> str | None:
    """The generation token of the shard at `path`, None when it has none (built before tokens were kept)."""
    try:
        return (Path(path) / GENERATION_FILE).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


# ---- Qdrant Edge conversions ----------------------------------------------------------------


#: Segments a shard keeps before the optimizer merges: a build flushes every 150,000 points
#: (indexer.FLUSH_EVERY), and merging those segments into two (the default on 2 cores) made the
#: build's memory grow with the corpus; 8 leaves the main job's 613k points unmerged.
SEGMENTS = 8


def _edge_config(schema: Schema) -> qe.EdgeConfig:
    dense = {name: qe.EdgeVectorParams(size=size, distance=qe.Distance.Cosine) for name, size in schema.dense.items()}
    sparse = {name: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf) for name in schema.sparse}
    return qe.EdgeConfig(vectors=dense, sparse_vectors=sparse,
                         optimizers=qe.EdgeOptimizersConfig(default_segment_number=SEGMENTS))


def _payload_indexes(schema: Schema) -> Iterator[tuple[str, qe.PayloadSchemaType]]:
    for name in schema.keyword_fields:
        yield name, qe.PayloadSchemaType.Keyword
    for name in schema.integer_fields:
        yield name, qe.PayloadSchemaType.Integer
    for name in schema.datetime_fields:
        yield name, qe.PayloadSchemaType.Datetime


def _edge_vectors(dense: Mapping[str, Sequence[float]], sparse: Mapping[str, SparseVector]) -> dict[str, Any]:
    """Lists, tuples and numpy arrays go through as they are (the binding reads all three)."""
    out: dict[str, Any] = {name: _dense_value(v) for name, v in dense.items()}
    for name, sv in sparse.items():
        out[name] = qe.SparseVector(list(sv.indices), list(sv.values))
    return out


def _dense_value(v: Sequence[float]) -> Any:
    if isinstance(v, (list, tuple)) or hasattr(v, "tolist"):
        return v
    return list(v)


def _nearest(leg: Leg) -> qe.Query:
    v = leg.vector
    vector: Any = qe.SparseVector(list(v.indices), list(v.values)) if isinstance(v, SparseVector) else _dense_value(v)
    return qe.Query.Nearest(vector, using=leg.using)


def _edge_conditions(filters: Filters | None) -> list[Any]:
    out: list[Any] = []
    for kind, key, a, b in convert.conditions(filters):
        if kind == "any":
            out.append(qe.FieldCondition(key, match=qe.MatchAny(list(a))))
        elif kind == "int":
            out.append(qe.FieldCondition(key, range=qe.RangeFloat(
                gte=None if a is None else float(a), lte=None if b is None else float(b))))
        else:
            out.append(qe.FieldCondition(key, range=qe.RangeDateTime(gte=a, lt=b)))
    return out


def _edge_filter(*filters: Filters | None) -> qe.Filter | None:
    """All conditions of all the given filters (the query's and a leg's) must hold."""
    conditions = [c for f in filters for c in _edge_conditions(f)]
    return qe.Filter(must=conditions) if conditions else None


# ---- schema file and errors -------------------------------------------------------------------


def _read_schema(path: Path) -> Schema | None:
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Schema(
            dense={str(k): int(v) for k, v in raw["dense"].items()},
            sparse=tuple(raw["sparse"]),
            keyword_fields=tuple(raw["keyword_fields"]),
            integer_fields=tuple(raw["integer_fields"]),
            datetime_fields=tuple(raw["datetime_fields"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise StoreError(f"{path} is not a readable schema file: {e}") from e


def _write_schema(path: Path, schema: Schema) -> None:
    """Write-then-rename, so a crash never leaves half a schema file."""
    data = asdict(schema)
    data["dense"] = dict(schema.dense)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def _errors(action: str) -> Iterator[None]:
    """The binding raises bare Exception/ValueError; callers get StoreError with what we were doing."""
    try:
        yield
    except StoreError:
        raise
    except Exception as e:  # the binding's errors carry no finer type
        raise StoreError(f"Qdrant Edge: could not {action}: {_first_line(e)}") from e
    except BaseException as e:  # a Rust panic (damaged files) arrives as pyo3's PanicException, a BaseException
        if type(e).__name__ != "PanicException":
            raise
        raise StoreError(f"Qdrant Edge: could not {action}: the engine failed on damaged files ({_first_line(e)})") from e


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:300] if text else type(e).__name__
