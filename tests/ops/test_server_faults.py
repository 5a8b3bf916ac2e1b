"""Faults in server mode, as an operator meets them: the Qdrant server gone while govrag serves, a source's
API refusing during the nightly re-ingest, a build killed mid-batch, a full disk.

The scenarios live in tests/ops/faults_server.py (benchmarks/fault_ops.py prints the same ones as a table);
its docstring says what stands in for what cannot run here (a Qdrant server, the NDL API, a full disk).
Each test checks what the client saw, that the very next run or request recovers, and that nothing was
lost or stored twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govrag.index.store.base import StoreError, StoreUnreachable
from govrag.index.store.server import ServerStore
from govrag.service import Service
from tests.ops import faults_server as fs


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quickstart job (five real laws) ingested into a fresh data dir, not indexed; tests copy it."""
    data = tmp_path_factory.mktemp("ingested") / "data"
    fs.ingest_sample(data)
    return data


@pytest.fixture
def served(ingested: Path, tmp_path: Path) -> Iterator[tuple[Service, fs.QdrantStandIn]]:
    """A copy of it indexed on a Qdrant "server" (the stand-in) and served in server mode from it."""
    with fs.served_on_server(ingested, tmp_path / "data") as (service, server):
        yield service, server


# --------------------------------------------------------------------------- 1. the Qdrant server goes away


def test_a_refused_connection_is_what_the_stand_in_raises_and_an_unreachable_store() -> None:
    """What "down" injects is what qdrant-client itself raises against a port nothing listens on, and
    ServerStore calls that a StoreUnreachable (not damage); other errors stay plain StoreErrors."""
    hole = fs.refused_port()
    try:
        url = f"http://127.0.0.1:{hole.getsockname()[1]}"
        store = ServerStore(url)
        with pytest.raises(StoreUnreachable) as refused:
            store.count()
        store.close()
    finally:
        hole.close()
    cause = refused.value.__cause__
    assert type(cause).__name__ == "ResponseHandlingException" and type(cause.source).__name__ == "ConnectError"
    assert url in str(refused.value)
    local = ServerStore(location=":memory:")
    with pytest.raises(StoreError) as other:
        local.update_vectors([("not-a-uuid", {"dense": [0.0]})])
    assert not isinstance(other.value, StoreUnreachable)


def test_server_down_answers_503_and_the_next_requests_recover_without_a_restart(
        served: tuple[Service, fs.QdrantStandIn]) -> None:
    service, server = served
    seen = fs.outage(service, server)
    # What was injected is what qdrant-client raises for a refused connection, made by qdrant-client.
    assert seen.raised.startswith("ResponseHandlingException(ConnectError"), seen.raised
    for path, answered in seen.before.items():
        assert answered.status == 200 and answered.found, (path, answered.body)
    assert fs.ANSWER == seen.before["/search"].body["hits"][0]["label"]
    for path, answered in seen.during.items():  # a clear 503: the store, its URL and what to do
        assert answered.status == 503, (path, answered.body)
        assert answered.detail.startswith("the vector store does not answer: Qdrant at " + server.url), answered.detail
        assert "ConnectError" in answered.detail or "Connection refused" in answered.detail
        assert "check that it is up (store_url)" in answered.detail
    assert seen.readyz_during.status == 503 and seen.readyz_during.body["status"] == "failed"
    assert seen.readyz_during.body["checks"]["store_reachable"] is False
    # Liveness answers (its counts could not be read: the first /healthz came during the outage).
    assert seen.healthz_during.status == 200 and seen.healthz_during.body["status"] == "failed"
    (problem,) = seen.healthz_during.body["problems"]
    assert problem["path"] == server.url and "does not answer" in problem["message"] and problem["fatal"]
    # The very next requests, with the same process: 200, the same answers, no stale warning.
    for path, answered in seen.after.items():
        assert answered.status == 200, (path, answered.body)
        assert answered.found == seen.before[path].found, path
    assert not [w for w in seen.after["/search"].body["warnings"] if w.startswith("degraded")]
    assert seen.readyz_after.status == 200 and seen.readyz_after.body["checks"]["store_reachable"] is True
    assert seen.healthz_after.body["status"] == "ok" and seen.healthz_after.body["problems"] == []
    assert seen.points_after == seen.points_before == seen.healthz_after.body["points"]
    assert service.problems == []


def test_server_down_mid_request_is_a_503_and_the_next_request_is_whole(
        served: tuple[Service, fs.QdrantStandIn]) -> None:
    service, server = served
    seen = fs.down_mid_request(service, server)
    assert seen.calls_in_request >= 2  # so the switch really flipped between two calls of one request
    assert seen.before.status == 200 and seen.before.found
    assert seen.during.status == 503 and seen.during.detail.startswith("the vector store does not answer")
    # Streamed, the response had begun: it ends in an `error` event instead of a report, never silently.
    assert seen.streamed_status == 200 and seen.streamed_events[-1] == "error" and "report" not in seen.streamed_events
    assert seen.streamed_error
    assert seen.after.status == 200 and seen.after.found == seen.before.found
    assert seen.health_after == "ok" and service.problems == []


# --------------------------------------------------------------------------- 2. the NDL API refusing at night


def test_nightly_diet_harvest_rides_out_429_and_503_and_resumes_after_a_persistent_failure(
        shared_data: Path, tmp_path: Path) -> None:
    seen = fs.nightly(tmp_path, fs.diet_records(shared_data))
    n1, n2, failed, rerun = (seen.nights[k] for k in ("night 1", "night 2", "night 3", "night 3, rerun"))
    assert n1.exit_code == 0 and n1.docs and not n1.faults()
    # Night 2 met the 429s (Retry-After honoured: slept exactly 7 s, twice) and the 503s, and finished.
    assert n2.exit_code == 0, n2.error
    assert n2.faults() == {429: 2, 503: 2}
    assert n2.slept.count(float(seen.retry_after)) == 2
    assert set(n1.docs) < set(n2.docs) and set(n1.chunks) < set(n2.chunks)  # night 1's meetings untouched
    # Night 3: one page fails on every try: a clear one-line error, exit 2, nothing stored lost.
    assert failed.exit_code == 2
    assert failed.error.startswith("error: NDL Diet API: giving up; HTTP 503"), failed.error
    assert "after 4 attempts" in failed.error and "rerun the same command to resume" in failed.error
    assert failed.faults() == {503: 4}
    assert failed.docs == n2.docs and failed.chunks == n2.chunks
    assert set(n2.saved_pages) <= set(failed.saved_pages)  # the raw responses kept, too
    # The rerun asks only the window that did not finish, and ends with what a fault-free harvest stores.
    assert {(f, u) for f, u, *_ in rerun.requests} == {seen.failing_page[:2]}
    assert rerun.exit_code == 0, rerun.error
    assert rerun.docs == seen.reference_docs and rerun.chunks == seen.reference_chunks
    assert len(set(rerun.chunks)) == len(rerun.chunks) and len({d[:2] for d in rerun.docs}) == len(rerun.docs)
    assert seen.row().lost.startswith(fs.NOTHING)


# --------------------------------------------------------------------------- 3. the build killed mid-batch


@pytest.mark.parametrize(("when", "at", "points", "marked"), [
    ("between", 2, 1399 + 103, 1),  # 民法's and the next law's batches in, only 民法 marked done
    ("during", 500, 500, 0),  # 500 of 民法's 1,399 points in, nothing marked
])
def test_a_build_killed_mid_batch_is_whole_after_the_rerun(ingested: Path, tmp_path: Path, when: str, at: int,
                                                             points: int, marked: int) -> None:
    seen = fs.killed_build(tmp_path, ingested, when=when, at=at)
    assert (seen.points_at_kill, seen.marked_at_kill) == (points, marked)  # killed with part of the index in
    assert seen.rerun_code == 0, seen.rerun_said
    assert len(seen.ids) == len(set(seen.ids)) == seen.chunks
    assert seen.retrieved == seen.chunks
    assert seen.status == "ok" and seen.rank == "1"


# --------------------------------------------------------------------------- 4. the disk full


def test_a_full_disk_during_ingest_is_one_line_and_the_rerun_completes(ingested: Path, tmp_path: Path) -> None:
    seen = fs.disk_full_ingest(tmp_path, ingested)
    assert_refused_then_complete(seen)
    assert "a write was refused" in seen.said


def test_a_full_disk_during_the_server_build_is_one_line_and_the_rerun_completes(
        ingested: Path, tmp_path: Path) -> None:
    seen = fs.disk_full_build(tmp_path, ingested)
    assert_refused_then_complete(seen)
    assert seen.said.startswith("error: Qdrant at ") and "could not upsert points" in seen.said
    assert seen.points is not None and len(seen.points) == len(set(seen.points)) == len(seen.expected_chunks)


def assert_refused_then_complete(seen: Any) -> None:
    assert seen.exit_code == 2 and not seen.traceback, seen.said
    assert seen.said.startswith("error: ") and "free space and run the same command again" in seen.said
    assert seen.rerun_code == 0
    assert seen.docs == seen.expected_docs and seen.chunks == seen.expected_chunks
    assert seen.complete()
