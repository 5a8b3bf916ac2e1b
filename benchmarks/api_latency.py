"""Benchmark: `/search` latency with concurrent clients over loopback.

    python benchmarks/api_latency.py [--data-dir DIR] [--clients 1,8] [--modes hybrid,bm25] [--passes 2]
                                     [--workers 1,2] [--repeat 1]

Starts `govrag serve` on the index in DIR (a separate process, as in
production), waits for /healthz and warms up with questions that are not
measured. Then, per mode, N client threads send POST /search (k=10) for every
distinct question of lawqa_jp dev and eval/questions (paraphrased and
unanswerable), each once per pass. Pass 1 is every question asked for the
first time (each query vector is embedded: the server's query cache misses);
pass 2 asks them all again (a re-run, /search then /ask: the cache hits). The
server's cache counters from /healthz are printed as the check. Any non-200
answer is counted and printed, not hidden.

`--workers` runs each client count against `govrag serve --workers N` for each N
(N search processes, each on its own copy of the embedded index: search_pool.py).

Each pass also reads the server's CPU time (user + system, all threads of the server process
and its worker processes, from /proc) before and after: CPU ms per request, and the throughput that CPU cost allows on
this machine's cores (`cores × 1000 / CPU ms`), against which the measured req/s is set.
The clients share the cores, so the bound is an upper one.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from govrag.config import Settings
from govrag.eval.datasets import load_jsonl, load_lawqa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/api/server.py starts the server
from tests.api.server import server_process  # noqa: E402

# Not among the measured questions, so warming up loads the model without priming its cache.
WARM_UP = ["会社の設立の手続", "個人情報の定義", "道路の占用の許可", "行政処分の取消し", "労働時間の上限",
           "相続の放棄", "建築物の高さ制限", "消費税の税率", "国会議員の歳費", "河川の管理者"]


@contextmanager
def serve(data_dir: Path, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes], dict[str, Any]]]:
    """`govrag serve` on DIR in its own process: (base URL, process, first /healthz body with `_startup_s`)."""
    t0 = time.perf_counter()
    with server_process(data_dir, timeout_s=600, workers=workers) as (base, server):
        health = httpx.get(f"{base}/healthz", timeout=10).json()
        yield base, server, {**health, "_startup_s": time.perf_counter() - t0}


def queries(settings: Settings) -> list[str]:
    qs = [q.question for q in load_lawqa(settings.shared_data / "lawqa_jp" / "selection.dev.json")]
    for name in ("paraphrased", "unanswerable"):
        qs += [q.question for q in load_jsonl(Path(f"eval/questions/{name}.jsonl"))]
    return qs


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU time of a process, all its threads, and with `children` of its live child
    processes too (the search processes of `govrag serve --workers N`) (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if not children:
        return own
    kids: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids.update(int(c) for c in (task / "children").read_text().split())
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return own + sum(cpu_seconds(c, children=True) for c in kids)


def run_pass(base: str, texts: list[str], mode: str, clients: int, pid: int) -> dict[str, object]:
    """Every text once, spread over `clients` threads; latencies as the clients saw them, errors counted."""
    latencies: list[float] = []
    server_ms: list[float] = []
    stages: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        # The standard library's client, one kept-alive connection per client: it costs the shared
        # cores about a fifth of httpx's CPU per request, which is left to the server.
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=60)
        try:
            for q in texts[n::clients]:
                body = json.dumps({"query": q, "k": 10, "mode": mode}, ensure_ascii=False).encode()
                t = time.perf_counter()
                conn.request("POST", "/search", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                dt = (time.perf_counter() - t) * 1000
                with lock:
                    if r.status == 200:
                        latencies.append(dt)
                        timings = json.loads(data)["timings_ms"]
                        server_ms.append(sum(timings.values()))
                        for stage, ms in timings.items():
                            stages.setdefault(stage, []).append(ms)
                    else:
                        errors.append(f"{r.status} {data[:200].decode(errors='replace')}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    cpu0, own0, t1 = cpu_seconds(pid, children=True), cpu_seconds(os.getpid()), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "server_ms": server_ms, "stages": stages, "errors": errors,
            "wall": time.perf_counter() - t1, "cpu": cpu_seconds(pid, children=True) - cpu0,
            "client_cpu": cpu_seconds(os.getpid()) - own0}


def report(run: dict[str, object], title: str) -> None:
    latencies: list[float] = run["latencies"]  # type: ignore[assignment]
    stages: dict[str, list[float]] = run["stages"]  # type: ignore[assignment]
    errors: list[str] = run["errors"]  # type: ignore[assignment]
    wall: float = run["wall"]  # type: ignore[assignment]
    q = statistics.quantiles(latencies, n=100)
    print(f"### {title}\n")
    rate = len(latencies) / wall
    cores = os.cpu_count() or 1
    cpu_ms = run["cpu"] / max(1, len(latencies)) * 1000  # type: ignore[operator]
    client_ms = run["client_cpu"] / max(1, len(latencies)) * 1000  # type: ignore[operator]
    bound = cores * 1000 / cpu_ms if cpu_ms else float("inf")
    shared = cores * 1000 / (cpu_ms + client_ms) if cpu_ms + client_ms else float("inf")
    print(f"- {len(latencies)} requests in {wall:.1f} s ({rate:.1f} req/s), {len(errors)} errors")
    print(f"- CPU per request: server {cpu_ms:.1f} ms, the clients {client_ms:.1f} ms (same cores). Bound from the "
          f"server's CPU alone ({cores} cores / {cpu_ms:.1f} ms): {bound:.0f} req/s, measured {rate / bound:.0%} of it; "
          f"from server + clients: {shared:.0f} req/s, **measured {rate / shared:.0%} of it**")
    print(f"- client latency: **p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms**, p99 {q[98]:.0f} ms, max {max(latencies):.0f} ms")
    print(f"- server-side work per request (sum of timings_ms): p50 {statistics.median(run['server_ms']):.0f} ms")  # type: ignore[arg-type]
    print("- per stage, p50 / p95 ms: " + ", ".join(
        f"{k} {statistics.median(v):.1f} / {statistics.quantiles(v, n=100)[94]:.1f}" for k, v in stages.items()))
    for e in errors[:5]:
        print(f"  error: {e}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--clients", default="1,8", help="comma-separated client counts, each a run of its own")
    parser.add_argument("--modes", default="hybrid,bm25", help="comma-separated: hybrid, bm25, dense")
    parser.add_argument("--passes", type=int, default=2, help="times each question is asked")
    parser.add_argument("--workers", default="1", help="comma-separated `govrag serve --workers` counts")
    parser.add_argument("--repeat", type=int, default=1, help="each pass asks every question this many times")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    texts = list(dict.fromkeys(queries(settings)))
    print(f"## /search latency, {args.clients} concurrent clients over loopback (k=10)\n")
    runs = [(int(w), int(c)) for w in args.workers.split(",") for c in args.clients.split(",")]
    for workers, clients in runs:
        with serve(args.data_dir, workers) as (base, server, health):  # a fresh server: its query cache starts empty
            startup = health.pop("_startup_s")
            with httpx.Client(base_url=base, timeout=60) as client:
                for mode in args.modes.split(","):
                    for q in WARM_UP * workers:  # first-use costs (model load, page cache), in every process
                        client.post("/search", json={"query": q, "k": 10, "mode": mode}).raise_for_status()
            print(f"- index: {health['points']:,} BM25 points, {health['dense_points']:,} with dense vectors, "
                  f"{health.get('article_points', 0):,} with article vectors, {health['descriptor_points']:,} outline "
                  f"windows (router: {health['router'] or 'off'})")
            print(f"- server start to first /healthz: {startup:.1f} s; {workers} search process"
                  f"{'es' * (workers > 1)} on {os.cpu_count()} cores; {len(texts)} distinct questions per pass"
                  + ("; the query cache counters are the API process's (not the search processes')" if workers > 1 else "") + "\n")
            for mode in args.modes.split(","):
                for n in range(1, args.passes + 1):
                    before = httpx.get(f"{base}/healthz", timeout=10).json().get("query_cache", {})
                    run = run_pass(base, texts * args.repeat, mode, clients, server.pid)
                    after = httpx.get(f"{base}/healthz", timeout=10).json().get("query_cache", {})
                    cache = {k: after.get(k, 0) - before.get(k, 0) for k in ("hits", "misses")}
                    label = ("first time" if n == 1 else "asked again") + (
                        f", every question {args.repeat} times" if args.repeat > 1 else "")
                    report(run, f"{workers} search process{'es' * (workers > 1)}, {clients} client{'s' * (clients > 1)}, "
                           f"mode={mode}, pass {n} ({label}): "
                           f"query cache {cache['misses']} misses, {cache['hits']} hits")

if __name__ == "__main__":
    main()
