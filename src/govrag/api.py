"""HTTP API: /search, /ask, /documents/{id}, /laws/define, /healthz, /readyz, /metrics (OpenAPI at /docs).

Thin over `Service`. Input is validated in one layer (api_models.py) and guarded
in another (api_guard.py: body bound, non-echoing errors, 503 for damaged data),
so a client gets a 4xx that says what is wrong, never a 500 for a bad request.

Search and ask run in worker threads bounded by one limiter (`api_workers`), so
32 eager clients queue for a slot instead of each pinning a thread, and the
health probes, which run on the event loop, answer at once (/readyz and /metrics read the stores
in threads outside that limiter). Metrics are this app's own (metrics.py); the process that serves
HTTP is the one that times it, so with search processes they still live here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path as PathLib
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from govrag import api_guard
from govrag.api_models import (
    CHUNK_ID_PATTERN, NOT_BLANK, REPORT_ID_PATTERN, TERM_MAX_CHARS, AskIn, AskOut, ChunkOut, DefinitionOut,
    DefinitionsOut, DocumentOut, ErrorOut, HealthOut, HistoryOut, HitOut, ReadyOut, ReportOut, ResearchIn, SearchIn,
    SearchOut,
)
from govrag.answer.generate import last_answer
from govrag.answer.records import Answer
from govrag.background import start_builder
from govrag.config import Settings
from govrag.metrics import Metrics, install as install_metrics
from govrag.research import export
from govrag.research.pipeline import ResearchOptions
from govrag.research.records import Report
from govrag.safeguards import http as safeguards_http
from govrag.safeguards.keys import ANONYMOUS
from govrag.search_pool import SearchPool
from govrag.service import Caller, Service

T = TypeVar("T")
UI_DIR = PathLib(__file__).parent / "ui"
ReportId = Annotated[str, Path(pattern=REPORT_ID_PATTERN, description="A report id from POST /research")]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not JSON text (bytes that do not decode)"},
    401: {"model": ErrorOut, "description": "API keys are configured and none (or an unknown one) was sent"},
    429: {"model": ErrorOut, "description": "Over the key's rate (or the open API's per-address rate); see Retry-After"},
    413: {"model": ErrorOut, "description": "Request body too large"},
    503: {"model": ErrorOut, "description": "Stored data is damaged; the message names the file and the repair"},
}


def create_app(service: Service | None = None, settings: Settings | None = None) -> FastAPI:
    """The app; a test passes its own service, `govrag serve` lets it open one from settings."""
    config = settings or (service.settings if service else Settings())
    state: dict[str, Any] = {"service": service} if service is not None else {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["service"] = service or Service(config)
        state["limiter"] = anyio.CapacityLimiter(config.api_workers or os.cpu_count() or 1)
        served = state["service"].settings
        state["pool"] = await anyio.to_thread.run_sync(SearchPool, served, served.search_workers) if (
            served.search_workers > 1) else None
        state["builder"] = start_builder(state["service"])
        unwatch = metrics.watch_audit(state["service"].audit)
        yield
        unwatch()
        if state["builder"] is not None:
            await anyio.to_thread.run_sync(state["builder"].stop)
        if state["pool"] is not None:
            state["pool"].close()
        if service is None:
            state["service"].close()

    app = FastAPI(title="govrag", version="0.1.0", lifespan=lifespan,
                  description="Cited search and answers over Japanese laws (e-Gov), the gazette and Diet minutes.")
    metrics = Metrics()
    api_guard.install(app, max_body_bytes=config.max_request_bytes)
    safeguards_http.install(app, config, on_refused=metrics.key_refused)  # API keys and rate limits, GET /risk
    install_metrics(app, metrics, state)  # GET /metrics; its request timer is the outermost middleware

    def svc() -> Service:
        return state["service"]  # type: ignore[no-any-return]

    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        """The schema says what this server's data can do: where no stored source carries a date,
        date_from/date_to accept only null (and a date is refused with a 422 that says why)."""
        schema = build_schema()
        if "service" in state and not state["service"].searcher.dated_sources:
            props = schema.get("components", {}).get("schemas", {}).get("FiltersIn", {}).get("properties", {})
            for name in ("date_from", "date_to"):
                if name in props:
                    props[name] = {"type": "null", "title": props[name].get("title", name), "description": (
                        "Not available on this server: no stored source carries a date (filter laws by "
                        "year_from/year_to).")}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

    async def in_worker(fn: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(fn, limiter=state["limiter"])

    def streamed(first: tuple[str, Any], events: Generator[tuple[str, Any], None, None],
                 render: Callable[[str, Any], tuple[str, Any, bool]], where: str) -> StreamingResponse:
        """Server-sent events from a generator of (kind, value) whose first event is already in hand (so
        a bad request or damaged data was still a 4xx/5xx with a body). `render` names each event and says
        whether it is the last. A fault after the response began ends in an `error` event; a client gone
        mid-stream closes the generator, which writes the audit record."""
        async def sse() -> AsyncIterator[bytes]:
            event: tuple[str, Any] | None = first
            try:
                while event is not None:
                    name, data, last = render(*event)
                    yield _sse(name, data)
                    if last:
                        return
                    event = await in_worker(lambda: next(events, None))
            except Exception:  # noqa: BLE001 - the response has started: say so in the stream, never drop it
                yield _sse("error", {"detail": api_guard.incident(where)})
            finally:
                with anyio.CancelScope(shield=True):
                    await in_worker(events.close)

        return StreamingResponse(sse(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.get("/healthz", response_model=HealthOut)
    async def healthz() -> dict[str, Any]:
        """Liveness: always 200 while the process serves; `status` says "degraded" with the problems."""
        pool, builder = state["pool"], state["builder"]
        return {**svc().health(), "search_processes": [{"pid": pid, "index": index} for pid, index in pool.workers]
                if pool is not None else [], "background": builder.status() if builder is not None else None}

    @app.get("/readyz", response_model=ReadyOut,
             responses={503: {"model": ReadyOut, "description": "Checking, degraded or failed"}})
    async def readyz() -> Any:
        """Readiness: 200 only when every check has passed (they rerun when a data file changed) and the
        index answers now; `checks` says what they found (store reachable, points, coverage per source)."""
        ready = await anyio.to_thread.run_sync(svc().ready)
        body = {"status": "ready" if ready.status == "ok" else ready.status,
                "problems": [p.as_dict() for p in ready.problems], "checks": ready.checks}
        return body if ready.status == "ok" else JSONResponse(body, status_code=503)

    def caller(request: Request, confidentiality: int = 1) -> Caller:
        return Caller(key_id=str(request.scope.get("state", {}).get("key_id", ANONYMOUS)),
                      endpoint=request.url.path, confidentiality=confidentiality)

    @app.post("/search", response_model=SearchOut, responses=_ERRORS)
    async def search(body: SearchIn, request: Request) -> SearchOut:
        who = caller(request)
        if (pool := state["pool"]) is not None:
            with svc().recording():  # a search process's fault turns this process's health too
                result = await pool.search(body.query, body.options(), caller=who)
            if svc().audit is not None:  # the search process wrote the record (metrics.py)
                metrics.audit_records.labels("search").inc()
        else:
            result = await in_worker(lambda: svc().search(body.query, body.options(), caller=who))
        metrics.observe_stages("/search", result.timings_ms)
        hits = [HitOut(**ChunkOut.of(h.chunk).model_dump(), rank=h.rank, score=h.score, via=h.via,
                       linked=[ChunkOut.of(c) for c in h.linked]) for h in result.hits]
        return SearchOut(query=result.query, hits=hits, scoped_to=list(result.scoped_to),
                         routed_to=list(result.routed_to), missing=list(result.missing),
                         unknown_laws=list(result.unknown_laws), not_stored=list(result.not_stored),
                         applied_filters=list(result.applied_filters), definitions=list(result.definitions),
                         warnings=[*body.filters.notes, *result.warnings, *svc().warnings()], timings_ms=result.timings_ms)

    def ask_out(body: AskIn, answer: Answer) -> AskOut:
        """The answer as sent (once per answer, streamed or not: its stage timings are observed here)."""
        metrics.observe_stages("/ask", answer.timings_ms)
        return AskOut(
            question=answer.question, answer=answer.text, sufficient=answer.sufficient, evidence=answer.evidence,
            mode=answer.mode, citations=answer.citations, applied_filters=list(answer.applied_filters),
            warnings=[*body.filters.notes, *answer.warnings, *svc().warnings()], timings_ms=answer.timings_ms,
            verification=answer.verification, model=answer.model, flags=list(answer.flags),
        )

    @app.post("/ask", response_model=AskOut, responses={
        **_ERRORS, 200: {"content": {"text/event-stream": {}}, "description": (
            "The answer; with stream=true, server-sent events: `delta` {text} while the model writes, then "
            "`answer` (this body), which replaces the streamed text.")}})
    async def ask(body: AskIn, request: Request) -> Any:
        who = caller(request, body.confidentiality)
        events = svc().ask_events(body.question, body.options(), caller=who, rewrite=body.rewrite,
                                  streaming=body.stream)
        if not body.stream:
            answer = await in_worker(lambda: last_answer(events))
            return ask_out(body, answer)
        # The search and the model's first words happen before the response starts, so a bad request or
        # damaged data is still a 4xx/5xx with a body; after that a failing model ends in an `answer` event
        # (the extractive one), and a fault of the server in an `error` event.
        first = await in_worker(lambda: next(events))
        return streamed(first, events, lambda kind, value: (
            ("answer", ask_out(body, value).model_dump(mode="json"), True) if kind == "answer"
            else ("delta", {"text": value}, False)), "POST /ask (stream)")

    @app.get("/documents/{chunk_id}", response_model=DocumentOut,
             responses={404: {"model": ErrorOut, "description": "No such chunk"}, **_ERRORS})
    async def document(
        chunk_id: Annotated[str, Path(pattern=CHUNK_ID_PATTERN, description="A chunk id (UUID) from /search")],
        neighbours: Annotated[int, Query(ge=0, le=20)] = 2,
    ) -> DocumentOut:
        view = await in_worker(lambda: svc().document(chunk_id, neighbours))
        if view is None:
            raise HTTPException(status_code=404, detail=f"no chunk with id {chunk_id}")
        return DocumentOut(
            chunk=ChunkOut.of(view.chunk),
            before=[ChunkOut.of(c) for c in view.before],
            after=[ChunkOut.of(c) for c in view.after],
            linked_from=[ChunkOut.of(c) for c in view.linked_from],
            linked=[ChunkOut.of(c) for c in view.linked],
        )

    @app.get("/laws/define", response_model=DefinitionsOut, responses=_ERRORS)
    async def define(
        term: Annotated[str, Query(min_length=1, max_length=TERM_MAX_CHARS, pattern=NOT_BLANK,
                                   description="A term, e.g. 個人情報取扱事業者 (width and spaces do not matter)")],
    ) -> DefinitionsOut:
        """What the stored laws say a term means: each definition with its law, provision, e-Gov URL and text
        (an empty list and a `message` when no law defines it)."""
        found = await in_worker(lambda: svc().define(term))
        return DefinitionsOut(term=term.strip(), definitions=[DefinitionOut.of(d) for d in found],
                              message=None if found else svc().not_defined(term))

    # -- research ----------------------------------------------------------------------------------------

    def owner(request: Request) -> str | None:
        """Whose reports a request may see: its key's own; on an open API (no keys), every report."""
        key_id = caller(request).key_id
        return None if key_id == ANONYMOUS else key_id

    @app.post("/research", response_model=ReportOut, responses={
        **_ERRORS, 200: {"content": {"text/event-stream": {}}, "description": (
            "The report; with stream=true (the default), server-sent events: `step` {step, label, status, ms, "
            "detail} as each step starts and ends, `subqueries`, `sources`, `outline`, `delta` {section, text} "
            "while a model writes, `section` {index, section}, then `report` (this body).")}})
    async def research(body: ResearchIn, request: Request) -> Any:
        """Lawsy-style research: sub-queries → sources → outline → sections → conclusion → mind map, kept in
        the history (GET /research)."""
        who = caller(request, body.confidentiality)
        options = ResearchOptions(filters=body.filters.to_filters(), max_subqueries=body.max_subqueries,
                                  per_query=body.per_query, max_sources=body.max_sources,
                                  max_sections=body.max_sections, generate=body.generate)
        events = svc().researcher.events(body.question, options, caller=who)
        if not body.stream:
            report = await in_worker(lambda: next(v for k, v in events if k == "report"))
            metrics.observe_stages("/research", report.timings_ms)
            return _report_json(report, body.filters.notes)
        first = await in_worker(lambda: next(events))  # the first step starts before the response does

        def render(kind: str, value: Any) -> tuple[str, Any, bool]:
            if kind != "report":
                return kind, value, False
            metrics.observe_stages("/research", value.timings_ms)
            return "report", _report_dict(value, body.filters.notes), True

        return streamed(first, events, render, "POST /research (stream)")

    @app.get("/research", response_model=HistoryOut, responses=_ERRORS)
    async def research_list(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                            offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> HistoryOut:
        """The research history, newest first (a key sees its own reports)."""
        entries, total = await in_worker(lambda: svc().history.list(owner(request), limit=limit, offset=offset))
        return HistoryOut(items=entries, total=total)

    _NOT_FOUND = {404: {"model": ErrorOut, "description": "No such report (or not this key's)"}, **_ERRORS}

    async def stored(report_id: str, request: Request) -> Report:
        report = await in_worker(lambda: svc().history.get(report_id, owner(request)))
        if report is None:
            raise HTTPException(status_code=404, detail=f"no report with id {report_id}")
        return report

    @app.get("/research/{report_id}", response_model=ReportOut, responses=_NOT_FOUND)
    async def research_get(report_id: ReportId, request: Request) -> Any:
        return _report_json(await stored(report_id, request))

    @app.get("/research/{report_id}/markdown", responses={
        **_NOT_FOUND, 200: {"content": {"text/markdown": {}}, "description": "The report as Markdown (a download)"}})
    async def research_markdown(report_id: ReportId, request: Request) -> Response:
        report = await stored(report_id, request)
        return Response(export.markdown(report), media_type="text/markdown; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="research-{report.id}.md"'})

    @app.get("/research/{report_id}/print", responses={
        **_NOT_FOUND, 200: {"content": {"text/html": {}}, "description": "The report as a print-friendly page"}})
    async def research_print(report_id: ReportId, request: Request) -> HTMLResponse:
        """The report as a standalone print-friendly page (no script, no outside asset)."""
        return HTMLResponse(export.print_html(await stored(report_id, request)))

    @app.delete("/research/{report_id}", status_code=204, responses=_NOT_FOUND)
    async def research_delete(report_id: ReportId, request: Request) -> Response:
        if not await in_worker(lambda: svc().history.delete(report_id, owner(request))):
            raise HTTPException(status_code=404, detail=f"no report with id {report_id}")
        return Response(status_code=204)

    @app.get("/", include_in_schema=False)
    async def ui() -> FileResponse:
        """The research UI: one page and its assets, all shipped in the package (no CDN: it works offline)."""
        return FileResponse(UI_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=UI_DIR), name="static")
    return app


def _report_dict(report: Report, notes: list[str] | None = None) -> dict[str, Any]:
    """The report as the API sends it (a filter read otherwise than written is said in its warnings)."""
    data = report.as_dict()
    if notes:
        data["warnings"] = [*notes, *data["warnings"]]
    return ReportOut.model_validate(data).model_dump(mode="json")


def _report_json(report: Report, notes: list[str] | None = None) -> JSONResponse:
    return JSONResponse(_report_dict(report, notes))


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
