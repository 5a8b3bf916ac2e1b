"""GET /laws/define and `govrag laws define` on the sample laws, as `govrag index build` leaves them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govrag.api import create_app
from govrag.cli import app
from govrag.config import Settings
from govrag.service import Service

runner = CliRunner()


@pytest.fixture(scope="module")
def client(sample_index: Path) -> Iterator[TestClient]:
    svc = Service(Settings(data_dir=sample_index), check_pages=False)
    with TestClient(create_app(svc), raise_server_exceptions=False) as c:
        yield c
    svc.close()


def test_a_defined_term_with_its_law_provision_url_and_text(client: TestClient) -> None:
    response = client.get("/laws/define", params={"term": "個人情報取扱事業者"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["term"] == "個人情報取扱事業者" and body["message"] is None
    (d,) = body["definitions"]
    assert d["label"] == "個人情報の保護に関する法律 第二条第五項"
    assert (d["kind"], d["scope"], d["law_id"], d["provision"]) == ("とは", "この法律", "415AC0000000057", "第二条第五項")
    assert d["url"] == "https://laws.e-gov.go.jp/law/415AC0000000057#Mp-At_2-Pr_5"
    assert d["text"] == "この法律において「個人情報取扱事業者」とは、個人情報データベース等を事業の用に供している者をいう。"
    shown = client.get(f"/documents/{d['chunk_id']}", params={"neighbours": 0}).json()
    assert "「個人情報取扱事業者」とは" in shown["chunk"]["text"]  # the chunk id opens the provision


def test_width_and_spaces_do_not_matter_and_kinds_are_told_apart(client: TestClient) -> None:
    spaced = client.get("/laws/define", params={"term": "個人情報　取扱事業者"}).json()
    assert [d["label"] for d in spaced["definitions"]] == ["個人情報の保護に関する法律 第二条第五項"]
    listed = client.get("/laws/define", params={"term": "処分"}).json()["definitions"]
    assert [(d["label"], d["kind"]) for d in listed] == [("行政手続法 第二条第二号", "号")]
    abbreviation = client.get("/laws/define", params={"term": "許認可等"}).json()["definitions"]
    assert [(d["label"], d["kind"], d["scope"]) for d in abbreviation] == [("行政手続法 第二条第三号", "以下", "以下")]


def test_a_term_no_law_defines_is_an_empty_list_with_a_message(client: TestClient) -> None:
    response = client.get("/laws/define", params={"term": "量子暗号通信"})
    assert response.status_code == 200
    body = response.json()
    assert body["definitions"] == []
    assert body["message"] == "「量子暗号通信」を定義する規定は、収録されている法令の本則に見つかりませんでした。"


@pytest.mark.parametrize("params", [{"term": ""}, {"term": "\u3000 "}, {}, {"term": "あ" * 200}])
def test_an_empty_blank_missing_or_overlong_term_is_a_422(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/laws/define", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", "term"]


def test_the_command_prints_each_definition(sample_index: Path) -> None:
    result = runner.invoke(app, ["laws", "define", "個人情報取扱事業者", "--data-dir", str(sample_index)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == [
        "個人情報取扱事業者  個人情報の保護に関する法律 第二条第五項  （とは・この法律）",
        "https://laws.e-gov.go.jp/law/415AC0000000057#Mp-At_2-Pr_5",
        "この法律において「個人情報取扱事業者」とは、個人情報データベース等を事業の用に供している者をいう。",
    ]


def test_the_command_as_json_and_when_nothing_is_found(sample_index: Path) -> None:
    result = runner.invoke(app, ["laws", "define", "処分", "--json", "--data-dir", str(sample_index)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [(d["label"], d["kind"], d["text"]) for d in body["definitions"]] == [
        ("行政手続法 第二条第二号", "号", "行政庁の処分その他公権力の行使に当たる行為をいう。")]
    missing = runner.invoke(app, ["laws", "define", "量子暗号通信", "--data-dir", str(sample_index)])
    assert missing.exit_code == 2
    assert "「量子暗号通信」を定義する規定は" in missing.output


def test_the_route_is_behind_keys_like_the_others(sample_index: Path, tmp_path: Path) -> None:
    from govrag.safeguards.keys import KeyStore

    data = shutil.copytree(sample_index, tmp_path / "data")  # the module's client holds the index open
    key = KeyStore(tmp_path / "keys.json").add("team-a", rate_per_minute=1)
    service = Service(Settings(data_dir=data, api_keys_file=tmp_path / "keys.json"), check_pages=False)
    try:
        with TestClient(create_app(service)) as c:
            assert c.get("/laws/define", params={"term": "処分"}).status_code == 401
            assert c.get("/laws/define", params={"term": "処分"}, headers={"X-API-Key": key}).status_code == 200
            assert c.get("/laws/define", params={"term": "処分"}, headers={"X-API-Key": key}).status_code == 429
    finally:
        service.close()


def test_a_search_says_where_the_terms_it_uses_are_defined(client: TestClient) -> None:
    """A term few laws define is a hint beside the hits (「行政指導」: 行政手続法 only), and a question
    with no defined term gets no line."""
    body = client.post("/search", json={"query": "行政指導に従わなかったら不利益な扱いを受けるのか", "k": 3}).json()
    assert body["definitions"] == ["「行政指導」の定義: 行政手続法 第二条第六号"]
    body = client.post("/search", json={"query": "借地権の存続期間は何年か", "k": 3}).json()
    assert body["definitions"] == ["「借地権」の定義: 借地借家法 第二条第一号"]
    assert client.post("/search", json={"query": "日本では何歳で大人になるのか", "k": 3}).json()["definitions"] == []
