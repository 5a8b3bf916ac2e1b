"""The HTTP API's request and response bodies: the one validation layer for user input.

Every field is strict (no `true` or `"5"` for a number, no float for an integer,
only finite values), every string is valid Unicode text within a bound, and
every list is bounded, so whatever a client sends becomes a 422 that says what
is wrong, never a 500 from deep inside search.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, Field, PrivateAttr, StrictBool, StrictStr, create_model, model_validator,
)

from govrag.answer.records import AnswerCitation, Verification
from govrag.index.store.base import Filters
from govrag.index.integrity import Problem
from govrag.models import MAX_TERM, Chunk, Definition, Kind
from govrag.research.history import Entry
from govrag.research.records import MindNode, ReportSource, Section, SubQuery
from govrag.retrieval.search import SearchOptions
from govrag.sources import registry

MAX_QUERY_CHARS = 1000
# C0/C1 controls other than tab and line ends are not text anyone types.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CHUNK_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def valid_text(value: str) -> str:
    """Reject lone surrogates (JSON's "\\ud800" decodes to one, and nothing can encode it back);
    control characters (other than tab and line ends) are read as spaces."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode (it holds a lone surrogate)") from None
    return _CONTROL.sub(" ", value)


def _whole_number(value: Any) -> Any:
    """An integer as JSON Schema has it: 5 or 5.0, never true, "5", 5.5, NaN, Infinity or 1e400."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError("must be a finite whole number")
        return int(value)
    return value


# What a query may not consist of alone: Python's whitespace and the control characters. One class,
# spelled so it reads the same to Python's re and to the ECMA regex of the published JSON schema.
_BLANK_CLASS = r"\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{_BLANK_CLASS}]"


def _iso_date(value: Any) -> Any:
    """Only "YYYY-MM-DD" strings: pydantic alone would take 0 as 1970-01-01."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


Text = Annotated[StrictStr, AfterValidator(valid_text)]
Name = Annotated[Text, Field(min_length=1, max_length=64)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

def whole(low: int, high: int) -> Any:
    """A bounded whole number (the bounds first, so the published schema carries minimum/maximum)."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_whole_number)]


class _FiltersBase(BaseModel):
    """Filters every source honours; `FiltersIn` adds each source's own from the registry."""

    model_config = {"extra": "forbid"}

    source: list[str]  # the sources the registry lists: set by `FiltersIn`
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None

    _notes: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _ranges(self) -> _FiltersBase:
        """An inverted range is read the other way round and said so in the response's warnings
        (a JSON schema cannot state that one field must not exceed another, so a 422 here would
        refuse input the published schema allows)."""
        for low, high in (*((f"{f.name}_from", f"{f.name}_to") for f in _INTEGER), ("date_from", "date_to")):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a > b:
                self._notes.append(f"{low} {a} is after {high} {b}: searched {b}–{a}")
                setattr(self, low, b)
                setattr(self, high, a)
        return self

    @property
    def notes(self) -> list[str]:
        """How the filters were read where they were not taken as written."""
        return list(self._notes)

    def to_filters(self) -> Filters:
        return Filters(
            source=tuple(self.source),
            any_of=tuple((f.payload_key, tuple(_SPACES.sub("", v) if f.compact else v for v in values))
                         for f in _KEYWORD if (values := getattr(self, f.name))),
            ranges=tuple(
                (f.payload_key, getattr(self, f"{f.name}_from"), getattr(self, f"{f.name}_to")) for f in _INTEGER
                if getattr(self, f"{f.name}_from") is not None or getattr(self, f"{f.name}_to") is not None),
            date_from=self.date_from.isoformat() if self.date_from else None,
            date_to=self.date_to.isoformat() if self.date_to else None,
        )


_SPACES = re.compile(r"\s+")
_KEYWORD = [f for f in registry.filter_fields() if f.kind == "keyword"]
_INTEGER = [f for f in registry.filter_fields() if f.kind == "integer"]


def _source_fields() -> dict[str, Any]:
    """The sources the registry lists, and each source's filters as request fields: a bounded list of
    names, or an inclusive _from/_to pair."""
    names = registry.names()
    fields: dict[str, Any] = {"source": (list[Literal[names]], Field(  # type: ignore[valid-type]
        default_factory=list, max_length=len(names), description="Only these sources (default: all)."))}
    for f in _KEYWORD:
        fields[f.name] = (list[Name], Field(default_factory=list, max_length=f.max_items, description=f.description))
    for f in _INTEGER:
        bounded = whole(f.low if f.low is not None else -(2**31), f.high if f.high is not None else 2**31)
        for end in ("from", "to"):
            fields[f"{f.name}_{end}"] = (bounded | None, Field(default=None, description=f.description))
    return fields


FiltersIn = create_model("FiltersIn", __base__=_FiltersBase, **_source_fields())


def _not_blank(value: str) -> str:
    if not re.search(NOT_BLANK, value):
        raise ValueError("query is blank")
    return value.strip()


Query = Annotated[Text, Field(min_length=1, max_length=MAX_QUERY_CHARS, json_schema_extra={"pattern": NOT_BLANK}),
                  AfterValidator(_not_blank)]


class SearchIn(BaseModel):
    model_config = {"extra": "forbid"}

    query: Query
    k: whole(1, 50) = 10  # type: ignore[valid-type]
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"
    filters: FiltersIn = Field(default_factory=FiltersIn)  # type: ignore[valid-type]
    use_hints: StrictBool = Field(default=True, description=(
        "Read the query for hints: cited provisions first, a cited law as scope, speakers, houses, meetings "
        "and dates as filters on speeches (shown in applied_filters). false: rank the words only."))

    def options(self) -> SearchOptions:
        return SearchOptions(k=self.k, mode=self.mode, filters=self.filters.to_filters(), use_hints=self.use_hints)


class AskIn(SearchIn):
    k: whole(1, 20) = 5  # type: ignore[valid-type]
    stream: StrictBool = Field(default=False, description=(
        "true: a text/event-stream of `delta` events while the model writes, then one `answer` event (the "
        "body of a non-streamed reply). The `answer` event is authoritative: it replaces the streamed text "
        "(an answer that fails verification is replaced by the extractive one)."))
    confidentiality: whole(1, 3) = Field(default=1, description=(  # type: ignore[valid-type]
        "機密性 level of the question (1: public). 2 or 3 is never sent to an external model: the answer is extractive."))
    rewrite: StrictBool | None = Field(default=None, description=(
        "Let the LLM add statute-vocabulary rewrites of the question to the search (default: the server's setting)."))

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
    #: What the hit links to: for a speech, the question it answers or the answers it got.
    linked: list[ChunkOut] = Field(default_factory=list)


class SearchOut(BaseModel):
    query: str
    hits: list[HitOut]
    scoped_to: list[str]
    routed_to: list[str]
    missing: list[str]
    unknown_laws: list[str]
    not_stored: list[str]
    #: Filters read from the query itself (「石破総理」 → speaker 石破茂); send use_hints=false to drop them.
    applied_filters: list[str]
    #: Where the terms the query uses are defined (「行政指導」の定義: 行政手続法 第二条第六号); see GET /laws/define.
    definitions: list[str] = []
    warnings: list[str]
    timings_ms: dict[str, float]


class AskOut(BaseModel):
    question: str
    answer: str
    sufficient: bool
    evidence: float
    mode: Literal["extractive", "generated"]
    citations: list[AnswerCitation]  # the answer's own record: number, label, URL, chunk id, source, quote
    applied_filters: list[str]
    warnings: list[str]
    timings_ms: dict[str, float]
    #: The check of a generated answer against its sources (also present when a failed one was replaced).
    verification: Verification | None = None
    model: str | None = None
    #: Risk cases this answer raised (verification_failed, injection, routing_blocked, llm_error, …).
    flags: list[str] = Field(default_factory=list)


class DocumentOut(BaseModel):
    chunk: ChunkOut
    before: list[ChunkOut]
    after: list[ChunkOut]
    #: Other sources' chunks that point at this document: a law's promulgation and amendment entries in the gazette.
    linked_from: list[ChunkOut] = Field(default_factory=list)
    #: What the unit's own record links to: for a speech, the question it answers or the answers it got.
    linked: list[ChunkOut] = Field(default_factory=list)


TERM_MAX_CHARS = MAX_TERM * 2  # room for spaces and the like; longer is no term any law defines


class DefinitionOut(BaseModel):
    """One term as one provision defines it (sources/laws/definitions.py)."""

    term: str
    #: とは: 「この法律において「X」とは…をいう」; 号: a 号 of a 「次の各号に掲げる用語の意義は」 list;
    #: 以下: an abbreviation in passing, 「…（以下「X」という。）」 (the words before the parenthesis).
    kind: Kind
    #: Where it applies as written (この法律, この章, 以下, 次条 …), or null.
    scope: str | None
    text: str
    law_title: str
    law_id: str | None
    doc_id: str
    version: str
    provision: str  # 第二条第五項
    label: str  # 個人情報の保護に関する法律 第二条第五項
    chunk_id: str  # GET /documents/{chunk_id} shows the provision among its neighbours
    url: str

    @classmethod
    def of(cls, d: Definition) -> DefinitionOut:
        return cls(**d.as_dict(), label=d.label)


class DefinitionsOut(BaseModel):
    term: str
    definitions: list[DefinitionOut]
    #: Set when nothing was found: why, in a sentence to show the user.
    message: str | None = None


class HealthOut(BaseModel):
    """Liveness plus what is served; `status` is "ok" only when no problem is known."""

    model_config = {"extra": "allow"}

    status: Literal["ok", "checking", "degraded", "failed"]
    problems: list[Problem]  # component, path, message, repair, fatal


class SourceCoverageOut(BaseModel):
    stored: int = Field(description="Documents of the source in the document store")
    indexed: int = Field(description="Of those, documents the index holds (their BM25 points were written)")
    coverage: float = Field(description="indexed / stored")


class ArticleCoverageOut(BaseModel):
    laws: int = Field(description="Laws stored")
    with_vectors: int = Field(description="Laws whose articles have descriptor vectors (the article layer)")
    coverage: float = Field(description="with_vectors / laws (searches use the layer only when it is 1)")
    points: int | None = Field(description="Article descriptor vectors in the index (null: not countable now)")
    in_use: bool = Field(description="Searches route through the article layer")


class ReadyChecksOut(BaseModel):
    """What readiness rests on (`Service.ready_checks`)."""

    store_reachable: bool = Field(description="The vector store answered a count (asked at most every 5 s)")
    store_error: str | None = Field(description="Why it did not, when it did not")
    points: int | None = Field(description="Points in the chunk index")
    index_non_empty: bool
    docstore_readable: bool = Field(description="The document store could be read for the coverage below")
    sources: dict[str, SourceCoverageOut] = Field(description="Per source: documents stored and indexed")
    articles: ArticleCoverageOut | None = Field(description="The laws' article layer; null when no law is stored")


class ReadyOut(BaseModel):
    status: Literal["ready", "checking", "degraded", "failed"]
    problems: list[Problem]  # component, path, message, repair, fatal
    checks: ReadyChecksOut | None = None


class ErrorOut(BaseModel):
    """A 413, 503 or 500 body: one line, never the request echoed back."""

    detail: str


# -- research (research/) -------------------------------------------------------------------------------------
REPORT_ID_PATTERN = r"^[0-9a-f]{16}$"


class ResearchIn(BaseModel):
    model_config = {"extra": "forbid"}

    question: Query
    filters: FiltersIn = Field(default_factory=FiltersIn)  # type: ignore[valid-type]
    stream: StrictBool = Field(default=True, description=(
        "true: a text/event-stream of `step`, `subqueries`, `sources`, `outline`, `delta`, `section` events as "
        "the research runs, then one `report` event (the body of a non-streamed reply)."))
    confidentiality: whole(1, 3) = Field(default=1, description=(  # type: ignore[valid-type]
        "機密性 level of the question (1: public). 2 or 3 never reaches an external model: the report is extractive."))
    max_subqueries: whole(1, 10) = Field(default=6, description="Sub-queries searched, the question included.")  # type: ignore[valid-type]
    per_query: whole(1, 20) = Field(default=5, description="Hits kept from each sub-query.")  # type: ignore[valid-type]
    max_sources: whole(1, 40) = Field(default=15, description="Numbered sources in the report.")  # type: ignore[valid-type]
    max_sections: whole(2, 20) = Field(default=6, description="Most sections a model's outline may have.")  # type: ignore[valid-type]
    generate: StrictBool | None = Field(default=None, description=(
        "Let the configured model write the sub-queries, outline and sections (default: when one is configured)."))


class ReportOut(BaseModel):
    id: str
    created: str
    question: str
    question_type: str
    mode: Literal["extractive", "generated"]
    subqueries: list[SubQuery]
    sources: list[ReportSource]  # each with `highlights`: [start, end) spans of its text that match what was asked
    sections: list[Section]
    lead: str
    conclusion: str
    mindmap: MindNode
    #: What the search found wrong with the question's premise: show it first.
    premise: list[str]
    model: str | None
    settings: dict[str, Any]
    warnings: list[str]
    flags: list[str]
    timings_ms: dict[str, float]
    key_id: str


class HistoryOut(BaseModel):
    items: list[Entry]
    total: int
