"""The official gazette (官報) as the registry sees it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from govrag.sources.text import sentence_pieces
from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.models import Chunk, Filters, QueryHints
from govrag.index.indexer import IndexReport
from govrag.sources.base import FilterField, Glossary, Hinter, IngestReport, Tick
from govrag.sources.gazette.chunk import SOURCE
from govrag.sources.gazette.hints import GazetteDirectory, GazetteHints, about_gazette, parse_hints
from govrag.sources.gazette.ingest import ingest_gazette


@dataclass(frozen=True, slots=True)
class GazetteSpec:
    paths: tuple[Path, ...]

    def __str__(self) -> str:
        """What progress lines and reports call the inputs."""
        return ", ".join(str(p) for p in self.paths)


class GazetteSource:
    name = SOURCE
    job_table = "gazette"
    title = "官報"
    excerpt = "記事"
    units_combine = False
    filter_fields = (
        FilterField("edition", "keyword", "本紙, 号外, 政府調達 or 特別号外.", max_items=4),
        FilterField("kind", "keyword", "What the entry is: 法律, 政令, 省令・規則, 告示, 公告, 入札公告, 入札公示, 落札, "
                                       "随意契約, 人事異動, 官庁報告 …"),
        FilterField("issuer", "keyword", "Issuing ministry or office as the gazette names it (警察庁, 国土交通省, "
                                         "東京拘置所); an office also counts as its ministry.", key="issuers"),
        FilterField("issue_number", "integer", "The issue's number (第129号), inclusive; numbers restart each year.",
                    low=1, high=99999),
    )
    payload_fields = ("edition", "kind", "issuers", "issue_number", "page")
    unit_kind = "page"
    eval_levels = ("issue", "page")

    def quote_pieces(self, body: str) -> list[str]:
        return sentence_pieces(body)

    def job_spec(self, table: Mapping[str, Any], resolve: Callable[[str], Path], where: str) -> GazetteSpec:
        raw = table.get("paths", table.get("path"))
        if raw is None:
            raise ValueError(f"{where} has no 'paths' (issues.json, saved kanpo.go.jp pages, full-issue PDFs, "
                             "folders or archives of them)")
        items = [raw] if isinstance(raw, str) else list(raw)
        if not items or not all(isinstance(p, str) for p in items):
            raise ValueError(f"{where}: 'paths' must be a path or a list of paths")
        return GazetteSpec(tuple(resolve(p) for p in items))

    def ingest(self, store: DocStore, spec: GazetteSpec, settings: Settings, tick: Tick | None = None) -> IngestReport:
        return ingest_gazette(store, spec.paths, max_chars=settings.chunk_max_chars, tick=tick)

    def hinter(self, docstore: DocStore) -> Hinter:
        directory = GazetteDirectory.build(
            issuer for doc in docstore.documents(self.name) for issuer in doc.meta.get("issuers", ()))
        return lambda query: as_query_hints(parse_hints(query, directory))

    def unit_key(self, chunk: Chunk) -> tuple[str, str | None]:
        return "page", f"{chunk.doc_id}:{chunk.attrs.get('page')}"

    def document_of(self, key: tuple[str, str]) -> str:
        """A page key is 「issue_id:page」."""
        return key[1].partition(":")[0]

    def held_units(self, docstore: DocStore, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        issues = {doc.doc_id: doc.version for doc in docstore.documents(self.name)}
        held: set[tuple[str, str]] = set()
        for key in keys:
            issue_id, _, page = key[1].partition(":")
            if issue_id in issues and page.isdigit() and docstore.chunks_of(
                    self.name, issue_id, issues[issue_id], where={"page": int(page)}):
                held.add(key)
        return held

    def derive(self, docstore: DocStore, tick: Tick | None = None) -> IndexReport | None:
        return None

    def glossary(self, docstore: DocStore) -> Glossary | None:
        return None

    def commands(self, app: typer.Typer, ingest: typer.Typer) -> None:
        from govrag.sources.gazette.cli import commands

        commands(app, ingest)


def as_query_hints(h: GazetteHints) -> QueryHints:
    """The parser's findings as filters on gazette chunks, when the question is about the gazette at all
    (`about_gazette`): 「…を定めた法律」 or a ministry's name alone asks for laws or speeches. A bare 「官報」
    narrows nothing but still puts the gazette first: its filter only names the source."""
    if not about_gazette(h):
        return QueryHints()
    any_of = tuple((key, values) for key, values in (
        ("edition", h.editions), ("kind", h.kinds), ("issuers", h.issuers)) if values)
    ranges = (("issue_number", h.issue_number, h.issue_number),) if h.issue_number else ()
    if not (any_of or ranges or h.date_from or h.date_to) and h.prefer:
        any_of = (("source", (SOURCE,)),)
    filters = Filters(any_of=any_of, ranges=ranges, date_from=h.date_from, date_to=h.date_to)
    return QueryHints(filters=filters, applied=h.applied, notes=h.notes)
