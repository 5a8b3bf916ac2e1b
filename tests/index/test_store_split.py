"""The two-collection index (store/split.py): what goes where, and an index built before the split."""

from __future__ import annotations

from pathlib import Path

from govrag.index.store.base import Leg, Point, Schema, SparseVector
from govrag.index.store.edge import EdgeStore
from govrag.index.store.split import SplitStore

SCHEMA = Schema(dense={"dense": 2, "article": 2}, sparse=("bm25",))
IDS = [f"00000000-0000-0000-0000-00000000000{i}" for i in range(1, 5)]


def points(dense_on: set[int]) -> list[Point]:
    return [Point(pid, {"source": "law", "doc_id": f"d{i}"}, dense={"dense": [1.0, float(i)]} if i in dense_on else {},
                  sparse={"bm25": SparseVector((i,), (1.0,))}) for i, pid in enumerate(IDS)]


def test_the_bm25_collection_holds_no_dense_slot_and_the_dense_one_only_points_with_vectors(tmp_path: Path) -> None:
    store = SplitStore(EdgeStore(tmp_path / "qdrant"), EdgeStore(tmp_path / "vectors"))
    store.ensure_schema(SCHEMA)
    store.upsert(points(dense_on={1}))
    store.update_vectors([(IDS[2], {"article": [0.0, 1.0]}), (IDS[2], {"dense": [1.0, 0.0]})])
    store.flush()
    store.close()
    main, vectors = EdgeStore(tmp_path / "qdrant"), EdgeStore(tmp_path / "vectors")
    assert main.schema is not None and dict(main.schema.dense) == {}
    assert (main.count(), vectors.count()) == (4, 2)
    assert vectors.count(with_vector="article") == 1 and vectors.count(with_vector="dense") == 2
    assert vectors.retrieve([IDS[2]])[0].payload["doc_id"] == "d2"  # its payload came along, for filters
    main.close()
    vectors.close()
    again = SplitStore(EdgeStore(tmp_path / "qdrant"), EdgeStore(tmp_path / "vectors"))
    assert again.count(with_vector="dense") == 2 and again.count() == 4
    again.upsert(points(dense_on=set()))  # replaced whole: no point keeps a dense vector
    assert again.count(with_vector="dense") == 0 and again.count() == 4
    again.close()


def test_an_index_built_before_the_split_is_served_as_one_collection(tmp_path: Path) -> None:
    old = EdgeStore(tmp_path / "qdrant")
    old.ensure_schema(SCHEMA)
    old.upsert(points(dense_on={0, 3}))
    old.flush()
    old.close()
    store = SplitStore(EdgeStore(tmp_path / "qdrant"), EdgeStore(tmp_path / "vectors"))
    assert store.count(with_vector="dense") == 2
    assert [h.id for h in store.query([Leg("dense", [1.0, 0.0], limit=5)], limit=1)] == [IDS[0]]
    store.update_vectors([(IDS[1], {"dense": [0.0, 1.0]})])
    assert store.count(with_vector="dense") == 3
    store.close()
    assert not (tmp_path / "vectors").exists()  # nothing was written beside it


def test_two_processes_on_one_server_do_not_drop_each_others_vectors() -> None:
    """A server (`serve --build-dense-laws`) and a build (`index build --articles`) on one Qdrant server:
    the one that looked first, when the dense collection was empty, must not overwrite what the
    other wrote since."""
    from qdrant_client import QdrantClient

    from govrag.index.store.server import ServerStore

    client = QdrantClient(location=":memory:")

    def opened() -> SplitStore:
        return SplitStore(ServerStore(client=client, collection="govrag"),
                          ServerStore(client=client, collection="govrag-vectors"))

    build = opened()
    build.ensure_schema(SCHEMA)
    build.upsert(points(dense_on=set()))
    server = opened()
    assert server.count(with_vector="dense") == 0  # it has looked: nothing dense yet
    build.update_vectors([(IDS[1], {"article": [0.0, 1.0]})])
    server.update_vectors([(IDS[1], {"dense": [1.0, 0.0]})])
    assert server.count(with_vector="article") == 1 and server.count(with_vector="dense") == 1
    server.delete([IDS[1]])  # a retired chunk: gone from both collections
    assert build.count(with_vector="article") == 0 and build.count() == 3
    client.close()
