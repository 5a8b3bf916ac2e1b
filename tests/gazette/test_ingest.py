"""The gazette end to end: inputs → store → search → document view, bad input reported, resume without duplicates."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.models import Filters
from govrag.retrieval.search import SearchOptions
from govrag.service import Service
from govrag.sources.gazette.ingest import ingest_gazette


@pytest.fixture(scope="module")
def service(gazette_index: Path) -> Iterator[Service]:
    svc = Service(Settings(data_dir=gazette_index))
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def store(gazette_index: Path) -> Iterator[DocStore]:
    with DocStore(gazette_index / "chunks.sqlite") as st:
        yield st


def test_bad_inputs_are_reported_and_the_rest_is_stored(store: DocStore) -> None:
    skipped = {name: reason for _, name, reason in store.skipped("gazette")}
    assert "not a readable PDF" in skipped["20250711c00128full00010080.pdf"]
    assert "HTML of another layout" in skipped["other-site.html"]
    assert skipped["20260819t00043"].startswith("empty issue")
    assert "37–40" in skipped["20250714c00129full00010040.pdf"]  # pages without text, named
    assert "2" in skipped["20250801h01519full00010002.pdf"]  # the blank page of the other-layout PDF
    stored = {doc.doc_id for doc in store.documents("gazette")}
    # 0714 has three issues in the day's .md (本紙, 号外, 政府調達); the other-layout PDF is an issue too
    assert {"20260624g00138", "20260717g00160", "20250714c00129", "20250801h01519"} <= stored
    assert "20260819t00043" not in stored


def test_a_page_of_another_layout_is_kept_as_text(store: DocStore) -> None:
    chunks = store.chunks_of("gazette", "20250801h01519")
    assert [c.attrs["page"] for c in chunks] == [1]
    assert "大臣官房会計課長に任命する" in chunks[0].body


def test_notice_chunk_cites_issue_and_page_and_opens_the_page(store: DocStore) -> None:
    chunks = store.chunks_of("gazette", "20250714c00129", where={"page": 2})
    tender = next(c for c in chunks if c.attrs.get("notice_item") == "差入品Ｘ線検査装置の供給一式")
    assert tender.label.startswith("官報 令和7年7月14日 号外政府調達第129号 2頁 入札公告（東京拘置所）")
    assert tender.url == ("https://www.kanpo.go.jp/20250714/20250714c00129/pdf/"
                          "20250714c00129full00010040.pdf#page=2")
    assert tender.attrs["notice_delivery"] == "令和８年２月27日"
    assert tender.attrs["issuers"] == ["東京拘置所", "法務省"]
    assert (tender.attrs["edition"], tender.attrs["kind"], tender.attrs["issue_number"]) == ("政府調達", "入札公告", 129)


def test_toc_entries_are_chunks_with_their_page_url(store: DocStore) -> None:
    entry = next(c for c in store.chunks_of("gazette", "20260624g00138") if c.body.startswith("民法等の一部を改正する法律（四五）"))
    assert entry.attrs["kind"] == "法律" and entry.attrs["page"] == 6 and entry.attrs["from_toc"]
    assert entry.url == "https://www.kanpo.go.jp/20260624/20260624g00138/20260624g001380006f.html"


def test_promulgation_entries_link_to_the_laws_both_ways(store: DocStore) -> None:
    entry = next(c for c in store.chunks_of("gazette", "20260624g00138") if c.body.startswith("民法等の一部を改正する法律（四五）"))
    assert [(lk["kind"], lk["title"], lk["how"]) for lk in entry.attrs["law_links"]] == [("改正", "民法", "title")]
    minpo = store.chunks_of("law", entry.attrs["law_links"][0]["doc_id"], seqs=(0, 0))[0]
    assert entry.attrs["links"] == [minpo.id]
    assert entry.id in [c.id for c in store.linked_from("law", minpo.doc_id)]


def test_search_with_hints_finds_the_notice_page(service: Service) -> None:
    result = service.search("令和7年7月14日の官報で東京拘置所が出したX線検査装置の入札公告", SearchOptions(k=5))
    assert result.hits[0].chunk.source == "gazette"
    assert (result.hits[0].chunk.doc_id, result.hits[0].chunk.attrs["page"]) == ("20250714c00129", 2)
    assert "発出元: 東京拘置所" in result.applied_filters
    assert "日付: 2025-07-14" in result.applied_filters


def test_a_gazette_hit_shows_the_law_and_the_law_view_lists_the_entry(service: Service) -> None:
    result = service.search("民法等の一部を改正する法律 官報 公布", SearchOptions(k=10, filters=Filters(source=("gazette",))))
    hit = next(h for h in result.hits if h.chunk.attrs.get("law_links"))
    assert [c.source for c in hit.linked] == ["law"]
    view = service.document(hit.linked[0].id)
    assert view is not None and hit.chunk.id in [c.id for c in view.linked_from]


def test_reingest_changes_nothing(gazette_index: Path, gazette_inputs: Path, tmp_path: Path) -> None:
    data = Path(shutil.copytree(gazette_index, tmp_path / "data"))
    with DocStore(data / "chunks.sqlite") as st:
        before = st.counts()
        report = ingest_gazette(st, [gazette_inputs])
        assert report.stored == 0 and report.unchanged == len(list(st.documents("gazette")))
        assert st.counts() == before


def test_api_filters_by_edition_and_issuer_and_the_law_view_lists_the_entry(service: Service) -> None:
    from fastapi.testclient import TestClient

    from govrag.api import create_app

    with TestClient(create_app(service)) as client:
        body = client.post("/search", json={
            "query": "X線検査装置の納入期限", "k": 3, "use_hints": False,
            "filters": {"source": ["gazette"], "edition": ["政府調達"], "issuer": ["法務省"]}}).json()
        assert body["hits"][0]["label"].startswith("官報 令和7年7月14日 号外政府調達第129号 2頁")
        assert body["hits"][0]["url"].endswith("#page=2")
        assert "法務省" in body["hits"][0]["attrs"]["issuers"]
        body = client.post("/search", json={"query": "民法等の一部を改正する法律", "k": 5,
                                            "filters": {"source": ["gazette"], "kind": ["法律"]}}).json()
        hit = next(h for h in body["hits"] if h["attrs"].get("law_links"))
        law = hit["linked"][0]
        assert law["source"] == "law"
        view = client.get(f"/documents/{law['chunk_id']}").json()
        assert hit["attrs"]["issue_id"] == "20260624g00138"
        assert [c["label"] for c in view["linked_from"]] == [hit["label"]]


def test_a_run_over_part_of_an_issues_inputs_keeps_what_is_stored(gazette_index: Path, gazette_inputs: Path,
                                                                   tmp_path: Path) -> None:
    """The day's Markdown alone knows 20250714c00129's entries but not its PDF text: the stored issue stays."""
    data = Path(shutil.copytree(gazette_index, tmp_path / "data"))
    with DocStore(data / "chunks.sqlite") as st:
        before = len(st.chunks_of("gazette", "20250714c00129"))
        report = ingest_gazette(st, [gazette_inputs / "官報_2025-07-14.md"])
        assert len(st.chunks_of("gazette", "20250714c00129")) == before > 100
        kept = {s.name: s.reason for s in report.skipped}
        assert kept["20250714c00129"].startswith("kept as stored: this run's inputs (官報_2025-07-14.md) lack the text "
                                                 "of its 40 PDF pages")


def test_laws_show_lists_the_gazette_entries_of_the_law(gazette_index: Path) -> None:
    from typer.testing import CliRunner

    from govrag.cli import app

    result = CliRunner().invoke(app, ["laws", "show", "民法1条", "--data-dir", str(gazette_index)])
    assert result.exit_code == 0, result.output
    assert "民法 を指す他の資料:" in result.output
    assert "官報 令和8年6月24日 号外第138号 6頁 民法等の一部を改正する法律（四五）" in result.output
