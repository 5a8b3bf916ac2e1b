"""The laws source's commands: `ingest laws`, `ingest egov-api`, `laws show`, `laws define`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Optional

import typer

from govrag.clikit import DataDir, console, fail, print_report, progress, settings_for
from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.sources.base import SourceError
from govrag.sources.laws.api import DEFAULT_BASE_URL, EgovApiClient, iter_api_laws
from govrag.sources.laws.archive import LawFile, Skipped
from govrag.sources.laws.glossary import Definitions
from govrag.sources.laws.hints import CitationLookup


def commands(app: typer.Typer, ingest: typer.Typer) -> None:
    laws_app = typer.Typer(help="Look up law provisions.", no_args_is_help=True)
    app.add_typer(laws_app, name="laws")

    @ingest.command("laws")
    def ingest_laws_cmd(
        source: Annotated[Path, typer.Option("--source", "-s", help="Law XML file, folder, or .tar.xz/.zip archive.")],
        version: Annotated[str, typer.Option(help="Version date of the text (e.g. the snapshot date 2020-11-18).")] = "",
        law_ids: Annotated[Optional[Path], typer.Option(help="Folder with law_ids.tsv / law_ids_derived.tsv.")] = None,
        workers: Annotated[int, typer.Option(help="Parser processes (0 = one per core).")] = 0,
        data_dir: DataDir = None,
    ) -> None:
        """Parse and chunk e-Gov law XML into the document store."""
        settings = settings_for(data_dir)
        if workers:
            settings = settings.model_copy(update={"workers": workers})
        _ingest(settings, source, law_ids or settings.egov_dir, version=version)

    @ingest.command("egov-api")
    def ingest_api_cmd(
        law_ids: Annotated[list[str], typer.Argument(help="LawIds (or 法令番号) to fetch, e.g. 129AC0000000089.")],
        asof: Annotated[Optional[str], typer.Option(help="Text as in force on this date (YYYY-MM-DD).")] = None,
        base_url: Annotated[str, typer.Option(help="e-Gov 法令API v2 base URL.")] = DEFAULT_BASE_URL,
        data_dir: DataDir = None,
    ) -> None:
        """Fetch laws from the e-Gov 法令API v2 and ingest them (polite rate limit, retries)."""
        settings = settings_for(data_dir).model_copy(update={"workers": 1})
        with EgovApiClient(base_url=base_url) as client:
            try:
                files = iter_api_laws(client, law_ids, asof=asof)
            except ValueError as exc:
                fail(str(exc))
            _ingest(settings, files, settings.egov_dir, label="e-Gov API")

    @laws_app.command("show")
    def laws_show_cmd(
        citation: Annotated[str, typer.Argument(help="e.g. 民法709条, 個人情報保護法27条1項2号, 憲法第九条")],
        data_dir: DataDir = None,
    ) -> None:
        """Print the provision a citation names, with its e-Gov link."""
        settings = settings_for(data_dir)
        if not citation.strip():
            fail("empty citation: give a law name and article, e.g. 民法709条")
        with DocStore(settings.chunk_db) as store:
            result = CitationLookup.from_store(store).find(citation)
            law = result.chunks[0] if result.chunks else None
            elsewhere = store.linked_from(law.source, law.doc_id) if law is not None else []
        if result.law is None:
            fail(f"no law in the store matches {result.law_name or citation!r}")
        if not result.chunks:
            fail(f"{result.law.title} has no provision {result.wanted} in the store")
        for chunk in result.chunks:
            console.print(f"{chunk.label}  {chunk.url}", style="bold", markup=False, highlight=False, soft_wrap=True)
            console.print(chunk.text, markup=False, highlight=False, soft_wrap=True)
            console.print()
        if elsewhere:  # e.g. the gazette entries that promulgated or amended this law
            console.print(f"{result.law.title} を指す他の資料:", style="bold")
            for other in elsewhere:
                console.print(f"  {other.label}  {other.url}", markup=False, highlight=False, soft_wrap=True)

    @laws_app.command("define")
    def laws_define_cmd(
        term: Annotated[str, typer.Argument(help="A defined term, e.g. 個人情報取扱事業者 (width and spaces do not matter)")],
        as_json: Annotated[bool, typer.Option("--json", help="The API's JSON body (GET /laws/define).")] = False,
        data_dir: DataDir = None,
    ) -> None:
        """Print what the stored laws say a term means: law, provision, e-Gov link and the defining text."""
        _define(term, as_json, data_dir)


def _define(term: str, as_json: bool, data_dir: Path | None) -> None:
    """`laws define`: each definition as term, law and provision, URL and text; or the API's JSON body."""
    settings = settings_for(data_dir)
    if not term.strip():
        fail("empty term: give a word a law defines, e.g. 個人情報取扱事業者")
    with DocStore(settings.chunk_db) as store:
        definitions = Definitions.from_store(store)
        found = definitions.lookup(term)
        message = None if found else definitions.not_found(term)
    if as_json:
        body = {"term": term.strip(), "definitions": [d.as_dict() | {"label": d.label} for d in found], "message": message}
        console.print(json.dumps(body, ensure_ascii=False, indent=1), markup=False, highlight=False, soft_wrap=True)
        return
    if message is not None:
        fail(message)
    for d in found:
        where = f"{d.kind}・{d.scope}" if d.scope else d.kind
        console.print(f"{d.term}  {d.label}  （{where}）", style="bold", markup=False, highlight=False, soft_wrap=True)
        console.print(d.url, markup=False, highlight=False, soft_wrap=True)
        console.print(d.text, markup=False, highlight=False, soft_wrap=True)
        console.print()


def _ingest(
    settings: Settings, source: Path | Iterable[LawFile | Skipped], law_ids: Path | None, *,
    version: str = "", label: str | None = None,
) -> None:
    from govrag.sources.laws.source import ingest_law_files

    name = label or (source.name if isinstance(source, Path) else "laws")
    with DocStore(settings.chunk_db, create=True) as store, progress() as bar:
        task = bar.add_task(f"laws ← {name}", total=None)
        try:
            report = ingest_law_files(store, source, law_ids, settings, lambda: bar.advance(task), version=version)
        except SourceError as exc:
            fail(str(exc))
    print_report(report, settings.chunk_db, name)
