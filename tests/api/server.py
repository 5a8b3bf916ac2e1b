"""`govrag serve` in its own process on loopback, for tests that need a real server and transport."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import json
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(data_dir: Path, timeout_s: float = 60) -> Iterator[str]:
    """Yield the base URL once /healthz answers; the server is stopped (SIGINT) on exit."""
    with server_process(data_dir, timeout_s) as (base, _):
        yield base


@contextmanager
def server_process(data_dir: Path, timeout_s: float = 60, workers: int = 1,
                   args: Sequence[str] = ()) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(base URL, the server process) once /healthz answers (with `workers` > 1, once every search
    process has its index open); `args` are more `govrag serve` options; stopped (SIGINT) on exit."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "govrag.cli", "serve", "--port", str(port), "--data-dir", str(data_dir),
         "--workers", str(workers), *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "GOVRAG_OPEN_RATE_LIMIT_PER_MINUTE": "0"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"govrag serve exited: {server.stderr.read().decode() if server.stderr else ''}")
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
        yield base, server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def sse_events(body: str) -> list[tuple[str, Any]]:
    """A text/event-stream body as (event, data) pairs, data parsed as JSON."""
    out = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out
