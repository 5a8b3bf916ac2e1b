"""The `govrag` command line: ingest sources, look up provisions, inspect the store."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.ingest import JobError, ingest_laws, load_job
from govrag.retrieval.citation import CitationLookup
from govrag.sources.laws.api import DEFAULT_BASE_URL, EgovApiClient, iter_api_laws
from govrag.sources.laws.archive import LawFile, Skipped, SourceError
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.corpus import CorpusReport, LawSummary
from govrag.sources.laws.lawid import LawIdResolver

app = typer.Typer(help="govrag: cited answers over Japanese laws, the official gazette and Diet minutes.", no_args_is_help=True)
ingest_app = typer.Typer(help="Read sources into the document store (resumable).", no_args_is_help=True)
laws_app = typer.Typer(help="Look up law provisions.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.add_typer(laws_app, name="laws")

console = Console()
err = Console(stderr=True)

DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="Data folder (default ./data or GOVRAG_DATA_DIR).")]


def _settings(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


@ingest_app.command("laws")
def ingest_laws_cmd(
    source: Annotated[Path, typer.Option("--source", "-s", help="Law XML file, folder, or .tar.xz/.zip archive.")],
    version: Annotated[str, typer.Option(help="Version date of the text (e.g. the snapshot date 2020-11-18).")] = "",
    law_ids: Annotated[Optional[Path], typer.Option(help="Folder with law_ids.tsv / law_ids_derived.tsv.")] = None,
    workers: Annotated[int, typer.Option(help="Parser processes (0 = one per core).")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Parse and chunk e-Gov law XML into the document store."""
    settings = _settings(data_dir)
    _run_law_ingest(settings, source, version, law_ids or settings.egov_dir, workers or settings.workers)


@ingest_app.command("egov-api")
def ingest_api_cmd(
    law_ids: Annotated[list[str], typer.Argument(help="LawIds (or 法令番号) to fetch, e.g. 129AC0000000089.")],
    asof: Annotated[Optional[str], typer.Option(help="Text as in force on this date (YYYY-MM-DD).")] = None,
    base_url: Annotated[str, typer.Option(help="e-Gov 法令API v2 base URL.")] = DEFAULT_BASE_URL,
    data_dir: DataDir = None,
) -> None:
    """Fetch laws from the e-Gov 法令API v2 and ingest them (polite rate limit, retries)."""
    settings = _settings(data_dir)
    with EgovApiClient(base_url=base_url) as client:
        try:
            files = iter_api_laws(client, law_ids, asof=asof)
        except ValueError as exc:
            _fail(str(exc))
        _run_law_ingest(settings, files, "", settings.egov_dir, 1, label="e-Gov API")


@ingest_app.command("run")
def ingest_run_cmd(
    job: Annotated[Path, typer.Argument(help="Job definition (TOML), e.g. ingest/laws-sample.toml.")],
    workers: Annotated[int, typer.Option(help="Parser processes (0 = one per core).")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Run every source named in a job file."""
    settings = _settings(data_dir)
    try:
        spec = load_job(job)
    except JobError as exc:
        _fail(str(exc))
    console.print(f"[bold]job[/] {spec.name}")
    for law_source in spec.laws:
        _run_law_ingest(settings, law_source.path, law_source.version, law_source.law_ids or settings.egov_dir, workers or settings.workers)


def _run_law_ingest(
    settings: Settings,
    source: Path | Iterable[LawFile | Skipped],
    version: str,
    law_ids: Path | None,
    workers: int,
    label: str | None = None,
) -> None:
    resolver = LawIdResolver.from_dir(law_ids)
    if law_ids is None:
        err.print("[yellow]no LawId tables found (law_ids.tsv): ids come from the XML or the safe rules only[/]")
    options = ChunkOptions(max_chars=settings.chunk_max_chars, version=version)
    with DocStore(settings.chunk_db) as store, _progress() as progress:
        name = label or (source.name if isinstance(source, Path) else "laws")
        task = progress.add_task(f"laws ← {name}", total=None)

        def tick(result: LawSummary | Skipped) -> None:
            progress.advance(task)

        try:
            report, unchanged = ingest_laws(store, source, resolver, options, workers=workers or None, on_result=tick)
        except SourceError as exc:
            _fail(str(exc))
    _print_report(report, unchanged, settings.chunk_db)
    if report.laws == 0 and unchanged == 0:
        _fail(f"{name}: no law could be read" if report.skipped else f"{name}: no law XML found")


def _print_report(report: CorpusReport, unchanged: int, db: Path) -> None:
    table = Table(title="law ingest", show_header=False)
    for key, value in (
        ("files read", report.files),
        ("laws stored", report.laws),
        ("articles", report.articles),
        ("units (条, 項-only provisions, 別表)", report.units),
        ("chunks", report.chunks),
        ("unchanged, skipped", unchanged),
        ("skipped with errors", len(report.skipped)),
        ("LawId", ", ".join(f"{k} {v}" for k, v in sorted(report.law_id_status.items()))),
        ("store", str(db)),
    ):
        table.add_row(key, str(value))
    console.print(table)
    for skipped in report.skipped:
        err.print(f"skipped {skipped.name}: {skipped.reason}", style="red", markup=False, soft_wrap=True)


@laws_app.command("show")
def laws_show_cmd(
    citation: Annotated[str, typer.Argument(help="e.g. 民法709条, 個人情報保護法27条1項2号, 憲法第九条")],
    data_dir: DataDir = None,
) -> None:
    """Print the provision a citation names, with its e-Gov link."""
    settings = _settings(data_dir)
    if not citation.strip():
        _fail("empty citation: give a law name and article, e.g. 民法709条")
    with DocStore(settings.chunk_db) as store:
        lookup = CitationLookup.from_store(store)
        result = lookup.find(citation)
    if result.law is None:
        _fail(f"no law in the store matches {result.law_name or citation!r}")
    if not result.chunks:
        _fail(f"{result.law.title} has no provision {result.wanted} in the store")
    for chunk in result.chunks:
        console.print(f"{chunk.label}  {chunk.url}", style="bold", markup=False, highlight=False, soft_wrap=True)
        console.print(chunk.text, markup=False, highlight=False, soft_wrap=True)
        console.print()


@app.command("status")
def status_cmd(data_dir: DataDir = None) -> None:
    """Counts of documents, chunks and skipped files in the store."""
    settings = _settings(data_dir)
    if not settings.chunk_db.exists():
        _fail(f"no store at {settings.chunk_db}: run `govrag ingest` first")
    with DocStore(settings.chunk_db) as store:
        counts = store.counts()
        skipped = store.skipped()
    table = Table("source", "documents", "chunks", "skipped")
    for source, c in sorted(counts.items()):
        table.add_row(source, str(c.get("documents", 0)), str(c.get("chunks", 0)), str(c.get("skipped", 0)))
    console.print(table)
    for source, name, reason in skipped:
        err.print(f"skipped {source} {name}: {reason}", style="red", markup=False, soft_wrap=True)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=False,
    )


def _fail(message: str) -> None:
    err.print(f"error: {message}", style="red", markup=False, soft_wrap=True)
    raise typer.Exit(code=2)
