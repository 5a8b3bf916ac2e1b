"""Query hints for the official gazette: golden tests on realistic questions against a
hand-built directory of issuers, one directory built from the real table of contents
(../shared/data/kanpo/issues.json), the shared date reader, and a property test that no
input makes the parser raise."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govrag.sources.dates import DateSpan, find_dates
from govrag.sources.gazette.hints import (
    EDITIONS,
    KINDS,
    GazetteDirectory,
    GazetteHints,
    parse_hints,
)
from govrag.index.docstore import DocStore
from govrag.sources.gazette.ingest import ingest_gazette
from govrag.sources.gazette.source import as_query_hints

PROCUREMENT = ("入札公告", "入札公示")


@pytest.fixture(scope="module")
def held() -> GazetteDirectory:
    """Issuers as the chunker writes them: ministries, their regional offices, agencies."""
    return GazetteDirectory.build([
        "警察庁", "法務省", "東京拘置所", "国土交通省", "関東地方整備局", "九州地方整備局", "消費者庁",
        "厚生労働省", "内閣府", "内閣", "人事院", "最高裁判所", "デジタル庁", "建設工事", "一",
    ])


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> GazetteDirectory:
    """The directory the searcher builds from a real ingest: issues.json and both PDFs, every issuer the
    chunker stored (table-of-contents tails, 人事異動 lists, the officials of procurement notices)."""
    kanpo = shared_data / "kanpo"
    with DocStore(tmp_path_factory.mktemp("gazette-real") / "chunks.sqlite", create=True) as store:
        ingest_gazette(store, [kanpo / "issues.json", kanpo / "pdf"])
        return GazetteDirectory.build(i for doc in store.documents("gazette") for i in doc.meta["issuers"])


def test_law_and_minutes_questions_get_no_gazette_filter(real: GazetteDirectory, shared_data: Path) -> None:
    """Without 官報, an edition, an issue number or what only the gazette prints, a question is about laws or
    speeches: gazette filters would weigh those down (the searcher lowers every unhinted source)."""
    root = Path(__file__).resolve().parents[2] / "eval" / "questions"
    questions = [json.loads(line)["question"] for name in ("paraphrased", "unanswerable", "diet_who_said")
                 for line in (root / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    lawqa = json.loads((shared_data / "lawqa_jp" / "selection.dev.json").read_text(encoding="utf-8"))
    questions += [s["問題文"] for s in lawqa["samples"]]
    filtered = [q for q in questions if not as_query_hints(parse_hints(q, real)).filters.empty]
    assert len(questions) == 265
    # the one left: 「政府備蓄米の1回目の入札結果」 reads as 落札 (its gazette legs then find nothing that day)
    assert [q[:24] for q in filtered] == ["江藤農林水産大臣は令和7年3月18日の衆議院農林"]


def test_gazette_questions_do_get_them(real: GazetteDirectory) -> None:
    hints = as_query_hints(parse_hints("令和7年7月14日の官報に載った東京拘置所の入札公告", real))
    assert hints.applied == ("日付: 2025-07-14", "発出元: 東京拘置所", "種類: 入札公告、入札公示")
    assert as_query_hints(parse_hints("東京拘置所の契約について", real)).filters.empty  # no gazette word


def test_real_directory_resolves_ministries(real: GazetteDirectory) -> None:
    assert parse_hints("国交省が出した道路に関する告示", real).issuers == ("国土交通省",)
    assert parse_hints("関東地方整備局の一般競争入札", real).issuers == ("関東地方整備局",)
    # the table of contents' tails that are no organisation never become a filter
    hints = parse_hints("建設工事の入札公告", real)
    assert (hints.issuers, hints.kinds) == ((), PROCUREMENT)


# --- editions and issue numbers --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "editions", "number"),
    [
        ("号外政府調達第129号", ("政府調達",), 129),
        ("政府調達第129号の落札", ("政府調達",), 129),
        ("官報政府調達号", ("政府調達",), None),
        ("本紙第1657号", ("本紙",), 1657),
        ("官報 号外第43号", ("号外",), 43),
        ("号外 第四十三号", ("号外",), 43),
        ("特別号外第5号", ("特別号外",), 5),
        ("号外に載った政令", ("号外",), None),
        ("本紙と号外", ("本紙", "号外"), None),
        ("官報第1657号", (), 1657),  # the edition is not said
    ],
)
def test_editions(held: GazetteDirectory, query: str, editions: tuple[str, ...], number: int | None) -> None:
    hints = parse_hints(query, held)
    assert (hints.editions, hints.issue_number) == (editions, number)


def test_edition_and_number_lines(held: GazetteDirectory) -> None:
    assert parse_hints("号外政府調達第129号", held) == GazetteHints(
        editions=("政府調達",), issue_number=129, applied=("官報の号: 政府調達", "号数: 第129号"), spans=((0, 11),)
    )


def test_several_numbers_are_a_note_not_a_filter(held: GazetteDirectory) -> None:
    hints = parse_hints("政府調達第129号と第130号", held)
    assert (hints.editions, hints.issue_number) == (("政府調達",), None)
    hints = parse_hints("本紙第1657号と号外第43号", held)
    assert (hints.editions, hints.issue_number) == (("本紙", "号外"), None)
    assert len(hints.notes) == 1 and "号数" in hints.notes[0]


@pytest.mark.parametrize(
    "query",
    [
        "政府調達に関する協定の対象",  # the WTO agreement, printed in every edition
        "政府調達手続の特例",
        "法律第45号",  # a law number is no issue number
        "第129号",
    ],
)
def test_not_editions(held: GazetteDirectory, query: str) -> None:
    hints = parse_hints(query, held)
    assert (hints.editions, hints.issue_number) == ((), None)


# --- kinds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ("一般競争入札の公告", PROCUREMENT),
        ("入札説明書の交付場所", PROCUREMENT),
        ("落札者等の公示", ("落札",)),
        ("随意契約に関する公示", ("随意契約",)),
        ("調達予定の公示", ("調達予定",)),
        ("春の叙勲", ("叙位・叙勲",)),
        ("法務省の人事異動", ("人事異動",)),
        ("法律第四十五号", ("法律",)),
        ("官報に載った法律", ("法律",)),
        ("公布された政令", ("政令",)),
        ("内閣府令の公布", ("省令・規則",)),
        ("国土交通省告示第百号", ("告示",)),
        ("衆議院を解散する詔書", ("詔書",)),
        ("東京地方裁判所の破産公告", ("公告",)),
        ("官報で告示された区域", ("告示", "公告")),  # a verb: how people say "published"
        ("公布日", ("法律", "政令", "省令・規則", "条約")),  # promulgated, kind not said
    ],
)
def test_kinds(held: GazetteDirectory, query: str, kinds: tuple[str, ...]) -> None:
    assert parse_hints(query, held).kinds == kinds


@pytest.mark.parametrize(
    "query",
    [
        "法律に基づく",
        "消費者契約法とはどんな法律か",  # 法律 with no word of promulgation or the gazette
        "政令で定める基準",
        "政令指定都市",
        "法律案の審議",
        "入札談合の排除措置命令",
        "入札公告以外",
    ],
)
def test_not_kinds(held: GazetteDirectory, query: str) -> None:
    assert parse_hints(query, held).kinds == ()


def test_law_named_in_a_reference_is_not_the_kind_sought(held: GazetteDirectory) -> None:
    query = "遺伝子組換え生物等の使用等の規制による生物の多様性の確保に関する法律に基づく告示"
    assert parse_hints(query, held).kinds == ("告示",)
    assert parse_hints("公布された感染症法に基づく告示", held).kinds == ("告示",)


def test_every_kind_and_edition_is_a_payload_value(held: GazetteDirectory) -> None:
    queries = ["号外政府調達 特別号外 本紙 号外", "入札 落札 随意契約 調達予定 招請 競争参加資格 叙勲 人事異動 詔書",
               "国会事項 皇室事項 官庁報告 破産公告 公布された法律と政令と省令と条約。告示"]
    hints = [parse_hints(q, held) for q in queries]
    editions = {e for h in hints for e in h.editions}
    kinds = {k for h in hints for k in h.kinds}
    assert editions == {"本紙", "号外", "政府調達", "特別号外"}
    assert kinds == {
        "法律", "政令", "省令・規則", "告示", "条約", "詔書", "国会事項", "人事異動", "叙位・叙勲", "皇室事項",
        "官庁報告", "公告", "入札公告", "入札公示", "落札", "随意契約", "調達予定", "招請", "資格",
    }


# --- issuers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "issuers"),
    [
        ("警察庁の入札公告", ("警察庁",)),
        ("厚労省の告示", ("厚生労働省",)),
        ("東京拘置所の入札", ("東京拘置所",)),
        ("国土交通省関東地方整備局の一般競争入札", ("国土交通省", "関東地方整備局")),
        ("関東地方整備局の入札", ("関東地方整備局",)),  # the longest name, not a shorter one inside it
        ("内閣の人事異動", ("内閣",)),
        ("内閣府令", ("内閣府",)),
    ],
)
def test_issuers(held: GazetteDirectory, query: str, issuers: tuple[str, ...]) -> None:
    hints = parse_hints(query, held)
    assert hints.issuers == issuers
    assert hints.applied[0] == f"発出元: {'、'.join(issuers)}"


@pytest.mark.parametrize(
    "query",
    [
        "内閣総理大臣の告示",  # 内閣 is held, but here it is part of a post
        "東京地方裁判所の破産公告",  # nor is 裁判所 inside a longer name (nor held)
        "警察庁以外の入札公告",
        "警察庁に関する告示",  # the subject, not the issuer
        "建設工事の入札",  # held, but no organisation's name
        "一般競争入札",
    ],
)
def test_not_issuers(held: GazetteDirectory, query: str) -> None:
    assert parse_hints(query, held).issuers == ()


def test_a_ministry_not_held_is_a_note_never_a_filter(held: GazetteDirectory) -> None:
    hints = parse_hints("農水省関東農政局の入札", held)
    assert (hints.issuers, hints.kinds) == ((), PROCUREMENT)
    assert hints.notes == (
        "「農水省」（農林水産省）が出した記事は収録された官報にないため、発出元の条件にしていません",
        "「関東農政局」が出した記事は収録された官報にないため、発出元の条件にしていません",
    )
    assert parse_hints("財務省の随意契約", held).notes == (
        "「財務省」が出した記事は収録された官報にないため、発出元の条件にしていません",
    )


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "first", "last"),
    [
        ("令和7年7月14日の官報", "2025-07-14", "2025-07-14"),
        ("令和七年七月十四日付の告示", "2025-07-14", "2025-07-14"),
        ("2025年7月14日の政府調達", "2025-07-14", "2025-07-14"),
        ("2025-07-14 官報", "2025-07-14", "2025-07-14"),
        ("官報 ２０２５年 ７月 １４日", "2025-07-14", "2025-07-14"),
        ("令和8年3月の官報", "2026-03-01", "2026-03-31"),
        ("2025年の官報で7月14日に出た落札者の公示", "2025-07-14", "2025-07-14"),  # the year said elsewhere
        ("令和7年7月11日と7月14日の政府調達", "2025-07-11", "2025-07-14"),
        ("令和7年7月14日から8月1日までの官報", "2025-07-14", "2025-08-01"),
        ("令和7年7月以降に公布された政令", "2025-07-01", None),
        ("令和7年の叙勲", "2025-01-01", "2025-12-31"),
        ("令和7年7月14日（月）付け官報", "2025-07-14", "2025-07-14"),
    ],
)
def test_dates(held: GazetteDirectory, query: str, first: str, last: str | None) -> None:
    hints = parse_hints(query, held)
    assert (hints.date_from, hints.date_to) == (first, last)


@pytest.mark.parametrize(
    "query",
    [
        "7月14日の政府調達",  # no year anywhere: ambiguous
        "入札期限が2025年8月1日の公告",  # a deadline
        "開札日は令和7年8月1日",
        "2025年10月1日から施行される政令",  # the day it takes effect
        "2024年1月の能登半島地震に関する告示",  # the day of an event
        "2025年2月の予算委員会での答弁",  # a question about the minutes
        "令和7年度の調達予定",  # a fiscal year is a topic
        "1900年の官報",  # before the store's gazette
        "2025年7月32日の官報",
    ],
)
def test_not_dates(held: GazetteDirectory, query: str) -> None:
    hints = parse_hints(query, held)
    assert (hints.date_from, hints.date_to) == (None, None)
    assert not any(line.startswith("日付") for line in hints.applied)


def test_date_line_forms(held: GazetteDirectory) -> None:
    assert parse_hints("令和8年3月の官報", held).applied == ("日付: 2026-03-01〜2026-03-31",)
    assert parse_hints("令和7年7月以降に公布された政令", held).applied == ("日付: 2025-07-01〜", "種類: 政令")
    assert parse_hints("2025年3月までの官報", held).applied == ("日付: 〜2025-03-31",)


# --- nothing to read -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["石破総理は防衛費についてどう答弁したか", "民法709条の要件", "消費者契約法とはどんな法律か", ""],
)
def test_no_gazette_words_give_nothing(held: GazetteDirectory, query: str) -> None:
    assert parse_hints(query, held) == GazetteHints()


def test_gazette_alone_is_a_preference_not_a_filter(held: GazetteDirectory) -> None:
    assert parse_hints("官報について教えて", held) == GazetteHints(prefer=True)


_HINT_ALPHABET = list("官報号外本紙政府調達特別第号入札公告示落随意契約法律政令省府令公布に基づく関する警察庁国交省局"
                      "年月日令和平成元度から〜～-/以降まで") + list("0123456789０１２３４５６７８９〇一二三四五六七八九十百 　")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_HINT_ALPHABET), max_size=40) | st.text(max_size=40))
def test_any_text_parses_without_raising(held: GazetteDirectory, query: str) -> None:
    hints = parse_hints(query, held)
    assert [(s, e) for s, e in hints.spans if not 0 <= s < e <= len(query)] == []
    assert bool(hints.applied) == bool(hints.spans)
    assert set(hints.editions) <= set(EDITIONS) and set(hints.kinds) <= set(KINDS)


# --- the shared date reader ------------------------------------------------------------


def test_find_dates_gives_offsets_into_the_text_as_typed() -> None:
    text = "官報 ２０２５年 ７月 １４日 と 2025年8月"
    assert find_dates(text, 1947, 2030) == [
        DateSpan(3, 15, date(2025, 7, 14), date(2025, 7, 14), "day"),
        DateSpan(18, 25, date(2025, 8, 1), date(2025, 8, 31), "month"),
    ]


def test_find_dates_reads_month_and_day_only_in_a_given_year() -> None:
    assert find_dates("7月14日の官報", 1947, 2030) == []
    assert find_dates("7月14日の官報", 1947, 2030, assume_year=2025) == [
        DateSpan(0, 5, date(2025, 7, 14), date(2025, 7, 14), "day", year_assumed=True)
    ]
    # a month and day that belong to a written year are read with it, not again
    assert find_dates("令和7年7月14日", 1947, 2030, assume_year=2024) == [
        DateSpan(0, 9, date(2025, 7, 14), date(2025, 7, 14), "day")
    ]
    assert find_dates("令和99年7月14日", 1947, 2030, assume_year=2024) == []


def test_find_dates_keeps_to_the_years_given() -> None:
    assert find_dates("1946年", 1947, 2030) == []
    assert find_dates("1946年", 1900, 2030) == [DateSpan(0, 5, date(1946, 1, 1), date(1946, 12, 31), "year")]
    assert find_dates("2024年12月から1月", 1947, 2030) == [
        DateSpan(0, 12, date(2024, 12, 1), date(2025, 1, 31), "month")
    ]
    assert find_dates("2025年3月まで", 1947, 2030) == [DateSpan(0, 9, None, date(2025, 3, 31), "month")]


def test_a_tender_notice_saying_how_it_will_award_is_no_award_notice() -> None:
    """「落札方式」「落札価格を計算」 describe a tender notice's own rules (seen in the gazette eval)."""
    directory = GazetteDirectory.build(["警察庁"])
    assert parse_hints("三野地区の道路設計業務の見積合わせの日時と落札方式は", directory).kinds == ()
    assert parse_hints("うるち玄米の入札で落札価格を計算するときの消費税", directory).kinds == ("入札公告", "入札公示")
    assert parse_hints("警察庁が購入した白バイの落札者と落札価格は", directory).kinds == ("落札",)


def test_the_house_a_rescript_dissolves_is_not_its_issuer() -> None:
    directory = GazetteDirectory.build(["衆議院"])
    assert parse_hints("衆議院の解散を命じる詔書が掲載された官報", directory).issuers == ()
    assert parse_hints("衆議院を解散する詔書", directory).issuers == ()
