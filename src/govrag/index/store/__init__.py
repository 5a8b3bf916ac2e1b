"""Vector stores: Qdrant Edge in-process (default) and a Qdrant server, behind one interface."""

from __future__ import annotations

from pathlib import Path

from govrag.config import Settings
from govrag.index.store.base import StoreError, VectorStore


def open_store(url: str | None, path: Path, collection: str = "govrag", *, settings: Settings) -> VectorStore:
    """A server URL (http:// or https://) means that Qdrant server; no URL means Qdrant Edge at `path`.

    `collection` names the server collection; an Edge shard is its own folder, so `path` names it there.
    A server collection is created with the shards and replication of `settings` (store_shards,
    store_replication, store_write_consistency).

    Adapters are imported here, not at package import, so reading `base` never loads an engine.
    """
    if url:
        if url.startswith(("http://", "https://")) or url == ":memory:":  # :memory: is qdrant-client's local mode
            from govrag.index.store.server import Layout, ServerStore

            layout = Layout(settings.store_shards, settings.store_replication, settings.store_write_consistency)
            if url == ":memory:":
                return ServerStore(location=url, collection=collection, layout=layout)
            return ServerStore(url, collection=collection, layout=layout)
        raise StoreError(f"store URL must start with http:// or https:// (got {url!r}); leave it unset for Qdrant Edge")
    from govrag.index.store.edge import EdgeStore

    return EdgeStore(path)


__all__ = ["open_store"]
