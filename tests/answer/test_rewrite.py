"""Query rewriting: reading the model's reply, fusing the rewrites' hits, and searching through a real endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govrag.answer.llm import make_llm
from govrag.answer.rewrite import fuse, parse_rewrite
from govrag.config import Settings
from govrag.models import Chunk
from govrag.retrieval.search import SearchHit, SearchOptions
from govrag.service import Service
from tests.llm.fake_openai import Reply, scripted_openai


def hit(name: str, rank: int, via: str = "bm25") -> SearchHit:
    chunk = Chunk(id=name, source="law", doc_id="d", doc_title="t", version="v", unit=name, seq=0, heading=name,
                  body=name, label=name, url="u", hash="h")
    return SearchHit(chunk, 1.0, rank, via)  # type: ignore[arg-type]


def test_the_labelled_lines_are_read_and_the_rest_ignored() -> None:
    reply = "はい、書き換えます。\n法令用語: 建物賃貸借の解約の申入れ\n検索1: 賃貸借 解約 申入れ\n検索２：正当事由\n検索3: 借家\n検索4: 余分"
    plan = parse_rewrite(reply, "大家さんに出ていけと言われた")
    assert plan.statute == "建物賃貸借の解約の申入れ"
    assert plan.subqueries == ("賃貸借 解約 申入れ", "正当事由", "借家")
    assert parse_rewrite("分かりません", "q").queries == ()


def test_fusion_keeps_cited_units_first_and_rewards_agreement() -> None:
    own = [hit("cited", 1, "citation"), hit("a", 2), hit("b", 3)]
    rewritten = [hit("b", 1), hit("c", 2)]
    fused = fuse([own, rewritten], [1.0, 0.7], k=3)  # b: both lists; a: only the own list, above c: only a rewrite
    assert [h.chunk.id for h in fused] == ["cited", "b", "a"]
    assert [h.rank for h in fused] == [1, 2, 3]


@pytest.fixture(scope="module")
def service(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    svc = Service(Settings(data_dir=sample_index, audit_dir=tmp_path_factory.mktemp("a")), check_pages=False)
    yield svc
    svc.close()


def test_the_rewrites_bring_in_the_statute_the_everyday_words_miss(service: Service) -> None:
    question = "アパートの契約の期間が終わったら大家に追い出されるのか"
    options = SearchOptions(k=5)
    plain = service.search(question, options)
    with scripted_openai([Reply("法令用語: 建物の賃貸借の更新拒絶の正当の事由\n検索1: 建物賃貸借 更新拒絶 正当事由\n"
                                "検索2: 借地借家法 建物 賃貸借 期間満了")]) as server:
        settings = service.settings.model_copy(update={"llm_base_url": server.base_url, "llm_timeout_s": 1.0})
        service.llm = make_llm(settings)
        try:
            fused = service.search(question, options, rewrite=True)
        finally:
            service.llm = None
    assert "rewrite" in fused.timings_ms
    assert any("検索語を生成モデルで補いました" in w for w in fused.warnings)
    assert any(h.chunk.doc_title == "借地借家法" for h in fused.hits)
    assert [h.chunk.id for h in fused.hits] != [h.chunk.id for h in plain.hits]


def test_a_failed_rewrite_searches_the_question_alone(service: Service) -> None:
    with scripted_openai([Reply("boom", status=500)]) as server:
        settings = service.settings.model_copy(update={"llm_base_url": server.base_url, "llm_timeout_s": 1.0})
        service.llm = make_llm(settings)
        try:
            result = service.search("借地権の存続期間", SearchOptions(k=5), rewrite=True)
        finally:
            service.llm = None
    assert result.hits and any("書き換えに失敗しました（http）" in w for w in result.warnings)


def test_a_label_with_nothing_after_it_is_not_read_from_the_next_line() -> None:
    plan = parse_rewrite("法令用語:\n検索1: 解雇\n検索2: 　", "q")
    assert plan.statute is None and plan.subqueries == ("解雇",)


def test_a_confidential_question_is_never_sent_for_rewriting(service: Service) -> None:
    with scripted_openai([Reply("法令用語: 借地権の存続期間")]) as server:
        settings = service.settings.model_copy(update={"llm_base_url": server.base_url, "llm_external": True})
        service.llm = make_llm(settings)
        try:
            result = service.search("借地権の存続期間", SearchOptions(k=5), rewrite=True, confidentiality=2)
        finally:
            service.llm = None
        assert server.requests == []
    assert any("書き換え（生成モデル）は行いませんでした" in w for w in result.warnings)
