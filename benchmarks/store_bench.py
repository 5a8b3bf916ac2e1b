"""Benchmark: the vector store adapters on synthetic data shaped like the law index.

    python benchmarks/store_bench.py [--points 50000] [--server-points 10000] [--dir DIR]

Points carry a 384-d unit dense vector, a sparse vector of ~60 terms from a
200k vocabulary (Zipf-distributed ids, so common terms have long posting lists
as in real text) and a small filter payload. Upserts go in batches of 1,000,
as the indexer sends them. Reported: upsert throughput (dense + sparse; and
sparse only, the BM25 stage that will carry ~570k points), the optimize that
builds HNSW, p50 query latency (k=10; dense, sparse, hybrid RRF with 100
candidates per leg, and hybrid with a filter) and reopen time.

ServerStore runs in qdrant-client's local mode (pure Python, exact search; no
server can run here), so it gets fewer points (--server-points); its numbers
say nothing about a real Qdrant server.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from govrag.index.store.base import Filters, Leg, Point, Schema, SparseVector, VectorStore
from govrag.index.store.edge import EdgeStore
from govrag.index.store.server import ServerStore

DIM, VOCAB, TERMS, BATCH = 384, 200_000, 60, 1000
DENSE, SPARSE = "dense", "bm25"
SCHEMA = Schema(dense={DENSE: DIM}, sparse=(SPARSE,))
SOURCES = ("law", "law", "law", "gazette", "diet")


class Data:
    """Deterministic synthetic points and queries (seeded)."""

    def __init__(self, n: int, n_queries: int, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        weights = 1.0 / np.arange(1, VOCAB + 1, dtype=np.float64)
        self.term_cdf = np.cumsum(weights) / weights.sum()
        self.ids = [str(uuid.UUID(bytes=rng.bytes(16))) for _ in range(n)]
        dense = rng.standard_normal((n, DIM), dtype=np.float32)
        self.dense = dense / np.linalg.norm(dense, axis=1, keepdims=True)
        self.sparse = [self._sparse(rng, TERMS, weighted=True) for _ in range(n)]
        self.payloads = [
            {
                "chunk_id": self.ids[i], "source": SOURCES[i % len(SOURCES)], "doc_id": f"law:{i % 5000}",
                "law_id": f"L{i % 5000}", "law_type": "Act", "year": 1947 + i % 74,
                "date": f"{1947 + i % 74}-{1 + i % 12:02d}-{1 + i % 28:02d}", "seq": i,
            }
            for i in range(n)
        ]
        q = rng.standard_normal((n_queries, DIM), dtype=np.float32)
        self.q_dense = (q / np.linalg.norm(q, axis=1, keepdims=True)).tolist()
        self.q_sparse = [self._sparse(rng, 8, weighted=False) for _ in range(n_queries)]

    def _sparse(self, rng: np.random.Generator, terms: int, *, weighted: bool) -> SparseVector:
        ids = np.unique(np.searchsorted(self.term_cdf, rng.random(terms)).clip(max=VOCAB - 1))
        values = rng.uniform(0.3, 2.5, size=len(ids)) if weighted else np.ones(len(ids))
        return SparseVector(tuple(ids.tolist()), tuple(values.tolist()))

    def points(self, n: int, *, dense: bool = True) -> list[Point]:
        """What the indexer hands over: lists of floats, tuples for sparse vectors."""
        rows: list[list[float]] = self.dense[:n].tolist() if dense else []
        return [
            Point(self.ids[i], self.payloads[i], {DENSE: rows[i]} if dense else {}, {SPARSE: self.sparse[i]})
            for i in range(n)
        ]


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def upsert_all(store: VectorStore, points: Sequence[Point]) -> float:
    """Seconds spent inside store.upsert, batch by batch."""
    total = 0.0
    for b in range(0, len(points), BATCH):
        batch = points[b : b + BATCH]
        t = time.perf_counter()
        store.upsert(batch)
        total += time.perf_counter() - t
    return total


def p50_ms(store: VectorStore, data: Data, kind: str) -> float:
    """Median of one query per synthetic query vector; hybrid legs take 100 candidates each, as search does."""
    filters = Filters(source=("law",), ranges=(("year", 1990, None),)) if kind == "hybrid+filter" else None
    samples: list[float] = []
    for qd, qs in zip(data.q_dense, data.q_sparse):
        legs = {"dense": [Leg(DENSE, qd, 100)], "sparse": [Leg(SPARSE, qs, 100)]}.get(
            kind, [Leg(SPARSE, qs, 100), Leg(DENSE, qd, 100)]
        )
        t = time.perf_counter()
        store.query(legs, limit=10, filters=filters)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def bench_edge(data: Data, n: int, root: Path) -> dict[str, str]:
    out: dict[str, str] = {"points": f"{n:,}"}
    points = data.points(n)

    sparse_only = EdgeStore(root / "edge-sparse")
    sparse_only.ensure_schema(SCHEMA)
    pts = data.points(n, dense=False)
    t = upsert_all(sparse_only, pts)
    out["upsert, sparse only"] = f"{t:.1f} s ({n / t:,.0f} points/s)"
    out["optimize, sparse only"] = f"{timed(sparse_only.flush):.1f} s"
    sparse_only.close()
    del pts

    store = EdgeStore(root / "edge")
    store.ensure_schema(SCHEMA)
    t = upsert_all(store, points)
    out["upsert, dense + sparse"] = f"{t:.1f} s ({n / t:,.0f} points/s)"
    out["dense p50, before optimize"] = f"{p50_ms(store, data, 'dense'):.2f} ms"
    out["optimize (HNSW build) + flush"] = f"{timed(store.flush):.1f} s"
    for kind in ("dense", "sparse", "hybrid", "hybrid+filter"):
        out[f"{kind} p50"] = f"{p50_ms(store, data, kind):.2f} ms"
    out["close"] = f"{timed(store.close):.2f} s"
    gc.collect()
    holder: list[EdgeStore] = []
    out["reopen"] = f"{timed(lambda: holder.append(EdgeStore(root / 'edge'))) * 1000:.0f} ms"
    again = holder[0]
    out["first query after reopen"] = f"{timed(lambda: again.query([Leg(DENSE, data.q_dense[0])])) * 1000:.1f} ms"
    out["hybrid p50 after reopen"] = f"{p50_ms(again, data, 'hybrid'):.2f} ms"
    assert again.count() == n
    again.close()
    used = sum(f.stat().st_blocks * 512 for f in (root / "edge").rglob("*") if f.is_file())  # files are sparse
    out["on disk"] = f"{used / 2**20:,.0f} MiB"
    return out


def bench_server(data: Data, n: int) -> dict[str, str]:
    out: dict[str, str] = {"points": f"{n:,}"}
    store = ServerStore(location=":memory:", collection="bench-sparse")
    store.ensure_schema(SCHEMA)
    t = upsert_all(store, data.points(n, dense=False))
    out["upsert, sparse only"] = f"{t:.1f} s ({n / t:,.0f} points/s)"
    out["optimize, sparse only"] = "n/a"
    store.close()

    store = ServerStore(location=":memory:")
    store.ensure_schema(SCHEMA)
    t = upsert_all(store, data.points(n))
    out["upsert, dense + sparse"] = f"{t:.1f} s ({n / t:,.0f} points/s)"
    out["optimize (HNSW build) + flush"] = "n/a (exact search)"
    for kind in ("dense", "sparse", "hybrid", "hybrid+filter"):
        out[f"{kind} p50"] = f"{p50_ms(store, data, kind):.2f} ms"
    out["dense p50, before optimize"] = out["dense p50"]
    for key in ("close", "reopen", "first query after reopen", "hybrid p50 after reopen", "on disk"):
        out[key] = "n/a (in memory)"
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--server-points", type=int, default=10_000, help="local mode is pure Python: keep it small")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--dir", type=Path, default=None, help="where EdgeStore writes (default: a temporary folder)")
    args = parser.parse_args()

    t = time.perf_counter()
    data = Data(max(args.points, args.server_points), args.queries)
    print(f"synthetic data: {time.perf_counter() - t:.1f} s", flush=True)
    root = args.dir or Path(tempfile.mkdtemp(prefix="govrag-store-bench-"))
    try:
        edge = bench_edge(data, args.points, root)
        print("EdgeStore done", flush=True)
        server = bench_server(data, args.server_points)
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)

    print(f"\n### Vector store benchmark ({DIM}-d dense, ~{TERMS}-term sparse over {VOCAB:,} ids, batches of {BATCH})\n")
    print("| metric | EdgeStore (Qdrant Edge) | ServerStore (local mode, :memory:) |")
    print("| --- | --- | --- |")
    for key in edge:
        print(f"| {key} | {edge[key]} | {server.get(key, '')} |")


if __name__ == "__main__":
    main()
