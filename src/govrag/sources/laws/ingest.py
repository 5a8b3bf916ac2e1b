"""The ingest job runner: source → chunks → document store, resumable, with progress.

A job is a TOML file under `ingest/` naming the sources to read. Re-running a
job skips files already stored with the same content hash, so an interrupted
run resumes where it stopped, and a changed file replaces its old chunks.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from govrag.index.docstore import ChunkRow, DocStore, DocumentRecord, chunk_row
from govrag.sources.laws.archive import LawFile, Skipped, iter_law_files, listed_laws
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.corpus import CorpusReport, LawSummary, ParsedLaw, file_hash, iter_corpus
from govrag.sources.laws.lawid import LawIdResolver, law_doc_id

BATCH_DOCUMENTS = 200


class JobError(ValueError):
    """A job file that cannot be run; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class LawSourceSpec:
    path: Path
    version: str = ""
    law_ids: Path | None = None
    #: More listings (`index.tsv` in a folder or archive) of laws that exist, for the absent-law rule.
    catalog: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    laws: tuple[LawSourceSpec, ...] = field(default_factory=tuple)


SHARED = "{shared_data}"


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

    laws = []
    for i, spec in enumerate(raw.get("laws", [])):
        if "path" not in spec:
            raise JobError(f"{path}: [[laws]] entry {i + 1} has no 'path'")
        law_ids = spec.get("law_ids")
        laws.append(
            LawSourceSpec(
                path=resolve(str(spec["path"])),
                version=str(spec.get("version", "")),
                law_ids=resolve(str(law_ids)) if law_ids else None,
                catalog=tuple(resolve(str(c)) for c in spec.get("catalog", ())),
            )
        )
    if not laws:
        raise JobError(f"{path}: the job names no sources (add a [[laws]] table with a path)")
    return Job(name=str(raw.get("name", path.stem)), laws=tuple(laws))


@dataclass(frozen=True, slots=True)
class StoredLaw:
    """A law ready for the store, built in the worker: document row, chunk rows, counts."""

    summary: LawSummary
    document: DocumentRecord
    rows: list[ChunkRow]


def to_store(parsed: ParsedLaw) -> StoredLaw:
    """Worker-side `finish`: serialise once, where the chunks are made."""
    first = parsed.chunks[0] if parsed.chunks else None
    document = DocumentRecord(
        source="law",
        doc_id=law_doc_id(parsed.entry.law_id, parsed.entry.law_num),
        version=first.version if first else "",
        name=parsed.name,
        title=parsed.entry.title,
        file_hash=parsed.file_hash,
        n_chunks=len(parsed.chunks),
        meta={
            "law_id": parsed.entry.law_id,
            "law_id_status": parsed.law_id.status,
            "law_num": parsed.entry.law_num,
            "law_type": parsed.entry.law_type,
            "abbrevs": list(parsed.entry.abbrevs),
            "articles": parsed.articles,
            "toc": list(parsed.toc),
        },
    )
    return StoredLaw(parsed.summary(), document, [chunk_row(c) for c in parsed.chunks])


ProgressFn = Callable[[LawSummary | Skipped], None]


def ingest_laws(
    store: DocStore,
    source: Path | Iterable[LawFile | Skipped],
    resolver: LawIdResolver,
    options: ChunkOptions,
    *,
    workers: int | None = None,
    on_result: ProgressFn | None = None,
    catalog: Sequence[Path] = (),
) -> tuple[CorpusReport, int]:
    """Ingest one law source (a path, or law files from the e-Gov API).

    Returns the run's report and how many unchanged files were skipped.
    """
    listed = [row for path in ([source] if isinstance(source, Path) else []) + list(catalog) for row in listed_laws(path)]
    store.add_catalog("law", [*resolver.known_laws(), *((num, title, None) for num, title in listed)])
    done = store.done_files("law")
    unchanged = 0

    def fresh_files() -> Iterator[LawFile | Skipped]:
        nonlocal unchanged
        for item in iter_law_files(source) if isinstance(source, Path) else source:
            if done and isinstance(item, LawFile) and (item.name, file_hash(item.data)) in done:
                unchanged += 1
                continue
            yield item

    report = CorpusReport()
    batch: list[StoredLaw] = []
    bad: list[Skipped] = []
    for result in iter_corpus(fresh_files(), resolver, options, workers=workers, finish=to_store):
        outcome = result if isinstance(result, Skipped) else result.summary
        report.add(outcome)
        if isinstance(result, Skipped):
            bad.append(result)
        else:
            batch.append(result)
        if len(batch) + len(bad) >= BATCH_DOCUMENTS:
            _flush(store, batch, bad)
            batch, bad = [], []
        if on_result:
            on_result(outcome)
    _flush(store, batch, bad)
    return report, unchanged


def _flush(store: DocStore, batch: list[StoredLaw], bad: list[Skipped]) -> None:
    if batch or bad:
        store.write(((s.document, s.rows) for s in batch), skipped=[("law", s.name, s.reason) for s in bad])
