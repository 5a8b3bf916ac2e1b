"""The verifier against human judgement: collect a real model's sentences, label them, score the verifier.

    # 1. collect: ask the configured model (GOVRAG_LLM_BASE_URL) the first N questions of each set,
    #    verification policy "warn" so every raw answer is kept; one line per sentence, with the texts
    #    of the sources it was given
    python benchmarks/verifier_sample.py collect --data-dir /tmp/full --out eval/labels/verifier-sample.jsonl \\
        --set eval/questions/paraphrased.jsonl:8 --set eval/questions/unanswerable.jsonl:8 --lawqa 8

    # 2. label: set "label" on each line by hand to "supported" or "unsupported" (read the sentence
    #    against the sources it cites; a sentence with no [n] is supported only by the premise notes)

    # 3. score: re-run the verifier on the stored sentences (no model needed) against the labels
    python benchmarks/verifier_sample.py score eval/labels/verifier-sample.jsonl

Prints a confusion table: unsupported sentences caught, supported ones wrongly flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from govrag.answer.verify import Evidence, verify
from govrag.config import Settings
from govrag.eval.datasets import load_jsonl, load_lawqa
from govrag.retrieval.search import SearchOptions
from govrag.service import Service


def collect(args: argparse.Namespace) -> None:
    settings = Settings(data_dir=args.data_dir, verify_policy="warn", audit_enabled=False)
    if settings.llm_base_url is None:
        sys.exit("set GOVRAG_LLM_BASE_URL to the model's endpoint")
    questions = []
    for spec in args.set:
        path, _, n = spec.rpartition(":")
        questions += [(Path(path).stem, q) for q in load_jsonl(Path(path))[: int(n)]]
    if args.lawqa:
        questions += [("lawqa_dev", q) for q in load_lawqa(settings.shared_data / "lawqa_jp" / "selection.dev.json")[: args.lawqa]]
    service = Service(settings, check_pages=False)
    assert service.generator is not None
    out = args.out.open("w", encoding="utf-8")
    try:
        for dataset, q in questions:
            source = ("law",) if dataset in ("paraphrased", "lawqa_dev") else ()
            options = SearchOptions(k=5)
            if source:
                from dataclasses import replace
                options = replace(options, filters=replace(options.filters, source=source))
            result = service.search(q.question, options)
            answer, trace = service.generator.answer(result)
            v = answer.verification
            if v is None or trace.prompt is None:
                print(f"{q.qid}: no generated answer ({', '.join(answer.flags)})", file=sys.stderr)
                continue
            sources = _given(trace.prompt)
            for s in v.sentences:
                out.write(json.dumps({
                    "dataset": dataset, "qid": q.qid, "question": q.question, "sentence": s.text, "cites": s.cites,
                    "verifier": "supported" if s.supported else "unsupported", "support": s.support,
                    "problems": s.problems, "sources": {str(n): sources.get(n, "") for n in s.cites},
                    "notes": _notes(trace.prompt), "label": None,
                }, ensure_ascii=False) + "\n")
            out.flush()
            print(f"{q.qid}: {len(v.sentences)} sentences, {v.unsupported} unsupported", file=sys.stderr)
    finally:
        out.close()
        service.close()


def _given(prompt: str) -> dict[int, str]:
    """The fenced source texts as the model saw them (after neutralising; masking is not applied locally)."""
    import re

    return {int(m.group(1)): m.group(2) for m in re.finditer(
        r"<<<資料 \[(\d+)\] ここから>>>\n出典: [^\n]*\nURL: [^\n]*\n(.*?)\n<<<資料 \[\1\] ここまで>>>", prompt, re.S)}


def _notes(prompt: str) -> list[str]:
    if "## 確認事項" not in prompt:
        return []
    block = prompt.split("## 確認事項", 1)[1].split("## 質問", 1)[0]
    return [line[2:] for line in block.splitlines() if line.startswith("- ")]


def score(args: argparse.Namespace) -> None:
    from govrag.index.sparse import Bm25Encoder

    tokens = Bm25Encoder().tokens
    rows = [json.loads(line) for line in args.labels.open(encoding="utf-8") if line.strip()]
    labelled = [r for r in rows if r.get("label") in ("supported", "unsupported")]
    table = {(h, v): 0 for h in ("supported", "unsupported") for v in ("supported", "unsupported")}
    misses = []
    for r in labelled:
        evidence = Evidence({int(n): t for n, t in r["sources"].items()}, notes=tuple(r.get("notes") or ()),
                            question=r["question"])
        cites = "".join(f"[{n}]" for n in r["cites"])
        text = r["sentence"] if not cites or cites in r["sentence"] else r["sentence"] + cites
        v = verify(text, evidence, tokens, lambda t: ((), ()))
        ok = all(c.supported for c in v.sentences) and not v.forged_quotes and not v.unknown_markers
        verdict = "supported" if ok else "unsupported"
        table[(r["label"], verdict)] += 1
        if verdict != r["label"]:
            misses.append((r["label"], verdict, r["sentence"][:70]))
    unsupported = table[("unsupported", "supported")] + table[("unsupported", "unsupported")]
    supported = table[("supported", "supported")] + table[("supported", "unsupported")]
    print(f"{len(labelled)} labelled sentences ({len(rows) - len(labelled)} unlabelled) from "
          f"{len({r['qid'] for r in labelled})} answers\n")
    print("| human label | verifier: supported | verifier: unsupported |")
    print("|---|---|---|")
    for human in ("supported", "unsupported"):
        print(f"| {human} | {table[(human, 'supported')]} | {table[(human, 'unsupported')]} |")
    if unsupported:
        print(f"\nunsupported sentences caught: {table[('unsupported', 'unsupported')]} of {unsupported} "
              f"({table[('unsupported', 'unsupported')] / unsupported:.0%})")
    if supported:
        print(f"supported sentences wrongly flagged: {table[('supported', 'unsupported')]} of {supported} "
              f"({table[('supported', 'unsupported')] / supported:.0%})")
    if misses:
        print("\ndisagreements (human → verifier):")
        for human, verdict, text in misses:
            print(f"- {human} → {verdict}: {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--data-dir", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--set", action="append", default=[], help="PATH:N — the first N questions of a JSONL set")
    c.add_argument("--lawqa", type=int, default=0, help="the first N lawqa_jp dev questions")
    s = sub.add_parser("score")
    s.add_argument("labels", type=Path)
    args = parser.parse_args()
    collect(args) if args.command == "collect" else score(args)


if __name__ == "__main__":
    main()
