"""API keys: hashed storage, reloading, the token bucket, and the guard's 401/403/429/503 through a real app."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from govrag.safeguards.keys import KeyFileError, KeyGuard, KeyStore, RateLimiter, retry_after
from tests.fake_time import FakeTime


def test_the_file_holds_a_hash_of_each_key_never_the_key(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    key = store.add("soumu-taro", rate_per_minute=30)
    raw = (tmp_path / "keys.json").read_text(encoding="utf-8")
    assert key.startswith("grk_") and len(key) > 40
    assert key not in raw and key[4:] not in raw
    assert hashlib.sha256(key.encode()).hexdigest() in raw
    info = store.check(key)
    assert info is not None and (info.name, info.role, info.rate_per_minute) == ("soumu-taro", "user", 30)
    assert store.check(key[:-1]) is None and store.check("") is None and store.check(key + "x") is None


def test_no_file_or_an_empty_one_means_an_open_api(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    assert store.is_open and store.list() == []
    (tmp_path / "keys.json").write_text("", encoding="utf-8")
    assert store.is_open
    store.add("a", rate_per_minute=5)
    assert not store.is_open
    store.revoke("a")
    assert store.is_open


def test_a_damaged_file_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "keys.json").write_text('{"keys": [{"name": "a"', encoding="utf-8")
    with pytest.raises(KeyFileError, match="not a govrag key file"):
        KeyStore(tmp_path / "keys.json").is_open  # noqa: B018 - the property reads the file


def test_names_roles_and_rates_are_checked(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    store.add("a", rate_per_minute=5)
    with pytest.raises(ValueError, match="exists"):
        store.add("a", rate_per_minute=5)
    with pytest.raises(ValueError, match="bad key name"):
        store.add("a b/c", rate_per_minute=5)
    with pytest.raises(ValueError, match="bad role"):
        store.add("b", rate_per_minute=5, role="root")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 1"):
        store.add("b", rate_per_minute=0)
    with pytest.raises(KeyError):
        store.revoke("nobody")
    assert [k.name for k in store.list()] == ["a"]


def test_a_running_store_sees_keys_another_process_added_or_revoked(tmp_path: Path) -> None:
    server, cli = KeyStore(tmp_path / "keys.json"), KeyStore(tmp_path / "keys.json")
    assert server.is_open
    key = cli.add("new", rate_per_minute=10, role="admin")
    assert not server.is_open
    assert server.check(key) is not None
    cli.revoke("new")
    assert server.check(key) is None


def test_the_bucket_allows_a_burst_of_rate_then_one_per_refill(ft: FakeTime) -> None:
    limiter = RateLimiter(clock=ft.clock)
    assert [limiter.take("a", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", 3) == pytest.approx(20.0)  # one token per 60/3 s
    assert limiter.take("b", 3) == 0.0  # buckets are per key
    ft.now += 10
    assert limiter.take("a", 3) == pytest.approx(10.0)
    ft.now += 10
    assert limiter.take("a", 3) == 0.0
    assert limiter.take("a", 3) == pytest.approx(20.0)
    ft.now += 3600  # idle: the bucket refills to its capacity, not beyond
    assert [limiter.take("a", 3) for _ in range(4)][-1] > 0


def test_full_buckets_are_dropped_past_the_bound(ft: FakeTime) -> None:
    limiter = RateLimiter(clock=ft.clock, max_buckets=10)
    for n in range(10):
        limiter.take(f"ip:{n}", 60)
    ft.now += 60
    limiter.take("ip:new", 60)
    assert list(limiter._buckets) == ["ip:new"]  # the ten idle clients' full buckets carried nothing


@pytest.mark.parametrize(("wait", "header"), [(0.01, 1), (1.0, 1), (1.2, 2), (20.0, 20), (29.999, 30)])
def test_retry_after_is_whole_seconds_rounded_up(wait: float, header: int) -> None:
    assert retry_after(wait) == header


def app_with_guard(store: KeyStore, limiter: RateLimiter, anonymous_rate: int = 60) -> FastAPI:
    app = FastAPI()

    @app.post("/search")
    async def search(request: Request) -> dict[str, Any]:
        return {"key_id": request.state.key_id, "body": await request.json()}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/risk")
    async def risk(request: Request) -> dict[str, str]:
        return {"key_id": request.state.key_id}

    app.add_middleware(KeyGuard, store=store, limiter=limiter, anonymous_rate=anonymous_rate)
    return app


@pytest.fixture
def keyed(tmp_path: Path, ft: FakeTime) -> tuple[TestClient, dict[str, str]]:
    store = KeyStore(tmp_path / "keys.json")
    keys = {"user": store.add("taro", rate_per_minute=2), "admin": store.add("boss", rate_per_minute=60, role="admin")}
    return TestClient(app_with_guard(store, RateLimiter(clock=ft.clock))), keys


def test_no_key_or_an_unknown_one_is_a_401_that_names_the_scheme(keyed: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = keyed
    for headers in ({}, {"Authorization": "Bearer grk_nope"}, {"X-API-Key": "grk_nope"}, {"Authorization": "Basic eA=="}):
        response = client.post("/search", json={"query": "x"}, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        assert isinstance(response.json()["detail"], str)
    assert "required" in client.post("/search", json={}).json()["detail"]
    assert "unknown" in client.post("/search", json={}, headers={"X-API-Key": "grk_nope"}).json()["detail"]


def test_a_valid_key_passes_by_either_header_and_names_itself_to_the_app(
        keyed: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = keyed
    response = client.post("/search", json={"query": "民法"}, headers={"Authorization": f"Bearer {keys['user']}"})
    assert response.status_code == 200
    assert response.json() == {"key_id": "taro", "body": {"query": "民法"}}
    response = client.post("/search", json={"query": "x"}, headers={"X-API-Key": keys["admin"]})
    assert response.json()["key_id"] == "boss"


def test_open_paths_need_no_key(keyed: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = keyed
    assert client.get("/healthz").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_admin_paths_are_a_403_for_a_user_key(keyed: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = keyed
    response = client.get("/risk", headers={"X-API-Key": keys["user"]})
    assert response.status_code == 403 and "admin" in response.json()["detail"]
    assert client.get("/risk", headers={"X-API-Key": keys["admin"]}).json() == {"key_id": "boss"}
    assert client.get("/risk").status_code == 401


def test_over_the_rate_is_a_429_with_retry_after_until_the_bucket_refills(
        keyed: tuple[TestClient, dict[str, str]], ft: FakeTime) -> None:
    client, keys = keyed
    headers = {"X-API-Key": keys["user"]}  # 2 a minute
    assert [client.post("/search", json={}, headers=headers).status_code for _ in range(2)] == [200, 200]
    response = client.post("/search", json={}, headers=headers)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "30"
    assert "2 requests per minute" in response.json()["detail"]
    assert client.post("/search", json={}, headers={"X-API-Key": keys["admin"]}).status_code == 200  # its own bucket
    ft.now += 29
    assert client.post("/search", json={}, headers=headers).headers["retry-after"] == "1"
    ft.now += 1
    assert client.post("/search", json={}, headers=headers).status_code == 200


def test_an_open_api_is_anonymous_and_limited_per_client(tmp_path: Path, ft: FakeTime) -> None:
    store = KeyStore(tmp_path / "keys.json")
    client = TestClient(app_with_guard(store, RateLimiter(clock=ft.clock), anonymous_rate=1))
    response = client.post("/search", json={"query": "x"})
    assert response.json()["key_id"] == "anonymous"
    assert client.get("/risk").status_code == 429  # the same client's bucket
    ft.now += 60
    assert client.get("/risk").json() == {"key_id": "anonymous"}  # a single-user machine: everything is open
    store.add("first", rate_per_minute=5)  # e.g. `govrag keys add` while the server runs
    assert client.post("/search", json={}).status_code == 401


def test_a_damaged_key_file_is_a_503_not_an_open_door(tmp_path: Path, ft: FakeTime) -> None:
    path = tmp_path / "keys.json"
    store = KeyStore(path)
    store.add("a", rate_per_minute=5)
    client = TestClient(app_with_guard(store, RateLimiter(clock=ft.clock)))
    path.write_text(json.dumps({"keys": [{"name": "a", "role": "god"}]}), encoding="utf-8")
    response = client.post("/search", json={})
    assert response.status_code == 503 and "key file" in response.json()["detail"]
    assert client.get("/healthz").status_code == 200
