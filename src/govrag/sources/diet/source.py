"""The Diet minutes (国会会議録) as the registry sees it."""

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
from govrag.sources.diet.hints import DietDirectory, DietHints, parse_hints
from govrag.sources.diet.ingest import ingest_speeches
from govrag.sources.diet.parse import iter_speeches


@dataclass(frozen=True, slots=True)
class DietSpec:
    path: Path


class DietSource:
    name = "diet"
    job_table = "diet"
    title = "国会会議録"
    excerpt = "発言"
    units_combine = False
    filter_fields = (
        FilterField("speaker", "keyword", "Speakers as the minutes name them (石破茂; spaces are ignored).",
                    compact=True),
        FilterField("position", "keyword", "Positions held when speaking (内閣総理大臣, 外務大臣, 政府参考人).",
                    key="positions"),
        FilterField("house", "keyword", "衆議院, 参議院 or 両院.", max_items=3),
        FilterField("meeting", "keyword", "Meeting names as the minutes give them (予算委員会, 本会議)."),
        FilterField("side", "keyword", "government (answers), member (questions), chair or other.", max_items=4),
        FilterField("session", "integer", "国会回次 (Diet session number), inclusive.", low=1, high=999),
    )
    payload_fields = ("speaker", "positions", "house", "meeting", "side", "session", "speech_id")
    unit_kind = "speech"
    eval_levels = ("meeting", "speech")

    def quote_pieces(self, body: str) -> list[str]:
        return sentence_pieces(body)

    def job_spec(self, table: Mapping[str, Any], resolve: Callable[[str], Path], where: str) -> DietSpec:
        if "path" not in table:
            raise ValueError(f"{where} has no 'path' (a folder or archive of API responses)")
        return DietSpec(resolve(str(table["path"])))

    def ingest(self, store: DocStore, spec: DietSpec, settings: Settings, tick: Tick | None = None) -> IngestReport:
        return ingest_speeches(store, iter_speeches(spec.path), max_chars=settings.chunk_max_chars, tick=tick)

    def hinter(self, docstore: DocStore) -> Hinter:
        meetings = list(docstore.documents(self.name))  # read once: speakers and venues both come from it
        directory = DietDirectory.build(
            ((name, yomi, tuple(positions)) for doc in meetings for name, yomi, positions in doc.meta.get("speakers", ())),
            ((doc.meta["house"], doc.meta["meeting"]) for doc in meetings
             if doc.meta.get("house") and doc.meta.get("meeting")),
        )
        return lambda query: as_query_hints(parse_hints(query, directory))

    def unit_key(self, chunk: Chunk) -> tuple[str, str | None]:
        return "speech", chunk.attrs.get("speech_id")

    def document_of(self, key: tuple[str, str]) -> str:
        """A speechID is its meeting's issueID, "_" and the speech order."""
        return key[1].rpartition("_")[0] or key[1]

    def held_units(self, docstore: DocStore, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Each gold speech looked up in its own meeting only."""
        meetings = {doc.doc_id for doc in docstore.documents(self.name)}
        return {key for key in keys if self.document_of(key) in meetings and docstore.chunks_of(
            self.name, self.document_of(key), where={"speech_id": key[1]})}

    def derive(self, docstore: DocStore, tick: Tick | None = None) -> IndexReport | None:
        return None

    def glossary(self, docstore: DocStore) -> Glossary | None:
        return None

    def commands(self, app: typer.Typer, ingest: typer.Typer) -> None:
        from govrag.sources.diet.cli import commands

        commands(app, ingest)


def as_query_hints(h: DietHints) -> QueryHints:
    """The parser's findings as filters on speeches: who, where and when the query names."""
    any_of = tuple((key, values) for key, values in (
        ("speaker", h.speakers), ("positions", h.positions), ("house", h.houses), ("meeting", h.meetings)) if values)
    ranges = (("session", h.session_from, h.session_to),) if h.session_from or h.session_to else ()
    filters = Filters(any_of=any_of, ranges=ranges, date_from=h.date_from, date_to=h.date_to)
    notes = tuple(f"「{u}」に当たる発言者は会議録にいないか、特定できません（発言者の条件にしていません）" for u in h.unknown)
    return QueryHints(filters=filters, applied=h.applied, notes=notes)
