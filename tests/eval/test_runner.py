"""Metrics computed from per-question records, KPI verdicts and the three report formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govrag.eval.report import EvalReport
from govrag.eval.runner import Record, by_tag, metrics
from govrag.eval.suite import Kpi, SuiteError, load_kpis, load_suite


def rec(qid: str, *, run: str = "hybrid", dataset: str = "set", answerable: bool = True, gold: list[str] | None = None,
        retrieved: list[str] | None = None, article_rank: int | None = None, law_rank: int | None = None,
        refused: bool = False, citations: int = 0, citation_hits: int = 0, unsupported: bool = False,
        tags: list[str] | None = None, total_ms: float = 10.0) -> Record:
    gold = gold if gold is not None else ["民法 709"]
    return Record(
        dataset=dataset, run=run, qid=qid, question=f"q{qid}", tags=tags or [], answerable=answerable,
        gold=gold, gold_in_index=gold, retrieved=retrieved or [], article_rank=article_rank, law_rank=law_rank,
        refused=refused, citations=[f"c{i}" for i in range(citations)], citation_hits=citation_hits,
        unsupported_quotes=["x"] if unsupported else [], timings_ms={"search": total_ms},
    )


RECORDS = [
    rec("1", article_rank=1, law_rank=1, citations=3, citation_hits=1, retrieved=["民法 709", "民法 710"], tags=["民法"]),
    rec("2", article_rank=7, law_rank=1, citations=3, citation_hits=0, retrieved=["民法 1"] * 6 + ["民法 709"]),
    rec("3", article_rank=None, law_rank=None, refused=True, tags=["民法"]),
    rec("4", gold=[], refused=False),  # answerable, gold not in the index: not scored for retrieval
    rec("5", answerable=False, gold=[], refused=True),
    rec("6", answerable=False, gold=[], refused=False, citations=2, unsupported=True),
]


def test_metrics_by_hand() -> None:
    m = metrics(RECORDS)
    assert (m["questions"], m["scored"], m["unscored"]) == (6, 3, 1)
    assert m["article.hit@1"] == pytest.approx(1 / 3)
    assert m["article.hit@5"] == pytest.approx(1 / 3)
    assert m["article.hit@10"] == pytest.approx(2 / 3)
    assert m["article.mrr"] == pytest.approx((1 + 1 / 7) / 3)
    assert m["law.hit@1"] == pytest.approx(2 / 3)
    assert m["answer.false_abstention"] == pytest.approx(1 / 4)  # q3 of the 4 answerable
    assert m["answer.correct_refusal"] == pytest.approx(1 / 2)  # q5 of the 2 unanswerable
    assert m["answer.hallucination_rate"] == pytest.approx(1 / 4)  # q6 of the 4 answered (1, 2, 4, 6)
    assert m["answer.citation_precision"] == pytest.approx(1 / 6)  # 1 gold citation of 6 on scored answers
    assert m["answer.mc_accuracy"] is None  # no LLM: reported as not measured, never as 0
    assert m["latency.search.p50_ms"] == 10.0


def test_nothing_to_measure_is_none() -> None:
    m = metrics([rec("5", answerable=False, gold=[], refused=True)])
    assert m["article.hit@10"] is None and m["answer.false_abstention"] is None
    assert m["answer.correct_refusal"] == 1.0
    assert metrics([])["questions"] == 0


def test_by_tag_counts_each_tag() -> None:
    tags = by_tag(RECORDS)
    assert tags["民法"]["questions"] == 2 and tags["民法"]["article.hit@10"] == pytest.approx(1 / 2)


def test_miss_reasons() -> None:
    assert RECORDS[0].miss_reason() is None
    assert RECORDS[2].miss_reason() == "gold law not among the laws of the top results"
    assert rec("x", article_rank=12, law_rank=2).miss_reason() == "gold law found (rank 2), gold article not in the top 10"
    assert RECORDS[3].miss_reason() == "no gold given"
    assert RECORDS[4].miss_reason() is None
    assert RECORDS[5].miss_reason() == "answered a question that has no answer in the sources"


def test_kpi_verdicts_and_a_missing_value_is_a_miss() -> None:
    assert Kpi("a", "set", "hybrid", "article.hit@10", min=0.5).verdict(0.5)
    assert not Kpi("a", "set", "hybrid", "article.hit@10", min=0.7).verdict(0.69)
    assert Kpi("h", "*", "hybrid", "answer.hallucination_rate", max=0.05).verdict(0.0)
    assert not Kpi("h", "*", "hybrid", "answer.hallucination_rate", max=0.05).verdict(None)


def test_report_formats_agree(tmp_path: Path) -> None:
    records = RECORDS + [rec("1", run="bm25", article_rank=3, law_rank=1)]
    report = EvalReport("t", {"machine": "test"}, {"set": 6}, records, primary="hybrid")
    report.judge([Kpi("hit", "set", "hybrid", "article.hit@10", min=0.6),
                  Kpi("refuse", "set", "hybrid", "answer.correct_refusal", min=0.9),
                  Kpi("absent run", "set", "llm", "article.hit@10", min=0.1)])
    assert [k.passed for k in report.kpis] == [True, False, False] and not report.passed
    paths = report.write(tmp_path / "r")
    data = json.loads(paths[0].read_text(encoding="utf-8"))
    assert data["metrics"]["set"]["hybrid"]["article.hit@10"] == pytest.approx(2 / 3)
    assert data["passed"] is False and len(data["records"]) == 7
    md = paths[1].read_text(encoding="utf-8")
    assert "| hit | set | hybrid | article.hit@10 | ≥ 0.6 | 0.667 | PASS |" in md
    assert "**MISS**" in md and "gold law not among the laws of the top results" in md
    page = paths[2].read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3 and "MISS" in page


def test_suite_and_kpi_files(tmp_path: Path) -> None:
    suite = load_suite(Path("eval/suite.toml"), Path("/nonexistent"))
    assert set(suite.runs) == {"bm25", "dense", "hybrid", "hybrid_hints", "hybrid_hints_no_expansion"}
    assert suite.runs["bm25"].route_laws == 0 and suite.runs["hybrid_hints"].use_hints
    plain = suite.runs["hybrid_hints_no_expansion"]
    assert (plain.synonym_weight, plain.everyday_weight) == (0.0, 0.0) and suite.runs["hybrid_hints"].synonym_weight > 0
    assert all(k.min is not None or k.max is not None for k in load_kpis(Path("eval/kpi.toml")))
    bad = tmp_path / "bad.toml"
    bad.write_text('[datasets.x]\nkind = "csv"\npath = "x"\n[runs.r]\nmode = "bm25"\n', encoding="utf-8")
    with pytest.raises(SuiteError, match="kind must be"):
        load_suite(bad, None)
    bad.write_text('[datasets.x]\nkind = "jsonl"\npath = "x"\n[runs.r]\nmodes = "bm25"\n', encoding="utf-8")
    with pytest.raises(SuiteError, match="unknown option"):
        load_suite(bad, None)
    with pytest.raises(SuiteError, match="unknown run"):
        suite.select(None, ["nope"])


def test_generated_answers_are_scored_before_and_after_verification() -> None:
    """The model's own sentences count in raw_*; only delivered generated answers count in delivered_*,
    and a delivered answer that failed verification (policy "warn") is a hallucination."""
    from dataclasses import replace

    passed = replace(rec("1"), mode="generated", generated=True, raw_sentences=4, raw_unsupported=0)
    refused = replace(rec("2"), mode="extractive", generated=True, raw_sentences=3, raw_unsupported=2, raw_failed=True)
    warned = replace(rec("3"), mode="generated", generated=True, raw_sentences=2, raw_unsupported=1, raw_failed=True)
    quoted = rec("4")  # no model (an endpoint error): not generated
    m = metrics([passed, refused, warned, quoted])
    assert m["answer.generated"] == 3
    assert m["answer.raw_hallucination_rate"] == 2 / 3
    assert m["answer.raw_unsupported_sentences"] == 3 / 9
    assert m["answer.delivered_unsupported_sentences"] == 1 / 6
    assert m["answer.hallucination_rate"] == 1 / 4 and warned.hallucinated and not refused.hallucinated
    assert metrics([quoted])["answer.raw_unsupported_sentences"] is None


def test_a_run_marked_rewrite_is_read_from_the_suite(tmp_path: Path) -> None:
    suite = tmp_path / "suite.toml"
    suite.write_text('[datasets.p]\nkind = "jsonl"\npath = "p.jsonl"\ngenerate = false\n'
                     '[runs.plain]\nmode = "bm25"\n[runs.rw]\nmode = "bm25"\nrewrite = true\n', encoding="utf-8")
    loaded = load_suite(suite, None)
    assert loaded.rewrites == frozenset({"rw"}) and loaded.runs["rw"].mode == "bm25"
    assert loaded.datasets["p"].generate is False
    assert loaded.select(None, ["plain"]).rewrites == frozenset()


def test_spread_takes_every_kind_of_question() -> None:
    from govrag.eval.runner import spread

    items = list(range(52))
    assert spread(items, 4) == [0, 13, 26, 39]  # type: ignore[arg-type]
    assert spread(items, None) == items and spread(items, 60) == items  # type: ignore[arg-type]


def test_false_abstention_held_counts_only_questions_whose_laws_are_stored() -> None:
    from dataclasses import replace

    records = [rec("1", refused=True), replace(rec("2", refused=True), premise_holds=False), rec("3"), rec("4")]
    m = metrics(records)
    assert m["answer.false_abstention"] == 0.5 and m["answer.false_abstention_held"] == 1 / 3
