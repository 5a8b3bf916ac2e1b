"""Run a whole law source through parse → LawId → chunks, in parallel, never stopping on one bad file.

The reading (decompression) stays in the calling process while worker
processes parse and chunk, which is what lets the 8,502-law archive go
through in well under the time a single core needs.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from govrag.models import Chunk
from govrag.sources.laws.archive import LawFile, Skipped, iter_law_files
from govrag.sources.laws.chunk import ChunkOptions, chunk_law
from govrag.sources.laws.cite import LawEntry
from govrag.sources.laws.egov_xml import LawParseError, parse_law
from govrag.sources.laws.lawid import LawIdMatch, LawIdResolver


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ParsedLaw:
    """One law's outcome: what it is, how its LawId was found, and its chunks."""

    name: str
    file_hash: str
    entry: LawEntry
    law_id: LawIdMatch
    articles: int
    units: int
    toc: tuple[str, ...]
    chunks: tuple[Chunk, ...]

    def summary(self) -> LawSummary:
        return LawSummary(
            name=self.name,
            title=self.entry.title,
            law_type=self.entry.law_type,
            law_id_status=self.law_id.status,
            articles=self.articles,
            units=self.units,
            chunks=len(self.chunks),
        )


@dataclass(frozen=True, slots=True)
class LawSummary:
    """The counts a report needs of one law, small enough to send between processes."""

    name: str
    title: str
    law_type: str
    law_id_status: str
    articles: int
    units: int
    chunks: int


@dataclass
class CorpusReport:
    """Counts a corpus run prints, and every file it had to skip with the reason."""

    files: int = 0
    laws: int = 0
    articles: int = 0
    units: int = 0
    chunks: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    law_id_status: Counter[str] = field(default_factory=Counter)

    def add(self, result: LawSummary | Skipped) -> None:
        self.files += 1
        if isinstance(result, Skipped):
            self.skipped.append(result)
            return
        self.laws += 1
        self.articles += result.articles
        self.units += result.units
        self.chunks += result.chunks
        self.law_id_status[result.law_id_status] += 1


def process_file(file: LawFile, resolver: LawIdResolver, options: ChunkOptions) -> ParsedLaw | Skipped:
    """Parse and chunk one law file; any problem becomes a `Skipped` with its reason."""
    try:
        law = parse_law(file.data, name=file.name)
    except LawParseError as exc:
        return Skipped(file.name, str(exc))
    match = resolver.resolve(law.law_num, law.title, law.law_id or file.law_id_hint)
    if file.version_hint and not options.version:
        options = ChunkOptions(max_chars=options.max_chars, version=file.version_hint)
    try:
        chunks = tuple(chunk_law(law, match, options))
    except Exception as exc:  # one law we cannot chunk must not stop the corpus
        return Skipped(file.name, f"{file.name}: could not be chunked ({type(exc).__name__}: {exc})")
    entry = LawEntry(
        law_id=match.law_id,
        law_num=law.law_num,
        title=law.title,
        law_type=law.law_type,
        abbrevs=law.abbrevs,
    )
    articles = sum(1 for u in law.units if u.form == "article")
    return ParsedLaw(file.name, file_hash(file.data), entry, match, articles, len(law.units), law.toc, chunks)


def file_hash(data: bytes) -> str:
    """Content hash of a source file: an unchanged file is skipped on re-ingest."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _keep(parsed: ParsedLaw) -> ParsedLaw:
    return parsed


def iter_corpus(
    source: Path | Iterable[LawFile | Skipped],
    resolver: LawIdResolver,
    options: ChunkOptions = ChunkOptions(),
    workers: int | None = None,
    finish: Callable[[ParsedLaw], T] = _keep,  # type: ignore[assignment]
) -> Iterator[T | Skipped]:
    """Results in source order. `workers=1` runs in-process (tests, debugging).

    `finish` runs in the worker on each parsed law (a module-level function, so
    it pickles): turning chunks into store rows or counts there keeps the
    calling process, which also decompresses the archive, from becoming the
    bottleneck of unpickling half a million chunk objects.
    """
    files = iter_law_files(source) if isinstance(source, Path) else iter(source)
    workers = workers or max(1, (os.cpu_count() or 1))
    if workers == 1:
        for item in files:
            yield _work_with(item, resolver, options, finish)
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(resolver, options, finish)) as pool:
        yield from pool.imap(_work, files, chunksize=4)


def _work_with(
    item: LawFile | Skipped, resolver: LawIdResolver, options: ChunkOptions, finish: Callable[[ParsedLaw], T]
) -> T | Skipped:
    if isinstance(item, Skipped):
        return item
    parsed = process_file(item, resolver, options)
    return parsed if isinstance(parsed, Skipped) else finish(parsed)


_STATE: tuple[LawIdResolver, ChunkOptions, Callable[[ParsedLaw], object]] | None = None


def _init_worker(resolver: LawIdResolver, options: ChunkOptions, finish: Callable[[ParsedLaw], object]) -> None:
    global _STATE
    _STATE = (resolver, options, finish)


def _work(item: LawFile | Skipped) -> object:
    assert _STATE is not None
    return _work_with(item, *_STATE)
