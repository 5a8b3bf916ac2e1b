"""`govrag serve --workers 2`: /search answered by two search processes, each on its own copy of the
index (search_pool.py), through a real server on loopback."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from govrag.config import Settings
from govrag.index.integrity import DataError, Problem
from govrag.retrieval.search import SearchOptions
from govrag.service import Service
from tests import faults
from tests.api.server import server_process

QUESTIONS = ["借地権の存続期間", "個人情報取扱事業者の義務", "行政指導の定義", "不法行為による損害賠償"]


@pytest.fixture
def data(sample_index: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(sample_index, target)
    return target


def in_process(data: Path) -> dict[str, list[str]]:
    svc = Service(Settings(data_dir=data), check_pages=False)
    try:
        return {q: [h.chunk.id for h in svc.search(q, SearchOptions(mode="bm25", k=10)).hits] for q in QUESTIONS}
    finally:
        svc.close()


def test_two_search_processes_answer_as_one_process_does(data: Path) -> None:
    expected = in_process(data)
    assert all(expected.values())
    audited = len(searches_audited(data))
    with server_process(data, timeout_s=180, workers=2) as (base, _):
        health = httpx.get(f"{base}/healthz", timeout=10).json()
        procs = health["search_processes"]
        assert sorted(p["index"] for p in procs) == [str(data / "index-replicas" / "1"),
                                                    str(data / "index-replicas" / "2")]
        assert len({p["pid"] for p in procs}) == 2 and health["process"]["index"] == str(data / "index")

        def ask(q: str) -> tuple[str, int, list[str]]:
            r = httpx.post(f"{base}/search", json={"query": q, "k": 10, "mode": "bm25"}, timeout=60)
            return q, r.status_code, [h["chunk_id"] for h in r.json()["hits"]] if r.status_code == 200 else []

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, QUESTIONS * 6))
        assert [(q, code) for q, code, _ in answers] == [(q, 200) for q in QUESTIONS * 6]
        assert all(ids == expected[q] for q, _, ids in answers)
        assert httpx.post(f"{base}/search", json={"query": "  "}, timeout=10).status_code == 422
    assert len(searches_audited(data)) - audited == len(QUESTIONS) * 6  # written by the search processes


def searches_audited(data: Path) -> list[dict[str, object]]:
    records = [json.loads(line) for f in sorted((data / "audit").glob("*.jsonl")) for line in f.read_text().splitlines()]
    return [r for r in records if r.get("endpoint") == "/search"]


def test_a_search_process_that_dies_is_replaced(data: Path) -> None:
    with server_process(data, timeout_s=180, workers=2) as (base, _):
        first = {p["pid"] for p in httpx.get(f"{base}/healthz", timeout=10).json()["search_processes"]}
        os.kill(min(first), signal.SIGKILL)
        time.sleep(0.5)
        r = httpx.post(f"{base}/search", json={"query": QUESTIONS[0], "mode": "bm25"}, timeout=120)
        assert r.status_code == 200 and r.json()["hits"]
        now = {p["pid"] for p in httpx.get(f"{base}/healthz", timeout=10).json()["search_processes"]}
        assert len(now) == 2 and not (now & first)  # a fresh pool, both processes new


def test_a_fault_in_a_search_process_crosses_whole() -> None:
    problem = Problem("index", "/data/index/qdrant", "cannot be read (segment)", "`govrag index build --rebuild`", fatal=True)
    back = pickle.loads(pickle.dumps(DataError(problem)))
    assert isinstance(back, DataError) and back.problem == problem and str(back) == problem.line()


def test_data_found_failed_refuses_pooled_searches_too(data: Path) -> None:
    with server_process(data, timeout_s=180, workers=2) as (base, _):
        assert httpx.post(f"{base}/search", json={"query": QUESTIONS[0]}, timeout=60).status_code == 200
        faults.bad_meta(data)
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 503
        refused = httpx.post(f"{base}/search", json={"query": QUESTIONS[0]}, timeout=60)
        assert refused.status_code == 503 and "meta.json" in refused.json()["detail"]
