"""`install`: the key guard and GET /risk on a FastAPI app, from the settings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from govrag.config import Settings
from govrag.safeguards.audit import AuditLog
from govrag.safeguards.http import install
from govrag.safeguards.keys import KeyStore
from tests.safeguards.conftest import Clock


def test_install_guards_the_app_and_serves_risk_to_admins_only(tmp_path: Path, clock: Clock) -> None:
    settings = Settings(data_dir=tmp_path)
    clock.now = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
    audit = AuditLog.from_settings(settings)
    audit.clock = clock
    audit.write({"kind": "ask", "key_id": "taro", "question": "田中さんの件", "flags": ["routing_blocked"],
                 "routing": {"reason": "機密性2の資料（1件）は外部のモデルに送れないため、抽出回答にしました。"}})
    store = KeyStore(settings.keys_path)
    user, admin = store.add("taro", rate_per_minute=10), store.add("boss", rate_per_minute=10, role="admin")

    app = FastAPI()

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str]:
        return {"key_id": request.state.key_id}

    install(app, settings)
    client = TestClient(app)
    assert client.get("/whoami").status_code == 401
    assert client.get("/whoami", headers={"X-API-Key": user}).json() == {"key_id": "taro"}
    assert client.get("/risk", headers={"X-API-Key": user}).status_code == 403

    response = client.get("/risk", params={"since": "2025-07-01", "until": "2025-07-01"},
                          headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200
    body = response.json()
    assert body["summary"]["cases"] == 1 and body["summary"]["by_day"] == {"2025-07-01": 1}
    assert body["cases"][0]["question"] == "〔氏名1〕さんの件" and body["cases"][0]["flags"] == ["routing_blocked"]
    assert body["since"] == "2025-07-01T00:00:00+09:00"

    md = client.get("/risk", params={"format": "md"}, headers={"X-API-Key": admin})
    assert md.headers["content-type"].startswith("text/markdown") and "生成AIリスク事案報告" in md.text
    inverted = client.get("/risk", params={"since": "2025-07-02", "until": "2025-07-01"}, headers={"X-API-Key": admin})
    assert inverted.status_code == 200  # read the other way round, as the search's date filters are
    assert inverted.json()["since"].startswith("2025-07-01") and inverted.json()["until"].startswith("2025-07-03")
    assert client.get("/risk", params={"until": "0"}, headers={"X-API-Key": admin}).status_code == 422
    assert client.get("/risk", params={"format": "pdf"}, headers={"X-API-Key": admin}).status_code == 422
