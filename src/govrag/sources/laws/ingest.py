"""Laws → chunks → document store, resumable: files stored unchanged (same content hash) are skipped,
so an interrupted run resumes where it stopped and a changed file replaces its old chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from govrag.index.docstore import ChunkRow, DocStore, DocumentRecord, chunk_row
from govrag.sources.laws.archive import LawFile, Skipped, iter_law_files, listed_laws
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.corpus import CorpusReport, LawSummary, ParsedLaw, file_hash, iter_corpus
from govrag.sources.laws.lawid import LawIdResolver, law_doc_id

BATCH_DOCUMENTS = 200


@dataclass(frozen=True, slots=True)
class LawSourceSpec:
    path: Path
    version: str = ""
    law_ids: Path | None = None
    #: More listings (`index.tsv` in a folder or archive) of laws that exist, for the absent-law rule.
    catalog: tuple[Path, ...] = ()


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
    done = store.done_files("law") - stale_resolutions(store, resolver)
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


def stale_resolutions(store: DocStore, resolver: LawIdResolver) -> set[tuple[str, str]]:
    """(file name, file hash) of stored laws the LawId tables now resolve differently (the tables
    arrived or changed since): ingested again though the file is unchanged, so their links and ids
    follow the tables. An id the XML itself carried never changes."""
    stale: set[tuple[str, str]] = set()
    for doc in store.documents("law"):
        if doc.meta.get("law_id_status") == "xml":
            continue
        now = resolver.resolve(str(doc.meta.get("law_num", "")), doc.title)
        if (now.law_id, now.status) != (doc.meta.get("law_id"), doc.meta.get("law_id_status")):
            stale.add((doc.name, doc.file_hash))
    return stale


def _flush(store: DocStore, batch: list[StoredLaw], bad: list[Skipped]) -> None:
    if batch or bad:
        store.write(((s.document, s.rows) for s in batch), skipped=[("law", s.name, s.reason) for s in bad])
