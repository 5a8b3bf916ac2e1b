"""The ingest job runner: a job file names the sources to read; each is ingested through the registry.

A job is a TOML file under `ingest/` with one table list per source
(`[[laws]]`, `[[diet]]`). Every source's ingest is resumable: rerunning a job
skips what is stored unchanged, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.sources import registry
from govrag.sources.base import IngestReport, Source, Tick

SHARED = "{shared_data}"


class JobError(ValueError):
    """A job file that cannot be run; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    #: (source, its checked spec) in file order.
    parts: tuple[tuple[Source, Any], ...]


def load_job(path: Path, shared_data: Path | None = None) -> Job:
    """Read a job TOML. A path starting with `{shared_data}` is under the real-data bundle
    (`GOVRAG_SHARED_DATA`, else ../shared/data beside the checkout); other relative paths are
    relative to the job file."""
    if not path.is_file():
        raise JobError(f"{path}: no such job file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise JobError(f"{path}: invalid TOML ({exc})") from None

    def resolve(value: str) -> Path:
        if not value.startswith(SHARED):
            return (path.parent / value).resolve()
        if shared_data is None:
            raise JobError(f"{path}: {value!r} needs the real-data bundle; set GOVRAG_SHARED_DATA")
        return (shared_data / value[len(SHARED):].lstrip("/")).resolve()

    tables = {source.job_table: source for source in registry.sources()}
    parts: list[tuple[Source, Any]] = []
    for key, value in raw.items():
        if key == "name":
            continue
        source = tables.get(key)
        if source is not None and isinstance(value, dict):
            raise JobError(f"{path}: [{key}] must be written [[{key}]] (a list of sources)")
        if source is None or not isinstance(value, list):
            raise JobError(f"{path}: unknown table [[{key}]] (sources: {', '.join(f'[[{t}]]' for t in tables)})")
        for i, table in enumerate(value):
            if not isinstance(table, dict):
                raise JobError(f"{path}: [[{key}]] entry {i + 1} is not a table (write [[{key}]] then path = \"…\")")
            try:
                parts.append((source, source.job_spec(table, resolve, f"{path}: [[{key}]] entry {i + 1}")))
            except JobError:
                raise
            except ValueError as exc:
                raise JobError(str(exc)) from None
    if not parts:
        raise JobError(f"{path}: the job names no sources (add a table such as [[laws]] or [[diet]] with a path)")
    return Job(name=str(raw.get("name", path.stem)), parts=tuple(parts))


def run_part(settings: Settings, source: Source, spec: Any, tick: Tick | None = None) -> IngestReport:
    """Ingest one source of a job into the settings' document store (created if missing)."""
    with DocStore(settings.chunk_db, create=True) as store:
        return source.ingest(store, spec, settings, tick)
