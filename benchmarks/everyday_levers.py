"""Benchmark: what each everyday-language lever adds, on every law question set, in one run.

    python benchmarks/everyday_levers.py --data-dir DIR [--grid]

Sets: lawqa_jp dev (問題文 + 選択肢), the paraphrased questions (eval/questions/paraphrased.jsonl,
tuned on) and the held-back ones (eval/questions/paraphrased-heldout.jsonl: written blind, never
tuned on). Every run searches the laws with the query's hints, as the KPI run `hybrid_hints`
does, and differs from `none` (no lever) or from the default by one lever. `--grid` adds the
weight sweeps used to pick the defaults (on lawqa_jp and paraphrased only; held-back shown for honesty).
Ranks are over distinct (law, article) keys of the first 30 chunks.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from govrag.config import Settings
from govrag.eval.datasets import EvalQuestion, load_jsonl, load_lawqa
from govrag.eval.retrieval import RunScores, score_run
from govrag.eval.runner import present_keys
from govrag.index.store.base import Filters
from govrag.models import Chunk
from govrag.retrieval.search import SearchOptions
from govrag.service import Service

FETCH = 30
DEFAULT = SearchOptions(k=FETCH, mode="hybrid", filters=Filters(source=("law",)))
NONE = replace(DEFAULT, synonym_weight=0.0, everyday_weight=0.0, definition_weight=0.0)


def runs(grid: bool) -> dict[str, SearchOptions]:
    out = {
        "none (BM25 + hints)": NONE,
        "+ synonyms": replace(NONE, synonym_weight=DEFAULT.synonym_weight),
        "+ everyday lexicon": replace(NONE, everyday_weight=DEFAULT.everyday_weight),
        "+ definitions leg ×1": replace(NONE, definition_weight=1.0),
        "default (all levers)": DEFAULT,
        "default − synonyms": replace(DEFAULT, synonym_weight=0.0),
        "default − everyday lexicon": replace(DEFAULT, everyday_weight=0.0),
        "default + definitions leg ×1": replace(DEFAULT, definition_weight=1.0),
    }
    if grid:
        for w in (0.1, 0.2, 0.5, 1.0):
            out[f"default, synonyms ×{w:g}"] = replace(DEFAULT, synonym_weight=w)
        for w in (0.2, 0.3, 0.7, 1.0):
            out[f"default, everyday ×{w:g}"] = replace(DEFAULT, everyday_weight=w)
        for w in (0.25, 0.5):
            out[f"default + definitions leg ×{w:g}"] = replace(DEFAULT, definition_weight=w)
    return out


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--grid", action="store_true", help="also sweep each lever's weight")
    args = parser.parse_args()
    sets: dict[str, list[EvalQuestion]] = {
        "lawqa_jp dev": load_lawqa(settings.shared_data / "lawqa_jp" / "selection.dev.json"),
        "paraphrased": load_jsonl(Path("eval/questions/paraphrased.jsonl")),
        "held-back": [q for q in load_jsonl(Path("eval/questions/paraphrased-heldout.jsonl")) if q.answerable],
    }
    service = Service(Settings(data_dir=args.data_dir))
    try:
        health = service.health()
        present = {name: present_keys(service.docstore, qs) for name, qs in sets.items()}
        print("## Everyday-language levers — `python benchmarks/everyday_levers.py" + (" --grid" if args.grid else "") + "`\n")
        print(f"- index: {health['points']:,} chunks with BM25, {health['dense_points']:,} dense, "
              f"{health['descriptor_points']:,} outline windows, {health['article_points']:,} article vectors; "
              f"{health['documents']['law']['documents']:,} laws")
        counted = {name: len([q for q in qs if any(g.key in present[name] for g in q.gold)]) for name, qs in sets.items()}
        print("- questions counted (a gold article is in the index): "
              + ", ".join(f"{name} {n} of {len(sets[name])}" for name, n in counted.items()) + "\n")
        service.searcher.search("大人は何歳から", DEFAULT)  # loads the tokenizer, lexicons and definitions: not timed
        head = " | ".join(f"{name} hit@1 | hit@10 | MRR" for name in sets)
        print(f"| run | {head} | ms/question |")
        print("|---" * (2 + 3 * len(sets)) + "|")
        for run, options in runs(args.grid).items():
            cells, t0, n = [], time.perf_counter(), 0
            for name, questions in sets.items():
                def search(query: str, options: SearchOptions = options) -> list[Chunk]:
                    return [h.chunk for h in service.searcher.search(query, options).hits]
                s: RunScores = score_run(run, questions, search, present[name])
                n += len(s.ranks)
                cells.append(f"{s.hit_at(1):.3f} | **{s.hit_at(10):.3f}** | {s.mrr:.3f}")
            ms = (time.perf_counter() - t0) / max(1, n) * 1000
            print(f"| {run} | {' | '.join(cells)} | {ms:.0f} |", flush=True)
    finally:
        service.close()


if __name__ == "__main__":
    main()
