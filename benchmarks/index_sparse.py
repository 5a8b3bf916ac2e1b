"""Benchmark: BM25-index every chunk of the document store into Qdrant Edge, then reopen it.

    python benchmarks/index_sparse.py [--data-dir DIR] [--workers N]

Run after `benchmarks/laws_ingest.py --data-dir DIR` (or `govrag ingest run ingest/laws-2020.toml`),
so DIR/chunks.sqlite holds the whole archive. The index goes to DIR/index (the place
`govrag search` reads); the stage records its progress, so a second run measures the
resume path and should write nothing. Sudachi tokenising runs in N worker processes.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.embed import make_embedder
from govrag.index.indexer import SPARSE, IndexMeta, build_sparse, forget_index, new_meta
from govrag.index.store.edge import EdgeStore
from govrag.service import META_FILE


def folder_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fresh", action="store_true", help="remove the index and its progress marks first")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    with DocStore(settings.chunk_db) as docstore:
        if args.fresh:
            forget_index(docstore, settings.index_dir)
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        meta = IndexMeta.load(settings.index_dir / META_FILE)
        t0 = time.perf_counter()
        if meta is None:
            meta = new_meta(docstore, make_embedder(settings.embedder))
            meta.save(settings.index_dir / META_FILE)
        t_avg = time.perf_counter() - t0
        chunks = docstore.counts()["law"]["chunks"]
        done = 0
        t1 = time.perf_counter()
        last = t1

        def progress(n: int) -> None:
            nonlocal done, last
            done += n
            if time.perf_counter() - last > 30:
                last = time.perf_counter()
                print(f"  … {done:,} chunks in {last - t1:.0f} s", flush=True)

        with EdgeStore(settings.index_dir / "qdrant") as store:
            report = build_sparse(docstore, store, meta, workers=args.workers, on_document=progress)
            t2 = time.perf_counter()
            points = store.count(with_vector=SPARSE)
        t3 = time.perf_counter()
        reopened = EdgeStore(settings.index_dir / "qdrant")
        t4 = time.perf_counter()
        total = reopened.count()
        reopened.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    wall = t2 - t1
    print(f"## BM25 (Sudachi) index of the document store into Qdrant Edge (workers={args.workers})\n")
    print(f"- document store: {chunks:,} chunks; avg_len estimate {meta.bm25_avg_len:.1f} tokens ({t_avg:.1f} s)")
    print(f"- this run: {report.documents:,} documents, {report.points:,} points written, "
          f"{report.skipped_documents:,} documents already indexed and skipped")
    print(f"- wall (encode + upsert + optimize + flush): **{wall:.1f} s**, "
          f"**{report.points / wall if wall and report.points else 0:,.0f} chunks/s**")
    print(f"- points with a BM25 vector in the shard: {points:,} (total {total:,})")
    print(f"- close {t3 - t2:.1f} s, reopen {t4 - t3:.2f} s; shard on disk {folder_mib(settings.index_dir / 'qdrant'):,.0f} MiB")
    print(f"- peak RSS: main process (store) {own:,.0f} MiB, largest tokeniser worker {workers:,.0f} MiB")


if __name__ == "__main__":
    main()
