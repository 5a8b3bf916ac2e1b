"""Ranking metrics on hand-computed cases, including the edge cases: no gold, ties, k beyond the list."""

from __future__ import annotations

import math

import pytest

from govrag.eval.metrics import dedupe, first_hit_rank, hit_at_k, ndcg_at_k, recall_at_k, reciprocal_rank

RANKED = ["a", "b", "a", "c", "d"]  # "a" twice: a split article counts once → distinct order a, b, c, d


def test_dedupe_keeps_first_occurrences_in_order() -> None:
    assert dedupe(RANKED) == ["a", "b", "c", "d"]
    assert dedupe([]) == []


def test_first_hit_rank_counts_distinct_keys() -> None:
    assert first_hit_rank(RANKED, {"c"}) == 3  # not 4: the repeated "a" does not push it down
    assert first_hit_rank(RANKED, {"d", "b"}) == 2
    assert first_hit_rank(RANKED, {"z"}) is None
    assert first_hit_rank([], {"a"}) is None


def test_hit_at_k() -> None:
    assert hit_at_k(RANKED, {"c"}, 2) == 0.0
    assert hit_at_k(RANKED, {"c"}, 3) == 1.0
    assert hit_at_k(RANKED, {"c"}, 100) == 1.0  # k larger than the list
    assert hit_at_k([], {"c"}, 10) == 0.0


def test_recall_at_k() -> None:
    assert recall_at_k(RANKED, {"a", "c", "z"}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(RANKED, {"a", "c", "z"}, 3) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, {"a", "c", "z"}, 50) == pytest.approx(2 / 3)  # "z" was never retrieved


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(RANKED, {"c"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(RANKED, {"b", "c"}) == pytest.approx(1 / 2)  # the first gold counts
    assert reciprocal_rank(RANKED, {"z"}) == 0.0


def test_ndcg_by_hand() -> None:
    # gold {b, d}: hits at distinct ranks 2 and 4 → DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(RANKED, {"b", "d"}, 10) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(["b", "d"], {"b", "d"}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(RANKED, {"d"}, 3) == 0.0  # beyond the cut-off
    # More gold than k: the ideal is capped at k positions, so a perfect top-k scores 1.
    assert ndcg_at_k(["a", "b"], {"a", "b", "c"}, 2) == pytest.approx(1.0)


def test_ties_in_scores_do_not_matter_ranks_do() -> None:
    """Metrics read the order given; two lists with the same order score the same whatever the scores were."""
    assert reciprocal_rank(["x", "g"], {"g"}) == reciprocal_rank(["y", "g"], {"g"}) == 0.5


@pytest.mark.parametrize("metric", [
    lambda: hit_at_k(RANKED, set(), 10),
    lambda: recall_at_k(RANKED, set(), 10),
    lambda: reciprocal_rank(RANKED, set()),
    lambda: ndcg_at_k(RANKED, set(), 10),
])
def test_no_gold_is_an_error_not_a_zero(metric: object) -> None:
    with pytest.raises(ValueError, match="undefined without gold"):
        metric()  # type: ignore[operator]
