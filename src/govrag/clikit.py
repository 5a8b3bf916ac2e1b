"""What every command shares, core and source commands alike: consoles, settings, progress, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from govrag.config import Settings
from govrag.sources.base import IngestReport, Source, SourceError

console = Console()
err = Console(stderr=True)

DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="Data folder (default ./data or GOVRAG_DATA_DIR).")]


def settings_for(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


def progress() -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=False,
    )


def fail(message: str) -> NoReturn:
    err.print(f"error: {message}", style="red", markup=False, soft_wrap=True)
    raise typer.Exit(code=2)


def print_report(report: IngestReport, store: Path, what: str) -> None:
    """A source's ingest report as a table; skipped members in red, one line each. Nothing read at all
    is an error: an empty or wrong source must not look like a successful run."""
    table = Table(title=f"{report.source} ingest", show_header=False)
    for key, value in (*report.rows.items(), ("unchanged, skipped", report.unchanged),
                       ("skipped with errors", len(report.skipped)), ("store", str(store))):
        table.add_row(key, str(value))
    console.print(table)
    for skipped in report.skipped:
        err.print(f"skipped {skipped.name}: {skipped.reason}", style="red", markup=False, soft_wrap=True)
    if report.stored == 0 and report.unchanged == 0:
        fail(f"{what}: nothing could be read" if report.skipped else f"{what}: nothing found to ingest")


def ingest_with_progress(settings: Settings, source: Source, spec: Any, what: str) -> None:
    """One source's ingest into the settings' store with a progress bar, then its report; a source that
    cannot be read at all is one line and exit status 2."""
    from govrag.index.ingest import run_part

    with progress() as bar:
        task = bar.add_task(f"{source.name} ← {what}", total=None)
        try:
            report = run_part(settings, source, spec, lambda: bar.advance(task))
        except SourceError as exc:
            fail(str(exc))
    print_report(report, settings.chunk_db, what)
