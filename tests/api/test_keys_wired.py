"""The API behind keys: govrag's own app refuses without a key, names the key in the audit log, and limits the rate."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from govrag.api import create_app
from govrag.config import Settings
from govrag.safeguards.keys import KeyStore
from govrag.service import Service


def test_keys_rate_limits_and_the_audit_trail_on_the_real_app(sample_index: Path, tmp_path: Path) -> None:
    keys = KeyStore(tmp_path / "keys.json")
    user = keys.add("team-a", rate_per_minute=2)
    admin = keys.add("pjmo", rate_per_minute=10, role="admin")
    settings = Settings(data_dir=sample_index, api_keys_file=tmp_path / "keys.json", audit_dir=tmp_path / "audit")
    service = Service(settings, check_pages=False)
    try:
        with TestClient(create_app(service)) as client:
            assert client.get("/healthz").status_code == 200  # probes stay open
            assert client.post("/ask", json={"query": "民法709条"}).status_code == 401
            ok = client.post("/ask", json={"query": "民法709条"}, headers={"Authorization": f"Bearer {user}"})
            assert ok.status_code == 200 and ok.json()["mode"] == "extractive"
            client.post("/search", json={"query": "借地権"}, headers={"X-API-Key": user})
            limited = client.post("/search", json={"query": "借地権"}, headers={"X-API-Key": user})
            assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
            assert client.get("/risk", headers={"X-API-Key": user}).status_code == 403
            report = client.get("/risk", headers={"X-API-Key": admin})
            assert report.status_code == 200
        records = list(service.audit.records())  # type: ignore[union-attr]
    finally:
        service.close()
    assert [(r["kind"], r["key_id"], r["endpoint"]) for r in records] == [
        ("ask", "team-a", "/ask"), ("search", "team-a", "/search")]
