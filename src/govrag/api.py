"""HTTP API: /search, /ask, /documents/{chunk_id}, /healthz (OpenAPI at /docs).

Every user input is validated into a clear 4xx; a 500 would mean a bug, never
a bad question.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import date
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field, field_validator, model_validator

from govrag.config import Settings
from govrag.index.store.base import Filters
from govrag.models import Chunk
from govrag.retrieval.search import SearchOptions
from govrag.service import Service

MAX_QUERY_CHARS = 1000
SourceName = Literal["law", "diet", "gazette"]


class FiltersIn(BaseModel):
    model_config = {"extra": "forbid"}

    source: list[SourceName] = Field(default_factory=list, max_length=3)
    law_id: list[str] = Field(default_factory=list, max_length=100)
    law_type: list[str] = Field(default_factory=list, max_length=10)
    year_from: int | None = Field(default=None, ge=1868, le=2100)
    year_to: int | None = Field(default=None, ge=1868, le=2100)
    date_from: date | None = None
    date_to: date | None = None

    @model_validator(mode="after")
    def _ranges(self) -> FiltersIn:
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise ValueError("year_from is after year_to")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self

    def to_filters(self) -> Filters:
        return Filters(
            source=tuple(self.source),
            law_id=tuple(self.law_id),
            law_type=tuple(self.law_type),
            year_from=self.year_from,
            year_to=self.year_to,
            date_from=self.date_from.isoformat() if self.date_from else None,
            date_to=self.date_to.isoformat() if self.date_to else None,
        )


class SearchIn(BaseModel):
    model_config = {"extra": "forbid"}

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    k: int = Field(default=10, ge=1, le=50)
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"
    filters: FiltersIn = Field(default_factory=FiltersIn)

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query is blank")
        return value.strip()

    def options(self) -> SearchOptions:
        return SearchOptions(k=self.k, mode=self.mode, filters=self.filters.to_filters())


class AskIn(SearchIn):
    k: int = Field(default=5, ge=1, le=20)

    @property
    def question(self) -> str:
        return self.query


class ChunkOut(BaseModel):
    chunk_id: str
    source: str
    doc_id: str
    doc_title: str
    label: str
    url: str
    heading: str
    text: str
    attrs: dict[str, Any]

    @classmethod
    def of(cls, chunk: Chunk) -> ChunkOut:
        return cls(
            chunk_id=chunk.id, source=chunk.source, doc_id=chunk.doc_id, doc_title=chunk.doc_title,
            label=chunk.label, url=chunk.url, heading=chunk.heading, text=chunk.body, attrs=chunk.attrs,
        )


class HitOut(ChunkOut):
    rank: int
    score: float
    via: str


class SearchOut(BaseModel):
    query: str
    hits: list[HitOut]
    scoped_to: list[str]
    routed_to: list[str]
    missing: list[str]
    unknown_laws: list[str]
    timings_ms: dict[str, float]


class CitationOut(BaseModel):
    n: int
    label: str
    url: str
    chunk_id: str
    source: str
    quote: str


class AskOut(BaseModel):
    question: str
    answer: str
    sufficient: bool
    evidence: float
    mode: str
    citations: list[CitationOut]
    timings_ms: dict[str, float]


class DocumentOut(BaseModel):
    chunk: ChunkOut
    before: list[ChunkOut]
    after: list[ChunkOut]


def create_app(service: Service | None = None, settings: Settings | None = None) -> FastAPI:
    """The app; a test passes its own service, `govrag serve` lets it open one from settings."""
    state: dict[str, Service] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["service"] = service or Service(settings or Settings())
        yield
        if service is None:
            state["service"].close()

    app = FastAPI(title="govrag", version="0.1.0", lifespan=lifespan,
                  description="Cited search and answers over Japanese laws (e-Gov), the gazette and Diet minutes.")

    def svc() -> Service:
        return state["service"]

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", **svc().health()}

    @app.post("/search", response_model=SearchOut)
    def search(body: SearchIn) -> SearchOut:
        result = svc().search(body.query, body.options())
        hits = [HitOut(**ChunkOut.of(h.chunk).model_dump(), rank=h.rank, score=h.score, via=h.via) for h in result.hits]
        return SearchOut(query=result.query, hits=hits, scoped_to=list(result.scoped_to),
                         routed_to=list(result.routed_to), missing=list(result.missing),
                         unknown_laws=list(result.unknown_laws),
                         timings_ms=result.timings_ms)

    @app.post("/ask", response_model=AskOut)
    def ask(body: AskIn) -> AskOut:
        answer = svc().ask(body.question, body.options())
        return AskOut(
            question=answer.question, answer=answer.text, sufficient=answer.sufficient, evidence=answer.evidence,
            mode=answer.mode, citations=[CitationOut(**asdict(c)) for c in answer.citations],
            timings_ms=answer.timings_ms,
        )

    @app.get("/documents/{chunk_id}", response_model=DocumentOut)
    def document(chunk_id: str, neighbours: int = Query(default=2, ge=0, le=20)) -> DocumentOut:
        view = svc().document(chunk_id, neighbours)
        if view is None:
            raise HTTPException(status_code=404, detail=f"no chunk with id {chunk_id}")
        return DocumentOut(
            chunk=ChunkOut.of(view.chunk),
            before=[ChunkOut.of(c) for c in view.before],
            after=[ChunkOut.of(c) for c in view.after],
        )

    return app
