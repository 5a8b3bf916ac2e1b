"""Benchmark: the dense layers built in the background while `govrag serve` answers.

    python benchmarks/background_build.py --data-dir DIR [--outlines] [--dense-laws-file ingest/dense-lawqa.txt]
                                          [--interval 0.25] [--report-every 300] [--after 30]

Starts `govrag serve --build-outlines --build-dense-laws-file F` on DIR (an index built with
`--no-descriptors`, as the README's main job leaves it) and, until the build has ended, has one
client send POST /search (hybrid, k=10) one after another with `--interval` s between them, while
/healthz is read every second (and for `--after` s once the build has ended). It prints when the server answered, each layer's texts and how long
it took to embed and then to be written and switched on, the search latency in each phase (before
any layer, while embedding, while a layer was being written, after), and every non-200 answer.
Embedding time depends on the embedding cache: a warm one (an earlier build of the same texts)
embeds nothing, which measures the write and the switch alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from govrag.eval.datasets import load_jsonl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/api/server.py starts the server
from tests.api.server import server_process  # noqa: E402

QUESTIONS = Path(__file__).resolve().parents[1] / "eval" / "questions" / "paraphrased.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--outlines", action="store_true", help="Build the law-outline router.")
    ap.add_argument("--dense-laws-file", type=Path, help="Laws whose chunks get dense vectors.")
    ap.add_argument("--interval", type=float, default=0.25, help="Seconds between one search and the next.")
    ap.add_argument("--report-every", type=float, default=300, help="Seconds between progress lines.")
    ap.add_argument("--after", type=float, default=30, help="Seconds of searches once the build has ended.")
    args = ap.parse_args()
    serve_args = [*(["--build-outlines"] if args.outlines else []),
                  *(["--build-dense-laws-file", str(args.dense_laws_file)] if args.dense_laws_file else [])]
    if not serve_args:
        ap.error("name at least one layer: --outlines, --dense-laws-file")
    questions = [q.question for q in load_jsonl(QUESTIONS)]

    t0 = time.monotonic()
    with server_process(args.data_dir, timeout_s=900, args=serve_args) as (base, _):
        up = time.monotonic() - t0
        host, port = base.removeprefix("http://").split(":")
        print(f"serving after {up:.1f} s (govrag serve {' '.join(serve_args)})", flush=True)
        searches: list[tuple[float, float, int]] = []  # (start since t0, ms, status)
        stop = threading.Event()

        def client() -> None:
            conn = http.client.HTTPConnection(host, int(port), timeout=120)
            i = 0
            while not stop.is_set():
                body = json.dumps({"query": questions[i % len(questions)], "k": 10, "mode": "hybrid"})
                start = time.monotonic()
                conn.request("POST", "/search", body, {"content-type": "application/json"})
                response = conn.getresponse()
                response.read()
                searches.append((start - t0, (time.monotonic() - start) * 1000, response.status))
                i += 1
                stop.wait(args.interval)

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        seen: dict[str, dict[str, float]] = {}  # layer → state → first time seen (since t0)
        probe = http.client.HTTPConnection(host, int(port), timeout=30)
        last_report = 0.0
        while True:
            probe.request("GET", "/healthz")
            health: dict[str, Any] = json.loads(probe.getresponse().read())
            now = time.monotonic() - t0
            bg = health["background"]
            for name, layer in bg["layers"].items():
                seen.setdefault(name, {}).setdefault(layer["state"], now)
            if now - last_report >= args.report_every:
                last_report = now
                print(f"  {now / 60:5.1f} min  " + ", ".join(
                    f"{n} {v['done']:,}/{v['total'] or 0:,} {v['state']}" for n, v in bg["layers"].items()), flush=True)
            if not bg["building"]:
                break
            time.sleep(1)
        time.sleep(args.after)
        stop.set()
        thread.join(130)
    print(f"build ended after {(time.monotonic() - t0) / 60:.1f} min; error: {bg['error']}; model {bg['model']} "
          f"on {bg['device']}")
    print()
    print("| layer | texts | embedding (first seen → embedded) | written and switched on (embedded → written) | used |")
    print("|---|---:|---:|---:|---|")
    for name, layer in bg["layers"].items():
        states = seen[name]
        embed_from = states.get("embedding", states.get("embedded"))
        embedded, written = states.get("embedded"), states.get("written")
        embed = f"{(embedded - embed_from) / 60:.1f} min" if embedded is not None and embed_from is not None else "–"
        write = f"≤ {written - embedded + 1:.0f} s" if written is not None and embedded is not None else "–"
        print(f"| {name} | {layer['total'] or 0:,} | {embed} | {write} | {layer['used']} |")
    print()
    phases = _phases(seen, searches)
    print("| phase | searches | p50 ms | p95 ms | max ms | non-200 |")
    print("|---|---:|---:|---:|---:|---:|")
    for phase, rows in phases.items():
        if rows:
            ms = sorted(r[1] for r in rows)
            print(f"| {phase} | {len(rows)} | {statistics.median(ms):.0f} | {ms[int(0.95 * (len(ms) - 1))]:.0f} | "
                  f"{ms[-1]:.0f} | {sum(1 for r in rows if r[2] != 200)} |")


def _phases(seen: dict[str, dict[str, float]], searches: list[tuple[float, float, int]]
            ) -> dict[str, list[tuple[float, float, int]]]:
    """Each search by what the server was doing when it started: writing a layer (embedded → written, one
    second either side, the probe's resolution), embedding, or nothing yet / everything done."""
    writes = [(s["embedded"] - 1, s["written"] + 1) for s in seen.values() if "embedded" in s and "written" in s]
    firsts = [s.get("embedding", s.get("embedded", float("inf"))) for s in seen.values()]
    done = max((s.get("written", float("inf")) for s in seen.values()), default=float("inf"))
    out: dict[str, list[tuple[float, float, int]]] = {
        "before the builder began": [], "while embedding": [], "while a layer was written": [],
        "after every layer was written": []}
    for row in searches:
        t = row[0]
        if any(a <= t <= b for a, b in writes):
            out["while a layer was written"].append(row)
        elif t > done:
            out["after every layer was written"].append(row)
        elif t < min(firsts, default=float("inf")):
            out["before the builder began"].append(row)
        else:
            out["while embedding"].append(row)
    return out


if __name__ == "__main__":
    main()
