"""Laws and minutes in one store: hints become filters, the request's filters bind every path, pairs show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govrag.api import create_app
from govrag.cli import app
from govrag.config import Settings
from govrag.models import Filters
from govrag.retrieval.search import SearchOptions
from govrag.service import Service


@pytest.fixture(scope="module")
def service(mixed_index: Path) -> Iterator[Service]:
    svc = Service(Settings(data_dir=mixed_index))
    yield svc
    svc.close()


def _sources(result: object) -> set[str]:
    return {h.chunk.source for h in result.hits}  # type: ignore[attr-defined]


# -- the request's filters bind every path -------------------------------------------------------

def test_a_citation_never_escapes_a_source_filter(service: Service) -> None:
    """`govrag search --source diet "民法709条"` returned 民法第七百九条 before sources were plug-ins."""
    both = service.search("民法709条", SearchOptions(k=5))
    assert both.hits[0].via == "citation" and both.hits[0].chunk.label == "民法 第七百九条"
    diet = service.search("民法709条 防衛省の不祥事", SearchOptions(k=5, filters=Filters(source=("diet",))))
    assert diet.hits and _sources(diet) == {"diet"}
    assert not any(h.via == "citation" for h in diet.hits)
    other_type = service.search("民法709条 損害の賠償", SearchOptions(
        k=5, filters=Filters(any_of=(("law_type", ("Constitution",)),))))
    # the citation scopes the laws to 民法 and the request allows only the constitution: both hold, so
    # nothing — never the cited provision the request excludes
    assert other_type.scoped_to == ("129AC0000000089",) and other_type.hits == []
    plain = service.search("民法709条 損害の賠償", SearchOptions(
        k=5, filters=Filters(any_of=(("law_type", ("Constitution",)),)), use_hints=False))
    assert plain.hits and {h.chunk.doc_title for h in plain.hits} == {"日本国憲法"}


def test_a_scope_or_a_named_law_never_escapes_a_source_filter(service: Service) -> None:
    # 「民法第七百九条の趣旨」 scopes to 民法; 「民法の不法行為」 names it in passing (a routed leg)
    for query in ("民法第709条の趣旨", "民法の不法行為について国会ではどう議論されたか"):
        result = service.search(query, SearchOptions(k=10, filters=Filters(source=("diet",))))
        assert result.hits and _sources(result) == {"diet"}, query


def test_a_hint_never_overrides_the_request(service: Service) -> None:
    # the query says 石破総理; the request asks for 参議院 and 2025-03: both hold, never the hint alone
    result = service.search("石破総理の答弁", SearchOptions(k=10, filters=Filters(
        source=("diet",), any_of=(("house", ("参議院",)),), date_from="2025-03-01", date_to="2025-03-31")))
    assert result.applied_filters == ("発言者: 石破茂（「石破総理」から）",)
    assert result.hits and {(h.chunk.attrs["house"], h.chunk.attrs["speaker"]) for h in result.hits} == {
        ("参議院", "石破茂")}
    # the query says 参議院, the request 衆議院: nothing satisfies both, and the hint that narrowed it is shown
    clash = service.search("参議院予算委員会の答弁", SearchOptions(
        k=10, filters=Filters(source=("diet",), any_of=(("house", ("衆議院",)),))))
    assert clash.hits == [] and clash.applied_filters == ("会議: 参議院 予算委員会（「参議院予算委員会」から）",)
    # a date hint outside the request's range narrows to nothing rather than widening it
    narrowed = service.search("2025年3月5日の石破総理の答弁", SearchOptions(
        k=10, filters=Filters(source=("diet",), date_from="2024-07-01", date_to="2024-07-31")))
    assert narrowed.hits == [] and "期間: 2025-03-05（「2025年3月5日」から）" in narrowed.applied_filters


# -- hints --------------------------------------------------------------------------------------

def test_speaker_house_and_meeting_hints_filter_the_minutes(service: Service) -> None:
    result = service.search("石破総理は参議院予算委員会で防衛費についてどう答弁したか",
                            SearchOptions(k=5, filters=Filters(source=("diet",))))
    assert result.applied_filters == ("発言者: 石破茂（「石破総理」から）", "会議: 参議院 予算委員会（「参議院予算委員会」から）")
    top = result.hits[0].chunk
    assert top.label == "参議院 予算委員会 2025-03-05 石破茂（内閣総理大臣）"
    assert "防衛費" in top.body
    assert {(h.chunk.attrs["speaker"], h.chunk.attrs["house"]) for h in result.hits} == {("石破茂", "参議院")}
    plain = service.search("石破総理は参議院予算委員会で防衛費についてどう答弁したか",
                           SearchOptions(k=5, filters=Filters(source=("diet",)), use_hints=False))
    assert plain.applied_filters == ()


def test_date_hints_in_wareki_and_seireki(service: Service) -> None:
    for query in ("令和7年3月5日の予算委員会での総理の答弁", "2025年3月5日の予算委員会での総理の答弁"):
        result = service.search(query, SearchOptions(k=10, filters=Filters(source=("diet",))))
        assert result.hits and {h.chunk.attrs["date"] for h in result.hits} == {"2025-03-05"}, query
        assert any(line.startswith("期間: 2025-03-05") for line in result.applied_filters), result.applied_filters


def test_minutes_hints_leave_the_laws_in_a_mixed_search(service: Service) -> None:
    """A speaker hint narrows the speeches only: the laws a question also needs still come back."""
    result = service.search("石破総理 個人情報の第三者提供", SearchOptions(k=20))
    assert "発言者: 石破茂（「石破総理」から）" in result.applied_filters
    assert {"law", "diet"} <= _sources(result)
    assert {h.chunk.attrs["speaker"] for h in result.hits if h.chunk.source == "diet"} == {"石破茂"}


def test_a_hit_shows_its_question_answer_pair(service: Service) -> None:
    result = service.search("防衛省・自衛隊の不祥事について防衛大臣の答弁", SearchOptions(
        k=5, filters=Filters(source=("diet",), any_of=(("speaker", ("木原稔",)),))))
    answer = result.hits[0]
    assert answer.chunk.attrs["answers"] is not None
    (question,) = answer.linked
    assert question.attrs["speech_id"] == answer.chunk.attrs["answers"]
    assert answer.chunk.attrs["speech_id"] in question.attrs["answered_by"]


# -- API and CLI --------------------------------------------------------------------------------

def test_api_publishes_every_source_filter_and_shows_applied_ones(service: Service) -> None:
    with TestClient(create_app(service)) as client:
        props = client.get("/openapi.json").json()["components"]["schemas"]["FiltersIn"]["properties"]
        assert {"source", "date_from", "date_to", "law_id", "law_type", "year_from", "year_to", "speaker", "position",
                "house", "meeting", "side", "session_from", "session_to", "edition", "kind", "issuer",
                "issue_number_from", "issue_number_to"} == set(props)
        body = client.post("/search", json={"query": "石破総理の防衛費についての答弁", "k": 3,
                                            "filters": {"source": ["diet"], "house": ["参議院"]}}).json()
        assert body["applied_filters"] == ["発言者: 石破茂（「石破総理」から）"]
        assert body["hits"][0]["attrs"]["speaker"] == "石破茂" and body["hits"][0]["attrs"]["house"] == "参議院"
        assert body["hits"][0]["linked"][0]["attrs"]["side"] == "member"
        off = client.post("/search", json={"query": "石破総理の防衛費についての答弁", "use_hints": False,
                                           "filters": {"source": ["diet"]}}).json()
        assert off["applied_filters"] == []
        inverted = client.post("/search", json={"query": "答弁", "filters": {"session_from": 217, "session_to": 213}})
        assert inverted.status_code == 200
        assert "session_from 217 is after session_to 213: searched 213–217" in inverted.json()["warnings"]
        assert client.post("/search", json={"query": "答弁", "filters": {"speaker": [""]}}).status_code == 422
        asked = client.post("/ask", json={"query": "令和7年3月5日の参議院予算委員会で石破総理は防衛費についてどう答弁したか"}).json()
        assert asked["citations"][0]["label"] == "参議院 予算委員会 2025-03-05 石破茂（内閣総理大臣）"
        assert asked["citations"][0]["url"].startswith("https://kokkai.ndl.go.jp/txt/121715261X00220250305/")
        assert "期間: 2025-03-05（「令和7年3月5日」から）" in asked["applied_filters"]


def test_cli_search_takes_source_and_field_filters(mixed_index: Path, tmp_path: Path) -> None:
    """On a copy: the module's service holds the embedded index, which has one owner at a time."""
    import shutil

    mixed_index = Path(shutil.copytree(mixed_index, tmp_path / "data"))
    runner = CliRunner()
    result = runner.invoke(app, ["search", "民法709条 防衛省の不祥事", "--source", "diet", "-k", "3",
                                 "--data-dir", str(mixed_index)])
    assert result.exit_code == 0, result.output
    assert "民法 第七百九条" not in result.stdout and "kokkai.ndl.go.jp" in result.stdout
    by_speaker = runner.invoke(app, ["search", "防衛費", "--where", "speaker=石破茂", "--where", "session=217", "-k", "3",
                                     "--data-dir", str(mixed_index)])
    assert by_speaker.exit_code == 0, by_speaker.output
    assert by_speaker.stdout.count("石破茂（内閣総理大臣）") == 3
    spaced = runner.invoke(app, ["search", "防衛費", "--where", "speaker=石破 茂", "-k", "2", "--data-dir", str(mixed_index)])
    assert spaced.exit_code == 0 and spaced.stdout.count("石破茂（内閣総理大臣）") == 2, spaced.output
    sessions = runner.invoke(app, ["search", "安全保障", "--where", "session=213", "--where", "session=217", "-k", "20",
                                   "--source", "diet", "--data-dir", str(mixed_index)])
    assert sessions.exit_code == 0, sessions.output
    assert "2024-07-30" in sessions.stdout and "2025-03-0" in sessions.stdout  # 213 and 217: either value
    bad = runner.invoke(app, ["search", "防衛費", "--where", "colour=red", "--data-dir", str(mixed_index)])
    assert bad.exit_code == 2 and "expected FIELD=VALUE with FIELD one of" in bad.output


def test_diet_ingest_resumes_without_duplicates_and_reports_bad_pages(tmp_path: Path, diet_pages: Path) -> None:
    from govrag.index.docstore import DocStore

    folder = tmp_path / "pages"
    folder.mkdir()
    for page in sorted(diet_pages.iterdir())[:3]:
        (folder / page.name).write_bytes(page.read_bytes())
    (folder / "page-99999.json").write_bytes(b'{"numberOfRecords": 3, "speechRecord": [{"speechID": "12')  # cut short
    data = tmp_path / "data"
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", "diet", "--source", str(folder), "--data-dir", str(data)])
    assert first.exit_code == 0, first.output
    assert "page-99999.json" in first.output and "looks truncated" in first.output
    with DocStore(data / "chunks.sqlite") as store:
        before = store.counts()["diet"]
    again = runner.invoke(app, ["ingest", "diet", "--source", str(folder), "--data-dir", str(data)])
    assert again.exit_code == 0, again.output
    with DocStore(data / "chunks.sqlite") as store:
        assert store.counts()["diet"] == before
        ids = [c.id for c in store.iter_chunks("diet")]
    assert len(ids) == len(set(ids))
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = runner.invoke(app, ["ingest", "diet", "--source", str(empty), "--data-dir", str(data)])
    assert nothing.exit_code == 2 and "nothing found to ingest" in nothing.output


def test_a_speaker_the_minutes_do_not_hold_is_a_note_not_an_absent_law(service: Service) -> None:
    """「岸田総理」 is nobody in these minutes: said so, never a filter, never 「法令に見当たりません」."""
    result = service.search("岸田総理の防衛費についての答弁", SearchOptions(k=5))
    assert result.unknown_laws == () and result.applied_filters == ()
    assert any(w.startswith("「岸田総理」に当たる発言者は会議録にいないか") for w in result.warnings)
    answer = service.ask("岸田総理の防衛費についての答弁", SearchOptions(k=5))
    assert "法令" not in answer.text


def test_a_source_filter_keeps_the_other_sources_hints_out(service: Service) -> None:
    """Asked of the minutes only, a cited provision the laws lack is none of the answer's business."""
    both = service.search("民法第1500条と石破総理", SearchOptions(k=5))
    assert both.missing == ("民法 第千五百条",)
    diet = service.search("民法第1500条と石破総理", SearchOptions(k=5, filters=Filters(source=("diet",))))
    assert diet.missing == () and "発言者: 石破茂（「石破総理」から）" in diet.applied_filters
    # the same when the source arrives as a joined condition (an eval dataset's source, a leg's group)
    joined = service.search("民法第1500条と石破総理", SearchOptions(k=5, filters=Filters().also(Filters(source=("diet",)))))
    assert joined.missing == () and joined.hits and {h.chunk.source for h in joined.hits} == {"diet"}


def test_a_law_named_in_passing_does_not_outweigh_a_speaker_hint(service: Service) -> None:
    """「民法」 adds a routed law leg; beside a speaker hint it must not count the laws twice."""
    result = service.search("石破総理は民法の見直しについてどう答弁したか", SearchOptions(k=5))
    assert result.applied_filters == ("発言者: 石破茂（「石破総理」から）",)
    assert result.hits[0].chunk.source == "diet" and result.hits[0].chunk.attrs["speaker"] == "石破茂"
