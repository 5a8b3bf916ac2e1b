"""A scripted OpenAI-compatible HTTP server on loopback, for tests of the LLM path.

Why: govrag talks to its generator through llama-index's ``OpenAILike``, i.e. the
``openai`` client over real HTTP. Mocking the client would hide exactly what goes
wrong in production (timeouts, 5xx, malformed JSON, a stream cut mid-way, the
prompt actually put on the wire). So tests start this server on 127.0.0.1 (a free
port, a daemon thread), point ``api_base`` at it, script the replies, and then
assert on what was received.

    from tests.llm.fake_openai import Reply, scripted_openai

    with scripted_openai([Reply("答えです。")]) as server:
        llm = OpenAILike(model="scripted", api_base=server.base_url, api_key="k",
                         is_chat_model=True, timeout=2, max_retries=0)
        assert llm.complete("質問").text == "答えです。"
        assert server.requests[0]["messages"][-1]["content"] == "質問"

Each POST to ``/v1/chat/completions`` or ``/v1/completions`` takes the next
scripted reply (in arrival order); when none is left, ``default`` is sent (by
default HTTP 500 "no scripted reply"). ``GET /v1/models`` takes none. A scripted
entry may also be a callable ``(request_body: dict) -> Reply``.

Observed with openai 2.x (``max_retries=0``), see tests/llm/test_fake_openai.py:
  - reply later than the client timeout -> ``openai.APITimeoutError``
  - status 500 -> ``openai.InternalServerError``; 429 -> ``openai.RateLimitError``
  - malformed JSON body with status 200 -> ``json.JSONDecodeError`` (a ValueError,
    NOT an ``openai.APIError``: the client does not wrap it)
  - stream cut before ``[DONE]`` -> ``httpx.RemoteProtocolError`` while iterating
    (also not wrapped), after the chunks that did arrive were yielded.

Note: with ``max_retries > 0`` the client resends failed requests, and every
resend takes the next scripted reply.
"""

from __future__ import annotations

import itertools
import json
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = ["RecordedRequest", "Reply", "ScriptedOpenAI", "fake_openai", "scripted_openai"]


@dataclass
class Reply:
    """One scripted answer to one POST.

    content: the answer text (message.content / text).
    stream_chunks: for ``stream: true`` requests, the content deltas in order;
        None splits ``content`` into up to three chunks.
    status: HTTP status. For status >= 400 without ``body``, an OpenAI-shaped
        error JSON is sent with ``content`` (or a default) as its message.
    body: raw response body sent as-is with status ``status`` (content type JSON,
        or text/event-stream for a 2xx answer to a ``stream: true`` request, so
        malformed SSE can be scripted too); overrides everything but
        ``delay_s``/``headers``.
    delay_s: wait before responding (to trip client timeouts). Cut short when
        the server stops, so a pending delayed reply never hangs a test.
    chunk_delay_s: wait between SSE events of a stream.
    headers: extra response headers, e.g. ``{"Retry-After": "1"}``; the openai
        client also honours ``{"retry-after-ms": "10"}`` (fast retry tests).
    finish_reason: choices[0].finish_reason ("stop", "length", ...).
    cut_stream_after: for streams, close the connection after this many SSE
        events, without ``[DONE]`` (events: role chunk, content chunks, final).
    usage: override the ``usage`` object (default: rough character counts).
    """

    content: str = ""
    stream_chunks: list[str] | None = None
    status: int = 200
    body: str | None = None
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    finish_reason: str = "stop"
    cut_stream_after: int | None = None
    usage: dict[str, int] | None = None


NO_SCRIPTED_REPLY = Reply(
    status=500,
    body=json.dumps(
        {"error": {"message": "no scripted reply", "type": "server_error", "param": None, "code": None}}
    ),
)


@dataclass
class RecordedRequest:
    """What the server received: method, path, headers (lower-cased names), body."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or the raw text when it did not parse, or None (GET)

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    @property
    def api_key(self) -> str | None:
        auth = self.authorization or ""
        return auth[len("Bearer ") :] if auth.startswith("Bearer ") else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    owner: ScriptedOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or disconnect leave broken pipes behind; that is
        # expected here and must not spam the test output.
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    # -- plumbing -----------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.owner._untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        text = raw.decode("utf-8", "replace")
        try:
            return json.loads(text)
        except ValueError:
            return text

    def _record(self, body: Any) -> RecordedRequest:
        rec = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.server.owner._record(rec)
        return rec

    def _send(
        self, status: int, payload: bytes, headers: dict[str, str] | None = None, ctype: str | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype or "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), headers)

    # -- routes -------------------------------------------------------------

    def do_GET(self) -> None:
        self._record(None)
        if self._route() == "models":
            owner = self.server.owner
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": m, "object": "model", "created": owner.created, "owned_by": "govrag-tests"}
                        for m in owner.models
                    ],
                },
            )
        else:
            self._not_found()

    def do_POST(self) -> None:
        body = self._read_body()
        self._record(body)
        route = self._route()
        if route not in ("chat", "completions"):
            self._not_found()
            return
        owner = self.server.owner
        request = body if isinstance(body, dict) else {}
        reply = owner._next_reply(request)
        try:
            if reply.delay_s and owner._stopping.wait(reply.delay_s):
                self.close_connection = True
                return
            if reply.body is not None:
                ctype = "text/event-stream" if request.get("stream") and reply.status < 400 else None
                self._send(reply.status, reply.body.encode("utf-8"), reply.headers, ctype)
            elif reply.status >= 400:
                self._send_json(
                    reply.status,
                    {
                        "error": {
                            "message": reply.content or f"scripted error {reply.status}",
                            "type": "server_error" if reply.status >= 500 else "invalid_request_error",
                            "param": None,
                            "code": None,
                        }
                    },
                    reply.headers,
                )
            elif request.get("stream"):
                self._stream(route, request, reply)
            else:
                self._send_json(reply.status, _completion(route, request, reply, owner), reply.headers)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _route(self) -> str | None:
        path = self.path.split("?", 1)[0].rstrip("/")
        base = self.server.owner.path_prefix
        return {
            f"{base}/chat/completions": "chat",
            f"{base}/completions": "completions",
            f"{base}/models": "models",
        }.get(path)

    def _not_found(self) -> None:
        self._send_json(
            404,
            {"error": {"message": f"unknown path {self.path}", "type": "invalid_request_error", "param": None, "code": None}},
        )

    def _stream(self, route: str, request: dict[str, Any], reply: Reply) -> None:
        owner = self.server.owner
        events = list(_stream_events(route, request, reply, owner))
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.flush()
        for i, event in enumerate(events):
            if reply.cut_stream_after is not None and i >= reply.cut_stream_after:
                self._cut()
                return
            if i and reply.chunk_delay_s and owner._stopping.wait(reply.chunk_delay_s):
                self._cut()
                return
            self._write_chunk(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
        if reply.cut_stream_after is not None and reply.cut_stream_after <= len(events):
            self._cut()
            return
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _cut(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _usage(request: dict[str, Any], reply: Reply) -> dict[str, int]:
    if reply.usage is not None:
        return reply.usage
    if "messages" in request:
        prompt = "".join(str(m.get("content") or "") for m in request.get("messages") or [] if isinstance(m, dict))
    else:
        prompt = str(request.get("prompt") or "")
    p, c = len(prompt), len(reply.content)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _completion(route: str, request: dict[str, Any], reply: Reply, owner: ScriptedOpenAI) -> dict[str, Any]:
    model = request.get("model") or "scripted"
    if route == "chat":
        return {
            "id": owner._new_id("chatcmpl"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": _usage(request, reply),
        }
    return {
        "id": owner._new_id("cmpl"),
        "object": "text_completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"text": reply.content, "index": 0, "logprobs": None, "finish_reason": reply.finish_reason}],
        "usage": _usage(request, reply),
    }


def _split(content: str, parts: int = 3) -> list[str]:
    if not content:
        return []
    size = max(1, math.ceil(len(content) / parts))
    return [content[i : i + size] for i in range(0, len(content), size)]


def _stream_events(
    route: str, request: dict[str, Any], reply: Reply, owner: ScriptedOpenAI
) -> Iterator[dict[str, Any]]:
    """The SSE payloads of one streamed answer, [DONE] excluded."""
    chunks = reply.stream_chunks if reply.stream_chunks is not None else _split(reply.content)
    model = request.get("model") or "scripted"
    created = int(time.time())
    include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
    if route == "chat":
        cid = owner._new_id("chatcmpl")

        def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
            return {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }

        yield chunk({"role": "assistant", "content": ""}, None)
        for piece in chunks:
            yield chunk({"content": piece}, None)
        yield chunk({}, reply.finish_reason)
        if include_usage:
            yield {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [], "usage": _usage(request, reply)}
    else:
        cid = owner._new_id("cmpl")

        def tchunk(text: str, finish: str | None) -> dict[str, Any]:
            return {
                "id": cid,
                "object": "text_completion",
                "created": created,
                "model": model,
                "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish}],
            }

        for piece in chunks:
            yield tchunk(piece, None)
        yield tchunk("", reply.finish_reason)
        if include_usage:
            yield {"id": cid, "object": "text_completion", "created": created, "model": model,
                   "choices": [], "usage": _usage(request, reply)}


class ScriptedOpenAI:
    """The server. Use as a context manager (or ``start()``/``stop()``).

    Attributes once started:
      base_url  ``http://127.0.0.1:PORT/v1`` (pass as ``api_base``)
      requests  JSON bodies of the POSTs received, in order
      calls     every request (GETs too) as `RecordedRequest` (path, headers, body)
      replies   the pending script (a deque); ``script(...)`` appends
      default   sent when the script is empty (default: 500 "no scripted reply")
    """

    def __init__(
        self,
        replies: Iterable[Reply | Callable[[dict[str, Any]], Reply]] = (),
        *,
        default: Reply | None = NO_SCRIPTED_REPLY,
        models: Iterable[str] = ("scripted",),
        host: str = "127.0.0.1",
        port: int = 0,
        path_prefix: str = "/v1",
    ) -> None:
        self.replies: deque[Reply | Callable[[dict[str, Any]], Reply]] = deque(replies)
        self.default = default if default is not None else NO_SCRIPTED_REPLY
        self.models = list(models)
        self.path_prefix = path_prefix.rstrip("/")
        self.created = int(time.time())
        self.requests: list[Any] = []
        self.calls: list[RecordedRequest] = []
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- scripting ----------------------------------------------------------

    def script(self, *replies: Reply | Callable[[dict[str, Any]], Reply]) -> ScriptedOpenAI:
        with self._lock:
            self.replies.extend(replies)
        return self

    @property
    def api_keys(self) -> list[str | None]:
        """The bearer key of each POST, in order."""
        return [c.api_key for c in self.calls if c.method == "POST"]

    @property
    def last_request(self) -> Any:
        return self.requests[-1] if self.requests else None

    # -- lifecycle ----------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}{self.path_prefix}"

    def start(self) -> ScriptedOpenAI:
        httpd = _Server((self._host, self._port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="scripted-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Fast, clean stop: wakes delayed replies, drops open connections."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler ------------------------------------------------

    def _next_reply(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            entry = self.replies.popleft() if self.replies else self.default
        return entry(request) if callable(entry) else entry

    def _record(self, rec: RecordedRequest) -> None:
        with self._lock:
            self.calls.append(rec)
            if rec.method == "POST":
                self.requests.append(rec.body)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-scripted{next(self._ids)}"

    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.discard(conn)


@contextmanager
def scripted_openai(
    replies: Iterable[Reply | Callable[[dict[str, Any]], Reply]] = (),
    **kwargs: Any,
) -> Iterator[ScriptedOpenAI]:
    """``with scripted_openai([Reply("...")]) as server:`` -- see `ScriptedOpenAI`."""
    server = ScriptedOpenAI(replies, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def fake_openai() -> Iterator[ScriptedOpenAI]:
    """Generator for a pytest fixture: ``fake_openai_server = pytest.fixture(fake_openai)``."""
    with scripted_openai() as server:
        yield server
