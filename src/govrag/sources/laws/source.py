"""The laws source (e-Gov 法令XML) as the registry sees it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import typer

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.models import Chunk
from govrag.index.indexer import IndexReport
from govrag.sources.base import FilterField, Glossary, Hinter, IngestReport, Tick
from govrag.sources.laws.glossary import Definitions, build_definitions
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.corpus import CorpusReport
from govrag.sources.laws.hints import CitationLookup, law_hints
from govrag.sources.laws.ingest import LawSourceSpec, ingest_laws
from govrag.sources.laws.lawid import LawIdResolver


_PARAGRAPH_LINE = re.compile(r"(?=\n[0-9０-９]+　)")


class LawSource:
    name = "law"
    job_table = "laws"
    title = "法令"
    excerpt = "条文"
    units_combine = True
    filter_fields = (
        FilterField("law_id", "keyword", "e-Gov LawIds (e.g. 129AC0000000089 for 民法)."),
        FilterField("law_type", "keyword", "Act, CabinetOrder, MinisterialOrdinance, Rule, Constitution, …", max_items=10),
        FilterField("year", "integer", "Promulgation year (公布年), inclusive; the 2020 XML gives no day.",
                    low=1868, high=2100),
    )
    payload_fields = ("law_id", "law_type", "year", "provision", "article_num")
    unit_kind = None
    eval_levels = ("law", "article")

    def quote_pieces(self, body: str) -> list[str]:
        """A provision's 項: each after the first starts a line with its number and a full-width space
        (egov_xml renders ParagraphNum so); 号 lines belong to their 項."""
        return [piece for piece in _PARAGRAPH_LINE.split(body) if piece]

    def job_spec(self, table: Mapping[str, Any], resolve: Callable[[str], Path], where: str) -> LawSourceSpec:
        if "path" not in table:
            raise ValueError(f"{where} has no 'path'")
        law_ids = table.get("law_ids")
        return LawSourceSpec(
            path=resolve(str(table["path"])), version=str(table.get("version", "")),
            law_ids=resolve(str(law_ids)) if law_ids else None,
            catalog=tuple(resolve(str(c)) for c in table.get("catalog", ())),
        )

    def ingest(self, store: DocStore, spec: LawSourceSpec, settings: Settings, tick: Tick | None = None) -> IngestReport:
        return ingest_law_files(store, spec.path, spec.law_ids or settings.egov_dir, settings, tick,
                                version=spec.version, catalog=spec.catalog)

    def hinter(self, docstore: DocStore) -> Hinter:
        lookup = CitationLookup.from_store(docstore)
        return lambda query: law_hints(lookup, query)

    def unit_key(self, chunk: Chunk) -> tuple[str, str | None]:
        return chunk.doc_title, chunk.attrs.get("article_num")

    def document_of(self, key: tuple[str, str]) -> str:
        return key[0]

    def held_units(self, docstore: DocStore, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Every article of the named laws the store holds (gold keys do not tell 附則 from 本則)."""
        titles = {title for title, _ in keys}
        held: set[tuple[str, str]] = set()
        for doc in docstore.documents(self.name):
            if doc.title in titles:
                held.update((c.doc_title, str(c.attrs.get("article_num") or ""))
                            for c in docstore.chunks_of(doc.source, doc.doc_id, doc.version))
        return held & keys

    def derive(self, docstore: DocStore, tick: Tick | None = None) -> IndexReport | None:
        """Every law's definitions into the document store (seconds; resumable per step of laws)."""
        return build_definitions(docstore, on_law=tick)

    def glossary(self, docstore: DocStore) -> Glossary | None:
        return Definitions.from_store(docstore)

    def commands(self, app: typer.Typer, ingest: typer.Typer) -> None:
        from govrag.sources.laws.cli import commands

        commands(app, ingest)


def ingest_law_files(
    store: DocStore, source: Any, law_ids: Path | None, settings: Settings, tick: Tick | None = None, *,
    version: str = "", catalog: tuple[Path, ...] = (),
) -> IngestReport:
    """Laws from a path or from law files (the e-Gov API) into the store, with a report the CLI prints."""
    resolver = LawIdResolver.from_dir(law_ids)
    options = ChunkOptions(max_chars=settings.chunk_max_chars, version=version)
    report, unchanged = ingest_laws(store, source, resolver, options, workers=settings.workers or None,
                                    on_result=(lambda _: tick()) if tick else None, catalog=catalog)
    return _report(report, unchanged, law_ids)


def _report(report: CorpusReport, unchanged: int, law_ids: Path | None) -> IngestReport:
    rows: dict[str, Any] = {
        "files read": report.files, "laws stored": report.laws, "articles": report.articles,
        "units (条, 項-only provisions, 別表)": report.units, "chunks": report.chunks,
        "LawId": ", ".join(f"{k} {v}" for k, v in sorted(report.law_id_status.items())),
    }
    if law_ids is None:
        rows["note"] = "LawId tables: the copy packaged with govrag (2020-11 snapshot); pass --law-ids for newer ones"
    return IngestReport("law", stored=report.laws, unchanged=unchanged, skipped=list(report.skipped), rows=rows)
