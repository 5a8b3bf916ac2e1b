"""Gazette inputs → issues → chunks → document store, resumable.

One run reads every input it is given together (issues.json, saved kanpo.go.jp
pages, a day's Markdown, full-issue PDFs), because the same issue comes from
several of them: the page count from the top page or the PDF's name, entries
from the table of contents, text from the PDF. Issues are merged, linked to the
laws the store holds, and stored one document each; an issue stored with the
same content hash is skipped, so a killed run resumes without duplicates.

Bad input never stops the run: a corrupt PDF, a file of another layout or an
issue with nothing in it is reported (`IngestReport.skipped`) and the rest goes on.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govrag.index.docstore import ChunkRow, DocStore, DocumentRecord, chunk_row
from govrag.sources.archives import Member, members
from govrag.sources.base import IngestReport, Skipped, Tick
from govrag.sources.gazette.chunk import SOURCE, LawLink, chunk_issue, issue_hash
from govrag.sources.gazette.client import STATE_FILE
from govrag.sources.gazette.lineage import LawIndex, link, promulgations
from govrag.sources.gazette.pdf import PageText, PdfError, read_pdf
from govrag.sources.gazette.records import FULL_PDF, Issue, IssueIdError, IssueRef
from govrag.sources.gazette.toc import TocError, merge_issues, read_toc

BATCH_ISSUES = 50
_SUFFIXES = (".json", ".html", ".htm", ".md", ".pdf")
#: What `ingest kanpo-web` keeps beside the pages that is not an input: its resume state.
_HARVEST_FILES = frozenset({STATE_FILE})
_PDF_NAME = re.compile(FULL_PDF.pattern + r"\.pdf$")
#: The laws source's name: promulgation entries link to its documents.
LAW_SOURCE = "law"


@dataclass(frozen=True, slots=True)
class IssuePdf:
    name: str
    digest: str
    pages: tuple[PageText, ...]


def _members(paths: Sequence[Path]) -> Iterator[Member | Skipped]:
    """Files of every input path: a file, a folder or a tar/zip archive of them."""
    for path in paths:
        yield from members(path, _SUFFIXES, "gazette files", "gazette source", ignore=_HARVEST_FILES)


def read_inputs(paths: Sequence[Path], report: IngestReport) -> tuple[dict[str, Issue], dict[str, IssuePdf]]:
    """Every issue the inputs describe (merged) and the text of every full-issue PDF."""
    issues: list[Issue] = []
    pdfs: dict[str, IssuePdf] = {}
    for item in _members(paths):
        if isinstance(item, Skipped):
            report.skipped.append(item)
            continue
        name, data = item
        if name.lower().endswith(".pdf"):
            found = _read_pdf(name, data, report)
            if found is not None:
                issue, pdf = found
                issues.append(issue)
                pdfs[issue.ref.issue_id] = _joined(pdfs.get(issue.ref.issue_id), pdf)
            continue
        try:
            read = read_toc(name, data)
        except TocError as exc:
            report.skipped.append(Skipped(name, str(exc)))
            continue
        issues.extend(read.issues)
        report.skipped.extend(Skipped(name, problem) for problem in read.problems)
    return merge_issues(issues), pdfs


def _read_pdf(name: str, data: bytes, report: IngestReport) -> tuple[Issue, IssuePdf] | None:
    """A full-issue PDF named as kanpo.go.jp names it ({issue_id}full{first}{last}.pdf)."""
    m = _PDF_NAME.search(name)
    if m is None:
        report.skipped.append(Skipped(name, "PDF name does not say its issue and pages "
                                            "(expected {issue_id}full{first:04d}{last:04d}.pdf, as kanpo.go.jp names it)"))
        return None
    try:
        ref = IssueRef.parse(m["issue"])
        first, last = int(m["first"]), int(m["last"])
        pages = tuple(read_pdf(data, name, first))
    except (IssueIdError, PdfError) as exc:
        report.skipped.append(Skipped(name, str(exc)))
        return None
    if len(pages) != last - first + 1:
        report.skipped.append(Skipped(name, f"the name says pages {first}–{last} but the file has {len(pages)}; "
                                            "pages are numbered from the file"))
    last = first + len(pages) - 1
    issue = Issue(ref, pages=last if pages else None, origins=(name,), parts=((first, last),) if pages else ())
    return issue, IssuePdf(name, hashlib.blake2b(data, digest_size=16).hexdigest(), pages)


def _joined(held: IssuePdf | None, part: IssuePdf) -> IssuePdf:
    """An issue published as several PDFs (page ranges) is one run of pages."""
    if held is None:
        return part
    pages = {p.page: p for p in (*held.pages, *part.pages)}
    digest = hashlib.blake2b(f"{held.digest}{part.digest}".encode(), digest_size=16).hexdigest()
    return IssuePdf(f"{held.name}+{part.name}", digest, tuple(pages[k] for k in sorted(pages)))


def law_index(store: DocStore) -> tuple[LawIndex, dict[str, str]]:
    """The laws the store holds, and the version of each (its first chunk is what a link points at)."""
    rows: list[tuple[str, str, str]] = []
    first_chunk: dict[str, str] = {}
    for doc in store.documents(LAW_SOURCE):
        law_num = doc.meta.get("law_num")
        if law_num:
            rows.append((doc.doc_id, law_num, doc.title))
            first_chunk[doc.doc_id] = doc.version
    return LawIndex.build(rows), first_chunk


def issue_links(issue: Issue, index: LawIndex) -> dict[tuple[int, int], list[LawLink]]:
    """(page, ordinal) of each promulgation entry → its links to stored laws."""
    out: dict[tuple[int, int], list[LawLink]] = {}
    for entry, found in promulgations(issue.entries):
        if found is None:
            continue
        links = [{"kind": lk.kind, "doc_id": lk.doc_id, "law_num": lk.law_num, "title": lk.title, "how": lk.how,
                  "promulgated": found.law_num} for lk in link(found, index)]
        if links:
            out[(entry.page, entry.ordinal)] = links
    return out


def ingest_gazette(
    store: DocStore, paths: Sequence[Path], *, max_chars: int = 600, tick: Tick | None = None,
) -> IngestReport:
    report = IngestReport(SOURCE)
    issues, pdfs = read_inputs(paths, report)
    index, versions = law_index(store)
    first_chunk = _first_chunks(store, versions)
    done = store.done_files(SOURCE)
    held = {doc.doc_id: doc.meta for doc in store.documents(SOURCE)}
    batch: list[tuple[DocumentRecord, list[ChunkRow]]] = []
    counts = {"entries": 0, "pdf pages": 0, "pages without text": 0, "unreadable pages": 0,
              "unknown glyphs (printed 〓)": 0, "notices": 0, "chunks": 0, "law links": 0}
    for issue_id in sorted(issues):
        issue = issues[issue_id]
        pdf = pdfs.get(issue_id)
        links = {k: [dict(lk, chunk_id=first_chunk(lk["doc_id"])) for lk in v]
                 for k, v in issue_links(issue, index).items()}
        counts["entries"] += len(issue.entries)
        counts["law links"] += sum(map(len, links.values()))
        if pdf is not None:
            counts["pdf pages"] += len(pdf.pages)
            broken = [p for p in pdf.pages if p.error]
            empty = [p.page for p in pdf.pages if p.empty and not p.error]
            counts["pages without text"] += len(empty)
            counts["unreadable pages"] += len(broken)
            counts["unknown glyphs (printed 〓)"] += sum(p.unknown_glyphs for p in pdf.pages)
            if empty:
                report.skipped.append(Skipped(pdf.name, f"pages without text (printed as images or blank): "
                                                        f"{_ranges(empty)}; nothing to index on them"))
            if broken:
                report.skipped.append(Skipped(pdf.name, f"pages PDFium could not read ({broken[0].error}): "
                                                        f"{_ranges([p.page for p in broken])}; the other pages are kept"))
        if not issue.entries and (pdf is None or all(p.empty for p in pdf.pages)):
            report.skipped.append(Skipped(issue_id, "empty issue: no table-of-contents entries and no PDF text"))
            continue
        if (shrunk := _less_than_stored(issue, pdf, held.get(issue_id))) is not None:
            report.skipped.append(Skipped(issue_id, shrunk))
            report.unchanged += 1
        elif (issue_id, issue_hash(issue, pdf.digest if pdf else None, links)) in done:
            report.unchanged += 1
        else:
            made = chunk_issue(issue, pdf.pages if pdf else (), pdf_digest=pdf.digest if pdf else None,
                               links=links, max_chars=max_chars)
            batch.append((made.document, [chunk_row(c) for c in made.chunks]))
            report.stored += 1
            counts["notices"] += made.notices
            counts["chunks"] += len(made.chunks)
        if len(batch) >= BATCH_ISSUES:
            store.write(batch)
            batch = []
        if tick:
            tick()
    store.write(batch, skipped=[(SOURCE, s.name, s.reason) for s in report.skipped])
    report.rows = {"issues": len(issues), "issues stored": report.stored, "issues with PDF text": len(pdfs),
                   **{f"{k} (stored issues)" if k in ("notices", "chunks") else k: v for k, v in counts.items()}}
    return report


def _less_than_stored(issue: Issue, pdf: IssuePdf | None, stored: dict[str, Any] | None) -> str | None:
    """Why the stored issue is kept instead of this run's, if this run knows less of it: an issue is stored
    whole from all of its inputs, so a run over part of them (only the day's Markdown, only a new fetch)
    must not replace the PDF text or the entries another run stored."""
    if stored is None:
        return None
    lost = []
    if stored.get("pdf_pages") and pdf is None:
        lost.append(f"the text of its {stored['pdf_pages']} PDF pages")
    if stored.get("entries", 0) > len(issue.entries):
        lost.append(f"{stored['entries'] - len(issue.entries)} of its {stored['entries']} table-of-contents entries")
    if not lost:
        return None
    return (f"kept as stored: this run's inputs ({', '.join(issue.origins)}) lack {' and '.join(lost)}; "
            "ingest all of the issue's inputs in one run to replace it")


def _first_chunks(store: DocStore, versions: dict[str, str]) -> Callable[[str], str | None]:
    """Law doc_id → id of its first chunk (what a link points at), read only for the laws entries link to,
    each once."""
    @functools.cache
    def first(doc_id: str) -> str | None:
        version = versions.get(doc_id)
        found = store.chunks_of(LAW_SOURCE, doc_id, version, seqs=(0, 0)) if version else []
        return found[0].id if found else None

    return first

def _ranges(pages: list[int]) -> str:
    out: list[str] = []
    for p in pages:
        if out and out[-1].split("–")[-1] == str(p - 1):
            out[-1] = f"{out[-1].split('–')[0]}–{p}"
        else:
            out.append(str(p))
    return ", ".join(out)

