"""Copies of the embedded index, one per search process.

An embedded Qdrant Edge shard has one owner at a time (it locks its WAL), and one Python process
serves requests one at a time where the GIL is held (tokenizing, the shard's query, the response):
on 2 cores a single `govrag serve` process uses about one. `govrag serve --workers N` therefore
keeps the index itself for the API process and gives each of its N search processes
(search_pool.py) a copy of the whole index folder (the chunk shard, the outline shard and
meta.json), made here before they start.

Hard links would save the disk, but opening a shard rewrites files inside its segments, so every
copy is a real one (about 10 s and the index's size on disk per copy for the whole archive). A copy
is kept while it holds the same points as the index: each shard records a generation token that
changes before its first write (store/edge.py), and a copy records the tokens it was made from;
a copy whose tokens differ is made again. A copy is written under a temporary name and renamed
into place, so a crash leaves either the old copy or none.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TypeVar

from govrag.index.indexer import META_FILE
from govrag.index.store.base import StoreBusy
from govrag.index.store.edge import EdgeStore

T = TypeVar("T")

STAMP_FILE = "govrag-replica.json"


def replica_dirs(root: Path, count: int) -> list[Path]:
    """Where the copies live: root/1 … root/count."""
    return [root / str(i) for i in range(1, count + 1)]


def prepare(index_dir: Path, root: Path, count: int, say: Callable[[str], None] = lambda _: None) -> list[Path]:
    """`count` up-to-date copies of `index_dir` under `root`; returns their folders.

    The index's shards are held open while they are copied, so a build cannot write to them meanwhile
    (it would fail with "open in another process"; so does this if a build or a server holds them)."""
    dirs = replica_dirs(root, count)
    if count <= 0:
        return dirs
    shards = [p.parent for p in sorted(index_dir.glob("*/edge_config.json"))]
    with ExitStack() as stack:
        tokens = {"meta": _read(index_dir / META_FILE)}
        for shard in shards:
            tokens[shard.name] = stack.enter_context(EdgeStore(shard)).generation()
        stamp = json.dumps(tokens, sort_keys=True)
        for target in dirs:
            if _read(target / STAMP_FILE) == stamp:
                continue
            say(f"copying the index for a search process: {index_dir} → {target}")
            partial = target.with_name(target.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(index_dir, partial, ignore=shutil.ignore_patterns(STAMP_FILE))
            (partial / STAMP_FILE).write_text(stamp, encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            partial.rename(target)
    return dirs


def first_free(candidates: Sequence[Path], open_at: Callable[[Path], T]) -> T:
    """`open_at` on the first candidate folder no other process holds (StoreBusy means held)."""
    if not candidates:
        raise ValueError("no index folder to open")
    for folder in candidates[:-1]:
        try:
            return open_at(folder)
        except StoreBusy:
            continue
    return open_at(candidates[-1])


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
