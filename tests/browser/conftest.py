"""The browser tests' fixtures: one real `govrag serve` over all three sources, one Debian chromium.

Playwright drives the system's chromium (`executable_path`): no browser is ever downloaded. Without
/usr/bin/chromium the tests fail (never skip) and say what to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.api.server import running_server

CHROMIUM = Path(os.environ.get("GOVRAG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}


@contextmanager
def _env(**values: str) -> Iterator[None]:
    """Environment for the server process only (it is read when the process starts)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def base_url(all_sources_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server on loopback over the sample laws, the seven speech pages and the gazette inputs
    (tests/conftest.py); its research history and audit log are this session's own, so the shared data
    folder is left as other tests expect it."""
    own = tmp_path_factory.mktemp("ui-server")
    with ExitStack() as stack:
        with _env(GOVRAG_RESEARCH_HISTORY_FILE=str(own / "research.sqlite"), GOVRAG_AUDIT_DIR=str(own / "audit")):
            base = stack.enter_context(running_server(all_sources_index))
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium per module, closed after it: Playwright's sync API runs an event loop in the main
    thread while it is open, and a later test's asyncio.run() would find it running."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
                    "Install it with: apt-get install chromium fonts-noto-cjk", pytrace=False)
    fonts = shutil.which("fc-list") and subprocess.run(["fc-list", ":lang=ja"], check=False, capture_output=True,
                                                       text=True).stdout
    if fonts == "":
        pytest.fail("no Japanese font: the pages would render as boxes. "
                    "Install it with: apt-get install chromium fonts-noto-cjk", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[dev]' (no browser download is needed)", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh context (its own sessionStorage) at 1366×768; page errors fail the test."""
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url, accept_downloads=True, locale="ja-JP")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: GOVRAG_SCREENSHOT_DIR, else a temporary folder."""
    env = os.environ.get("GOVRAG_SCREENSHOT_DIR")
    folder = Path(env) if env else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
