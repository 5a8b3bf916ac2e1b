"""/research over the real app: the event stream, the report, the history, exports, and whose reports a key sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from govrag.api import create_app
from govrag.config import Settings
from govrag.research.history import HistoryError
from govrag.safeguards.keys import KeyStore
from govrag.service import Service
from tests.api.server import sse_events


@pytest.fixture(scope="module")
def service(all_sources_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    where = tmp_path_factory.mktemp("research-api")
    settings = Settings(data_dir=all_sources_index, research_history_file=where / "research.sqlite",
                        audit_dir=where / "audit", api_keys_file=where / "none.json", open_rate_limit_per_minute=0)
    svc = Service(settings, check_pages=False)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service)) as c:
        yield c


def test_the_stream_shows_each_step_then_the_report(client: TestClient) -> None:
    reply = client.post("/research", json={"question": "個人情報の第三者提供の要件は"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/event-stream")
    got = sse_events(reply.text)
    assert got[0] == ("step", {"step": "plan", "label": "サブクエリ生成", "status": "running", "ms": None, "detail": ""})
    assert [k for k, _ in got].index("sources") < [k for k, _ in got].index("outline") < [k for k, _ in got].index("report")
    kind, report = got[-1]
    assert kind == "report"
    assert report["question"] == "個人情報の第三者提供の要件は"
    assert report["sources"][0]["url"].startswith("https://laws.e-gov.go.jp/law/415AC0000000057#Mp-At_23")
    assert client.get(f"/research/{report['id']}").json() == report


def test_history_export_and_delete(client: TestClient) -> None:
    report = client.post("/research", json={"question": "防衛力の強化について石破総理はどう答弁したか", "stream": False}).json()
    listed = client.get("/research").json()
    assert listed["items"][0]["id"] == report["id"] and listed["total"] >= 1
    assert listed["items"][0]["question_type"] == "政策研究"

    md = client.get(f"/research/{report['id']}/markdown")
    assert md.headers["content-type"].startswith("text/markdown")
    assert f'research-{report["id"]}.md' in md.headers["content-disposition"]
    assert md.text.startswith("# 調査報告: 防衛力の強化について石破総理はどう答弁したか")
    first = report["sources"][0]
    assert f"[1] [{first['label']}](<{first['url']}>)" in md.text
    assert "必ず出典の原文を確認してください" in md.text

    page = client.get(f"/research/{report['id']}/print")
    assert page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text and "@media print" in page.text
    assert f'<li id="src-1" value="1"><a class="src" href="{first["url"]}">' in page.text
    assert re.search(r'<a class="ref" href="#src-1">\[1\]</a>', page.text)

    assert client.delete(f"/research/{report['id']}").status_code == 204
    assert client.get(f"/research/{report['id']}").status_code == 404
    assert client.delete(f"/research/{report['id']}").status_code == 404


@pytest.mark.parametrize("body", [{"question": "   "}, {"question": "x", "max_subqueries": 11}, {"question": "x", "stream": "yes"}])
def test_bad_requests_are_422(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/research", json=body).status_code == 422


def test_a_filter_no_source_can_apply_is_a_422_before_any_stream(client: TestClient) -> None:
    # No stored law carries a date: a date range confined to the laws can match nothing.
    body = {"question": "個人情報の第三者提供", "filters": {"source": ["law"], "date_from": "2020-01-01"}}
    for stream in (True, False):
        reply = client.post("/research", json={**body, "stream": stream})
        assert reply.status_code == 422, reply.text
        assert "date" in reply.text


def test_a_report_id_that_is_no_id_is_422_and_an_unknown_one_404(client: TestClient) -> None:
    assert client.get("/research/../etc").status_code in (404, 422)
    assert client.get("/research/xyz").status_code == 422
    assert client.get("/research/0123456789abcdef").status_code == 404


def test_a_key_sees_only_its_own_reports(service: Service, tmp_path: Path) -> None:
    keys = KeyStore(tmp_path / "keys.json")
    a, b = keys.add("team-a", rate_per_minute=100), keys.add("team-b", rate_per_minute=100)
    with TestClient(create_app(service, service.settings.model_copy(update={"api_keys_file": tmp_path / "keys.json"}))) as c:
        assert c.get("/").status_code == 200, "the page itself needs no key"
        assert c.post("/research", json={"question": "「個人情報」とは", "stream": False}).status_code == 401
        mine = c.post("/research", json={"question": "「個人情報」とは", "stream": False},
                      headers={"X-API-Key": a}).json()
        assert c.get(f"/research/{mine['id']}", headers={"X-API-Key": a}).status_code == 200
        assert c.get(f"/research/{mine['id']}", headers={"X-API-Key": b}).status_code == 404
        assert c.get("/research", headers={"X-API-Key": b}).json() == {"items": [], "total": 0}
        assert c.delete(f"/research/{mine['id']}", headers={"X-API-Key": b}).status_code == 404


def test_the_ui_and_its_assets_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert assets, "the page loads its script and styles from /static"
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert not re.search(r'(?:src|href)="https?://', page.text), "no CDN: the UI works offline"


def test_a_history_that_cannot_be_read_is_a_503_that_names_it(service: Service, client: TestClient,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def damaged(*args: Any, **kwargs: Any) -> Any:
        raise HistoryError("the research history research.sqlite cannot be read (database disk image is malformed)")

    monkeypatch.setattr(service.history, "list", damaged)
    reply = client.get("/research")
    assert reply.status_code == 503
    assert reply.json() == {"detail": "the research history research.sqlite cannot be read (database disk image is malformed)"}
