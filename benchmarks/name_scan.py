"""Benchmark: the law-name scan of a question (trie) against the start × end scan it replaced.

    python benchmarks/name_scan.py --data-dir DIR [--before COMMIT]

Both directories hold the same entries (every stored law, its aliases, and the catalogue's laws the
store lacks). Each question length is the start of the lawqa_jp dev items joined together (law names,
citations and statute wording; a long lawqa_jp item with its options runs to 960 characters);
times are medians of 20 scans of the stored and the catalogued directories, as `law_hints` runs
them. `--before` loads `sources/laws/cite.py` as it was at that commit for the comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from govrag.config import Settings
from govrag.eval.datasets import load_lawqa
from govrag.index.docstore import DocStore
from govrag.sources.laws.hints import CitationLookup

LENGTHS = (60, 240, 960)


def old_directory_class(commit: str) -> type:
    source = subprocess.run(["git", "show", f"{commit}:src/govrag/sources/laws/cite.py"], check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "cite_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("cite_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["cite_before"] = module
    spec.loader.exec_module(module)
    return module.LawDirectory  # type: ignore[no-any-return]


def questions() -> str:
    """lawqa_jp dev items (問題文 + 選択肢: law names, citations, statute wording), then the eval sets' own."""
    text = "".join(q.query for q in load_lawqa(Settings().shared_data / "lawqa_jp" / "selection.dev.json"))
    for name in ("unanswerable", "paraphrased"):
        lines = Path(f"eval/questions/{name}.jsonl").read_text(encoding="utf-8").splitlines()
        text += "".join(json.loads(line)["question"] for line in lines if line.strip())
    return text


def median_ms(directories: list, text: str, runs: int = 20) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        found = sum(len(d.names_in(text)) for d in directories)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--before", default="9116e36", help="commit whose cite.py is the baseline")
    args = parser.parse_args()
    store = DocStore(args.data_dir / "chunks.sqlite")
    lookup = CitationLookup.from_store(store)
    now = [lookup.directory, lookup.known]
    Old = old_directory_class(args.before)
    before = [Old(list(d)) for d in now]
    text = questions()
    print(f"## Law-name scan — `python benchmarks/name_scan.py --before {args.before}`\n")
    print(f"- directories: {len(now[0]):,} stored laws and {len(now[1]):,} catalogued ones the store lacks\n")
    print("| question chars | before (start × end) ms | trie ms | names found before / now |")
    print("|---|---|---|---|")
    for n in LENGTHS:
        sample = text[:n]
        old_ms, old_found = median_ms(before, sample)
        new_ms, new_found = median_ms(now, sample)
        print(f"| {n} | {old_ms:.2f} | {new_ms:.2f} | {old_found} / {new_found} |")
    store.close()


if __name__ == "__main__":
    main()
