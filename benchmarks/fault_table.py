"""The fault table: damage done to copies of a built data dir, and what the CLI, the API and the repair do.

    python benchmarks/fault_table.py [--data-dir DIR] [--job ingest/laws-sample.toml]

Builds DIR from JOB if it holds no index yet (default: a fresh temporary dir with the five sample
laws), then for every fault in tests/faults.py, on a fresh copy:

1. `govrag search 借地権の存続期間` — exit status and its first error or warning line;
2. `govrag serve` — whether it starts; if so GET /healthz (status), GET /readyz (HTTP code) and
   POST /search (HTTP code, first warning or the error detail);
3. the repair the message names (tests/faults.py REPAIRS), then search and /healthz again.

Prints one markdown table (recorded in docs/benchmarks.md). Servers listen on loopback only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/faults.py: the damage the tests use

from tests import faults  # noqa: E402
from tests.api.server import running_server  # noqa: E402

QUESTION = "借地権の存続期間"
ANSWER = "借地借家法 第三条"


def govrag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govrag.cli", *args], capture_output=True, text=True, timeout=900)


def first_line(run: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (run.stderr + run.stdout).splitlines() if line.strip()]
    said = [line for line in lines if line.startswith(("error:", "warning:"))]
    if said:
        return said[0]
    hits = [line for line in run.stdout.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    return f"{len(hits)} results, first: {hits[0].split('  ')[0].strip() if hits else '-'}"


def short(text: str, data: Path, limit: int = 150) -> str:
    text = text.replace(str(data) + "/", "").replace(str(data), "DATA").replace("|", "\\|")
    return text if len(text) <= limit else text[:limit] + "…"


def cli_cell(data: Path) -> str:
    run = govrag("search", QUESTION, "--data-dir", str(data))
    return short(f"exit {run.returncode}: {first_line(run)}", data)


def api_cell(data: Path) -> str:
    try:
        with running_server(data, timeout_s=90) as base:
            health = httpx.get(f"{base}/healthz", timeout=30).json()
            ready = httpx.get(f"{base}/readyz", timeout=30).status_code
            found = httpx.post(f"{base}/search", json={"query": QUESTION}, timeout=60)
            body = found.json()
            said = body.get("detail") if found.status_code != 200 else (body["warnings"] or ["no warning"])[0]
            return short(f"/healthz {health['status']}, /readyz {ready}, /search {found.status_code}: {said}", data)
    except RuntimeError as exc:  # the server refused to start: its one line
        text = str(exc)
        said = text[text.index("error:"):].splitlines()[0] if "error:" in text else text[-200:]
        return short(f"refuses to start: {said}", data)


def repair_cell(data: Path, fault: str, job: Path) -> str:
    steps = []
    for step in faults.REPAIRS[fault]:
        if step == ["move-aside"]:
            faults.move_docstore_aside(data)
            steps.append("move chunks.sqlite* aside")
            continue
        args = [str(job) if a == "{job}" else a for a in step]
        run = govrag(*args, "--data-dir", str(data))
        steps.append("govrag " + " ".join("JOB" if a == str(job) else a for a in args))
        if run.returncode != 0:
            return short(f"{'; '.join(steps)} FAILED: {first_line(run)}", data)
    after = govrag("search", QUESTION, "--data-dir", str(data))
    ranked = [line.split("  ")[0].split(". ", 1)[-1] for line in after.stdout.splitlines() if ". " in line[:4]]
    with running_server(data, timeout_s=90) as base:
        status = httpx.get(f"{base}/healthz", timeout=30).json()["status"]
    rank = ranked.index(ANSWER) + 1 if ANSWER in ranked else None
    return short(f"`{'; '.join(steps)}` → /healthz {status}, {ANSWER} at rank {rank}", data, 300)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="a built data dir (default: build the sample laws afresh)")
    parser.add_argument("--job", type=Path, default=Path("ingest/laws-sample.toml"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="govrag-faults-"))
    source = args.data_dir or work / "source"
    if not (source / "index" / "meta.json").exists():
        for step in (["ingest", "run", str(args.job)], ["index", "build"]):
            run = govrag(*step, "--data-dir", str(source))
            if run.returncode != 0:
                raise SystemExit(f"building {source} failed: {run.stderr[-500:]}")
    print("## Faults on copies of a built data dir — `python benchmarks/fault_table.py`\n")
    print(f"Source: {args.job} built into a fresh dir; `DATA` is the damaged copy. "
          f"CLI: `govrag search {QUESTION}`. API: `govrag serve`, then /healthz, /readyz, POST /search.\n")
    print("| damage | CLI says | API says | repair, then |")
    print("|---|---|---|---|")
    try:
        for fault, (what, damage) in faults.FAULTS.items():
            data = work / fault
            shutil.copytree(source, data)
            damage(data)
            print(f"| {what} | {cli_cell(data)} | {api_cell(data)} | {repair_cell(data, fault, args.job)} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
