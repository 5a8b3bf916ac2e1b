"""Benchmark: `/search` latency with concurrent clients over loopback.

    python benchmarks/api_latency.py [--data-dir DIR] [--clients 8] [--requests 400] [--mode hybrid]

Starts `govrag serve` on the index in DIR (a separate process, as in
production), waits for /healthz, warms up, then has N client threads send
POST /search (k=10) with questions from lawqa_jp and eval/questions, and
reports client-side latency percentiles. Any non-200 answer is counted and
printed, not hidden.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from govrag.config import Settings
from govrag.eval.datasets import load_jsonl, load_lawqa


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def queries(settings: Settings) -> list[str]:
    qs = [q.question for q in load_lawqa(settings.shared_data / "lawqa_jp" / "selection.dev.json")]
    qs += [q.question for q in load_jsonl(Path("eval/questions/paraphrased.jsonl"))]
    return qs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="total, after warm-up")
    parser.add_argument("--mode", default="hybrid")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "govrag.cli", "serve", "--port", str(port), "--data-dir", str(args.data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.perf_counter()
        while True:
            if server.poll() is not None:
                raise SystemExit(f"server exited: {server.stderr.read().decode() if server.stderr else ''}")
            try:
                health = httpx.get(f"{base}/healthz", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.25)
        startup = time.perf_counter() - t0
        texts = queries(settings)
        with httpx.Client(base_url=base, timeout=60) as client:
            for q in texts[:20]:  # warm-up: first-use costs (model load, page cache)
                client.post("/search", json={"query": q, "k": 10, "mode": args.mode}).raise_for_status()
        latencies: list[float] = []
        server_ms: list[float] = []
        stages: dict[str, list[float]] = {}
        errors: list[str] = []
        lock = threading.Lock()
        per_client = args.requests // args.clients

        def worker(n: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                for i in range(per_client):
                    q = texts[(n * per_client + i) % len(texts)]
                    t = time.perf_counter()
                    r = client.post("/search", json={"query": q, "k": 10, "mode": args.mode})
                    dt = (time.perf_counter() - t) * 1000
                    with lock:
                        if r.status_code == 200:
                            latencies.append(dt)
                            timings = r.json()["timings_ms"]
                            server_ms.append(sum(timings.values()))
                            for stage, ms in timings.items():
                                stages.setdefault(stage, []).append(ms)
                        else:
                            errors.append(f"{r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.clients)]
        t1 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t1
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    q = statistics.quantiles(latencies, n=100)
    print(f"## /search latency, {args.clients} concurrent clients over loopback (mode={args.mode}, k=10)\n")
    print(f"- index: {health['points']:,} BM25 points, {health['dense_points']:,} with dense vectors, "
          f"{health['descriptor_points']:,} outline windows (router {'on' if health['router'] else 'off'})")
    print(f"- server start to first /healthz: {startup:.1f} s; one uvicorn worker on {os.cpu_count()} cores")
    print(f"- {len(latencies)} requests in {wall:.1f} s ({len(latencies) / wall:.1f} req/s), {len(errors)} errors")
    print(f"- client latency: **p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms**, p99 {q[98]:.0f} ms, max {max(latencies):.0f} ms")
    print(f"- server-side work per request (sum of timings_ms): p50 {statistics.median(server_ms):.0f} ms")
    print("- per stage, p50 / p95 ms: " + ", ".join(
        f"{k} {statistics.median(v):.1f} / {statistics.quantiles(v, n=100)[94]:.1f}" for k, v in stages.items()))
    for e in errors[:5]:
        print(f"  error: {e}")


if __name__ == "__main__":
    main()
