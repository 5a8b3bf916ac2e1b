"""Faults a server-mode deployment meets: the Qdrant server gone, a source's API refusing, a build killed,
a full disk. Each scenario does the fault, what an operator would then do, and returns what it saw.

Shared by the tests (tests/ops/test_server_faults.py) and the table (benchmarks/fault_ops.py), as
tests/faults.py is by tests/index/test_faults.py and benchmarks/fault_table.py, so both run exactly the
same scenarios: the tests assert on the returned records, the table prints their `row()`.

Nothing here fakes the code under test; what cannot run on this machine is stood in for at its edge:

* **No Qdrant server** (no Docker, no binary): `QdrantStandIn` puts qdrant-client's local mode behind the
  real path a server-mode govrag takes (settings.store_url → open_store → ServerStore → QdrantClient(url=…)).
  While it is "down", every call goes instead to a real `QdrantClient` for a loopback port where nothing
  listens (bound, never listening), so govrag meets exactly what qdrant-client raises when a server refuses
  connections (`ResponseHandlingException` from an httpx.ConnectError), made by qdrant-client itself.
  For a process of its own (the killed build, the full disk), `python -m tests.ops.faults_server govrag …`
  runs the real `govrag` command with the stand-in persisted on disk (`QdrantClient(path=…)`).
* **No NDL API**: `DietApiServer` is the speech endpoint on loopback (http.server in a thread) over real
  saved records (../shared/data/kokkai/speeches.tar.xz), paging as the API does, with 429s (Retry-After)
  and 503s injected by page. The real `govrag ingest ndl-api` runs against it; its client's sleeps are
  recorded instead of waited (a Retry-After of 7 s is honoured in no time, and asserted).
* **No full disk**: RLIMIT_FSIZE in the child (SIGXFSZ ignored), so a write past the limit fails with EFBIG
  as it would with ENOSPC, while everything else runs as usual.

Local-mode persistence is not a server's: it commits each point in its own SQLite transaction (a server
applies a batch through its WAL, whole or not at all), keeps every point in memory, and has no payload
indexes; and on disk it lives in the govrag process, so killing the build kills the "server" mid-batch too
(the child turns SQLite's fsync off there: a killed process loses nothing committed either way, only a
power cut would). What is checked after a kill (ids, counts, retrievability) does not depend on any of
that; how much of a batch survives does. A server's own disk filling up answers an HTTP error rather than
EFBIG in govrag's process: the full-disk build shows govrag's side of a failed upsert, not a server's.
"""

from __future__ import annotations

import http.server
import json
import os
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parents[2]
JOB = ROOT / "ingest" / "laws-sample.toml"
QUESTION = "借地権の存続期間"
ANSWER = "借地借家法 第三条"
#: The last column of every row: what a check found missing or doubled ("nothing" when all held).
NOTHING = "nothing"


@dataclass
class Row:
    scenario: str
    injected: str
    saw: str
    after: str
    lost: str

    def cells(self) -> list[str]:
        return [self.scenario, self.injected, self.saw, self.after, self.lost]


def table(rows: Sequence[Row]) -> str:
    lines = ["| scenario | injected | what the client saw | after recovery | lost |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(_cell(c) for c in row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Markdown-safe: no pipes, no newlines, no HTML (an error page quoted in a message)."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------- the CLI, in this process


def govrag(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """(exit code, output) of a `govrag` command run in this process (typer's runner)."""
    from typer.testing import CliRunner

    from govrag.cli import app

    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def ingest_sample(data: Path) -> None:
    """The quickstart job (five real laws) into a fresh data dir."""
    code, out = govrag("ingest", "run", str(JOB), "--workers", "1", "--data-dir", str(data))
    assert code == 0, out


def docstore_state(db: Path) -> tuple[list[tuple[Any, ...]], list[str]]:
    """(document rows, chunk ids): what two runs must agree on to hold the same documents, none twice."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        docs = con.execute("SELECT source, doc_id, version, file_hash, n_chunks FROM documents "
                           "ORDER BY source, doc_id, version").fetchall()
        chunks = [r[0] for r in con.execute("SELECT id FROM chunks ORDER BY id")]
    finally:
        con.close()
    return docs, chunks


# --------------------------------------------------------------------------- a Qdrant server that goes away


def refused_port() -> socket.socket:
    """A loopback port bound and never listened on: a connection to it is refused at once, and no other
    process can take the port while the socket is open."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    return hole


class QdrantStandIn:
    """A Qdrant server at `url` for clients made in this process: local mode while up, a refused connection
    while down (`down()`, `up()`, or `down_after(n)`: down from the (n+1)-th call on, mid-request)."""

    def __init__(self) -> None:
        from qdrant_client import QdrantClient

        self._hole = refused_port()
        self.url = f"http://127.0.0.1:{self._hole.getsockname()[1]}"
        self.local = QdrantClient(location=":memory:")
        self.refusing = QdrantClient(url=self.url, check_compatibility=False, timeout=5)
        self.is_down = False
        self._countdown: int | None = None
        self.calls: list[str] = []
        self.raised: list[BaseException] = []
        self._lock = threading.Lock()

    def down(self) -> None:
        self.is_down, self._countdown = True, None

    def up(self) -> None:
        self.is_down, self._countdown = False, None

    def down_after(self, calls: int) -> None:
        self.is_down, self._countdown = False, calls

    def client(self) -> Any:
        return _Switched(self)

    def _call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        with self._lock:
            self.calls.append(name)
            if self._countdown is not None:
                if self._countdown == 0:
                    self.is_down, self._countdown = True, None
                else:
                    self._countdown -= 1
            target = self.refusing if self.is_down else self.local
        try:
            return getattr(target, name)(*args, **kwargs)
        except Exception as exc:
            self.raised.append(exc)
            raise

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Clients govrag makes in this process for `url` reach this stand-in (others are made as usual)."""
        import govrag.index.store.server as adapter

        real = adapter.QdrantClient

        def made(*args: Any, url: str | None = None, **kwargs: Any) -> Any:
            return self.client() if url == self.url else real(*args, url=url, **kwargs)

        with mock.patch.object(adapter, "QdrantClient", made):
            yield

    def close(self) -> None:
        self.refusing.close()
        self.local.close()
        self._hole.close()


class _Switched:
    """What ServerStore holds as its client: every method call goes where the stand-in says now. Closing
    it does nothing (the server outlives its clients)."""

    def __init__(self, server: QdrantStandIn) -> None:
        self._server = server

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._server.local, name)
        if name.startswith("_") or not callable(attr):
            return attr
        return lambda *args, **kwargs: self._server._call(name, args, kwargs)

    def close(self) -> None:
        pass


def what_was_raised(exc: BaseException) -> str:
    cause = getattr(exc, "source", None) or exc.__cause__ or exc.__context__
    return f"{type(exc).__name__}({type(cause).__name__ if cause else '-'}: {cause or exc})"


# --------------------------------------------------------------------------- 1. the server down while serving


def build_on_server(data: Path, server: QdrantStandIn) -> str:
    """`govrag index build` in server mode (GOVRAG_STORE_URL) into the stand-in; its output."""
    with server.serving():
        code, out = govrag("index", "build", "--no-descriptors", "--workers", "1", "--data-dir", str(data),
                           env={"GOVRAG_STORE_URL": server.url})
    assert code == 0, out
    return out


@contextmanager
def served_on_server(ingested: Path, data: Path) -> Iterator[tuple[Any, QdrantStandIn]]:
    """(service, server): a copy of an ingested data dir indexed on a fresh stand-in and served in server
    mode from it (GOVRAG_STORE_URL = its URL), the way `govrag serve` opens it."""
    import shutil

    from govrag.config import Settings
    from govrag.service import Service

    shutil.copytree(ingested, data)
    server = QdrantStandIn()
    try:
        build_on_server(data, server)
        with server.serving():
            service = Service(Settings(data_dir=data, store_url=server.url), check_pages=False)
        try:
            yield service, server
        finally:
            service.close()
    finally:
        server.close()


ENDPOINTS: dict[str, dict[str, Any]] = {
    "/search": {"query": QUESTION, "mode": "bm25"},
    "/ask": {"query": QUESTION, "mode": "bm25"},
    "/research": {"question": QUESTION, "stream": False},
}


@dataclass
class Answered:
    status: int
    body: dict[str, Any]

    @property
    def found(self) -> list[str]:
        """What the answer rests on: the hits' chunk ids (/search), the cited chunks (/ask), the sources (/research)."""
        if "hits" in self.body:
            return [h["chunk_id"] for h in self.body["hits"]]
        if "citations" in self.body:
            return [str(c.get("chunk_id")) for c in self.body["citations"]]
        return [str(s.get("chunk_id") or s.get("id")) for s in self.body.get("sources", [])]

    @property
    def detail(self) -> str:
        return str(self.body.get("detail", ""))


@dataclass
class Outage:
    """Scenario 1: before the outage, while the server refuses connections, and the very next requests."""

    url: str
    raised: str
    before: dict[str, Answered]
    during: dict[str, Answered]
    healthz_during: Answered
    readyz_during: Answered
    after: dict[str, Answered]
    healthz_after: Answered
    readyz_after: Answered
    points_before: int
    points_after: int
    restarted: bool = False

    def row(self) -> Row:
        during = ", ".join(f"{p} {a.status}" for p, a in self.during.items())
        same = all(self.after[p].found == self.before[p].found for p in self.before)
        return Row(
            "Qdrant server down while serving",
            f"every qdrant-client call refused (a real client at a closed port raised {self.raised})",
            f"{during}: “{self.during['/search'].detail}”; /readyz {self.readyz_during.status} "
            f"{self.readyz_during.body.get('status')}; /healthz {self.healthz_during.status} "
            f"{self.healthz_during.body.get('status')}",
            "next requests, no restart: " + ", ".join(f"{p} {a.status}" for p, a in self.after.items())
            + f", /readyz {self.readyz_after.status}, /healthz {self.healthz_after.body.get('status')}; "
            + ("same hits as before" if same else "DIFFERENT hits"),
            f"{NOTHING}: {self.points_after:,} points before and after" if same and
            self.points_after == self.points_before else
            f"points {self.points_before} → {self.points_after}",
        )


def outage(service: Any, server: QdrantStandIn) -> Outage:
    """The service answers; the server goes down (refused connections); it comes back. No restart."""
    from fastapi.testclient import TestClient

    from govrag.api import create_app

    def ask(client: TestClient) -> dict[str, Answered]:
        return {path: _answered(client.post(path, json=body)) for path, body in ENDPOINTS.items()}

    with TestClient(create_app(service), raise_server_exceptions=False) as client:
        points_before = service.store.count()
        before = ask(client)
        server.down()
        during = ask(client)
        healthz_during = _answered(client.get("/healthz"))
        readyz_during = _answered(client.get("/readyz"))
        server.up()
        after = ask(client)
        readyz_after = _answered(client.get("/readyz"))
        healthz_after = _answered(client.get("/healthz"))
        points_after = service.store.count()
    raised = next((what_was_raised(e) for e in server.raised), "nothing")
    return Outage(server.url, raised, before, during, healthz_during, readyz_during, after, healthz_after,
                  readyz_after, points_before, points_after)


@dataclass
class MidRequest:
    """Scenario 1b: the server goes down between the first and the second store call of one /research
    (its subqueries are searched one after the other), answered whole and streamed."""

    calls_in_request: int
    before: Answered
    during: Answered
    streamed_status: int
    streamed_events: list[str]
    streamed_error: str
    after: Answered
    health_after: str

    def row(self) -> Row:
        same = self.after.found == self.before.found
        return Row(
            "Qdrant server down mid-request",
            f"/research: the 1st of its {self.calls_in_request} store calls answered, the server refused the next",
            f"/research {self.during.status} (the same detail); streamed (the response had begun): "
            f"{self.streamed_status}, events {', '.join(dict.fromkeys(self.streamed_events))}, the last “error”: "
            f"“{self.streamed_error}” (generic, the store not named)",
            f"next /research {self.after.status}, {'same' if same else 'DIFFERENT'} sources as before; "
            f"/healthz {self.health_after}",
            NOTHING if same else "sources differ",
        )


def down_mid_request(service: Any, server: QdrantStandIn) -> MidRequest:
    from fastapi.testclient import TestClient

    from govrag.api import create_app

    whole = ENDPOINTS["/research"]
    with TestClient(create_app(service), raise_server_exceptions=False) as client:
        first = len(server.calls)
        before = _answered(client.post("/research", json=whole))
        in_request = len(server.calls) - first
        server.down_after(1)
        during = _answered(client.post("/research", json=whole))
        server.down_after(1)
        streamed = client.post("/research", json={**whole, "stream": True})
        server.up()
        after = _answered(client.post("/research", json=whole))
        health = _answered(client.get("/healthz")).body.get("status", "?")
    events = [line[len("event: "):] for line in streamed.text.splitlines() if line.startswith("event: ")]
    data = [line[len("data: "):] for line in streamed.text.splitlines() if line.startswith("data: ")]
    error = next((json.loads(d).get("detail", d) for e, d in zip(events, data) if e == "error"), "")
    return MidRequest(in_request, before, during, streamed.status_code, events, str(error), after, str(health))


def _answered(response: Any) -> Answered:
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:300]}
    return Answered(response.status_code, body if isinstance(body, dict) else {"detail": body})


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- 2. a source's API refusing at night


def diet_records(shared_data: Path, n: int = 1000) -> list[dict[str, Any]]:
    """The first `n` real speech records of the saved archive (2024-07-30 to 2024-10-04, 30 meetings)."""
    records: list[dict[str, Any]] = []
    with tarfile.open(shared_data / "kokkai" / "speeches.tar.xz", "r:xz") as tf:
        for member in tf:
            if member.isfile() and (handle := tf.extractfile(member)):
                records += json.load(handle)["speechRecord"]
            if len(records) >= n:
                return records[:n]
    raise AssertionError(f"the archive has fewer than {n} records")


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: str | None = None

    def body(self) -> bytes:
        if self.status == 429:
            return json.dumps({"message": "リクエスト数が上限を超えました", "details": []}, ensure_ascii=False).encode()
        return b"<html><body><h1>503 Service Unavailable</h1></body></html>"


class DietApiServer:
    """The NDL minutes API's `speech` endpoint on loopback over real records: from/until filter by date,
    startRecord/maximumRecords page (nextRecordPosition until the end). `inject[(from, until, start)]`
    lists faults served, one per request, before that page is given; `failing` pages always answer 503."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.inject: dict[tuple[str, str, int], list[Fault]] = {}
        self.failing: set[tuple[str, str, int]] = set()
        self.log: list[tuple[str, str, int, int]] = []  # (from, until, startRecord, status answered)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name for it
                status, headers, body = outer.answer(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/api"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        url = urlparse(path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path != "/api/speech" or not {"from", "until", "startRecord"} <= q.keys():
            return 400, {"Content-Type": "application/json"}, b'{"message": "bad request"}'
        page = (q["from"], q["until"], int(q["startRecord"]))
        queued = self.inject.get(page)
        fault = Fault(503) if page in self.failing else (queued.pop(0) if queued else None)
        if fault is not None:
            self.log.append((*page, fault.status))
            headers = {"Content-Type": "application/json" if fault.status == 429 else "text/html"}
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            return fault.status, headers, fault.body()
        hits = [r for r in self.records if q["from"] <= r["date"] <= q["until"]]
        start, size = page[2], int(q.get("maximumRecords", "100"))
        chunk = hits[start - 1 : start - 1 + size]
        body: dict[str, Any] = {"numberOfRecords": len(hits), "numberOfReturn": len(chunk), "startRecord": start}
        if start - 1 + len(chunk) < len(hits):
            body["nextRecordPosition"] = start + len(chunk)
        body["speechRecord"] = chunk
        self.log.append((*page, 200))
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body, ensure_ascii=False).encode()

    def pages_of(self, date_from: str, date_until: str) -> list[tuple[str, str, int]]:
        return [(f, u, s) for f, u, s, status in self.log if status == 200 and f >= date_from and u <= date_until]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


#: The nights of the Diet job: the same command, the range growing to "yesterday" (7-day windows from 2024-07-29).
FIRST_DAY = "2024-07-29"
NIGHTS = ("2024-08-04", "2024-08-25", "2024-10-06")


@dataclass
class Night:
    until: str
    exit_code: int
    error: str
    requests: list[tuple[str, str, int, int]]
    slept: list[float]
    docs: list[tuple[Any, ...]]
    chunks: list[str]
    saved_pages: list[str]

    def faults(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for *_, status in self.requests:
            if status != 200:
                out[status] = out.get(status, 0) + 1
        return out


@dataclass
class Nightly:
    """Scenario 2: three nights of `govrag ingest ndl-api` with the same out folder and data dir."""

    nights: dict[str, Night]
    reference_docs: list[tuple[Any, ...]]
    reference_chunks: list[str]
    retry_after: str
    failing_page: tuple[str, str, int]

    def row(self) -> Row:
        n2, failed, resumed = self.nights["night 2"], self.nights["night 3"], self.nights["night 3, rerun"]
        lost = [name for name, n in self.nights.items() if n.exit_code == 0 and not _kept(self.nights, name)]
        complete = resumed.docs == self.reference_docs and resumed.chunks == self.reference_chunks
        windows = sorted({f"{f}..{u}" for f, u, *_ in resumed.requests})
        return Row(
            "NDL Diet API 429/503 during the nightly `ingest ndl-api`",
            f"night 2: {n2.faults().get(429, 0)}×429 (Retry-After: {self.retry_after}) and {n2.faults().get(503, 0)}×503 "
            f"on 2 pages; night 3: window {self.failing_page[0]}..{self.failing_page[1]} page "
            f"{self.failing_page[2]} 503 on every try",
            f"night 2 exit {n2.exit_code} (retried; slept {_sleeps(n2.slept)}, nothing really waited); night 3 exit "
            f"{failed.exit_code}: “{failed.error}”",
            f"rerun exit {resumed.exit_code}: {len(resumed.requests)} requests, all for the unfinished window "
            f"({', '.join(windows)}, from its first page; the finished ones not asked again); {len(resumed.docs)} "
            f"meetings, {len(resumed.chunks)} chunks, the same as one fault-free harvest of the range: {complete}",
            f"{NOTHING}: night 3's failure kept the {len(failed.docs)} meetings ({len(failed.chunks)} chunks) and "
            f"{len(failed.saved_pages)} saved pages of nights 1–2; no chunk twice"
            if complete and not lost and len(set(resumed.chunks)) == len(resumed.chunks) else
            f"differs from the fault-free harvest (lost at {lost})",
        )


def _kept(nights: dict[str, Night], name: str) -> bool:
    """Every document and chunk of every earlier night is still there after this one."""
    names = list(nights)
    later = nights[name]
    return all(set(nights[n].chunks) <= set(later.chunks) and set(nights[n].docs) <= set(later.docs)
               for n in names[: names.index(name)])


def _sleeps(slept: list[float]) -> str:
    return ", ".join(f"{s:g}s" for s in slept if s) or "none"


@contextmanager
def diet_client_for(server: DietApiServer, slept: list[float]) -> Iterator[None]:
    """`govrag ingest ndl-api` in this process reaches `server`; its client's sleeps are recorded, not waited
    (pacing 3 s, backoff 5 s · 2^n and Retry-After as configured by default; 3 retries)."""
    import govrag.sources.diet.api as diet_api
    from tests.fake_time import FakeTime

    real = diet_api.DietApiClient
    clock = FakeTime()
    clock.sleeps = slept

    def made(**kwargs: Any) -> Any:
        return real(**{"base_url": server.base_url, "max_retries": 3, "sleep": clock.sleep, "clock": clock.clock,
                       **kwargs})

    with mock.patch.object(diet_api, "DietApiClient", made):
        yield


def ndl_night(server: DietApiServer, out: Path, data: Path, until: str) -> Night:
    """One night's `govrag ingest ndl-api --out OUT --from FIRST_DAY --until UNTIL` (harvest, then ingest)."""
    first = len(server.log)
    slept: list[float] = []
    with diet_client_for(server, slept):
        code, output = govrag("ingest", "ndl-api", "--out", str(out), "--from", FIRST_DAY, "--until", until,
                              "--data-dir", str(data))
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    docs, chunks = docstore_state(data / "chunks.sqlite") if (data / "chunks.sqlite").exists() else ([], [])
    return Night(until, code, " ".join(output[output.index("error:"):].split()) if errors else "",
                 server.log[first:], slept, docs, chunks, sorted(p.name for p in out.glob("speech-*")))


def nightly(work: Path, records: list[dict[str, Any]]) -> Nightly:
    """Night 1 harvests the first week; night 2 the next three weeks, meeting 429s and 503s it must ride out;
    night 3 the rest, with one page failing beyond the retries; then night 3 is run again (the API is back).
    The reference is the whole range harvested and ingested in one fault-free run."""
    reference = work / "reference"
    server = DietApiServer(records)
    try:
        ref = ndl_night(server, reference / "harvest", reference / "data", NIGHTS[-1])
        assert ref.exit_code == 0, ref.error
        server.log.clear()
        out, data = work / "harvest", work / "data"
        nights = {"night 1": ndl_night(server, out, data, NIGHTS[0])}
        # Night 2's windows are 08-05..08-11, 08-12..08-18 and 08-19..08-25 (the 08-23 meetings, 3 pages).
        retry_after = "7"
        server.inject[("2024-08-19", "2024-08-25", 1)] = [Fault(429, retry_after), Fault(503)]
        server.inject[("2024-08-19", "2024-08-25", 101)] = [Fault(503), Fault(429, retry_after)]
        nights["night 2"] = ndl_night(server, out, data, NIGHTS[1])
        failing = ("2024-09-30", "2024-10-06", 101)  # the last window's second page
        server.failing.add(failing)
        nights["night 3"] = ndl_night(server, out, data, NIGHTS[2])
        server.failing.clear()
        nights["night 3, rerun"] = ndl_night(server, out, data, NIGHTS[2])
    finally:
        server.close()
    return Nightly(nights, ref.docs, ref.chunks, retry_after, failing)


# --------------------------------------------------------------------------- a govrag process on the stand-in


class _Shared:
    """One client on the stand-in's folder for every store this process opens on `url`, as many clients
    share one server (local mode allows one instance per folder); closing a store does not close it."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def close(self) -> None:
        pass


@contextmanager
def on_disk_stand_in(path: Path, url: str) -> Iterator[None]:
    """Clients govrag makes in this process for `url` reach the stand-in persisted at `path`."""
    from qdrant_client import QdrantClient

    import govrag.index.store.server as adapter

    real = adapter.QdrantClient
    shared: list[Any] = []

    def made(*a: Any, url: str | None = None, **kw: Any) -> Any:
        if url != wanted:
            return real(*a, url=url, **kw)
        if not shared:
            shared.append(QdrantClient(path=str(path)))
        return _Shared(shared[0])

    wanted = url
    try:
        with mock.patch.object(adapter, "QdrantClient", made):
            yield
    finally:
        for client in shared:
            client.close()


def child_command(args: Sequence[str], *, qdrant_path: Path | None = None, url: str = "",
                  upsert_batch: int | None = None, hold_after_upsert: int | None = None,
                  hold_after_points: int | None = None) -> list[str]:
    """The `govrag` command as a process: `args` as given; in server mode on a stand-in persisted at
    `qdrant_path` (reached as `url`); with the build's UPSERT_BATCH set; stopping until killed after the
    n-th upsert has returned (before its progress mark), or after the stand-in has written n points."""
    cmd = [sys.executable, "-m", "tests.ops.faults_server", "govrag"]
    if qdrant_path is not None:
        cmd += ["--qdrant-path", str(qdrant_path), "--url", url]
    for option, value in (("--upsert-batch", upsert_batch), ("--hold-after-upsert", hold_after_upsert),
                          ("--hold-after-points", hold_after_points)):
        if value is not None:
            cmd += [option, str(value)]
    return [*cmd, "--", *args]


def _child(argv: list[str]) -> None:
    """`python -m tests.ops.faults_server govrag [--qdrant-path P --url U] [--upsert-batch N]
    [--hold-after-upsert K | --hold-after-points K] -- <govrag args>`: the real CLI, after the stand-in's
    patches. It says "@upserted n size" (stderr) after each upsert and "@holding" where it waits to be killed."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--qdrant-path", type=Path)
    parser.add_argument("--url", default="")
    parser.add_argument("--upsert-batch", type=int)
    parser.add_argument("--hold-after-upsert", type=int)
    parser.add_argument("--hold-after-points", type=int)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args

    stack = ExitStack()

    def hold(what: str) -> None:
        print(f"@holding {what}", file=sys.stderr, flush=True)
        time.sleep(600)  # until killed

    if ns.qdrant_path is not None:
        from qdrant_client.local import persistence

        import govrag.index.store.server as adapter

        stack.enter_context(on_disk_stand_in(ns.qdrant_path, ns.url))
        os.environ["GOVRAG_STORE_URL"] = ns.url
        opened, persist = persistence.CollectionPersistence.__init__, persistence.CollectionPersistence.persist
        written = [0]

        def opened_fast(self: Any, *a: Any, **kw: Any) -> None:
            opened(self, *a, **kw)
            # No fsync per point: a killed process loses nothing SQLite committed either way (only a power
            # cut would), and the stand-in commits every point on its own (1,810 fsyncs otherwise).
            self.storage.execute("PRAGMA synchronous=OFF")

        def persisted(self: Any, point: Any) -> None:
            persist(self, point)
            written[0] += 1
            if written[0] == ns.hold_after_points:
                hold(f"after point {written[0]}")  # the stand-in lives in this process: the batch is cut here

        persistence.CollectionPersistence.__init__ = opened_fast  # type: ignore[method-assign]
        persistence.CollectionPersistence.persist = persisted  # type: ignore[method-assign]
        upsert, done = adapter.ServerStore.upsert, [0]

        def upserted(self: Any, points: Any) -> None:
            upsert(self, points)
            done[0] += 1
            print(f"@upserted {done[0]} {len(points)}", file=sys.stderr, flush=True)
            if done[0] == ns.hold_after_upsert:
                hold(f"after upsert {done[0]}")  # the points are in, the progress mark is not

        adapter.ServerStore.upsert = upserted  # type: ignore[method-assign]
    if ns.upsert_batch is not None:
        from govrag.index import indexer

        indexer.UPSERT_BATCH = ns.upsert_batch
    from govrag.cli import main

    sys.argv = ["govrag", *args]
    with stack:
        main()


def run_child(cmd: list[str], *, file_size_limit: int | None = None, timeout: float = 120
              ) -> subprocess.CompletedProcess[str]:
    """Run a child (from the checkout's root), optionally with writes past `file_size_limit` bytes failing."""
    return subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_limit(file_size_limit) if file_size_limit else None,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def _limit(size: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))
    return apply


def stand_in_points(path: Path) -> list[str]:
    """Every point id the on-disk stand-in holds (read with qdrant-client's local mode, after the child)."""
    from qdrant_client import QdrantClient

    client = QdrantClient(path=str(path))
    try:
        ids: list[str] = []
        if not client.collection_exists("govrag"):
            return ids
        offset = None
        while True:
            points, offset = client.scroll("govrag", limit=1000, offset=offset, with_payload=False, with_vectors=False)
            ids += [str(p.id) for p in points]
            if offset is None:
                return ids
    finally:
        client.close()


def retrievable(path: Path, url: str, data: Path) -> tuple[int, int, str, str | None]:
    """Through govrag in server mode on the stand-in, as `govrag serve` opens it: (chunk ids retrieved,
    chunks stored, status, rank of ANSWER's label for QUESTION)."""
    from govrag.config import Settings
    from govrag.index.docstore import DocStore
    from govrag.service import Service

    with DocStore(data / "chunks.sqlite") as docs:
        ids = [c.id for c in docs.iter_chunks()]
    with on_disk_stand_in(path, url):
        svc = Service(Settings(data_dir=data, store_url=url), check_pages=False)
        try:
            found = len(svc.store.retrieve(ids))
            labels = [h.chunk.label for h in svc.search(QUESTION).hits]
            status = svc.status()
        finally:
            svc.close()
    return found, len(ids), status, str(labels.index(ANSWER) + 1) if ANSWER in labels else None


# --------------------------------------------------------------------------- 3. the build killed mid-batch


@dataclass
class Killed:
    """Scenario 3: `govrag index build` (server mode, stand-in on disk) killed with SIGKILL, then rerun."""

    when: str  # "between": upsert n returned, its progress mark not written; "during": n points of a batch in
    at: int
    points_at_kill: int
    marked_at_kill: int
    chunks: int
    rerun_code: int
    rerun_said: str
    ids: list[str] = field(repr=False)
    retrieved: int
    status: str
    rank: str | None

    def row(self) -> Row:
        dupes = len(self.ids) - len(set(self.ids))
        if self.when == "between":
            name = "`govrag index build` killed between a batch's write and its progress mark (server mode)"
            how = f"SIGKILL after upsert {self.at} returned (UPSERT_BATCH 1: a batch per law)"
        else:
            name = "`govrag index build` killed mid-batch (server mode)"
            how = (f"SIGKILL after {self.at} points of the first batch (民法, 1,399 points) were written (the "
                   "stand-in runs in the killed process; a real server applies a batch whole or not at all)")
        return Row(
            name, how,
            f"build dead: {self.points_at_kill} of {self.chunks} points in the store, {self.marked_at_kill} "
            f"of 5 laws marked done",
            f"rerun exit {self.rerun_code} ({_short(self.rerun_said, 90)}); {len(self.ids)} points = "
            f"{self.chunks} chunks, {dupes} duplicate ids, {self.retrieved} retrievable; service {self.status}, "
            f"{ANSWER} at rank {self.rank}",
            f"{NOTHING}: one point per chunk" if len(self.ids) == self.chunks == self.retrieved and not dupes
            else "see counts",
        )


def killed_build(work: Path, ingested: Path, *, when: str = "between", at: int = 2) -> Killed:
    """SIGKILL the build where the child holds: "between" its `at`-th upsert returning and that batch's
    progress mark, or "during" a batch, after the stand-in has written `at` points. Then the same build
    again: exactly one point per chunk after, all retrievable."""
    data, qdrant = _fresh_copy(ingested, work / f"killed-{when}"), work / f"killed-{when}-qdrant"
    url = "http://127.0.0.1:6333"  # only a name here: the child's client for it is the stand-in on disk
    args = ["index", "build", "--no-descriptors", "--workers", "1", "--data-dir", str(data)]
    cmd = child_command(args, qdrant_path=qdrant, url=url, upsert_batch=1,
                        **{"hold_after_upsert" if when == "between" else "hold_after_points": at})
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    try:
        assert child.stderr is not None
        if not any(line.startswith("@holding") for line in child.stderr):
            raise AssertionError(f"the build ended without reaching the kill point: exit {child.wait()}")
        os.killpg(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL, child.returncode
    points_at_kill = len(stand_in_points(qdrant))
    con = sqlite3.connect(data / "chunks.sqlite")
    marked, = con.execute("SELECT count(*) FROM indexed WHERE stage = 'sparse'").fetchone()
    chunks, = con.execute("SELECT count(*) FROM chunks").fetchone()
    con.close()
    rerun = run_child(child_command(args, qdrant_path=qdrant, url=url))
    said = next((line for line in rerun.stdout.splitlines() if line.startswith("sparse:")), rerun.stderr[-300:])
    ids = stand_in_points(qdrant)
    found, _, status, rank = retrievable(qdrant, url, data)
    return Killed(when, at, points_at_kill, marked, chunks, rerun.returncode, said, ids, found, status, rank)


def _fresh_copy(ingested: Path, data: Path) -> Path:
    import shutil

    shutil.copytree(ingested, data)
    return data


# --------------------------------------------------------------------------- 4. the disk full


@dataclass
class DiskFull:
    """Scenario 4: a command whose writes fail past a size limit, then the same command without it."""

    what: str
    limit: int
    exit_code: int
    said: str
    traceback: bool
    rerun_code: int
    docs: list[tuple[Any, ...]]
    chunks: list[str] = field(repr=False)
    expected_docs: list[tuple[Any, ...]] = field(repr=False)
    expected_chunks: list[str] = field(repr=False)
    points: list[str] | None = field(default=None, repr=False)  # the store's point ids, for a build

    def complete(self) -> bool:
        points_ok = self.points is None or sorted(self.points) == self.expected_chunks
        return self.docs == self.expected_docs and self.chunks == self.expected_chunks and points_ok

    def row(self) -> Row:
        counted = f"{len(self.docs)} documents, {len(self.chunks)} chunks"
        if self.points is not None:
            counted += f", {len(self.points)} points ({len(self.points) - len(set(self.points))} duplicate ids)"
        return Row(
            f"disk full during `{self.what}`" + (" (server mode)" if self.points is not None else ""),
            f"RLIMIT_FSIZE {self.limit / 2**20:.1f} MiB in the child (SIGXFSZ ignored: writes fail with EFBIG)",
            f"exit {self.exit_code}{', a traceback' if self.traceback else ''}: “{self.said}”",
            f"limit lifted, same command: exit {self.rerun_code}; {counted}, as a clean run: {self.complete()}",
            f"{NOTHING}: the documents and chunk ids of a clean run" if self.complete() else "differs from a clean run",
        )


def disk_full_ingest(work: Path, expected: Path, limit: int = 4 * 2**20) -> DiskFull:
    """`govrag ingest run ingest/laws-sample.toml` into a fresh data dir, its files limited to `limit` bytes
    (the finished store is ~6.5 MiB), then again without the limit. `expected` is a clean run's data dir."""
    data = work / "disk-full-ingest"
    args = ["ingest", "run", str(JOB), "--workers", "1", "--data-dir", str(data)]
    full = run_child(child_command(args), file_size_limit=limit)
    rerun = run_child(child_command(args))
    docs, chunks = docstore_state(data / "chunks.sqlite")
    want_docs, want_chunks = docstore_state(expected / "chunks.sqlite")
    return DiskFull("govrag ingest run ingest/laws-sample.toml", limit, full.returncode, _said(full),
                    "Traceback" in full.stderr + full.stdout, rerun.returncode, docs, chunks, want_docs, want_chunks)


def disk_full_build(work: Path, ingested: Path, limit: int = 2**20) -> DiskFull:
    """`govrag index build` in server mode (stand-in on disk) with files limited to `limit` bytes: the store's
    file outgrows it mid-build (and the document store is already bigger than it), then again without it."""
    data, qdrant = _fresh_copy(ingested, work / "disk-full-build"), work / "disk-full-qdrant"
    url = "http://127.0.0.1:6333"
    args = ["index", "build", "--no-descriptors", "--workers", "1", "--data-dir", str(data)]
    full = run_child(child_command(args, qdrant_path=qdrant, url=url, upsert_batch=1), file_size_limit=limit)
    rerun = run_child(child_command(args, qdrant_path=qdrant, url=url, upsert_batch=1))
    docs, chunks = docstore_state(data / "chunks.sqlite")
    want_docs, want_chunks = docstore_state(ingested / "chunks.sqlite")
    return DiskFull("govrag index build", limit, full.returncode, _said(full),
                    "Traceback" in full.stderr + full.stdout, rerun.returncode, docs, chunks, want_docs, want_chunks,
                    points=stand_in_points(qdrant))


def _said(run: subprocess.CompletedProcess[str]) -> str:
    """The command's `error:` line, else its last line."""
    lines = [line.strip() for line in (run.stderr + "\n" + run.stdout).splitlines() if line.strip()]
    return next((line for line in lines if line.startswith("error:")),
                lines[-1] if lines else f"exit {run.returncode}, no output")


if __name__ == "__main__":
    if sys.argv[1:2] == ["govrag"]:
        _child(sys.argv[2:])
    else:
        raise SystemExit("usage: python -m tests.ops.faults_server govrag [options] -- <govrag args>")
