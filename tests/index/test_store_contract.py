"""The VectorStore contract, run against both adapters: EdgeStore (Qdrant Edge in tmp_path) and
ServerStore (qdrant-client's in-memory local mode; no Qdrant server can run here).

Expected rankings are worked out by hand below from Qdrant's formulas:
* dense: cosine similarity;
* sparse with the IDF modifier: score = sum(q_i * idf_i * d_i) with
  idf = ln((N - df + 0.5) / (df + 0.5) + 1) over the N points holding the sparse vector;
* weighted RRF: a point at 0-based position p of a leg with weight w gets
  1 / ((p + 1) / w + k - 1), i.e. 1 / (p + k) when w = 1; legs add up.
"""

from __future__ import annotations

import math
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from govrag.config import Settings
from govrag.index.store import open_store
from govrag.index.store.base import Filters, Leg, Point, Schema, SparseVector, StoreError, VectorStore
from govrag.index.store.edge import EdgeStore
from govrag.index.store.server import ServerStore
from govrag.index.store.split import SplitStore

DENSE, SPARSE = "dense", "bm25"
SCHEMA = Schema(dense={DENSE: 4}, sparse=(SPARSE,))


def pid(n: int) -> str:
    return str(uuid.UUID(int=n))


P1, P2, P3, P4, P5, P6 = (pid(n) for n in range(1, 7))
NAMES = {P1: "P1", P2: "P2", P3: "P3", P4: "P4", P5: "P5", P6: "P6"}

# Token 1 is common (every point), token 2 rare (P3 only), token 3 sits in P4 and P5.
COMMON, RARE, MID = 1, 2, 3
ROWS: list[tuple[str, dict[str, object], list[float], dict[int, float]]] = [
    (P1, {"source": "law", "doc_id": "law:A", "law_id": "A", "law_type": "Act", "year": 1990, "date": "1990-04-01"},
     [1.0, 0.0, 0.0, 0.0], {COMMON: 3.0}),
    (P2, {"source": "law", "doc_id": "law:A", "law_id": "A", "law_type": "Act", "year": 1990, "date": "1990-04-01"},
     [0.9, 0.1, 0.0, 0.0], {COMMON: 2.0}),
    (P3, {"source": "law", "doc_id": "law:B", "law_id": "B", "law_type": "CabinetOrder", "year": 2005,
          "date": "2005-12-31"},
     [0.5, 0.5, 0.0, 0.0], {COMMON: 0.5, RARE: 0.5}),
    (P4, {"source": "gazette", "doc_id": "gz:1", "law_id": None, "law_type": None, "year": 2010, "date": "2010-01-01"},
     [0.2, 1.0, 0.0, 0.0], {COMMON: 1.5, MID: 1.0}),
    (P5, {"source": "diet", "doc_id": "dm:1", "law_id": None, "law_type": None, "year": 2020, "date": "2020-06-15"},
     [-0.5, 0.0, 1.0, 0.0], {COMMON: 1.0, MID: 0.5}),
    (P6, {"source": "law", "doc_id": "law:C", "law_id": "C", "law_type": "Act", "year": 2001, "date": "2001-01-01"},
     [0.7, 0.3, 0.6, 0.0], {COMMON: 0.8}),
]


def make_points(*, dense: bool = True) -> list[Point]:
    return [
        Point(
            id=i,
            payload={"chunk_id": i, **payload},
            dense={DENSE: vec} if dense else {},
            sparse={SPARSE: SparseVector(tuple(sp), tuple(sp.values()))},
        )
        for i, payload, vec, sp in ROWS
    ]


def sparse(terms: dict[int, float]) -> SparseVector:
    return SparseVector(tuple(terms), tuple(terms.values()))


def names(hits: list) -> list[str]:
    return [NAMES[h.id] for h in hits]


# ---- the two adapters ---------------------------------------------------------------------------


def scratch_dir(tmp: Path) -> Iterator[Path]:
    """Qdrant Edge fsyncs on every create/flush/close (~1 s per shard on this disk, ~10 ms on tmpfs):
    use /dev/shm where there is one, so the whole file runs in a few seconds."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="govrag-store-") as d:
            yield Path(d)
    else:
        yield tmp


class Backend:
    """Opens stores on one underlying storage, so that "close and reopen" means the same for both:
    the same folder for EdgeStore, the same in-memory local-mode client for ServerStore."""

    def __init__(self, kind: str, root: Path) -> None:
        self.kind = kind
        self.path = root / "qdrant"
        self.client = QdrantClient(location=":memory:") if kind in ("server", "split-server") else None
        self.opened: list[VectorStore] = []

    def open(self) -> VectorStore:
        if self.kind == "edge":
            store: VectorStore = EdgeStore(self.path)
        elif self.kind == "server":
            store = ServerStore(client=self.client, collection="contract")
        elif self.kind == "split":  # the layout open_index uses: BM25 and dense in two collections
            store = SplitStore(EdgeStore(self.path / "main"), EdgeStore(self.path / "vectors"))
        else:
            store = SplitStore(ServerStore(client=self.client, collection="contract"),
                               ServerStore(client=self.client, collection="contract-vectors"))
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()
        if self.client is not None:
            self.client.close()


def filled(backend: Backend) -> VectorStore:
    s = backend.open()
    s.ensure_schema(SCHEMA)
    s.upsert(make_points())
    s.flush()
    return s


@pytest.fixture(params=["edge", "server", "split", "split-server"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    for root in scratch_dir(tmp_path):
        b = Backend(request.param, root)
        yield b
        b.close_all()


@pytest.fixture(scope="module", params=["edge", "server", "split", "split-server"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VectorStore]:
    """Read-only tests share one filled store per adapter."""
    for root in scratch_dir(tmp_path_factory.mktemp("shared")):
        b = Backend(request.param, root)
        yield filled(b)
        b.close_all()


@pytest.fixture()
def fresh(backend: Backend) -> VectorStore:
    """A filled store of its own, for tests that write."""
    return filled(backend)


def test_server_store_in_memory_location() -> None:
    s = ServerStore(location=":memory:")
    s.ensure_schema(SCHEMA)
    s.upsert(make_points())
    assert s.count() == 6 and s.count(with_vector=DENSE) == 6
    s.close()


# ---- schema, reopen, writes ---------------------------------------------------------------------


def test_schema_created_and_remembered_after_reopen(backend: Backend) -> None:
    s = backend.open()
    assert s.count() == 0 and s.query([Leg(DENSE, [1.0, 0, 0, 0])]) == []  # nothing built yet: empty, no error
    assert s.retrieve([P1]) == []
    s.close()
    filled(backend).close()

    again = backend.open()
    assert again.schema is not None  # type: ignore[attr-defined]
    assert dict(again.schema.dense) == {DENSE: 4} and tuple(again.schema.sparse) == (SPARSE,)  # type: ignore[attr-defined]
    assert again.count() == 6
    assert names(again.query([Leg(DENSE, [1.0, 0, 0, 0])], limit=1)) == ["P1"]
    # Writes work straight after reopening (the schema is known), and ensure_schema is a no-op.
    again.update_vectors([(P5, {DENSE: [0.0, 0.0, 0.0, 1.0]})])
    again.ensure_schema(SCHEMA)
    assert again.count() == 6


def test_reopen_with_other_dims_is_an_error(backend: Backend) -> None:
    s = backend.open()
    s.ensure_schema(SCHEMA)
    s.upsert(make_points()[:1])
    s.close()
    again = backend.open()
    with pytest.raises(StoreError, match="dense"):
        again.ensure_schema(Schema(dense={DENSE: 8}, sparse=(SPARSE,)))
    with pytest.raises(StoreError):
        again.ensure_schema(Schema(dense={DENSE: 4}, sparse=("other",)))
    assert again.count() == 1  # the mismatch changed nothing


def test_writes_before_ensure_schema_fail(backend: Backend) -> None:
    with pytest.raises(StoreError, match="ensure_schema"):
        backend.open().upsert(make_points()[:1])


def test_bad_points_are_rejected_and_leave_nothing_behind(backend: Backend) -> None:
    s = backend.open()
    s.ensure_schema(SCHEMA)
    with pytest.raises(StoreError, match="dimensions"):
        s.upsert([Point(P1, {"source": "law"}, dense={DENSE: [1.0, 0.0]})])
    with pytest.raises(StoreError, match="unknown dense vector"):
        s.upsert([Point(P1, {"source": "law"}, dense={"nope": [1.0, 0.0, 0.0, 0.0]})])
    with pytest.raises(StoreError, match="UUID"):
        s.upsert([Point("chunk-1", {"source": "law"})])
    s.close()
    assert backend.open().count() == 0  # Qdrant Edge would replay a rejected op from its WAL


def test_upsert_is_idempotent(fresh: VectorStore) -> None:
    again = next(p for p in make_points() if p.id == P1)
    fresh.upsert([again])
    fresh.upsert([Point(P1, {**again.payload, "year": 1991}, again.dense, again.sparse)])
    assert fresh.count() == 6
    assert fresh.retrieve([P1])[0].payload["year"] == 1991


def test_retrieve_keeps_order_and_skips_missing(store: VectorStore) -> None:
    hits = store.retrieve([P5, pid(99), P1, "not-a-uuid", P3])
    assert names(hits) == ["P5", "P1", "P3"]
    assert all(h.score == 0.0 for h in hits)
    assert hits[0].payload["doc_id"] == "dm:1" and hits[1].payload["chunk_id"] == P1
    assert store.retrieve([]) == []


# ---- ranking --------------------------------------------------------------------------------------


def test_dense_nearest_ranking(store: VectorStore) -> None:
    q = [1.0, 0.0, 0.0, 0.0]
    # cosine with q = x / |v|: P1 1.0, P2 .994, P6 .722, P3 .707, P4 .196, P5 -.447
    hits = store.query([Leg(DENSE, q)], limit=6)
    assert names(hits) == ["P1", "P2", "P6", "P3", "P4", "P5"]
    cos = {i: vec[0] / math.sqrt(sum(x * x for x in vec)) for i, _, vec, _ in ROWS}
    assert [h.score for h in hits] == pytest.approx([cos[h.id] for h in hits], abs=1e-5)
    assert names(store.query([Leg(DENSE, q)], limit=2)) == ["P1", "P2"]


def test_sparse_ranking_uses_idf(store: VectorStore) -> None:
    # N = 6. idf(common, df 6) = ln(0.5/6.5 + 1) = 0.0741; idf(rare, df 1) = ln(5.5/1.5 + 1) = 1.5404.
    # P3 = 0.5*1.5404 + 0.5*0.0741 = 0.807 beats P1 = 3.0*0.0741 = 0.222, though P1's raw weight is 3x.
    idf_common, idf_rare = math.log(0.5 / 6.5 + 1), math.log(5.5 / 1.5 + 1)
    expected = {
        P3: 0.5 * idf_rare + 0.5 * idf_common,
        P1: 3.0 * idf_common, P2: 2.0 * idf_common, P4: 1.5 * idf_common,
        P5: 1.0 * idf_common, P6: 0.8 * idf_common,
    }
    hits = store.query([Leg(SPARSE, sparse({COMMON: 1.0, RARE: 1.0}))], limit=10)
    assert names(hits) == ["P3", "P1", "P2", "P4", "P5", "P6"]
    assert [h.score for h in hits] == pytest.approx([expected[h.id] for h in hits], rel=1e-4)
    assert store.query([Leg(SPARSE, SparseVector((), ()))]) == []  # no terms, no matches


def rrf(rankings: list[list[str]], k: int, weights: list[float]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for pos, i in enumerate(ranking):
            scores[i] = scores.get(i, 0.0) + 1.0 / ((pos + 1) / w + k - 1)
    return scores


def test_hybrid_rrf_fusion_order(store: VectorStore) -> None:
    # Dense leg, q = e2, limit 3: P4 (.981), P3 (.707), P6 (.309).
    # Sparse leg, common+rare, limit 2: P3, P1.
    legs = [Leg(DENSE, [0.0, 1.0, 0.0, 0.0], limit=3), Leg(SPARSE, sparse({COMMON: 1.0, RARE: 1.0}), limit=2)]
    per_leg = [[P4, P3, P6], [P3, P1]]

    # k=60, equal weights: P3 1/61+1/60 = .03306, P4 1/60 = .01667, P1 1/61 = .01639, P6 1/62 = .01613
    hits = store.query(legs, limit=10, rrf_k=60)
    assert names(hits) == ["P3", "P4", "P1", "P6"]
    expected = rrf(per_leg, 60, [1.0, 1.0])
    assert [h.score for h in hits] == pytest.approx([expected[h.id] for h in hits], rel=1e-4)

    # Dense weighted 3:1: dense positions score 1/59.33, 1/59.67, 1/60 -> P6 (.016667) now beats P1 (.016393).
    hits = store.query(legs, limit=10, rrf_k=60, weights=[3.0, 1.0])
    assert names(hits) == ["P3", "P4", "P6", "P1"]
    expected = rrf(per_leg, 60, [3.0, 1.0])
    assert [h.score for h in hits] == pytest.approx([expected[h.id] for h in hits], rel=1e-4)

    assert names(store.query(legs, limit=2, rrf_k=60)) == ["P3", "P4"]
    with pytest.raises(ValueError):
        store.query(legs, weights=[1.0])


# ---- filters --------------------------------------------------------------------------------------

FILTER_CASES: list[tuple[str, Filters, set[str]]] = [
    ("source any-of", Filters(source=("gazette", "diet")), {P4, P5}),
    ("doc_id", Filters(doc_id=("law:A",)), {P1, P2}),
    ("law_id any-of", Filters(any_of=(("law_id", ("B", "C")),)), {P3, P6}),
    ("law_type", Filters(any_of=(("law_type", ("CabinetOrder",)),)), {P3}),
    ("year range, inclusive", Filters(ranges=(("year", 2001, 2010),)), {P3, P4, P6}),
    ("year from only", Filters(ranges=(("year", 2010, None),)), {P4, P5}),
    ("date range, inclusive", Filters(date_from="2001-01-01", date_to="2010-01-01"), {P3, P4, P6}),
    ("date to only", Filters(date_to="1990-04-01"), {P1, P2}),
    ("combined", Filters(source=("law",), ranges=(("year", 2000, None),), date_to="2003-01-01"), {P6}),
    ("nothing matches", Filters(source=("law",), ranges=(("year", 2015, None),)), set()),
]


@pytest.mark.parametrize(("label", "filters", "expected"), FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_filters(store: VectorStore, label: str, filters: Filters, expected: set[str]) -> None:
    assert store.count(filters) == len(expected)
    dense = store.query([Leg(DENSE, [1.0, 0.0, 0.0, 0.0])], limit=10, filters=filters)
    assert {h.id for h in dense} == expected
    common = sparse({COMMON: 1.0})
    assert {h.id for h in store.query([Leg(SPARSE, common)], limit=10, filters=filters)} == expected
    hybrid = store.query([Leg(DENSE, [1.0, 0.0, 0.0, 0.0]), Leg(SPARSE, common)], limit=10, filters=filters)
    assert {h.id for h in hybrid} == expected


def test_leg_filters_apply_to_their_leg_only(store: VectorStore) -> None:
    """A leg's own filters narrow that leg, on top of the query's; other legs stay unrestricted."""
    common = sparse({COMMON: 1.0})
    only_a = Leg(DENSE, [1.0, 0.0, 0.0, 0.0], filters=Filters(doc_id=("law:A",)))
    assert {h.id for h in store.query([only_a], limit=10)} == {P1, P2}
    everything = store.query([only_a, Leg(SPARSE, common)], limit=10)
    assert {h.id for h in everything} == {P1, P2, P3, P4, P5, P6}
    # Query filters and leg filters are both applied (AND): law:A ∩ year ≥ 2001 is empty.
    assert store.query([only_a], limit=10, filters=Filters(ranges=(("year", 2001, None),))) == []
    fused = store.query([only_a, Leg(SPARSE, common)], limit=10, filters=Filters(source=("law",)))
    assert {h.id for h in fused} == {P1, P2, P3, P6}


def test_empty_filters_match_everything(store: VectorStore) -> None:
    assert store.count(Filters()) == store.count() == 6


# ---- dense vectors for a subset, delete -----------------------------------------------------------


def test_update_vectors_on_a_subset(backend: Backend) -> None:
    s = backend.open()
    s.ensure_schema(SCHEMA)
    s.upsert(make_points(dense=False))  # the indexer's order: BM25 for all, dense later for some
    assert s.count(with_vector=DENSE) == 0
    assert s.query([Leg(DENSE, [1.0, 0.0, 0.0, 0.0])]) == []

    s.update_vectors([(P2, {DENSE: [1.0, 0.0, 0.0, 0.0]}), (P4, {DENSE: [0.0, 1.0, 0.0, 0.0]})])
    s.flush()
    assert s.count(with_vector=DENSE) == 2
    assert s.count(with_vector=SPARSE) == 6
    assert s.count(Filters(source=("law",)), with_vector=DENSE) == 1
    assert names(s.query([Leg(DENSE, [1.0, 0.0, 0.0, 0.0])], limit=10)) == ["P2", "P4"]
    # Payload and the sparse vector are untouched.
    assert s.retrieve([P2])[0].payload == {"chunk_id": P2, **ROWS[1][1]}
    assert len(s.query([Leg(SPARSE, sparse({COMMON: 1.0}))], limit=10)) == 6
    # All or nothing: one unknown id and no point of the batch changes.
    with pytest.raises(StoreError, match="not in the index"):
        s.update_vectors([(P1, {DENSE: [1.0, 0.0, 0.0, 0.0]}), (pid(99), {DENSE: [1.0, 0.0, 0.0, 0.0]})])
    with pytest.raises(StoreError, match="dimensions"):
        s.update_vectors([(P1, {DENSE: [1.0]})])
    assert s.count(with_vector=DENSE) == 2


def test_delete(fresh: VectorStore) -> None:
    fresh.delete([P1, P3, pid(99), "not-a-uuid"])
    assert fresh.count() == 4
    assert names(fresh.retrieve([P1, P2, P3])) == ["P2"]
    assert not {P1, P3} & {h.id for h in fresh.query([Leg(DENSE, [1.0, 0.0, 0.0, 0.0])], limit=10)}
    fresh.delete([])
    assert fresh.count() == 4


# ---- choosing an adapter --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [(None, EdgeStore), ("", EdgeStore), ("http://localhost:6333", ServerStore), (":memory:", ServerStore)],
)
def test_open_store_picks_the_adapter(tmp_path: Path, url: str | None, kind: Callable[..., object]) -> None:
    s = open_store(url, tmp_path / "qdrant", settings=Settings())
    try:
        assert isinstance(s, kind)  # type: ignore[arg-type]
    finally:
        s.close()


def test_open_store_rejects_other_urls(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="http"):
        open_store("localhost:6333", tmp_path, settings=Settings())


def test_unreachable_server_is_a_store_error() -> None:
    s = ServerStore("http://127.0.0.1:1")  # nothing listens on port 1: refused at once
    with pytest.raises(StoreError, match="127.0.0.1:1"):
        s.count()
    s.close()
