"""Vector stores: Qdrant Edge in-process (default) and a Qdrant server, behind one interface."""

from __future__ import annotations

from pathlib import Path

from govrag.index.store.base import StoreError, VectorStore


def open_store(url: str | None, path: Path, collection: str = "govrag") -> VectorStore:
    """A server URL (http:// or https://) means that Qdrant server; no URL means Qdrant Edge at `path`.

    `collection` names the server collection; an Edge shard is its own folder, so `path` names it there.

    Adapters are imported here, not at package import, so reading `base` never loads an engine.
    """
    if url:
        if url.startswith(("http://", "https://")):
            from govrag.index.store.server import ServerStore

            return ServerStore(url, collection=collection)
        if url == ":memory:":  # qdrant-client's local mode: handy for trying things out
            from govrag.index.store.server import ServerStore

            return ServerStore(location=url, collection=collection)
        raise StoreError(f"store URL must start with http:// or https:// (got {url!r}); leave it unset for Qdrant Edge")
    from govrag.index.store.edge import EdgeStore

    return EdgeStore(path)


__all__ = ["open_store"]
