"""Census of statutory definitions: what the extraction finds over a whole store, and a sample to check by hand.

    python benchmarks/definitions_census.py [--data-dir DIR] [--sample 50] [--seed 20261202] [--out FILE.tsv]

Runs `law_definitions` (the rules `govrag index build` stores) over every law in DIR's document
store, in memory: the store is only read, so it may run beside a build. Prints the totals (by
kind, distinct terms, laws with at least one definition, time), then a random sample (fixed
seed, printed) as a Markdown table for checking by hand: term, provision, kind, scope, the text.
`--out` writes the sample as TSV, with the full text and URL, for recording verdicts.
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.sources.laws.definitions import RULES_VERSION, Definition, law_definitions


def census(store: DocStore) -> tuple[list[Definition], int, float]:
    """(every definition, laws read, seconds)."""
    t0 = time.perf_counter()
    found: list[Definition] = []
    laws = 0
    for doc in list(store.documents("law")):
        found += law_definitions(store.chunks_of(doc.source, doc.doc_id, doc.version))
        laws += 1
    return found, laws, time.perf_counter() - t0


def _open(path: Path, tries: int = 20) -> DocStore:
    """The store, waiting while a build holds it locked."""
    for attempt in range(tries):
        try:
            return DocStore(path)
        except sqlite3.OperationalError:
            if attempt == tries - 1:
                raise
            time.sleep(15)
    raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--out", type=Path, help="the sample as TSV (term, provision, kind, scope, url, text)")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    with _open(settings.chunk_db) as store:
        found, laws, seconds = census(store)
    kinds = Counter(d.kind for d in found)
    with_any = len({d.doc_id for d in found})
    print(f"## Definitions census (rules v{RULES_VERSION}) over {settings.chunk_db}\n")
    print(f"- laws read: {laws:,} in {seconds:.1f} s")
    print(f"- definitions: {len(found):,} — " + ", ".join(f"{k} {n:,}" for k, n in kinds.most_common()))
    print(f"- distinct terms: {len({d.term for d in found}):,} as written, {len({d.key for d in found}):,} normalised")
    print(f"- laws with at least one: {with_any:,} of {laws:,}")
    print(f"- with a written scope: {sum(1 for d in found if d.scope):,}")
    rng = random.Random(args.seed)
    sample = rng.sample(found, min(args.sample, len(found)))
    print(f"\n### Random sample of {len(sample)} (seed {args.seed})\n")
    print("| # | term | provision | kind | scope | text |")
    print("|---|---|---|---|---|---|")
    for i, d in enumerate(sample, 1):
        text = d.text.replace("\n", " ").replace("|", "｜")
        print(f"| {i} | {d.term} | {d.label} | {d.kind} | {d.scope or ''} | {text[:160]} |")
    if args.out:
        with args.out.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, delimiter="\t")
            out.writerow(["n", "term", "provision", "kind", "scope", "url", "text"])
            for i, d in enumerate(sample, 1):
                out.writerow([i, d.term, d.label, d.kind, d.scope or "", d.url, d.text.replace("\n", " ⏎ ")])


if __name__ == "__main__":
    main()
