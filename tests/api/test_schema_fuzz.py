"""Every endpoint fuzzed from the app's own OpenAPI schema by schemathesis, over a real server.

`govrag serve` runs on the sample laws (loopback, a free port) and schemathesis's CLI drives it
with its full set of checks (`--checks all`): no 5xx, every response matches its documented
schema, status code and content type, schema-invalid input is rejected and schema-valid input
accepted. Generation covers valid and invalid data (the coverage and fuzzing phases), with a
fixed seed so a CI failure replays. A new endpoint is fuzzed as soon as it is in the schema.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx

from tests.api.server import running_server

EXAMPLES = 150  # per operation: about 20 s for all of them on 2 cores


def test_every_endpoint_holds_its_schema_and_never_fails(sample_index: Path, tmp_path: Path) -> None:
    schemathesis = shutil.which("schemathesis")
    assert schemathesis is not None, "schemathesis is a dev dependency: pip install -e '.[dev]'"
    with running_server(sample_index) as base:
        operations = httpx.get(f"{base}/openapi.json").json()["paths"]
        assert {"/search", "/ask", "/documents/{chunk_id}", "/healthz", "/readyz"} <= set(operations)
        run = subprocess.run(
            [schemathesis, "run", f"{base}/openapi.json", "--checks", "all", "-n", str(EXAMPLES), "--seed", "20261202",
             "--generation-database", "none", "--no-color", "--report", "junit", "--report-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=900, cwd=tmp_path,
        )
    summary = run.stdout[-3000:]
    assert run.returncode == 0, summary
    # Every generated case passed (a warning such as "operations repeatedly returned 404" — the fuzzer
    # cannot guess a stored report's id — is not a failure).
    counts = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert counts is not None and counts.group(1) == counts.group(2) and "Failures:" not in run.stdout, summary
    methods = sum(1 for ops in operations.values() for m in ops if m in ("get", "post", "put", "delete", "patch"))
    assert f"Tested: {methods}" in run.stdout, summary  # every operation, none skipped
