"""The verifier against human judgement: collect a real model's sentences, label them, score the verifier.

    # 1. collect: every sentence the model wrote in an eval run with an LLM (`govrag eval --llm …`
    #    keeps the model's answers, the verifier's sentence checks and the sources as the model saw them)
    python benchmarks/verifier_sample.py collect --report eval/reports/local-llm/report.json \\
        --out eval/labels/verifier-sample.jsonl

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


def collect(args: argparse.Namespace) -> None:
    """One line per sentence of every generated answer in the eval reports, with the sources it cites."""
    rows = 0
    with args.out.open("w", encoding="utf-8") as out:
        for report in args.report:
            for r in json.loads(report.read_text(encoding="utf-8"))["records"]:
                for s in r.get("sentences") or ():
                    out.write(json.dumps({
                        "dataset": r["dataset"], "qid": r["qid"], "question": r["question"], "sentence": s["text"],
                        "cites": s["cites"], "verifier": "supported" if s["supported"] else "unsupported",
                        "support": s["support"], "problems": s["problems"],
                        "sources": {str(n): r["given"][n - 1] for n in s["cites"] if 0 < n <= len(r["given"])},
                        "notes": r.get("notes") or [], "label": None,
                    }, ensure_ascii=False) + "\n")
                    rows += 1
    print(f"{rows} sentences → {args.out}", file=sys.stderr)


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
    c.add_argument("--report", type=Path, action="append", required=True, help="an eval report.json (repeatable)")
    c.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score")
    s.add_argument("labels", type=Path)
    args = parser.parse_args()
    collect(args) if args.command == "collect" else score(args)


if __name__ == "__main__":
    main()
