"""The research pipeline without a model, on the three real sources: steps, sources, outline, premise, history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govrag.config import Settings
from govrag.index.store.base import Filters
from govrag.research.history import HistoryError
from govrag.research.pipeline import STEPS, ResearchOptions
from govrag.research.records import Report
from govrag.service import Caller, Service

MARKER = re.compile(r"\[(\d+)\]")


@pytest.fixture(scope="module")
def service(all_sources_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    where = tmp_path_factory.mktemp("research")
    svc = Service(Settings(data_dir=all_sources_index, research_history_file=where / "research.sqlite",
                           audit_dir=where / "audit"), check_pages=False)
    yield svc
    svc.close()


def run(service: Service, question: str, options: ResearchOptions = ResearchOptions()) -> tuple[list[tuple[str, Any]], Report]:
    events = list(service.researcher.events(question, options, caller=Caller("tester", "/research")))
    kind, report = events[-1]
    assert kind == "report"
    return events, report


def test_every_step_starts_and_ends_in_order_before_the_report(service: Service) -> None:
    events, report = run(service, "個人情報の第三者提供の要件と、国会での議論は")
    steps = [(v["step"], v["status"]) for k, v in events if k == "step"]
    assert steps == [(name, status) for name in STEPS for status in ("running", "done")]
    kinds = [k for k, _ in events if k != "step"]
    assert kinds[:4] == ["subqueries", "sources", "outline", "section"]
    assert kinds.count("section") == len(report.sections) and kinds[-1] == "report"
    done = [v["ms"] for k, v in events if k == "step" and v["status"] == "done"]
    assert all(isinstance(ms, float) and ms >= 0 for ms in done) and len(done) == len(STEPS)
    assert 0 < report.timings_ms["first_step"] <= report.timings_ms["total"]


def test_a_report_over_laws_and_speeches_cites_only_its_numbered_sources(service: Service) -> None:
    _, report = run(service, "個人情報の第三者提供の要件と、国会での議論は")
    assert report.mode == "extractive" and report.model is None
    assert report.question_type == "解釈適用"
    assert [s.n for s in report.sources] == list(range(1, len(report.sources) + 1))
    assert {s.source for s in report.sources} >= {"law", "diet"}
    assert report.sources[0].label.startswith("個人情報の保護に関する法律 第二十三条")
    assert report.subqueries[0].text == report.question
    assert any(q.doc_id for q in report.subqueries), "the first search's law is searched again on its own"
    # Every section quotes its own sources, verbatim, and every marker in the text names one of them.
    by_n = {s.n: s for s in report.sources}
    for section in report.sections:
        assert section.sources and not section.generated
        cited = {int(n) for n in MARKER.findall(section.text)}
        assert cited == set(section.sources)
        for n in section.sources:
            for passage in by_n[n].passages or [by_n[n].text[:50]]:
                assert passage.strip()[:60] in section.text
    assert {n for s in report.sections for n in s.sources} == set(by_n), "every source is in one section"
    assert {int(n) for n in MARKER.findall(report.conclusion)} <= set(by_n)
    # The matching passages of the best source hold what was asked.
    assert "第三者に提供" in "".join(report.sources[0].passages)
    leaves = [leaf.n for branch in report.mindmap.children for leaf in branch.children]
    assert sorted(leaves) == sorted(by_n)


def test_a_wrong_premise_is_said_first_and_the_conclusion_declines(service: Service) -> None:
    _, report = run(service, "民法第1500条の要件は")
    assert report.premise == ("民法 第千五百条 は収録された法令にありません（存在しない条項です）。",)
    assert report.conclusion.startswith("資料からは分かりません")
    assert "十分に答える記述が見つかりませんでした" in report.lead


def test_filters_bind_every_sub_query(service: Service) -> None:
    _, report = run(service, "防衛力の強化について石破総理はどう答弁したか",
                    ResearchOptions(filters=Filters(source=("diet",))))
    assert report.sources and {s.source for s in report.sources} == {"diet"}
    assert report.question_type == "政策研究"
    assert report.sources[0].label.endswith("石破茂（内閣総理大臣）")
    assert report.settings["filters"]["source"] == ["diet"]


def test_the_history_gives_back_the_same_report(service: Service) -> None:
    _, report = run(service, "「個人情報」とは")
    assert report.question_type == "定義確認"
    assert service.history.get(report.id) == report
    assert service.history.get(report.id, key_id="someone-else") is None
    entries, total = service.history.list("tester")
    assert entries[0].id == report.id and total >= 1


def test_an_empty_question_is_refused_before_anything_runs(service: Service) -> None:
    with pytest.raises(ValueError):
        next(service.researcher.events("  "))


def test_each_research_leaves_one_audit_record(service: Service) -> None:
    _, report = run(service, "個人情報の利用目的の特定")
    records = [r for r in service.audit.records() if r.get("kind") == "research"]
    mine = [r for r in records if r["report_id"] == report.id]
    assert len(mine) == 1
    assert mine[0]["question"] == "個人情報の利用目的の特定" and mine[0]["key_id"] == "tester"
    assert mine[0]["source_ids"] == [s.chunk_id for s in report.sources]
    assert mine[0]["answer"].startswith("# 調査報告: 個人情報の利用目的の特定")


def test_a_history_that_cannot_be_written_still_gives_the_report(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(report: Report) -> None:
        raise HistoryError("the research history research.sqlite cannot be written (database or disk is full)")

    monkeypatch.setattr(service.history, "save", full_disk)
    _, report = run(service, "個人情報の安全管理措置")
    assert report.sources and "history_unsaved" in report.flags
    assert any("履歴に保存できませんでした" in w for w in report.warnings)
    record = [r for r in service.audit.records(kinds={"research"}) if r["question"] == "個人情報の安全管理措置"][-1]
    assert record["report_id"] == report.id and "history_unsaved" in record["flags"]
