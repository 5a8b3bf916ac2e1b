"""Benchmark: parse and chunk the whole e-Gov archive (8,502 laws) and print what came out.

    python benchmarks/laws_parse.py [--archive PATH] [--workers N] [--max-chars N]

Measures wall time from opening the archive to the last law's chunks (made in
worker processes: decompression, parsing, LawId lookup, chunking; each worker
sends back counts and chunk ids), peak memory, and checks that every chunk id
and every document id is unique. The store-writing ingest is timed separately
(`benchmarks/laws_ingest.py`).
Output is Markdown, pasted into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from collections import Counter
from pathlib import Path

from govrag.config import Settings
from govrag.sources.laws.archive import Skipped
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.corpus import CorpusReport, LawSummary, ParsedLaw, iter_corpus
from govrag.sources.laws.lawid import LawIdResolver


def measure(parsed: ParsedLaw) -> tuple[LawSummary, str, tuple[str, ...], int, int]:
    """Runs in the worker: everything the report needs, without shipping the chunks back."""
    main_articles = sum(
        1 for c in parsed.chunks
        if c.attrs["provision"] == "本則" and c.attrs["unit_form"] == "article" and c.attrs["part"] == 1
    )
    longest = max((len(c.text) for c in parsed.chunks), default=0)
    doc_id = parsed.chunks[0].doc_id if parsed.chunks else ""
    return parsed.summary(), doc_id, tuple(c.id for c in parsed.chunks), main_articles, longest


def main() -> None:
    settings = Settings()
    default_archive = settings.egov_dir / "laws-20201118.tar.xz" if settings.egov_dir else None
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", type=Path, default=default_archive)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--max-chars", type=int, default=settings.chunk_max_chars)
    args = parser.parse_args()
    if args.archive is None:
        parser.error("no --archive given and ../shared/data/egov not found")

    resolver = LawIdResolver.from_dir(args.archive.parent)
    options = ChunkOptions(max_chars=args.max_chars, version="2020-11-18")
    report = CorpusReport()
    chunk_ids: set[str] = set()
    doc_ids: Counter[str] = Counter()
    duplicate_chunks = 0
    by_type: Counter[str] = Counter()
    main_articles = 0
    longest = 0
    started = time.perf_counter()
    for result in iter_corpus(args.archive, resolver, options, workers=args.workers, finish=measure):
        if isinstance(result, Skipped):
            report.add(result)
            continue
        summary, doc_id, ids, n_main, n_longest = result
        report.add(summary)
        doc_ids[doc_id] += 1
        by_type[summary.law_type] += 1
        before = len(chunk_ids)
        chunk_ids.update(ids)
        duplicate_chunks += len(ids) - (len(chunk_ids) - before)
        main_articles += n_main
        longest = max(longest, n_longest)
    wall = time.perf_counter() - started
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"## Parse + chunk the e-Gov archive ({args.archive.name})\n")
    print(f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}, workers={args.workers}, max_chars={args.max_chars}")
    print(f"- wall time: **{wall:.1f} s** (open archive → every law parsed and chunked)")
    print(f"- the run finished: each of the {report.files:,} files was parsed or skipped with a reason; no exception escaped")
    print(f"- peak RSS: main process {peak_self:.0f} MiB, largest worker {peak_child:.0f} MiB\n")
    print("| what | count |\n|---|---|")
    rows = [
        ("law files read", report.files),
        ("laws parsed", report.laws),
        ("files skipped with a reason", len(report.skipped)),
        ("articles (条, 本則 + 附則)", report.articles),
        ("articles in 本則", main_articles),
        ("units (条 + 項-only provisions + 別表等)", report.units),
        ("chunks", report.chunks),
        ("unique chunk ids", len(chunk_ids)),
        ("duplicate chunk ids", duplicate_chunks),
        ("documents sharing a doc id", sum(n for n in doc_ids.values() if n > 1)),
        ("longest chunk text (chars)", longest),
    ]
    for key, value in rows:
        print(f"| {key} | {value:,} |")
    print("\n| LawId status | laws |\n|---|---|")
    for status, n in sorted(report.law_id_status.items()):
        print(f"| {status} | {n:,} |")
    print("\n| LawType | laws |\n|---|---|")
    for law_type, n in sorted(by_type.items()):
        print(f"| {law_type} | {n:,} |")
    print("\nSkipped files:" if report.skipped else "\nSkipped files: none")
    for skipped in report.skipped:
        print(f"- {skipped.name}: {skipped.reason}")
    shared = [d for d, n in doc_ids.items() if n > 1]
    if shared:
        print("\nDoc ids shared by more than one file (the later file would replace the earlier in the store):")
        for doc_id in sorted(shared):
            print(f"- {doc_id} × {doc_ids[doc_id]}")


if __name__ == "__main__":
    main()
