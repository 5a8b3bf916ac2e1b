"""/ask with a model behind it: JSON and server-sent events, failures that never become a 500, the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from govrag.api import create_app
from govrag.config import Settings
from govrag.service import Caller, Service
from tests.api.server import sse_events
from tests.llm.fake_openai import Reply, ScriptedOpenAI, scripted_openai

TORT = "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。"
FAITHFUL = f"民法第七百九条は「{TORT}」と定めています[1]。"


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedOpenAI]:
    with scripted_openai([]) as s:
        yield s


@pytest.fixture(scope="module")
def service(sample_index: Path, server: ScriptedOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    audit = tmp_path_factory.mktemp("audit")
    settings = Settings(data_dir=sample_index, audit_dir=audit, llm_base_url=server.base_url, llm_timeout_s=1.0,
                        api_keys_file=audit / "none.json")
    svc = Service(settings, check_pages=False)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service)) as c:
        yield c


@pytest.fixture(autouse=True)
def fresh(server: ScriptedOpenAI) -> None:
    server.replies.clear()
    server.requests.clear()
    server.calls.clear()


def test_ask_returns_the_generated_answer_with_its_verification(client: TestClient, server: ScriptedOpenAI) -> None:
    server.script(Reply(FAITHFUL))
    r = client.post("/ask", json={"query": "民法709条"})
    assert r.status_code == 200
    body = r.json()
    assert body["mode"] == "generated" and body["answer"] == FAITHFUL and body["model"] == "local"
    assert body["verification"]["passed"] is True
    assert body["verification"]["sentences"][0]["cites"] == [1]
    assert body["citations"][0]["label"] == "民法 第七百九条"


def test_ask_streams_deltas_then_the_authoritative_answer(client: TestClient, server: ScriptedOpenAI) -> None:
    pieces = ["民法第七百九条は", f"「{TORT}」", "と定めています[1]。"]
    server.script(Reply(stream_chunks=pieces))
    r = client.post("/ask", json={"query": "民法709条", "stream": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    got = sse_events(r.text)
    assert [d["text"] for k, d in got if k == "delta"] == pieces
    assert got[-1][0] == "answer" and got[-1][1]["answer"] == "".join(pieces)
    assert got[-1][1]["verification"]["passed"] is True


def test_a_failing_model_is_an_extractive_answer_never_a_500(client: TestClient, server: ScriptedOpenAI) -> None:
    server.script(Reply("down", status=502))
    r = client.post("/ask", json={"query": "民法709条", "stream": True})
    assert r.status_code == 200
    (kind, answer), = sse_events(r.text)
    assert kind == "answer" and answer["mode"] == "extractive" and "llm_error" in answer["flags"]
    assert TORT in answer["answer"]


def test_a_forged_answer_streams_but_the_final_event_replaces_it(client: TestClient, server: ScriptedOpenAI) -> None:
    server.script(Reply(stream_chunks=["民法第七百九条は「過失があっても責任を負わない」と定めています[1]。"]))
    got = sse_events(client.post("/ask", json={"query": "民法709条", "stream": True}).text)
    assert got[0][0] == "delta"
    final = got[-1][1]
    assert final["mode"] == "extractive" and final["verification"]["forged_quotes"] == ["過失があっても責任を負わない"]


def test_a_confidential_question_is_answered_without_the_external_model(client: TestClient, server: ScriptedOpenAI) -> None:
    r = client.post("/ask", json={"query": "民法709条", "confidentiality": 2})
    assert r.status_code == 200 and server.requests == []
    assert r.json()["mode"] == "extractive" and "routing_blocked" in r.json()["flags"]


def test_confidentiality_out_of_range_is_a_422(client: TestClient) -> None:
    assert client.post("/ask", json={"query": "民法709条", "confidentiality": 4}).status_code == 422


def test_every_ask_leaves_one_audit_record_with_prompt_answer_and_verification(
    client: TestClient, service: Service, server: ScriptedOpenAI,
) -> None:
    assert service.audit is not None
    before = len(list(service.audit.records()))
    server.script(Reply(FAITHFUL))
    client.post("/ask", json={"query": "民法709条 090-1234-5678", "filters": {"source": ["law"]}})
    records = list(service.audit.records())
    assert len(records) == before + 1
    record = records[-1]
    assert record["kind"] == "ask" and record["key_id"] == "anonymous" and record["endpoint"] == "/ask"
    assert record["question"] == "民法709条 090-1234-5678" and record["filters"]["source"] == ["law"]
    assert "〔電話番号1〕" in record["prompt"] and "090-1234-5678" not in record["prompt"]  # what left, masked
    assert record["answer"] == FAITHFUL and record["verification"]["passed"] is True
    assert record["pii"][0]["kind"] == "phone" and record["source_ids"]
    assert service.audit.verify() == []


def test_a_client_gone_mid_stream_still_leaves_an_audit_record(service: Service, server: ScriptedOpenAI) -> None:
    assert service.audit is not None
    before = len(list(service.audit.records()))
    server.script(Reply(stream_chunks=["民法第七百九条は", "「故意又は過失", "によって」"], chunk_delay_s=0.2))
    events = service.ask_events("民法709条", caller=Caller("team-b", "/ask"))
    assert next(events)[0] == "delta"
    events.close()  # what the API does when the client disconnects
    record = list(service.audit.records())[-1]
    assert len(list(service.audit.records())) == before + 1
    assert record["key_id"] == "team-b" and record["flags"] == ["client_disconnected"] and record["answer"] is None
