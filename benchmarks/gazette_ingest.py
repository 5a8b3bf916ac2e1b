"""The gazette of the shared bundle: counts, PDF extraction speed, one notice field by field, law links.

1. Each full-issue PDF read page by page (pypdfium2, reading order, glyph mapping): pages, pages/s,
   pages without text, unknown glyphs, entries and procurement notices with their fields.
2. `ingest_gazette` over issues.json, the saved pages and the PDFs into a fresh store: issues, entries,
   chunks, wall time.
3. A sample a reader can judge: the 東京拘置所 tender notice (20250714c00129, page 2), each field
   beside the page text it was read from.
4. With `--laws-store PATH` (a store holding laws, e.g. the full archive): how many promulgation entries
   link to a stored law, by number, by title, and as amendments.

Usage: python benchmarks/gazette_ingest.py [--shared DIR] [--laws-store chunks.sqlite]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from govrag.config import default_shared_data
from govrag.index.docstore import DocStore
from govrag.sources.gazette.ingest import ingest_gazette, law_index, read_inputs
from govrag.sources.gazette.lineage import match_counts
from govrag.sources.gazette.notices import entries_of, notice_fields
from govrag.sources.gazette.pdf import read_pdf
from govrag.sources.base import IngestReport


def pdf_stats(kanpo: Path) -> None:
    print("## PDF extraction (pypdfium2, reading order)\n")
    print("| issue | pages | seconds | pages/s | pages without text | unknown glyphs | entries | notices with item "
          "| with issuer | with 納入期限 etc. | with 入札書の提出期限 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    total_pages = total_s = 0.0
    for pdf in sorted(kanpo.glob("pdf/*/*.pdf")):
        data = pdf.read_bytes()
        start = time.perf_counter()
        pages = list(read_pdf(data, pdf.name))
        seconds = time.perf_counter() - start
        entries = entries_of(pages)
        fields = [notice_fields(e) for e in entries]
        total_pages += len(pages)
        total_s += seconds
        print(f"| {pdf.name[:14]} | {len(pages)} | {seconds:.2f} | {len(pages) / seconds:.1f} "
              f"| {sum(p.empty for p in pages)} | {sum(p.unknown_glyphs for p in pages)} | {len(entries)} "
              f"| {sum(bool(f.item) for f in fields)} | {sum(bool(f.issuer) for f in fields)} "
              f"| {sum(bool(f.delivery) for f in fields)} | {sum(bool(f.tender_deadline) for f in fields)} |")
    print(f"\nAll PDFs: {int(total_pages)} pages in {total_s:.2f} s = {total_pages / total_s:.1f} pages/s\n")


def ingest_stats(kanpo: Path) -> None:
    print("## Ingest (issues.json + saved pages + PDFs → fresh store)\n")
    with tempfile.TemporaryDirectory() as tmp, DocStore(Path(tmp) / "chunks.sqlite", create=True) as store:
        start = time.perf_counter()
        report = ingest_gazette(store, [kanpo / "issues.json", kanpo / "html", kanpo / "pdf"])
        seconds = time.perf_counter() - start
        chunks = list(store.iter_chunks("gazette"))
    for key, value in report.rows.items():
        print(f"- {key}: {value:,}")
    print(f"- chunks from tables of contents: {sum(bool(c.attrs.get('from_toc')) for c in chunks):,}; "
          f"from PDF text: {sum(not c.attrs.get('from_toc') for c in chunks):,}")
    print(f"- reported (skipped or partial): {len(report.skipped)}; wall time {seconds:.1f} s\n")


def sample(kanpo: Path) -> None:
    print("## Sample: a tender notice field by field (官報 令和7年7月14日 号外政府調達第129号 2頁)\n")
    pdf = kanpo / "pdf" / "2025-07-14" / "20250714c00129full00010040.pdf"
    pages = list(read_pdf(pdf.read_bytes(), pdf.name))
    notice = next(e for e in entries_of(pages) if "差入品Ｘ線検査装置" in e.text)
    fields = notice_fields(notice)
    print("| field | value read |\n|---|---|")
    for name in ("issuer", "issuers", "agency_code", "classification", "item", "delivery", "tender_deadline",
                 "opening"):
        value = getattr(fields, name)
        print(f"| {name} | {'、'.join(value) if isinstance(value, tuple) else value} |")
    print(f"\nPage text of the notice (page {notice.first_page}, first 1,200 characters):\n\n```")
    print(notice.pieces[0].text[:1200])
    print("```\n")


def lineage(kanpo: Path, laws_store: Path) -> None:
    print(f"## Promulgation ↔ law links against {laws_store}\n")
    report = IngestReport("gazette")
    issues, _ = read_inputs([kanpo / "issues.json"], report)
    with DocStore(laws_store) as store:
        index, _ = law_index(store)
    counts = match_counts((e for i in issues.values() for e in i.entries), index)
    print(f"laws in the store: {len(index):,}\n")
    print(counts.report())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=default_shared_data())
    parser.add_argument("--laws-store", type=Path)
    args = parser.parse_args()
    kanpo = args.shared / "kanpo"
    pdf_stats(kanpo)
    ingest_stats(kanpo)
    sample(kanpo)
    if args.laws_store:
        lineage(kanpo, args.laws_store)


if __name__ == "__main__":
    main()
