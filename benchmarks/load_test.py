"""Load test: N concurrent clients on /search, /ask and /research for a fixed time, over loopback.

    python benchmarks/load_test.py --data-dir DIR [--clients 4,8] [--seconds 60] [--workers 1]
                                   [--routes search,ask,research,mixed]

Starts `govrag serve` on DIR in its own process (as in production), warms it up with requests
that are not counted, then for each route and client count runs N client threads for a fixed
time. Each client keeps one connection and sends its next request as soon as the last answer
is read; the questions are lawqa_jp dev plus eval/questions (paraphrased, unanswerable), taken
in turn. `mixed` sends what a research desk sends: per 20 requests, 14 /search, 5 /ask and one
/research. Reported per run and route: requests answered, throughput, p50/p95/p99 latency as the
client saw it, and every non-200 answer or transport error (counted, and the first few printed).
/ask and /research are the extractive ones (no model configured); /research is not streamed.
The research history and the audit log go to a temporary folder, never into DIR.
The rate limiter is off for loopback clients (server_process sets it), so 429s would be faults.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from govrag.config import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_latency import queries, serve  # noqa: E402

MIX = ["search"] * 14 + ["ask"] * 5 + ["research"]
BODIES = {
    "search": lambda q: {"query": q, "k": 10},
    "ask": lambda q: {"query": q},
    "research": lambda q: {"question": q, "stream": False, "max_subqueries": 4, "max_sources": 10},
}


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, ms: float) -> None:
        with self.lock:
            self.latencies.setdefault(route, []).append(ms)

    def fail(self, route: str, what: str) -> None:
        with self.lock:
            self.errors.append(f"{route}: {what}")


def client(base: str, texts: list[str], routes: list[str], start: int, stop_at: float, tally: Tally) -> None:
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=120)
    i = start
    try:
        while time.perf_counter() < stop_at:
            route = routes[i % len(routes)]
            q = texts[i % len(texts)]
            i += 7  # clients walk the questions with different strides of the same list
            body = json.dumps(BODIES[route](q), ensure_ascii=False).encode()
            t = time.perf_counter()
            try:
                conn.request("POST", f"/{route}", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException) as exc:
                tally.fail(route, f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=120)
                continue
            ms = (time.perf_counter() - t) * 1000
            if r.status == 200:
                tally.add(route, ms)
            else:
                tally.fail(route, f"{r.status} {data[:160].decode(errors='replace')}")
    finally:
        conn.close()


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def run(base: str, texts: list[str], name: str, clients: int, seconds: float) -> Tally:
    routes = MIX if name == "mixed" else [name]
    tally = Tally()
    stop_at = time.perf_counter() + seconds
    threads = [threading.Thread(target=client, args=(base, texts, routes, n * 11, stop_at, tally)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--clients", default="4,8")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--routes", default="search,ask,research,mixed")
    args = parser.parse_args()
    texts = queries(Settings())
    scratch = Path(tempfile.mkdtemp(prefix="load-test-"))  # the reports and audit records, never into DIR
    os.environ["GOVRAG_RESEARCH_HISTORY_FILE"] = str(scratch / "research.sqlite")
    os.environ["GOVRAG_AUDIT_DIR"] = str(scratch / "audit")
    with serve(args.data_dir, args.workers) as (base, _server, health):
        print(f"## Load test — `govrag serve --workers {args.workers}` on {health['points']:,} points, "
              f"{args.seconds:.0f} s per run, {len(texts)} distinct questions\n")
        warm = run(base, texts, "mixed", 2, 15)
        print(f"warm-up (not counted): {sum(len(v) for v in warm.latencies.values())} requests, "
              f"{len(warm.errors)} errors{': ' + warm.errors[0] if warm.errors else ''}\n")
        print("| run | clients | route | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---|---|---|---|---|---|")
        total_errors = 0
        for name in args.routes.split(","):
            for clients in (int(c) for c in args.clients.split(",")):
                tally = run(base, texts, name, clients, args.seconds)
                total_errors += len(tally.errors)
                for route, lat in sorted(tally.latencies.items()):
                    errs = sum(1 for e in tally.errors if e.startswith(f"{route}:"))
                    print(f"| {name} | {clients} | /{route} | {len(lat):,} | {len(lat) / args.seconds:.1f} | "
                          f"{pct(lat, 50):.0f} | {pct(lat, 95):.0f} | {pct(lat, 99):.0f} | {errs} |", flush=True)
                for e in tally.errors[:3]:
                    print(f"|   error: {e} |||||||||")
        print(f"\nerrors in all runs: {total_errors}")


if __name__ == "__main__":
    main()
