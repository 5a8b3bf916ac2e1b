"""The gazette's commands: `ingest gazette` (saved inputs) and `ingest kanpo-web` (fetch the site's last 90 days)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govrag.clikit import DataDir, console, fail, ingest_with_progress, settings_for
from govrag.config import Settings


def commands(app: typer.Typer, ingest: typer.Typer) -> None:
    @ingest.command("gazette")
    def ingest_gazette_cmd(
        source: Annotated[list[Path], typer.Option("--source", "-s", help=(
            "issues.json, saved kanpo.go.jp pages (top page, issue tables of contents), a day's .md, full-issue "
            "PDFs ({issue_id}full{first}{last}.pdf), or folders/archives of them; repeat for several."))],
        data_dir: DataDir = None,
    ) -> None:
        """Read the official gazette into the document store: every table-of-contents entry, PDF text cited by
        page, promulgation entries linked to the laws the store holds (ingest laws first)."""
        _ingest(settings_for(data_dir), tuple(source))

    @ingest.command("kanpo-web")
    def ingest_kanpo_cmd(
        out: Annotated[Path, typer.Option(help="Folder for the raw pages and PDFs (kept; `ingest gazette` reads it).")],
        date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (the site keeps 90 days).")],
        date_until: Annotated[str, typer.Option("--until", help="Last day, YYYY-MM-DD.")],
        pdfs: Annotated[bool, typer.Option("--pdfs/--no-pdfs", help="Also fetch each issue's full PDF.")] = True,
        data_dir: DataDir = None,
    ) -> None:
        """Fetch kanpo.go.jp's issues by day (one request at a time, polite pauses, resumable), then ingest them."""
        from govrag.sources.gazette.client import KanpoClient, KanpoError, fetch_days

        with KanpoClient() as client:
            try:
                report = fetch_days(client, out, date_from, date_until, pdfs=pdfs)
            except (ValueError, KanpoError) as exc:
                fail(f"{exc} (rerun the same command to resume: finished files are kept)")
        console.print(f"fetched into {out}: {report.days_fetched} days, {report.files_written} files"
                      + (f"; missing: {', '.join(report.missing)}" if report.missing else ""))
        for warning in report.warnings:
            console.print(f"[yellow]{warning}[/yellow]")
        _ingest(settings_for(data_dir), (out,))


def _ingest(settings: Settings, paths: tuple[Path, ...]) -> None:
    from govrag.sources.gazette.source import GazetteSource, GazetteSpec

    spec = GazetteSpec(paths)
    ingest_with_progress(settings, GazetteSource(), spec, str(spec))
