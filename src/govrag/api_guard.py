"""What stands between any request and the app: a body-size bound and error bodies that never echo.

* `BodyLimit` (pure ASGI) reads at most `max_bytes` of a body before the app
  sees it; more is a 413, whether or not Content-Length was sent.
* Validation errors come back as FastAPI's usual 422 list, but every string in
  them (the input, the location, the message) is cut to a short excerpt with
  non-encodable characters escaped: a 20 MB field costs 20 MB once, not twice,
  and NaN or a lone surrogate can never make the error itself fail.
* Damaged data met while serving is a 503 naming the file and the repair;
  anything else unexpected is a 500 with an incident id, logged, no traceback.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govrag.index.integrity import DataError
from govrag.index.store.base import StoreError, StoreUnreachable
from govrag.research.history import HistoryError

EXCERPT_CHARS = 80
log = logging.getLogger("govrag.api")


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short, always-encodable rendering of any value a client sent."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, float) and not math.isfinite(value):
        text = str(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} chars)"


def _error(err: MutableMapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": excerpt(err.get("type", "value_error"), 40),
        "loc": [p if isinstance(p, int) else excerpt(p, 40) for p in err.get("loc", ())][:8],
        "msg": excerpt(err.get("msg", ""), 200),
    }
    if "input" in err:
        out["input"] = excerpt(err["input"])
    return out


def validation_response(errors: list[Any], status: int = 422) -> JSONResponse:
    return JSONResponse({"detail": [_error(e) for e in errors[:20]]}, status_code=status)


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413 before the app reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._too_large(send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect, as a server would
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        payload = json.dumps({"detail": f"request body over {self.max_bytes:,} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})


def install(app: FastAPI, *, max_body_bytes: int) -> None:
    """Add the body bound and the error handlers to an app."""
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(list(exc.errors()))

    @app.exception_handler(ValueError)
    async def _value(request: Request, exc: ValueError) -> JSONResponse:
        # Raised by the library for input it cannot honour (a filter no stored source can apply).
        return validation_response([{"type": "value_error", "loc": ["body"], "msg": str(exc)}])

    @app.exception_handler(DataError)
    async def _damaged(request: Request, exc: DataError) -> JSONResponse:
        return JSONResponse({"detail": excerpt(str(exc), 600)}, status_code=503)

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        if isinstance(exc, StoreUnreachable):  # not damage: the store server is down or out of reach
            return JSONResponse({"detail": excerpt(
                f"the vector store does not answer: {exc}; check that it is up (store_url) and retry: "
                "govrag reconnects by itself", 600)}, status_code=503)
        return JSONResponse({"detail": excerpt(f"the index cannot be read: {exc}; run `govrag doctor`", 600)},
                            status_code=503)

    @app.exception_handler(HistoryError)
    async def _history(request: Request, exc: HistoryError) -> JSONResponse:
        return JSONResponse({"detail": excerpt(str(exc), 600)}, status_code=503)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        """As Starlette answers, except that a 405 lists in Allow every method the path has (Starlette names
        only the first route's, and /research has a GET and a POST)."""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=headers)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": incident(f"{request.method} {request.url.path}")}, status_code=500)


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route of the app answers on this path."""
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, BaseRoute) and route.matches({**scope, "method": "GET"})[0] != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def incident(where: str) -> str:
    """Log the exception being handled under a fresh incident id; the one line a client is told."""
    number = uuid.uuid4().hex[:12]
    log.exception("incident %s: %s", number, where)
    return f"internal error (incident {number}); the server log has the details"

