"""The safeguards over HTTP: the key guard in front of the app and GET /risk for administrators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import Response
from pydantic import BaseModel

from govrag.api_models import IsoDate
from govrag.safeguards.audit import AuditLog
from govrag.safeguards.keys import KeyGuard, KeyStore, RateLimiter, Refusal
from govrag.safeguards.risk import period, render_markdown, risk_cases, summary

if TYPE_CHECKING:
    from govrag.config import Settings


class RiskCaseOut(BaseModel):
    time: str
    record_id: str
    key_id: str
    flags: list[str]
    question: str
    detail: list[str]


class RiskSummaryOut(BaseModel):
    cases: int
    by_flag: dict[str, int]
    by_day: dict[str, int]


class RiskReportOut(BaseModel):
    since: datetime | None
    until: datetime | None
    summary: RiskSummaryOut
    cases: list[RiskCaseOut]


def router(audit: AuditLog) -> APIRouter:
    """GET /risk: the risk cases of a period (admin keys only, through `KeyGuard.admin_paths`)."""
    api = APIRouter()

    @api.get("/risk", response_model=RiskReportOut, tags=["safeguards"], responses={
        200: {"content": {"text/markdown": {}}, "description": "The cases (JSON) or the report (format=md)"},
        401: {"description": "API keys are configured and none (or an unknown one) was sent"},
        403: {"description": "Not an admin key"},
        429: {"description": "Over the key's rate; see Retry-After"}})
    def risk(
        since: Annotated[IsoDate | None, Query(description="First day, YYYY-MM-DD (Japan time).")] = None,
        until: Annotated[IsoDate | None, Query(description="Last day, YYYY-MM-DD, included.")] = None,
        format: Annotated[Literal["json", "md"], Query(description="json, or md for the filed report.")] = "json",
    ) -> Any:
        first, last = since, until
        if first and last and first > last:  # read the other way round, as the search's date filters are
            first, last = last, first
        start, end = period(first, last)
        cases = risk_cases(audit.records(start, end))
        if format == "md":
            return Response(render_markdown(cases, start, end), media_type="text/markdown; charset=utf-8")
        return {"since": start, "until": end, "summary": summary(cases), "cases": [c.record() for c in cases]}

    return api


def install(app: FastAPI, settings: Settings, audit: AuditLog | None = None,
            on_refused: Callable[[Refusal, str], None] | None = None) -> None:
    """Put the key guard in front of `app` and add /risk. Call it after every other middleware that reads
    a body or takes a worker is added, so a refused request costs neither. `on_refused` hears each refusal."""
    app.add_middleware(KeyGuard, store=KeyStore(settings.keys_path), limiter=RateLimiter(),
                       anonymous_rate=settings.open_rate_limit_per_minute, on_refused=on_refused)
    app.include_router(router(audit or AuditLog.from_settings(settings)))
