"""`govrag serve --build-outlines / --build-dense-laws`: dense layers built in a process of their own while
the server answers (background.py, index/layers.py), through a real server on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from govrag.cli import app
from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.embed import EmbeddingCache
from govrag.index.layers import LayerPlan, layer_texts
from tests.api.server import server_process


@pytest.fixture
def data(sample_index: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(sample_index, target)
    return target


def health(base: str) -> dict[str, Any]:
    return httpx.get(f"{base}/healthz", timeout=10).json()  # type: ignore[no-any-return]


def until(base: str, done: Any, timeout_s: float = 600) -> dict[str, Any]:
    """/healthz once `done(health)` holds (polled every 0.5 s)."""
    deadline = time.monotonic() + timeout_s
    while True:
        h = health(base)
        if done(h):
            return h
        assert time.monotonic() < deadline, f"not reached in {timeout_s} s: {h['background']}"
        time.sleep(0.5)


def search(base: str, mode: str = "hybrid") -> list[str]:
    r = httpx.post(f"{base}/search", json={"query": "借地権の存続期間", "k": 5, "mode": mode}, timeout=60)
    assert r.status_code == 200, r.text
    return [h["label"] for h in r.json()["hits"]]


def test_the_outline_router_is_built_while_the_server_answers_and_a_restart_embeds_nothing_again(data: Path) -> None:
    cache = Settings(data_dir=data).embedding_cache
    with server_process(data, timeout_s=120, args=["--build-outlines"]) as (base, _):
        first = health(base)
        assert first["background"]["building"] is True
        assert first["background"]["layers"]["outlines"]["used"] is False and first["router"] is None
        assert "借地借家法 第三条" in search(base)  # answered with BM25 meanwhile

        built = until(base, lambda h: not h["background"]["building"])
        layer = built["background"]["layers"]["outlines"]
        assert built["background"]["error"] is None
        assert layer["state"] == "written" and layer["used"] is True
        assert layer["total"] > 0 and layer["done"] == layer["total"] == built["descriptor_points"]
        assert built["router"] == "outlines" and built["status"] == "ok"
        assert "借地借家法 第三条" in search(base)
    with EmbeddingCache(cache) as c:
        embedded = c.count()
    assert embedded == layer["total"]
    with DocStore(Settings(data_dir=data).chunk_db) as docstore:
        written = layer_texts(docstore, LayerPlan(outlines=True), built["background"]["model"])["outlines"]
    assert written.pending == [] and written.done == layer["total"]  # a restart has nothing to embed

    with server_process(data, timeout_s=120, args=["--build-outlines"]) as (base, _):
        again = until(base, lambda h: not h["background"]["building"], timeout_s=120)
        assert again["background"]["layers"]["outlines"] == layer and again["router"] == "outlines"
    with EmbeddingCache(cache) as c:
        assert c.count() == embedded  # every vector came from the cache


def test_a_builder_killed_mid_layer_is_reported_and_the_server_goes_on_without_the_layer(data: Path) -> None:
    with server_process(data, timeout_s=120, args=["--build-dense-laws", "民法"]) as (base, _):
        h = until(base, lambda h: h["background"]["layers"]["dense"]["state"] == "embedding", timeout_s=120)
        assert h["background"]["layers"]["dense"]["total"] > 1000  # 民法: long enough to be cut mid-way
        os.kill(h["background"]["pid"], signal.SIGKILL)
        after = until(base, lambda h: not h["background"]["building"], timeout_s=60)
        assert after["background"]["error"] == "the builder process exited with code -9"
        assert after["background"]["layers"]["dense"]["state"] == "failed"
        assert after["background"]["layers"]["dense"]["used"] is False and after["dense_points"] == 0
        assert after["status"] == "ok"
        assert "借地借家法 第三条" in search(base)


def test_serve_refuses_a_background_build_it_cannot_do(data: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(app, ["serve", "--workers", "2", "--build-outlines", "--data-dir", str(data)])
    assert both.exit_code == 2 and "--build-* needs the single-process server" in both.output
    unknown = runner.invoke(app, ["serve", "--build-dense-laws", "存在しない法律", "--data-dir", str(data)])
    assert unknown.exit_code == 2 and "not in the store: 存在しない法律" in unknown.output
