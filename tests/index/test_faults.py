"""Damaged and incomplete data dirs, as a user meets them: through the CLI and the HTTP API.

Each fault is done to a copy of the sample index (tests/faults.py, shared with
benchmarks/fault_table.py). What must hold for every one: the CLI prints one line naming the
damaged file and the repair (or serves with a warning), the API never answers 500 and never
claims "ok", and the named repair restores a healthy, correct search.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from govrag.api import create_app
from govrag.cli import app
from govrag.config import Settings
from govrag.index.integrity import DataError
from govrag.service import NotReady, Service
from tests import faults

runner = CliRunner()
QUESTION = "借地権の存続期間"
ANSWER = "借地借家法 第三条"

#: Damage the service must refuse to serve → the file its one-line error names, and the repair.
FATAL = {
    "docstore-empty": ("chunks.sqlite", "reingest"),
    "docstore-cut": ("chunks.sqlite", "reingest"),
    "docstore-random-pages": ("chunks.sqlite", "reingest"),
    "meta-bad": ("meta.json", "rebuild"),
    "vector-file": ("qdrant", "rebuild"),
    "payload-file": ("qdrant", "rebuild"),
    "build-interrupted": ("qdrant", "build"),
}


def govrag(*args: str) -> Result:
    return runner.invoke(app, list(args))


def damaged_copy(sample_index: Path, tmp_path: Path, fault: str) -> Path:
    data = faults.copy_data(sample_index, tmp_path / "data")
    faults.FAULTS[fault][1](data)
    return data


def one_line_error(result: Result, name: str) -> str:
    """The CLI failed with exactly one `error:` line naming the file and a repair, and no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert name in errors[0] and "govrag" in errors[0], errors[0]
    return errors[0]


def repair(data: Path, fault: str, sample_index: Path) -> None:
    """The repair the fault's message names (faults.REPAIRS, the same steps the fault table runs)."""
    for step in faults.REPAIRS[fault]:
        if step == ["move-aside"]:
            faults.move_docstore_aside(data)
            continue
        args = [str(sample_index / "job.toml") if a == "{job}" else a for a in step]
        extra = ["--no-descriptors"] if step[:2] == ["index", "build"] else []
        result = govrag(*args, *extra, "--workers", "1", "--data-dir", str(data))
        assert result.exit_code == 0, result.output


def assert_healthy(data: Path) -> None:
    svc = Service(Settings(data_dir=data))
    try:
        assert svc.wait_checked(60)
        assert svc.health()["status"] == "ok" and svc.problems == []
        assert svc.health()["points"] == 1810
        assert ANSWER in [h.chunk.label for h in svc.search(QUESTION).hits][:3]
    finally:
        svc.close()


@pytest.mark.parametrize("fault", sorted(FATAL))
def test_fatal_damage_is_refused_in_one_line_and_the_named_repair_works(
    fault: str, sample_index: Path, tmp_path: Path
) -> None:
    data = damaged_copy(sample_index, tmp_path, fault)
    name, how = FATAL[fault]
    line = one_line_error(govrag("search", QUESTION, "--data-dir", str(data)), name)
    expected_repair = {"reingest": "govrag ingest run", "rebuild": "--rebuild", "build": "govrag index build"}[how]
    assert expected_repair in line, line
    with pytest.raises((DataError, NotReady)) as refused:  # `govrag serve` refuses to start, with that line
        Service(Settings(data_dir=data))
    assert name in str(refused.value) and "\n" not in str(refused.value)
    assert one_line_error(govrag("serve", "--data-dir", str(data)), name)
    repair(data, fault, sample_index)
    assert_healthy(data)


def test_damaged_pages_found_by_the_page_check_stop_answers(sample_index: Path, tmp_path: Path) -> None:
    """A damaged page no start-up read touches: `govrag serve` starts, its background page check finds
    it, and from then on /search is a 503 naming the file and the repair; /readyz and /healthz say "failed"."""
    data = damaged_copy(sample_index, tmp_path, "docstore-table-page")
    svc = Service(Settings(data_dir=data))
    try:
        assert svc.wait_checked(60)
        assert svc.status() == "failed"
        with TestClient(create_app(svc), raise_server_exceptions=False) as client:
            health = client.get("/healthz").json()
            (problem,) = health["problems"]
            assert health["status"] == "failed" and problem["component"] == "docstore" and problem["fatal"]
            assert problem["path"].endswith("chunks.sqlite") and "govrag ingest run" in problem["repair"]
            assert client.get("/readyz").status_code == 503
            refused = client.post("/search", json={"query": QUESTION, "mode": "bm25"})
            assert refused.status_code == 503 and "chunks.sqlite" in refused.json()["detail"]
            assert "govrag ingest run" in refused.json()["detail"]
    finally:
        svc.close()
    doctor = govrag("doctor", "--data-dir", str(data))
    assert doctor.exit_code == 1 and "FAIL document store passes PRAGMA quick_check" in doctor.output
    assert "govrag ingest run" in doctor.output
    repair(data, "docstore-table-page", sample_index)
    assert_healthy(data)


def test_a_cut_id_tracker_is_served_degraded_and_index_build_repairs_it(sample_index: Path, tmp_path: Path) -> None:
    """The shard loads with a part of its points: never "ok"; a plain `index build` (no --rebuild) repairs it."""
    data = damaged_copy(sample_index, tmp_path, "id-tracker-cut")
    svc = Service(Settings(data_dir=data))
    try:
        health = svc.health()
        assert health["status"] == "degraded" and 0 < int(health["points"]) < 1810  # type: ignore[call-overload]
        (problem,) = svc.problems
        assert problem.path.endswith("qdrant") and "of the 1,810 points" in problem.message
        assert "govrag index build" in problem.repair and "--rebuild" not in problem.repair.split("(")[0]
        with TestClient(create_app(svc)) as client:
            assert client.get("/healthz").json()["status"] == "degraded"
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["problems"][0]["path"] == problem.path
            found = client.post("/search", json={"query": QUESTION, "mode": "bm25"})
            assert found.status_code == 200 and found.json()["warnings"][0].startswith("degraded: ")
            assert client.post("/ask", json={"query": QUESTION}).json()["warnings"]
    finally:
        svc.close()
    cli = govrag("search", QUESTION, "--mode", "bm25", "--data-dir", str(data))
    assert cli.exit_code == 0 and "warning: degraded:" in cli.output
    assert faults.REPAIRS["id-tracker-cut"] == [["index", "build"]]  # no --rebuild
    built = govrag("index", "build", "--no-descriptors", "--workers", "1", "--data-dir", str(data))
    assert built.exit_code == 0 and "repair: " in built.output, built.output
    assert_healthy(data)


def test_a_damaged_row_is_a_503_naming_the_file_and_health_turns_degraded(sample_index: Path, tmp_path: Path) -> None:
    """A row whose JSON is garbage passes SQLite's checks; reading it must not be a 500."""
    data = damaged_copy(sample_index, tmp_path, "docstore-damaged-row")
    svc = Service(Settings(data_dir=data))
    try:
        assert svc.wait_checked(60)
        with TestClient(create_app(svc), raise_server_exceptions=False) as client:
            assert client.get("/healthz").json()["status"] == "ok"  # nothing read it yet
            response = client.post("/search", json={"query": QUESTION, "mode": "bm25"})
            assert response.status_code == 503
            assert "chunks.sqlite" in response.json()["detail"] and "govrag ingest run" in response.json()["detail"]
            health = client.get("/healthz").json()
            assert health["status"] == "degraded" and health["problems"][0]["component"] == "docstore"
    finally:
        svc.close()
    one_line_error(govrag("search", QUESTION, "--mode", "bm25", "--data-dir", str(data)), "chunks.sqlite")
    doctor = govrag("doctor", "--full", "--data-dir", str(data))
    assert doctor.exit_code == 1 and "1 damaged rows" in doctor.output and "repair:" in doctor.output
    repair(data, "docstore-damaged-row", sample_index)
    assert_healthy(data)


def test_a_store_changed_under_a_running_server_is_noticed_by_readyz(sample_index: Path, tmp_path: Path) -> None:
    data = faults.copy_data(sample_index, tmp_path / "data")
    svc = Service(Settings(data_dir=data))
    try:
        assert svc.wait_checked(60)
        with TestClient(create_app(svc), raise_server_exceptions=False) as client:
            assert client.get("/readyz").status_code == 200
            faults.bad_meta(data)
            ready = client.get("/readyz")
            assert ready.status_code == 503 and "meta.json" in ready.json()["problems"][0]["path"]
            assert client.get("/healthz").json()["status"] == "failed"
            assert client.post("/search", json={"query": QUESTION}).status_code == 503
    finally:
        svc.close()


def test_doctor_names_every_fault_and_passes_a_healthy_dir(sample_index: Path, tmp_path: Path) -> None:
    fine = govrag("doctor", "--data-dir", str(sample_index))
    assert fine.exit_code == 0 and "FAIL" not in fine.output, fine.output
    for fault in ("docstore-empty", "docstore-random-pages", "meta-bad", "id-tracker-cut", "vector-file"):
        data = damaged_copy(sample_index, tmp_path / fault, fault)
        result = govrag("doctor", "--data-dir", str(data))
        assert result.exit_code == 1 and "FAIL" in result.output and "repair:" in result.output, (fault, result.output)
        assert "Traceback" not in result.output


def test_the_empty_docstore_is_never_recreated_by_a_reader(sample_index: Path, tmp_path: Path) -> None:
    data = damaged_copy(sample_index, tmp_path, "docstore-empty")
    govrag("search", QUESTION, "--data-dir", str(data))
    govrag("laws", "show", "民法709条", "--data-dir", str(data))
    assert (data / "chunks.sqlite").stat().st_size == 0  # still the evidence, not a fresh empty store
    assert json.loads((data / "index" / "meta.json").read_text())["tokenizer"]


def test_damage_in_the_dense_collection_is_found_at_start_and_by_doctor(sample_index: Path, tmp_path: Path) -> None:
    """Dense vectors live in a collection of their own (store/split.py): the start-up read and
    `govrag doctor` must read it too, not only the BM25 one."""
    data = faults.copy_data(sample_index, tmp_path / "data")
    built = govrag("index", "build", "--no-descriptors", "--dense-laws", "借地借家法", "--data-dir", str(data))
    assert built.exit_code == 0, built.output
    pages = [p for p in (data / "index" / "vectors" / "segments").glob("*/payload_storage/page_0.dat")
             if p.stat().st_size]
    assert pages, "the dense collection holds no payload"
    for page in pages:
        os.truncate(page, 0)
    with pytest.raises(DataError, match="cannot be read.*index build --rebuild"):
        Service(Settings(data_dir=data))
    doctor = govrag("doctor", "--data-dir", str(data))
    assert doctor.exit_code == 1 and "index answers a query" in doctor.output
