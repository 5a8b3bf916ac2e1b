"""The Diet minutes' commands: `ingest diet` (saved API responses) and `ingest ndl-api` (harvest them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from govrag.clikit import DataDir, console, fail, ingest_with_progress, settings_for
from govrag.config import Settings


def commands(app: typer.Typer, ingest: typer.Typer) -> None:
    @ingest.command("diet")
    def ingest_diet_cmd(
        source: Annotated[Path, typer.Option("--source", "-s", help=(
            "NDL minutes API responses (speech or meeting endpoint, JSON or XML): a file, a folder, "
            "or a .tar.xz/.tar.gz/.zip archive of them."))],
        data_dir: DataDir = None,
    ) -> None:
        """Read Diet minutes into the document store: one chunk per speech, questions paired with answers."""
        _ingest(settings_for(data_dir), source)

    @ingest.command("ndl-api")
    def ingest_ndl_cmd(
        out: Annotated[Path, typer.Option(help="Folder for the raw responses (kept; `ingest diet --source` reads it).")],
        date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
        date_until: Annotated[str, typer.Option("--until", help="Last day, YYYY-MM-DD.")],
        any_words: Annotated[Optional[str], typer.Option("--any", help="Words the speech contains.")] = None,
        speaker: Annotated[Optional[str], typer.Option(help="Speaker name.")] = None,
        house: Annotated[Optional[str], typer.Option(help="衆議院, 参議院 or 両院.")] = None,
        meeting: Annotated[Optional[str], typer.Option(help="Meeting name, e.g. 予算委員会.")] = None,
        window_days: Annotated[int, typer.Option(min=1, max=366, help="Days per resumable window.")] = 7,
        data_dir: DataDir = None,
    ) -> None:
        """Harvest the NDL minutes API by date window (one request at a time, polite pauses, resumable),
        then ingest what was saved."""
        from govrag.sources.diet.api import DietApiClient, DietApiError, DietQuery, harvest

        conditions = {"any": any_words, "speaker": speaker, "name_of_house": house, "name_of_meeting": meeting}
        try:  # no condition: every speech of the date range
            query = DietQuery(**conditions) if any(conditions.values()) else None
        except ValueError as exc:
            fail(str(exc))
        with DietApiClient() as client:
            try:
                report = harvest(client, query, date_from, date_until, out, window_days=window_days)
            except (ValueError, DietApiError) as exc:
                fail(f"{exc} (rerun the same command to resume: finished windows are kept)")
        console.print(f"harvested into {out}: {report}")
        _ingest(settings_for(data_dir), out)


def _ingest(settings: Settings, path: Path) -> None:
    from govrag.sources.diet.source import DietSource, DietSpec

    ingest_with_progress(settings, DietSource(), DietSpec(path), str(path))
