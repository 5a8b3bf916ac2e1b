"""The API's input layer on the inputs that used to give a 500 or were taken laxly (issue: hardening).

Over FastAPI's TestClient against a real service on the sample laws; the schemathesis run
(test_schema_fuzz.py) covers the rest of the input space.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from govrag.api import create_app
from govrag.config import Settings
from govrag.service import Service


@pytest.fixture(scope="module")
def client(sample_index: Path) -> Iterator[TestClient]:
    svc = Service(Settings(data_dir=sample_index))
    with TestClient(create_app(svc), raise_server_exceptions=False) as c:
        yield c
    svc.close()


def post_raw(client: TestClient, path: str, body: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.post(path, content=body.encode("utf-8"), headers={"content-type": "application/json"})
    return response.status_code, response.json()


@pytest.mark.parametrize("body", [
    '{"query": "x", "k": NaN}', '{"query": "x", "k": Infinity}', '{"query": "x", "k": -Infinity}',
    '{"query": "x", "k": 1e400}', '{"query": "x", "filters": {"year_from": NaN}}',
    '{"query": "x", "filters": {"year_to": 1e400}}', '{"query": "x", "k": true}', '{"query": "x", "k": "5"}',
    '{"query": "x", "k": 5.5}', '{"query": "x", "filters": {"date_from": 0}}',
    '{"query": "abc\\ud800def"}', '{"query": "x", "filters": {"law_id": ["\\udfff"]}}', '{"\\ud800": 1, "query": "x"}',
])
def test_bad_numbers_and_broken_unicode_are_a_422_on_search_and_ask(client: TestClient, body: str) -> None:
    for path in ("/search", "/ask"):
        status, detail = post_raw(client, path, body)
        assert status == 422, (path, body, detail)
        assert detail["detail"][0]["msg"]


def test_a_whole_number_written_as_a_float_is_a_whole_number(client: TestClient) -> None:
    status, body = post_raw(client, "/search", '{"query": "借地権の存続期間", "k": 3.0}')
    assert status == 200 and len(body["hits"]) == 3


def test_a_huge_citation_is_a_missing_provision_not_a_500(client: TestClient) -> None:
    for path in ("/search", "/ask"):
        status, body = post_raw(client, path, '{"query": "民法第1000000000000条"}')
        assert status == 200, body
    assert body["sufficient"] is False
    assert "民法 第1000000000000条 は資料の法令にありません" in body["answer"]


def test_errors_never_echo_more_than_an_excerpt(client: TestClient) -> None:
    big = "あ" * 5000
    response = client.post("/search", json={"query": big})
    assert response.status_code == 422 and len(response.content) < 600
    assert response.json()["detail"][0]["input"].endswith("(5,000 chars)")
    key = "k" * 20000
    response = client.post("/search", json={"query": "x", key: 1})
    assert response.status_code == 422 and len(response.content) < 600


def test_bodies_over_the_bound_are_a_413_before_any_parsing(client: TestClient) -> None:
    response = client.post("/search", content=b'{"query": "' + b"a" * 70_000 + b'"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 413 and len(response.content) < 100

    def chunks() -> Iterator[bytes]:  # no Content-Length: the bound still holds while reading
        yield b'{"query": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    streamed = client.post("/search", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_the_keep_alive_connection_survives_a_bad_request(client: TestClient) -> None:
    assert post_raw(client, "/search", '{"query": "x", "k": NaN}')[0] == 422
    assert client.post("/search", json={"query": "借地権の存続期間"}).status_code == 200


def test_a_date_filter_no_stored_source_can_honour_is_refused_with_the_reason(client: TestClient) -> None:
    status, body = post_raw(client, "/search", '{"query": "借地権", "filters": {"date_from": "2000-01-01"}}')
    assert status == 422 and "carry no date" in body["detail"][0]["msg"] and "year_from" in body["detail"][0]["msg"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["FiltersIn"]["properties"]
    assert schema["date_from"]["type"] == "null"  # the published schema says so too
    assert client.post("/search", json={"query": "借地権", "filters": {"year_from": 1990}}).status_code == 200
