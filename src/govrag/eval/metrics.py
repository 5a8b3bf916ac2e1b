"""Retrieval metrics over ranked lists of keys (e.g. (law, article) pairs) and gold sets.

Keys are compared exactly; a ranked list may repeat a key (several chunks of
one article), and only its first occurrence counts, so split articles are not
rewarded twice.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence


def dedupe(ranked: Iterable[Hashable]) -> list[Hashable]:
    seen: set[Hashable] = set()
    out = []
    for key in ranked:
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


def first_hit_rank(ranked: Sequence[Hashable], gold: set[Hashable]) -> int | None:
    """1-based rank of the first gold key after de-duplication; None if absent."""
    for i, key in enumerate(dedupe(ranked), start=1):
        if key in gold:
            return i
    return None


def hit_at_k(ranked: Sequence[Hashable], gold: set[Hashable], k: int) -> float:
    """1.0 if any gold key is in the top k (the 回答ヒット率 of one question)."""
    if not gold:
        raise ValueError("hit@k is undefined without gold")
    rank = first_hit_rank(ranked, gold)
    return 1.0 if rank is not None and rank <= k else 0.0


def recall_at_k(ranked: Sequence[Hashable], gold: set[Hashable], k: int) -> float:
    if not gold:
        raise ValueError("recall@k is undefined without gold")
    return len(set(dedupe(ranked)[:k]) & gold) / len(gold)


def reciprocal_rank(ranked: Sequence[Hashable], gold: set[Hashable]) -> float:
    if not gold:
        raise ValueError("reciprocal rank is undefined without gold")
    rank = first_hit_rank(ranked, gold)
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(ranked: Sequence[Hashable], gold: set[Hashable], k: int = 10) -> float:
    """Binary-relevance nDCG@k."""
    if not gold:
        raise ValueError("nDCG is undefined without gold")
    top = dedupe(ranked)[:k]
    dcg = sum(1.0 / math.log2(i + 2) for i, key in enumerate(top) if key in gold)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(gold), k)))
    return dcg / ideal
