"""Damage done to a copy of a built data dir: what an operator's disk, a crash or a bad copy can do.

Shared by the fault tests (tests/index/test_faults.py) and the fault table
(benchmarks/fault_table.py), so both describe exactly the same damage.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path


Damage = Callable[[Path], None]


def copy_data(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _segment(data: Path) -> Path:
    segments = sorted((data / "index" / "qdrant" / "segments").iterdir())
    assert segments, "the index has no segment"
    return segments[0]


def truncate_docstore(data: Path) -> None:
    """chunks.sqlite cut to 0 bytes (a full disk, a bad copy)."""
    for extra in ("chunks.sqlite-wal", "chunks.sqlite-shm"):
        (data / extra).unlink(missing_ok=True)
    os.truncate(data / "chunks.sqlite", 0)


def cut_docstore(data: Path) -> None:
    """chunks.sqlite cut in half."""
    path = data / "chunks.sqlite"
    os.truncate(path, path.stat().st_size // 2)


def overwrite_docstore_pages(data: Path) -> None:
    """64 KiB of random bytes written over b-tree pages of chunks.sqlite, from the root of the law-name
    catalog on (pages every start-up reads in full). The middle of the file was the target until a
    build stage's table (definitions) grew the file and moved it onto chunk pages no start-up reads."""
    path = data / "chunks.sqlite"
    db = sqlite3.connect(path)
    page_size, = db.execute("PRAGMA page_size").fetchone()
    root, = db.execute("SELECT rootpage FROM sqlite_master WHERE name='catalog'").fetchone()
    db.close()
    with path.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(random.Random(7).randbytes(65536))


def damage_table_page(data: Path, text: str = "故意又は過失によって他人の権利") -> None:
    """Random bytes over the whole page that stores one chunk (民法 第七百九条): start-up never reads
    it, so only SQLite's page check (or a search that returns that chunk) finds it."""
    db = sqlite3.connect(data / "chunks.sqlite")
    page_size, = db.execute("PRAGMA page_size").fetchone()
    db.close()
    path = data / "chunks.sqlite"
    at = path.read_bytes().find(text.encode("utf-8"))
    assert at >= 0, f"{text} is not stored in {path}"
    with path.open("r+b") as fh:
        fh.seek(at - at % page_size)
        fh.write(random.Random(11).randbytes(page_size))


def damage_chunk_row(data: Path, text: str = "借地権の存続期間は、三十年とする") -> None:
    """Random bytes over the stored text of one chunk (借地借家法 第三条), pages left intact:
    SQLite's own checks cannot see it, only reading the row can."""
    needle = text.encode("utf-8")
    for name in ("chunks.sqlite", "chunks.sqlite-wal"):
        path = data / name
        if path.exists() and (at := path.read_bytes().find(needle)) >= 0:
            with path.open("r+b") as fh:
                fh.seek(at)
                fh.write(random.Random(3).randbytes(len(needle)))
            return
    raise AssertionError(f"{text} is not stored in {data}")


def cut_id_tracker(data: Path) -> None:
    """The Qdrant segment's id tracker cut in half: the shard loads, with a part of its points."""
    for name in ("mutable_id_tracker.mappings", "mutable_id_tracker.versions"):
        path = _segment(data) / name
        if path.exists():
            os.truncate(path, path.stat().st_size // 2)


def interrupt_build(data: Path) -> None:
    """A first `index build` killed before it wrote a point: meta.json is there, the shard is not."""
    shutil.rmtree(data / "index" / "qdrant")
    db = sqlite3.connect(data / "chunks.sqlite")
    with db:
        db.execute("DELETE FROM indexed")
    db.close()


def bad_meta(data: Path) -> None:
    """meta.json cut mid-way (not JSON any more)."""
    path = data / "index" / "meta.json"
    path.write_bytes(path.read_bytes()[:40])


def corrupt_payload_file(data: Path) -> None:
    """The segment's payload storage truncated to nothing."""
    os.truncate(_segment(data) / "payload_storage" / "page_0.dat", 0)


def corrupt_vector_file(data: Path) -> None:
    """The segment's BM25 vector storage overwritten with random bytes."""
    path = _segment(data) / "vector_storage-bm25" / "store" / "page_0.dat"
    with path.open("r+b") as fh:
        fh.write(random.Random(5).randbytes(65536))


FAULTS: dict[str, tuple[str, Damage]] = {
    "docstore-empty": ("chunks.sqlite truncated to 0 bytes", truncate_docstore),
    "docstore-cut": ("chunks.sqlite cut in half", cut_docstore),
    "docstore-random-pages": ("64 KiB of random bytes in chunks.sqlite", overwrite_docstore_pages),
    "docstore-table-page": ("random bytes over the page of one stored chunk", damage_table_page),
    "docstore-damaged-row": ("one chunk row's JSON replaced by random bytes", damage_chunk_row),
    "id-tracker-cut": ("Qdrant id tracker cut in half", cut_id_tracker),
    "build-interrupted": ("index build killed before its first point", interrupt_build),
    "meta-bad": ("meta.json cut mid-way", bad_meta),
    "payload-file": ("Qdrant payload file truncated", corrupt_payload_file),
    "vector-file": ("Qdrant BM25 vector file overwritten", corrupt_vector_file),
}


#: The repair each fault's message names, as `govrag` argument lists ({data}: the data dir, {job}: its
#: ingest job). "move-aside" is the one step that is not a govrag command: move chunks.sqlite* away.
REPAIRS: dict[str, list[list[str]]] = {
    **{f: [["move-aside"], ["ingest", "run", "{job}"], ["index", "build"]]
       for f in ("docstore-empty", "docstore-cut", "docstore-random-pages", "docstore-table-page",
                 "docstore-damaged-row")},
    "meta-bad": [["index", "build", "--rebuild"]],
    "vector-file": [["index", "build", "--rebuild"]],
    "payload-file": [["index", "build", "--rebuild"]],
    "build-interrupted": [["index", "build"]],
    "id-tracker-cut": [["index", "build"]],
}


def move_docstore_aside(data: Path) -> None:
    for path in data.glob("chunks.sqlite*"):
        path.rename(path.with_name(path.name + ".damaged"))
