"""Benchmark: the main job — ingest the whole e-Gov archive into the document store, then re-run it.

    python benchmarks/laws_ingest.py [--archive PATH] [--data-dir DIR] [--workers N]

The first run parses, chunks and writes every law (SQLite, one transaction per
200 laws); the second run must find every file unchanged and write nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.sources.laws.ingest import ingest_laws
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.lawid import LawIdResolver


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", type=Path, default=settings.egov_dir / "laws-20201118.tar.xz" if settings.egov_dir else None)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a fresh temporary folder")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="govrag-bench-"))
    db = data_dir / "chunks.sqlite"
    resolver = LawIdResolver.from_dir(args.archive.parent)
    options = ChunkOptions(max_chars=settings.chunk_max_chars, version="2020-11-18")

    with DocStore(db, create=True) as store:
        t0 = time.perf_counter()
        first, _ = ingest_laws(store, args.archive, resolver, options, workers=args.workers)
        t1 = time.perf_counter()
        second, unchanged = ingest_laws(store, args.archive, resolver, options, workers=args.workers)
        t2 = time.perf_counter()
        counts = store.counts()["law"]
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ) / 1024
    print(f"## Ingest the e-Gov archive into the document store ({args.archive.name}, workers={args.workers})\n")
    print("| run | wall | laws written | chunks written | unchanged files skipped | chunks/s |\n|---|---|---|---|---|---|")
    print(f"| first | {t1 - t0:.1f} s | {first.laws:,} | {first.chunks:,} | 0 | {first.chunks / (t1 - t0):,.0f} |")
    print(f"| re-run | {t2 - t1:.1f} s | {second.laws:,} | {second.chunks:,} | {unchanged:,} | – |")
    print(f"\n- store: {counts['documents']:,} documents, {counts['chunks']:,} chunks, {db.stat().st_size / 2**20:,.0f} MiB on disk")
    print(f"- skipped files: {len(first.skipped)}; peak RSS of any one process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
