"""Faults in server mode: what was injected, what the client saw, what the next run or request did, what was lost.

    python benchmarks/fault_ops.py

Runs every scenario of tests/ops/faults_server.py (the ones tests/ops/test_server_faults.py asserts on) in
a fresh temporary dir and prints one markdown table (recorded in docs/benchmarks.md):

1. the Qdrant server refusing connections while govrag serves in server mode, then back (no restart);
2. the same, flipping between two store calls of one /research (answered whole, and streamed);
3. three nights of `govrag ingest ndl-api` against a loopback NDL API over real saved speeches, with
   429 (Retry-After) and 503 on night 2 and a page failing beyond the retries on night 3, then rerun;
4. `govrag index build` in server mode killed with SIGKILL between a batch's write and its progress
   mark, and in the middle of a batch; then rerun;
5. a full disk (RLIMIT_FSIZE) during `govrag ingest run ingest/laws-sample.toml` and during the server
   build; then the same command without the limit.

What stands in for a Qdrant server, the NDL API and a full disk is said in that module's docstring.
Needs the data bundle (../shared/data or GOVRAG_SHARED_DATA). About a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ops/faults_server.py: the scenarios

from govrag.config import default_shared_data
from tests.ops import faults_server as fs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the temporary dir (its path is printed)")
    args = parser.parse_args()
    env = os.environ.get("GOVRAG_SHARED_DATA")
    shared = Path(env) if env else default_shared_data()
    if shared is None or not shared.is_dir():
        raise SystemExit("the data bundle (../shared/data) is missing: set GOVRAG_SHARED_DATA")
    work = Path(tempfile.mkdtemp(prefix="govrag-fault-ops-"))
    started = time.perf_counter()
    try:
        ingested = work / "ingested"
        fs.ingest_sample(ingested)
        rows: list[fs.Row] = []
        with fs.served_on_server(ingested, work / "outage") as (service, server):
            rows.append(fs.outage(service, server).row())
        with fs.served_on_server(ingested, work / "mid-request") as (service, server):
            rows.append(fs.down_mid_request(service, server).row())
        rows.append(fs.nightly(work / "nightly", fs.diet_records(shared)).row())
        rows.append(fs.killed_build(work, ingested, when="between", at=2).row())
        rows.append(fs.killed_build(work, ingested, when="during", at=500).row())
        rows.append(fs.disk_full_ingest(work, ingested).row())
        rows.append(fs.disk_full_build(work, ingested).row())
    finally:
        if args.keep:
            print(f"(kept {work})", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("## Faults in server mode — `python benchmarks/fault_ops.py`\n")
    print("Server mode with qdrant-client's local mode standing in for the Qdrant server (no server can run "
          "here; “down” sends every call to a real client at a closed loopback port), the NDL API served on "
          "loopback from real saved speeches, a full disk made with RLIMIT_FSIZE; the five sample laws "
          f"(1,810 chunks) and 1,000 speeches. {time.perf_counter() - started:.0f} s.\n")
    print(fs.table(rows))


if __name__ == "__main__":
    main()
