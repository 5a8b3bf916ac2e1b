"""Prometheus metrics of one API process (GET /metrics; docs/operations.md lists every name).

Each app has a registry of its own, not prometheus_client's global one, so tests (and anything
else) that build several apps in one process never see each other's series or collide on names.

Where things are counted:

* request latency: `RequestTimer`, a pure ASGI middleware outside the key guard, so refused
  requests (401/403/429/413) are timed too; the route label is the template (`/documents/{chunk_id}`),
  never the raw path, so a client cannot grow the series without bound;
* stage timings: the `timings_ms` a search, answer or research report already carries;
* audit records and key-guard refusals: hooks at the one place each happens (`AuditLog.listeners`,
  `KeyGuard(on_refused=...)`), not read back from responses;
* documents, chunks, index and background-build gauges: read when scraped (`StateCollector`).

With `govrag serve --workers N` searches run in search processes (search_pool.py), but every request
still enters and leaves through the API process, which times it and receives the search's
`timings_ms`: the metrics live there, and no multiprocess mode is needed. The one thing a search
process does itself is write the /search audit record; the API counts it when the search returns.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import anyio
from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from starlette.routing import Mount, Router, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # FastAPI before included routers were kept whole: routes are flat already
    iter_route_contexts = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from govrag.safeguards.audit import AuditLog

log = logging.getLogger("govrag.metrics")

#: Whole requests: a health probe (a few ms) to a streamed generated answer or a research report (tens of s).
REQUEST_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 15.0, 30.0)
#: Stages: parsing a query takes well under a millisecond, a model's answer tens of seconds.
STAGE_BUCKETS_S = (0.0005, 0.001, 0.0025, *REQUEST_BUCKETS_S)
#: The document store is counted at most this often, however often /metrics is scraped (it is an open path).
COUNTS_TTL_S = 10.0
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
UNMATCHED = "unmatched"  # a path no route has (a 404): one series, not one per path tried


class Metrics:
    """The registry of one app and the series the app updates as it serves."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.requests = Histogram(
            "govrag_http_request_duration_seconds", "HTTP requests by route template, method and status class "
            "(a streamed response counts until its last event)", ["route", "method", "status"],
            buckets=REQUEST_BUCKETS_S, registry=self.registry)
        self.stages = Histogram(
            "govrag_stage_duration_seconds", "Stages of a search, answer or research report (their timings_ms)",
            ["route", "stage"], buckets=STAGE_BUCKETS_S, registry=self.registry)
        self.audit_records = Counter(
            "govrag_audit_records", "Audit records written, by kind (ask, search, research)", ["kind"],
            registry=self.registry)
        self.rate_limited = Counter(
            "govrag_rate_limited", "Requests refused with 429 by the rate limiter, by key name (anonymous: an open API)",
            ["key"], registry=self.registry)
        self.refused = Counter(
            "govrag_auth_refused", "Requests refused by the key check: missing_key, unknown_key (401), "
            "not_admin (403), key_file_error (503)", ["reason"], registry=self.registry)

    # -- hooks ---------------------------------------------------------------------------------------
    def observe_stages(self, route: str, timings_ms: Mapping[str, float]) -> None:
        """Each stage of a result's `timings_ms` into the stage histogram (milliseconds → seconds)."""
        for stage, ms in timings_ms.items():
            if isinstance(ms, int | float) and math.isfinite(ms) and ms >= 0:
                self.stages.labels(route, stage).observe(ms / 1000.0)

    def audited(self, record: Mapping[str, Any]) -> None:
        """`AuditLog.listeners` hook: one record written."""
        self.audit_records.labels(str(record.get("kind", "unknown"))).inc()

    def key_refused(self, reason: str, key_id: str) -> None:
        """`KeyGuard(on_refused=...)` hook: a request the guard answered itself."""
        if reason == "rate_limited":
            self.rate_limited.labels(key_id).inc()
        else:
            self.refused.labels(reason).inc()

    def watch_audit(self, audit: AuditLog | None) -> Callable[[], None]:
        """Count the records `audit` writes from now on; returns what stops counting (at shutdown: a
        service outlives the app in tests, and a second app over it must not count into this one)."""
        if audit is None:
            return lambda: None
        audit.listeners.append(self.audited)
        return lambda: audit.listeners.remove(self.audited) if self.audited in audit.listeners else None

    def render(self) -> tuple[bytes, str]:
        """The text exposition of every series, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def install(app: FastAPI, metrics: Metrics, state: Mapping[str, Any]) -> None:
    """GET /metrics, the request timer and the scrape-time gauges over the app's `state`. Call it after
    every other middleware is added: the timer must be the outermost, to time the key guard's refusals.

    /metrics is open, like /healthz (safeguards/keys.py OPEN_PATHS): it holds counts and timings, no
    question or key (a rate-limited key's name is a label). Where even that should be private, bind the
    server to an internal address or filter the path at the proxy (docs/operations.md)."""
    metrics.registry.register(StateCollector(state))
    app.add_middleware(RequestTimer, metrics=metrics, router=app.router)

    @app.get("/metrics", include_in_schema=False)
    async def scrape() -> Response:
        """The Prometheus text format (rendered in a thread: the collectors read the stores)."""
        body, content_type = await anyio.to_thread.run_sync(metrics.render)
        return Response(body, media_type=content_type)


class RequestTimer:
    """Times every HTTP request into `Metrics.requests`. Outermost, so the key guard's and the body
    bound's refusals are timed too (their route is found by matching, as the router never ran)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, router: Router) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = RouteTemplates(router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes the app becomes a 500 outside this middleware

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope.get("method", "GET")
            self.metrics.requests.labels(
                self.routes.of(scope), method if method in _METHODS else "other", f"{status // 100}xx",
            ).observe(time.perf_counter() - started)


class RouteTemplates:
    """The route template of a request: the one the router matched, else (a request the key guard answered
    never reached the router) the first route whose pattern takes the path; `UNMATCHED` for none."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self._table: list[tuple[re.Pattern[str], str]] | None = None  # compiled at the first refusal

    def of(self, scope: Scope) -> str:
        path = getattr(scope.get("route"), "path", None)  # set by the router when it matched
        if isinstance(path, str) and path:
            return path
        if self._table is None:
            self._table = self._compile()
        requested = scope.get("path", "")
        return next((template for pattern, template in self._table if pattern.match(requested)), UNMATCHED)

    def _compile(self) -> list[tuple[re.Pattern[str], str]]:
        """(pattern, template) of every route in the router's order; a mount takes its prefix."""
        table: list[tuple[re.Pattern[str], str]] = []
        for entry in _flat(self.router):
            template = getattr(entry, "path", None)
            if not isinstance(template, str) or not template:
                continue
            if isinstance(getattr(entry, "route", entry), Mount):
                table.append((re.compile(re.escape(template.rstrip("/")) + r"(/.*)?$"), template))
            else:
                table.append((compile_path(template)[0], template))
        return table


def _flat(router: Router) -> list[Any]:
    """The router's routes with included routers opened: FastAPI 0.12x+ keeps one as a single entry
    (`iter_route_contexts` opens it); older versions copy its routes in."""
    if iter_route_contexts is None:
        return list(router.routes)
    return list(iter_route_contexts(router.routes))


class StateCollector(Collector):
    """Gauges read when scraped from what the app serves: `state` is the app's own dict (service, pool,
    builder), read at each scrape because the lifespan fills it after the app is built."""

    def __init__(self, state: Mapping[str, Any], *, counts_ttl_s: float = COUNTS_TTL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.state = state
        self.counts_ttl_s = counts_ttl_s
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: tuple[float, dict[str, dict[str, int]]] | None = None

    def describe(self) -> list[Metric]:
        return []  # dynamic: nothing to check against at registration

    def collect(self) -> Iterator[Metric]:
        service = self.state.get("service")
        if service is None:  # before the lifespan opened it
            return
        yield from self._docstore(service)
        yield from _health(service)
        yield from _index(service)
        pool = self.state.get("pool")
        yield _gauge("govrag_search_processes", "Search processes serving /search (0: searches run in the API process)",
                     value=len(pool.workers) if pool is not None else 0)
        builder = self.state.get("builder")
        if builder is not None:
            yield from _builder(builder.status())

    def counts(self, service: Any) -> dict[str, dict[str, int]]:
        """The document store's counts per source, read at most once per `counts_ttl_s`."""
        with self._lock:
            now = self.clock()
            if self._counts is None or now - self._counts[0] >= self.counts_ttl_s:
                self._counts = (now, service.docstore.counts())
            return self._counts[1]

    def _docstore(self, service: Any) -> Iterator[Metric]:
        try:
            counts = self.counts(service)
        except Exception:  # noqa: BLE001 - a damaged store shows as readable 0, not as a failed scrape
            log.warning("metrics: the document store cannot be counted", exc_info=True)
            yield _gauge("govrag_docstore_readable", "1 when the document store answered the last count", value=0)
            return
        yield _gauge("govrag_docstore_readable", "1 when the document store answered the last count", value=1)
        for name, field, doc in (("govrag_documents", "documents", "Documents stored, by source"),
                                 ("govrag_chunks", "chunks", "Chunks stored, by source"),
                                 ("govrag_skipped_documents", "skipped", "Documents an ingest skipped, by source")):
            family = GaugeMetricFamily(name, doc, labels=["source"])
            for source, numbers in sorted(counts.items()):
                family.add_metric([source], numbers.get(field, 0))
            yield family


def _health(service: Any) -> Iterator[Metric]:
    status = service.status()
    family = GaugeMetricFamily("govrag_health_status", "1 for the service's current status (as /healthz says it)",
                               labels=["status"])
    for name in ("ok", "checking", "degraded", "failed"):
        family.add_metric([name], 1 if status == name else 0)
    yield family
    yield _gauge("govrag_problems", "Problems known to the service (start-up checks, page check, faults met serving)",
                 value=len(service.problems))


def _index(service: Any) -> Iterator[Metric]:
    """What /readyz checks (`Service.ready_checks`, itself cached briefly): the index answering, its points
    and each source's documents indexed of those stored."""
    checks = service.ready_checks()
    yield _gauge("govrag_index_reachable", "1 when the vector store answered the last readiness count",
                 value=1 if checks["store_reachable"] else 0)
    yield _gauge("govrag_index_points", "Points in the chunk index", value=checks["points"] or 0)
    indexed = GaugeMetricFamily("govrag_documents_indexed", "Stored documents the index holds, by source",
                                labels=["source"])
    for source, numbers in sorted(checks["sources"].items()):
        indexed.add_metric([source], numbers["indexed"])
    yield indexed
    articles = checks.get("articles")
    if articles:  # laws are stored
        yield _gauge("govrag_article_layer_laws", "Laws whose articles have descriptor vectors (the article layer)",
                     value=articles["with_vectors"])
        yield _gauge("govrag_article_layer_in_use", "1 when searches route through the article layer",
                     value=int(bool(articles["in_use"])))


def _builder(status: Mapping[str, Any]) -> Iterator[Metric]:
    """The background layer builder's progress (`LayerBuilder.status()`, as /healthz shows it)."""
    yield _gauge("govrag_layer_build_running", "1 while the background layer build runs", value=int(bool(status["building"])))
    yield _gauge("govrag_layer_build_failed", "1 when the background layer build ended in an error",
                 value=int(status.get("error") is not None))
    done = GaugeMetricFamily("govrag_layer_texts_done", "Texts embedded of a background-built layer", labels=["layer"])
    total = GaugeMetricFamily("govrag_layer_texts_total", "Texts a background-built layer needs (absent until known)",
                              labels=["layer"])
    used = GaugeMetricFamily("govrag_layer_in_use", "1 once searches use a background-built layer", labels=["layer"])
    for name, layer in sorted(status["layers"].items()):
        done.add_metric([name], layer["done"])
        if layer["total"] is not None:
            total.add_metric([name], layer["total"])
        used.add_metric([name], int(bool(layer["used"])))
    yield from (done, total, used)


def _gauge(name: str, doc: str, *, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)
