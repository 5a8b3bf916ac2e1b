"""Scoring a retriever on gold (law, article) pairs: hand-computed ranks, hit@k and MRR."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from govrag.eval.datasets import EvalQuestion, Gold, load_lawqa
from govrag.eval.retrieval import RunScores, gold_keys, markdown_table, score_run, unit_key
from govrag.models import Chunk


def chunk(law: str, article: str, part: int = 1) -> Chunk:
    return Chunk(
        id=f"{law}-{article}-{part}", source="law", doc_id=law, doc_title=law, version="v", unit=article, seq=0,
        heading=law, body="", label=f"{law} {article}", url="", hash="", attrs={"article_num": article},
    )


def question(qid: str, *gold: tuple[str, str | None]) -> EvalQuestion:
    return EvalQuestion(qid, f"q{qid}", "", "", tuple(Gold(law, art) for law, art in gold))


PRESENT = {("民法", "709"), ("民法", "710"), ("借地借家法", "3"), ("借地借家法", "28")}


def test_gold_keys_keep_only_articles_in_the_index() -> None:
    q = question("1", ("民法", "709"), ("金融商品取引法", "2"), ("ガイドライン", None))
    assert gold_keys(q, PRESENT) == {("民法", "709")}


def test_split_articles_count_once_and_missing_gold_is_skipped() -> None:
    results: dict[str, list[Chunk]] = {
        "q1": [chunk("民法", "1"), chunk("民法", "1", 2), chunk("民法", "709")],  # article 1 twice → gold at rank 2
        "q2": [chunk("借地借家法", "3")],  # rank 1
        "q3": [chunk("民法", "2")] * 3,  # never found
        "q4": [chunk("民法", "709")],  # gold not in the index → not counted at all
    }
    questions = [
        question("1", ("民法", "709")),
        question("2", ("借地借家法", "3"), ("借地借家法", "28")),
        question("3", ("民法", "710")),
        question("4", ("金融商品取引法", "2")),
    ]

    def search(query: str) -> Iterable[Chunk]:
        return results[query]

    scores = score_run("bm25", questions, search, PRESENT)
    assert scores.ranks == {"1": 2, "2": 1, "3": None}
    assert scores.hit_at(1) == pytest.approx(1 / 3)
    assert scores.hit_at(5) == pytest.approx(2 / 3)
    assert scores.mrr == pytest.approx((1 / 2 + 1) / 3)
    table = markdown_table([scores])
    assert "| bm25 | 3 | 0.333 | 0.667 | 0.667 | 0.500 |" in table


def test_an_empty_run_scores_zero_not_an_error() -> None:
    empty = RunScores("none")
    assert empty.hit_at(10) == 0.0 and empty.mrr == 0.0


def test_lawqa_gold_uses_the_chunks_article_numbers(shared_data: Path) -> None:
    """lawqa_jp gold article numbers have the shape chunks carry in attrs['article_num'] ('10', '2_3')."""
    questions = load_lawqa(shared_data / "lawqa_jp" / "selection.dev.json")
    tenancy = {g.article_num for q in questions for g in q.gold if g.law_title == "借地借家法"}
    assert tenancy and all(n is not None and re.fullmatch(r"[0-9]+(_[0-9]+)*", n) for n in tenancy)
    assert unit_key(chunk("借地借家法", "10")) == ("借地借家法", "10")
