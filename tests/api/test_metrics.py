"""GET /metrics and the checks of /readyz through the real app over the sample index.

Expected numbers come from the files themselves (SQLite rows, audit lines), never from the code under test.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from govrag import service as service_module
from govrag.api import create_app
from govrag.config import Settings
from govrag.index.store.base import StoreError
from govrag.metrics import Metrics, StateCollector
from govrag.safeguards.keys import KeyStore
from govrag.service import Service
from tests import faults
from tests.llm.fake_openai import Reply, scripted_openai

SEARCH = {"query": "民法第七百九条", "k": 3}
ASK = {"query": "借地権の存続期間"}


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, by (name, labels)."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return scraped.get((name, frozenset(labels.items())))


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def rows(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return list(con.execute(sql, args))


@pytest.fixture(scope="module")
def service(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("metrics")
    settings = Settings(data_dir=sample_index, audit_dir=folder / "audit", api_keys_file=folder / "none.json")
    svc = Service(settings, check_pages=False)
    yield svc
    svc.close()


def test_requests_stages_store_and_audit_after_a_search_and_an_ask(service: Service, sample_index: Path) -> None:
    with TestClient(create_app(service)) as client:
        searched = client.post("/search", json=SEARCH)
        asked = client.post("/ask", json=ASK)
        assert searched.status_code == 200 and asked.status_code == 200
        chunk_id = searched.json()["hits"][0]["chunk_id"]
        assert client.get(f"/documents/{chunk_id}").status_code == 200
        assert client.get("/no/such/path").status_code == 404
        scraped = scrape(client)

    count = "govrag_http_request_duration_seconds_count"
    assert (value(scraped, count, route="/search", method="POST", status="2xx") or 0) >= 1
    assert (value(scraped, count, route="/ask", method="POST", status="2xx") or 0) >= 1
    # The route template, never the raw path (a chunk id per series would grow without bound).
    assert value(scraped, count, route="/documents/{chunk_id}", method="GET", status="2xx") == 1
    assert value(scraped, count, route="unmatched", method="GET", status="4xx") == 1
    assert not [labels for name, labels in scraped if name == count and ("route", f"/documents/{chunk_id}") in labels]

    stages = "govrag_stage_duration_seconds_count"
    search_stages = searched.json()["timings_ms"]
    assert {"parse", "search", "fetch"} <= search_stages.keys()
    for stage in search_stages:
        assert value(scraped, stages, route="/search", stage=stage) == 1, stage
    for stage in asked.json()["timings_ms"]:
        assert value(scraped, stages, route="/ask", stage=stage) == 1, stage

    db = sample_index / "chunks.sqlite"
    documents = dict(rows(db, "SELECT source, count(*) FROM documents GROUP BY source"))
    chunks = dict(rows(db, "SELECT source, count(*) FROM chunks GROUP BY source"))
    assert documents and documents.keys() == chunks.keys()
    for source, stored in documents.items():
        assert value(scraped, "govrag_documents", source=source) == stored
        assert value(scraped, "govrag_chunks", source=source) == chunks[source]
    assert value(scraped, "govrag_docstore_readable") == 1

    audit_lines = (service.settings.audit_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(audit_lines) == 2  # one record for the search, one for the ask
    assert value(scraped, "govrag_audit_records_total", kind="search") == 1
    assert value(scraped, "govrag_audit_records_total", kind="ask") == 1

    assert value(scraped, "govrag_health_status", status="ok") == 1
    assert value(scraped, "govrag_search_processes") == 0
    assert (value(scraped, "process_cpu_seconds_total") or 0) > 0  # the process collector is on this registry


def test_each_app_has_its_own_registry_and_stops_counting_at_shutdown(service: Service) -> None:
    with TestClient(create_app(service)) as first:
        first.post("/search", json=SEARCH)
    with TestClient(create_app(service)) as second:
        second.post("/ask", json=ASK)
        scraped = scrape(second)
        earlier = scrape(first)
    count = "govrag_http_request_duration_seconds_count"
    assert value(scraped, count, route="/search", method="POST", status="2xx") is None
    assert value(scraped, "govrag_audit_records_total", kind="ask") == 1
    # The first app's audit listener went with its lifespan: the second app's ask is not counted there.
    assert value(earlier, "govrag_audit_records_total", kind="search") == 1
    assert value(earlier, "govrag_audit_records_total", kind="ask") is None


def test_refusals_by_the_rate_limiter_and_the_key_check_are_counted(sample_index: Path, tmp_path: Path) -> None:
    keys = KeyStore(tmp_path / "keys.json")
    slow = keys.add("slow", rate_per_minute=1)
    user = keys.add("user", rate_per_minute=100)
    data = faults.copy_data(sample_index, tmp_path / "data")  # a shard has one owner: the module's service holds it
    settings = Settings(data_dir=data, api_keys_file=tmp_path / "keys.json", audit_dir=tmp_path / "audit")
    svc = Service(settings, check_pages=False)
    try:
        with TestClient(create_app(svc)) as client:
            assert client.post("/search", json=SEARCH, headers={"X-API-Key": slow}).status_code == 200
            assert client.post("/search", json=SEARCH, headers={"X-API-Key": slow}).status_code == 429
            assert client.post("/search", json=SEARCH).status_code == 401
            assert client.post("/search", json=SEARCH, headers={"X-API-Key": "grk_wrong"}).status_code == 401
            assert client.get("/risk", headers={"X-API-Key": user}).status_code == 403
            assert client.get("/documents/0123", headers={"X-API-Key": "grk_wrong"}).status_code == 401
            assert client.get("/static/app.css").status_code == 200
            scraped = scrape(client)  # open, like /healthz, while keys are configured
            assert client.post("/search", json=SEARCH, headers={"X-API-Key": slow}).status_code == 429
            again = scrape(client)
    finally:
        svc.close()
    assert value(scraped, "govrag_rate_limited_total", key="slow") == 1
    assert value(again, "govrag_rate_limited_total", key="slow") == 2
    assert value(scraped, "govrag_auth_refused_total", reason="missing_key") == 1
    assert value(scraped, "govrag_auth_refused_total", reason="unknown_key") == 2
    assert value(scraped, "govrag_auth_refused_total", reason="not_admin") == 1
    count = "govrag_http_request_duration_seconds_count"
    # Refused before routing, still timed under the route's template.
    assert value(scraped, count, route="/search", method="POST", status="4xx") == 3
    assert value(scraped, count, route="/risk", method="GET", status="4xx") == 1
    assert value(scraped, count, route="/documents/{chunk_id}", method="GET", status="4xx") == 1
    assert value(scraped, count, route="/static", method="GET", status="2xx") == 1
    assert value(scraped, "govrag_audit_records_total", kind="search") == 1


def test_readyz_reports_the_store_the_points_and_the_coverage(service: Service, sample_index: Path) -> None:
    db = sample_index / "chunks.sqlite"
    stored = dict(rows(db, "SELECT source, count(*) FROM documents GROUP BY source"))
    indexed = dict(rows(db, "SELECT d.source, count(*) FROM documents d JOIN indexed i ON i.stage = 'sparse' AND "
                            "i.source = d.source AND i.doc_id = d.doc_id AND i.version = d.version AND "
                            "i.file_hash = d.file_hash GROUP BY d.source"))
    (chunks,), = rows(db, "SELECT count(*) FROM chunks")  # BM25 only: every chunk is one point
    with TestClient(create_app(service)) as client:
        ready = client.get("/readyz")
        scraped = scrape(client)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["problems"] == []
    checks = body["checks"]
    assert checks["store_reachable"] is True and checks["store_error"] is None
    assert checks["index_non_empty"] is True and checks["points"] == chunks
    assert checks["docstore_readable"] is True
    assert checks["sources"] == {source: {"stored": n, "indexed": indexed.get(source, 0),
                                          "coverage": indexed.get(source, 0) / n} for source, n in stored.items()}
    assert checks["articles"] == {"laws": stored["law"], "with_vectors": 0, "coverage": 0.0, "points": 0,
                                  "in_use": False}  # the sample index has no vectors
    assert value(scraped, "govrag_index_points") == chunks
    assert value(scraped, "govrag_index_reachable") == 1
    assert value(scraped, "govrag_documents_indexed", source="law") == indexed["law"]
    assert value(scraped, "govrag_article_layer_laws") == 0 and value(scraped, "govrag_article_layer_in_use") == 0


def test_readyz_is_a_503_while_the_index_does_not_answer_and_ready_again_after(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service_module, "REACH_TTL_S", 0.0)  # ask the store at every probe

    def down(*args: Any, **kwargs: Any) -> int:
        raise StoreError("connection refused")

    with TestClient(create_app(service)) as client:
        with monkeypatch.context() as patched:
            patched.setattr(service.store, "count", down)
            ready = client.get("/readyz")
            scraped = scrape(client)
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "failed" and body["checks"]["store_reachable"] is False
        assert "connection refused" in body["checks"]["store_error"]
        assert body["problems"][-1]["fatal"] and "does not answer" in body["problems"][-1]["message"]
        assert value(scraped, "govrag_index_reachable") == 0
        assert client.get("/readyz").status_code == 200  # a passing outage is not recorded as a problem
        assert client.get("/healthz").json()["status"] == "ok"


def test_a_generated_answer_times_the_model_and_the_verification(sample_index: Path, tmp_path: Path) -> None:
    with scripted_openai([]) as server:
        server.script(Reply("民法第七百九条は損害の賠償を定めています[1]。"))
        settings = Settings(data_dir=faults.copy_data(sample_index, tmp_path / "data"), audit_dir=tmp_path / "audit",
                            llm_base_url=server.base_url,
                            llm_timeout_s=5.0, api_keys_file=tmp_path / "none.json")
        svc = Service(settings, check_pages=False)
        try:
            with TestClient(create_app(svc)) as client:
                asked = client.post("/ask", json={"query": "民法709条"})
                scraped = scrape(client)
        finally:
            svc.close()
    assert asked.status_code == 200 and asked.json()["model"] is not None
    timings = asked.json()["timings_ms"]
    assert timings["generate"] >= 0 and timings["verify"] >= 0
    stages = "govrag_stage_duration_seconds_count"
    assert value(scraped, stages, route="/ask", stage="generate") == 1
    assert value(scraped, stages, route="/ask", stage="verify") == 1


class _Builder:
    """What `LayerBuilder.status()` returns, mid-build (background.py)."""

    def status(self) -> dict[str, object]:
        return {"building": True, "error": None, "pid": 1, "model": "m", "device": "cpu", "layers": {
            "dense": {"done": 120, "total": 400, "state": "embedding", "used": False},
            "outlines": {"done": 0, "total": None, "state": "waiting", "used": False}}}


def test_the_background_builders_progress_is_a_gauge(service: Service) -> None:
    metrics = Metrics()
    metrics.registry.register(StateCollector({"service": service, "pool": None, "builder": _Builder()}))
    scraped = samples(metrics.render()[0].decode())
    assert value(scraped, "govrag_layer_build_running") == 1
    assert value(scraped, "govrag_layer_build_failed") == 0
    assert value(scraped, "govrag_layer_texts_done", layer="dense") == 120
    assert value(scraped, "govrag_layer_texts_total", layer="dense") == 400
    assert value(scraped, "govrag_layer_texts_total", layer="outlines") is None  # not known yet
    assert value(scraped, "govrag_layer_in_use", layer="dense") == 0
