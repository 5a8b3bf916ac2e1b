"""Shards and replication from the settings reach the Qdrant server's create_collection.

qdrant-client's local mode accepts shard_number, replication_factor and write_consistency_factor but keeps
none of them (get_collection reports None), so a real client subclass records the call instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from qdrant_client import QdrantClient

from govrag.config import Settings
from govrag.service import open_index
from govrag.index.store import open_store
from govrag.index.store import server
from govrag.index.store.base import Schema
from govrag.index.store.server import Layout, ServerStore

SCHEMA = Schema(dense={"dense": 4}, sparse=("bm25",))


class RecordingClient(QdrantClient):
    """A real client (local mode here) that remembers the keyword arguments of each create_collection."""

    created: list[dict[str, Any]] = []

    def create_collection(self, collection_name: str, **kwargs: Any) -> bool:
        RecordingClient.created.append({"collection_name": collection_name, **kwargs})
        return super().create_collection(collection_name, **kwargs)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> type[RecordingClient]:
    monkeypatch.setattr(RecordingClient, "created", [])
    monkeypatch.setattr(server, "QdrantClient", RecordingClient)
    return RecordingClient


def layout_of(call: dict[str, Any]) -> tuple[Any, Any, Any]:
    return call["shard_number"], call["replication_factor"], call["write_consistency_factor"]


def test_settings_reach_create_collection(recording: type[RecordingClient], tmp_path: Path) -> None:
    settings = Settings(store_shards=6, store_replication=2, store_write_consistency=2)
    store = open_store(":memory:", tmp_path, collection="govrag-test", settings=settings)
    store.ensure_schema(SCHEMA)
    assert [c["collection_name"] for c in recording.created] == ["govrag-test"]
    assert layout_of(recording.created[0]) == (6, 2, 2)
    store.close()


def test_the_environment_reaches_the_service_store(
    recording: type[RecordingClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The containers set GOVRAG_STORE_*: the service's own store opener must create the collection so."""
    monkeypatch.setenv("GOVRAG_STORE_SHARDS", "3")
    monkeypatch.setenv("GOVRAG_STORE_REPLICATION", "2")
    monkeypatch.setenv("GOVRAG_STORE_URL", ":memory:")
    monkeypatch.setenv("GOVRAG_DATA_DIR", str(tmp_path))
    store = open_index(Settings())
    store.ensure_schema(SCHEMA)
    assert layout_of(recording.created[0]) == (3, 2, None)
    store.close()


def test_unset_leaves_the_servers_defaults(recording: type[RecordingClient], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOVRAG_STORE_SHARDS", "GOVRAG_STORE_REPLICATION", "GOVRAG_STORE_WRITE_CONSISTENCY"):
        monkeypatch.delenv(name, raising=False)
    store = open_store(":memory:", tmp_path, settings=Settings())
    store.ensure_schema(SCHEMA)
    assert layout_of(recording.created[0]) == (None, None, None)
    store.close()


def test_an_existing_collection_is_not_created_again(recording: type[RecordingClient]) -> None:
    client = recording(location=":memory:")
    ServerStore(client=client, layout=Layout(shards=2)).ensure_schema(SCHEMA)
    ServerStore(client=client, layout=Layout(shards=5)).ensure_schema(SCHEMA)  # a later run, other settings
    assert [layout_of(c) for c in recording.created] == [(2, None, None)]
    client.close()


def test_more_confirmations_than_copies_is_refused() -> None:
    with pytest.raises(ValidationError, match="store_write_consistency"):
        Settings(store_replication=2, store_write_consistency=3)
    with pytest.raises(ValidationError, match="store_write_consistency"):
        Settings(store_write_consistency=2)  # replication defaults to 1
