"""Benchmark: `/healthz` while 32 clients keep `/search` busy, and the server's memory after it.

    python benchmarks/health_under_load.py [--data-dir DIR] [--clients 32] [--requests 40] [--mode hybrid]

Starts `govrag serve` on DIR (a separate process, as in production; default: the quickstart's
five sample laws in ./data), warms it up, then runs N client threads that each send
`--requests` POST /search requests back to back (questions from lawqa_jp dev and
eval/questions, cycled), while one probe thread asks GET /healthz every 100 ms until the
clients are done. Prints the probe's latency (p50/p95/p99/max), the /search throughput and
latency, every non-200 answer, and the server's resident memory (VmRSS, and the peak VmHWM)
read from /proc after the run. The request loops are bounded in count and go to loopback only.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import threading
import time
from pathlib import Path

import httpx

from govrag.config import Settings

from api_latency import WARM_UP, queries, serve  # benchmarks/ is on sys.path when a script here runs

PROBE_EVERY_S = 0.1


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB, from /proc/PID/status."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            out[key] = int(value.split()[0])
    return out


def quantiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms, **p99 {q[98]:.0f} ms**, max {max(values):.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=40, help="POST /search per client")
    parser.add_argument("--mode", default="hybrid", help="hybrid, bm25 or dense")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    texts = list(dict.fromkeys(queries(settings)))
    with serve(args.data_dir) as (base, server, health):
        with httpx.Client(base_url=base, timeout=60) as client:
            for q in WARM_UP:
                client.post("/search", json={"query": q, "k": 10, "mode": args.mode}).raise_for_status()
        idle = memory_kib(server.pid)
        done = threading.Event()
        probe_ms: list[float] = []
        search_ms: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def probe() -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                while not done.is_set():
                    t = time.perf_counter()
                    r = client.get("/healthz")
                    with lock:
                        probe_ms.append((time.perf_counter() - t) * 1000)
                        if r.status_code != 200:
                            errors.append(f"/healthz {r.status_code} {r.text[:160]}")
                    done.wait(PROBE_EVERY_S)

        def worker(n: int) -> None:
            mine = itertools.islice(itertools.cycle(texts[n::args.clients] or texts), args.requests)
            with httpx.Client(base_url=base, timeout=120) as client:
                for q in mine:
                    t = time.perf_counter()
                    r = client.post("/search", json={"query": q, "k": 10, "mode": args.mode})
                    with lock:
                        if r.status_code == 200:
                            search_ms.append((time.perf_counter() - t) * 1000)
                        else:
                            errors.append(f"/search {r.status_code} {r.text[:160]}")

        prober = threading.Thread(target=probe)
        clients = [threading.Thread(target=worker, args=(n,)) for n in range(args.clients)]
        t0 = time.perf_counter()
        prober.start()
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        wall = time.perf_counter() - t0
        done.set()
        prober.join()
        after = memory_kib(server.pid)
        served = len(search_ms)
        print(f"## /healthz under {args.clients} concurrent /search clients (mode={args.mode})\n")
        print(f"- index: {health.get('points', 0):,} BM25 points, router: {health.get('router') or 'off'}; "
              f"{os.cpu_count()} cores; {args.clients} clients × {args.requests} requests")
        print(f"- /healthz, one probe every {PROBE_EVERY_S * 1000:.0f} ms during the run ({len(probe_ms)} probes): "
              f"{quantiles(probe_ms)}")
        print(f"- /search: {served} answered in {wall:.1f} s ({served / wall:.1f} req/s); {quantiles(search_ms)}")
        print(f"- errors: {len(errors)}")
        for e in errors[:5]:
            print(f"  - {e}")
        print(f"- server memory: VmRSS {idle['VmRSS'] / 1024:.0f} MiB after warm-up, "
              f"**{after['VmRSS'] / 1024:.0f} MiB after the run** (peak VmHWM {after['VmHWM'] / 1024:.0f} MiB); "
              f"{after['Threads']} threads")
        print()


if __name__ == "__main__":
    main()
