"""Benchmark: how long a research takes, as the browser sees it — to the first streamed step and to the report.

    python benchmarks/research_latency.py --data-dir /tmp/full [--questions 12]
    GOVRAG_LLM_BASE_URL=http://127.0.0.1:8080/v1 GOVRAG_LLM_EXTERNAL=false \\
        python benchmarks/research_latency.py --data-dir /tmp/full --questions 2 --generate --max-sections 3

Starts `govrag serve` on DIR in its own process (with the model the environment configures, if any),
warms it up with two researches that are not measured, then sends POST /research (stream=true) for
each question in turn, one client, and reads the events as they arrive. It records, per question:
the first byte (the `plan` step's `running` event), the first finished step, the sources, and the
report, as the client saw them, plus the server's own step timings. The history and the audit log
go to a temporary folder, never into DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/api/server.py starts the server
from tests.api.server import server_process  # noqa: E402

WARM_UP = ["会社の設立の手続", "道路の占用の許可"]
#: Questions of every kind the research serves: statutes in their words and in everyday words, a
#: comparison, a definition, a procedure, Diet answers, the gazette, and a wrong premise.
QUESTIONS = [
    "個人情報の第三者提供の要件と、国会での議論は",
    "民法と商法の消滅時効の違いは",
    "「個人情報取扱事業者」とは",
    "建築確認の申請の手続",
    "防衛力の強化について石破総理はどう答弁したか",
    "官報に公告された入札の公告",
    "お金を借りて返さない人にはどうすればよいか",
    "会社をクビになったときに使える制度は",
    "労働者派遣の期間の制限",
    "地方公共団体の長の専決処分",
    "民法第1500条の要件は",
    "行政手続法の審査基準の公表",
]


def research(client: httpx.Client, base: str, question: str, body: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    seen: dict[str, float] = {}
    report: dict[str, Any] | None = None
    event = None
    with client.stream("POST", f"{base}/research", json={"question": question, **body}, timeout=3600) as reply:
        reply.raise_for_status()
        for line in reply.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event:
                data = json.loads(line[6:])
                now = (time.perf_counter() - t0) * 1000
                if event == "step":
                    seen.setdefault("first_event", now)
                    if data["status"] == "done":
                        seen.setdefault("first_step_done", now)
                elif event in ("sources", "report"):
                    seen.setdefault(f"{event}_ms", now)
                    if event == "report":
                        report = data
                elif event == "error":
                    raise RuntimeError(data["detail"])
    assert report is not None, "no report event"
    return {"question": question, **seen, "server": report["timings_ms"], "mode": report["mode"],
            "sources": len(report["sources"]), "sections": len(report["sections"]),
            "generated": sum(1 for s in report["sections"] if s["generated"]),
            "unsupported": sum(1 for s in report["sections"] for c in s["sentences"] if not c["supported"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    parser.add_argument("--generate", action="store_true", help="Let the configured model write (needs GOVRAG_LLM_BASE_URL).")
    parser.add_argument("--max-sections", type=int, default=6)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="research-bench-"))
    os.environ["GOVRAG_RESEARCH_HISTORY_FILE"] = str(scratch / "research.sqlite")
    os.environ["GOVRAG_AUDIT_DIR"] = str(scratch / "audit")
    if not args.generate:
        os.environ["GOVRAG_ANSWER_MODE"] = "extractive"
    body = {"generate": args.generate, "max_sections": args.max_sections}
    with server_process(args.data_dir, timeout_s=600) as (base, _), httpx.Client() as client:
        health = client.get(f"{base}/healthz").json()
        print(f"data: {args.data_dir} — documents {json.dumps(health['documents'], ensure_ascii=False)}, "
              f"points {health['points']:,}, dense points {health['dense_points']:,}, router {health['router']}, "
              f"model: {os.environ.get('GOVRAG_LLM_BASE_URL') if args.generate else 'none (extractive)'}")
        for q in WARM_UP:  # loads the tokenizer and the index pages; the model (if any) is not called
            research(client, base, q, {**body, "generate": False})
        rows = [research(client, base, q, body) for q in QUESTIONS[: args.questions]]
    print("\n| question | first event ms | first step done ms | sources ms | report ms | mode | sources | sections "
          "| generated | unsupported |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['question']} | {r['first_event']:.0f} | {r['first_step_done']:.0f} | {r['sources_ms']:.0f} "
              f"| {r['report_ms']:.0f} | {r['mode']} | {r['sources']} | {r['sections']} | {r['generated']} "
              f"| {r['unsupported']} |")
    print()
    for key, name in (("first_event", "first event (first byte)"), ("first_step_done", "first step done"),
                      ("sources_ms", "sources"), ("report_ms", "full report")):
        values = sorted(r[key] for r in rows)
        print(f"- {name}: p50 {statistics.median(values):.0f} ms, max {values[-1]:.0f} ms (n={len(values)})")
    steps = [k for k in rows[0]["server"] if k not in ("first_step", "total")]
    print("- server step medians: " + ", ".join(
        f"{k} {statistics.median(r['server'].get(k, 0) for r in rows):.0f} ms" for k in steps))


if __name__ == "__main__":
    main()
