"""Law directory and citation parser, against the real titles and law numbers.

The directory holds every law of the 2020 archive index (8,515 rows), with
LawIds from law_ids.tsv where one was observed, so ambiguity and longest
match are tested at full scale.
"""

from __future__ import annotations

import csv
import io
import tarfile
from pathlib import Path

import pytest

from govrag.sources.laws.aliases import LAW_ALIASES, expand_alias, merge_aliases, split_abbrev
from govrag.sources.laws.hints import CitationLookup
from govrag.retrieval.search import without_spans
from govrag.sources.laws.cite import (
    Citation,
    LawDirectory,
    LawEntry,
    law_num_key,
    parse_citation,
    parse_citations,
)
from govrag.sources.laws.numbers import ProvisionRef


def _read_entries(egov: Path) -> list[LawEntry]:
    with (egov / "law_ids.tsv").open(encoding="utf-8") as f:
        observed = [(r["law_num"], r["title"], r["law_id"]) for r in csv.DictReader(f, delimiter="\t")]
    ids_by_num: dict[str, list[tuple[str, str]]] = {}
    for law_num, title, law_id in observed:
        ids_by_num.setdefault(law_num, []).append((title, law_id))
    with tarfile.open(egov / "laws-20201118.tar.xz", "r:xz") as archive:
        member = archive.next()
        assert member is not None and member.name.endswith("index.tsv")
        handle = archive.extractfile(member)
        assert handle is not None
        rows = list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8"), delimiter="\t"))
    entries = []
    for row in rows:
        pairs = ids_by_num.get(row["LawNum"], [])
        law_id = pairs[0][1] if len(pairs) == 1 else next((i for t, i in pairs if t == row["LawTitle"]), None)
        entries.append(LawEntry(law_id, row["LawNum"], row["LawTitle"], row["LawType"]))
    return entries


@pytest.fixture(scope="module")
def entries(shared_data: Path) -> list[LawEntry]:
    return _read_entries(shared_data / "egov")


@pytest.fixture(scope="module")
def directory(entries: list[LawEntry]) -> LawDirectory:
    return LawDirectory(entries)


def _only(directory: LawDirectory, name: str) -> LawEntry:
    found = directory.resolve(name)
    assert len(found) == 1, (name, found)
    return found[0]


def test_directory_holds_the_whole_archive(directory: LawDirectory) -> None:
    assert len(directory) == 8515
    minpo = _only(directory, "民法")
    assert (minpo.law_id, minpo.law_num, minpo.law_type) == ("129AC0000000089", "明治二十九年法律第八十九号", "Act")


@pytest.mark.parametrize(
    ("alias", "law_num"),
    [
        ("金商法", "昭和二十三年法律第二十五号"),
        ("個情法", "平成十五年法律第五十七号"),
        ("個人情報保護法", "平成十五年法律第五十七号"),
        ("薬機法", "昭和三十五年法律第百四十五号"),
        ("独禁法", "昭和二十二年法律第五十四号"),  # 題名のない法律: matched by its bracketed subject
        ("独占禁止法", "昭和二十二年法律第五十四号"),
        ("行手法", "平成五年法律第八十八号"),
        ("借地借家法", "平成三年法律第九十号"),
        ("憲法", "昭和二十一年憲法"),
        ("民訴法", "平成八年法律第百九号"),
        ("刑訴法", "昭和二十三年法律第百三十一号"),
        ("労基法", "昭和二十二年法律第四十九号"),
        ("会社法", "平成十七年法律第八十六号"),
        ("民法", "明治二十九年法律第八十九号"),
        ("刑法", "明治四十年法律第四十五号"),  # not the 明治十三年 decree bracketed as （刑法　抄）
        ("商法", "明治三十二年法律第四十八号"),
        ("特商法", "昭和五十一年法律第五十七号"),
        ("景表法", "昭和三十七年法律第百三十四号"),
        ("入管法", "昭和二十六年政令第三百十九号"),
        ("番号法", "平成二十五年法律第二十七号"),
        ("マイナンバー法", "平成二十五年法律第二十七号"),
        ("情報公開法", "平成十一年法律第四十二号"),
        ("覚せい剤取締法", "昭和二十六年法律第二百五十二号"),  # old spelling of 覚醒剤取締法
        ("ＰＬ法", "平成六年法律第八十五号"),
        ("金商法施行令", "昭和四十年政令第三百二十一号"),
        ("個情法施行令", "平成十五年政令第五百七号"),
        ("薬機法施行規則", "昭和三十六年厚生省令第一号"),
        ("特定商取引に関する法律施行令", "昭和五十一年政令第二百九十五号"),
    ],
)
def test_resolve_names(directory: LawDirectory, alias: str, law_num: str) -> None:
    assert _only(directory, alias).law_num == law_num


def test_every_curated_alias_names_one_real_law(directory: LawDirectory) -> None:
    for alias, title in LAW_ALIASES.items():
        assert len(directory.resolve(title)) == 1, title
        assert directory.resolve(alias) == directory.resolve(title), alias


def test_implementing_order_rule_only_yields_real_titles(directory: LawDirectory) -> None:
    # 金融商品取引法施行規則 does not exist (its ordinances are 府令), so nothing is invented.
    assert expand_alias("金商法施行規則", merge_aliases([])) == ("金融商品取引法施行規則",)
    assert directory.resolve("金商法施行規則") == []


@pytest.mark.parametrize(
    "written",
    [
        "平成十五年法律第五十七号",
        "平成15年法律第57号",
        "平成１５年法律第５７号",
        " 平成 15 年 法律 第 57 号 ",
        "415AC0000000057",
        "415ac0000000057",
        "個人情報の保護に関する法律",
        "個人情報の保護に関する法律 ",
    ],
)
def test_resolve_number_id_and_spacing(directory: LawDirectory, written: str) -> None:
    assert _only(directory, written).title == "個人情報の保護に関する法律"


def test_resolve_law_numbers_of_other_shapes(directory: LawDirectory) -> None:
    assert _only(directory, "平成元年法律第九十一号").title == "民事保全法"
    assert _only(directory, "平成1年法律第91号").title == "民事保全法"
    # AmendLawNum from 民法's 附則: positional kanji with the promulgation date.
    assert _only(directory, "平成一一年一二月二二日法律第二二五号").title == "民事再生法"
    assert _only(directory, "昭和二十一年憲法").title == "日本国憲法"
    assert law_num_key("平成十五年法律第五十七号") == law_num_key("平成15年法律第57号") == "平成15年法律第57号"


def test_resolve_ambiguous_and_unknown(directory: LawDirectory) -> None:
    gengo = directory.resolve("元号を改める政令")  # 昭和→平成 and 平成→令和
    assert sorted(e.law_num for e in gengo) == ["平成三十一年政令第百四十三号", "昭和六十四年政令第一号"]
    assert directory.resolve("架空取引防止法") == []
    assert directory.resolve("") == []


def test_resolve_drops_excerpt_marks(directory: LawDirectory) -> None:
    # e-Gov title: "明治八年太政官布告第百三号（裁判事務心得）　抄"
    assert _only(directory, "裁判事務心得").law_num == "明治八年太政官布告第百三号"


def test_corpus_abbreviations_and_merge() -> None:
    flag = LawEntry(
        "411AC0000000127",
        "平成十一年法律第百二十七号",
        "国旗及び国歌に関する法律",
        "Act",
        split_abbrev("国旗国歌法,日の丸君が代法"),
    )
    other = LawEntry(None, "平成元年法律第一号", "架空の法律", "Act", ("国旗国歌法",))
    directory = LawDirectory([flag, LawEntry(None, "明治二十九年法律第八十九号", "民法", "Act")])
    assert directory.resolve("日の丸君が代法") == [flag]
    assert directory.resolve("国旗国歌法") == [flag]
    assert split_abbrev("国旗国歌法，日の丸君が代法 , ") == ("国旗国歌法", "日の丸君が代法")
    assert split_abbrev(None) == ()
    merged = merge_aliases([("国旗国歌法", flag.title), ("国旗国歌法", other.title), ("憲法", "架空の憲法")])
    assert merged["国旗国歌法"] == (flag.title, other.title)  # both kept: ambiguous
    assert merged["憲法"] == ("日本国憲法",)  # the curated entry wins


def test_save_and_load(tmp_path: Path, entries: list[LawEntry], directory: LawDirectory) -> None:
    path = tmp_path / "laws.json"
    directory.save(path)
    loaded = LawDirectory.load(path)
    assert list(loaded) == entries
    assert loaded.resolve("個情法") == directory.resolve("個情法")
    (tmp_path / "other.json").write_text('{"entries": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a law directory"):
        LawDirectory.load(tmp_path / "other.json")


def _summary(citations: list[Citation]) -> list[tuple[str, str | None, str, str]]:
    return [(c.raw, c.law.law_num if c.law else None, c.law_name, c.ref.to_path()) for c in citations]


MINPO = "明治二十九年法律第八十九号"
KOJO = "平成十五年法律第五十七号"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("民法709条", [("民法709条", MINPO, "民法", "709")]),
        ("民法第七百九条の二第一項", [("民法第七百九条の二第一項", MINPO, "民法", "709_2/1")]),
        ("個人情報保護法27条1項2号", [("個人情報保護法27条1項2号", KOJO, "個人情報保護法", "27/1/2")]),
        ("個情法第27条第1項第2号", [("個情法第27条第1項第2号", KOJO, "個情法", "27/1/2")]),
        ("金商法施行令第1条", [("金商法施行令第1条", "昭和四十年政令第三百二十一号", "金商法施行令", "1")]),
        (
            "金融商品取引法施行令第1条",
            [("金融商品取引法施行令第1条", "昭和四十年政令第三百二十一号", "金融商品取引法施行令", "1")],
        ),
        ("日本国憲法第九条", [("日本国憲法第九条", "昭和二十一年憲法", "日本国憲法", "9")]),
        ("憲法9条", [("憲法9条", "昭和二十一年憲法", "憲法", "9")]),
        ("行政手続法第５条", [("行政手続法第５条", "平成五年法律第八十八号", "行政手続法", "5")]),
        ("行政手続法 第５条", [("行政手続法 第５条", "平成五年法律第八十八号", "行政手続法", "5")]),
        ("平成十五年法律第五十七号第二十七条", [("平成十五年法律第五十七号第二十七条", KOJO, "平成十五年法律第五十七号", "27")]),
        (
            "民法第709条及び第710条",
            [("民法第709条", MINPO, "民法", "709"), ("第710条", MINPO, "", "710")],
        ),
        (
            "借地借家法第10条を確認し、同法第3条も参照する。",
            [("借地借家法第10条", "平成三年法律第九十号", "借地借家法", "10"),
             ("同法第3条", "平成三年法律第九十号", "同法", "3")],
        ),
        (
            "民法第3条及び附則第二条",
            [("民法第3条", MINPO, "民法", "3"), ("附則第二条", MINPO, "", "suppl/2")],
        ),
        ("民法附則第3条", [("民法附則第3条", MINPO, "民法", "suppl/3")]),
        (
            "民法第709条刑法第3条",
            [("民法第709条", MINPO, "民法", "709"), ("刑法第3条", "明治四十年法律第四十五号", "刑法", "3")],
        ),
        (
            "民法第709条第1項及び第2項、同条第3項第1号",
            [("民法第709条第1項", MINPO, "民法", "709/1"), ("第2項", MINPO, "", "709/2"),
             ("同条第3項第1号", MINPO, "", "709/3/1")],
        ),
        (
            "金商法第2条及び同法施行令第1条",
            [("金商法第2条", "昭和二十三年法律第二十五号", "金商法", "2"),
             ("同法施行令第1条", "昭和四十年政令第三百二十一号", "同法施行令", "1")],
        ),
        (
            "個人情報の保護に関する法律（平成十五年法律第五十七号）第二十七条",
            [("個人情報の保護に関する法律（平成十五年法律第五十七号）第二十七条", KOJO,
              "個人情報の保護に関する法律", "27")],
        ),
        ("改正民法第3条", [("民法第3条", MINPO, "民法", "3")]),
        ("民法七百九条", [("民法七百九条", MINPO, "民法", "709")]),
        ("独禁法第九条の二", [("独禁法第九条の二", "昭和二十二年法律第五十四号", "独禁法", "9_2")]),
        # の between the law name and the provision (how questions are often written).
        ("民法の709条", [("民法の709条", MINPO, "民法", "709")]),
        ("個人情報保護法の第23条が求める", [("個人情報保護法の第23条", KOJO, "個人情報保護法", "23")]),
        ("憲法の九条", [("憲法の九条", "昭和二十一年憲法", "憲法", "9")]),
        ("民法の附則第3条", [("民法の附則第3条", MINPO, "民法", "suppl/3")]),
        (
            "借地借家法第10条と同法の第3条",
            [("借地借家法第10条", "平成三年法律第九十号", "借地借家法", "10"),
             ("同法の第3条", "平成三年法律第九十号", "同法", "3")],
        ),
    ],
)
def test_parse_citations(directory: LawDirectory, text: str, expected: list[tuple[str, str | None, str, str]]) -> None:
    assert _summary(parse_citations(text, directory)) == expected


def test_citation_span_is_the_raw_text(directory: LawDirectory) -> None:
    text = "損害賠償は民法第七百九条の二第一項による。"
    (citation,) = parse_citations(text, directory)
    assert text[citation.span[0] : citation.span[1]] == citation.raw == "民法第七百九条の二第一項"
    assert citation.ref == ProvisionRef("709_2", 1)


def test_unknown_law_is_kept_without_a_law(directory: LawDirectory) -> None:
    (citation,) = parse_citations("架空取引防止法第3条", directory)
    assert (citation.law, citation.law_name, citation.ref) == (None, "架空取引防止法", ProvisionRef("3"))
    # 憲法 at the end of a longer name is not 日本国憲法.
    (old,) = parse_citations("大日本帝国憲法第11条", directory)
    assert (old.law, old.law_name) == (None, "大日本帝国憲法")
    # A later bare article follows the unknown law, not an earlier known one.
    cites = parse_citations("民法第1条と架空法第3条及び第4条", directory)
    assert [c.law.title if c.law else None for c in cites] == ["民法", None, None]


def test_ambiguous_law_lists_candidates(directory: LawDirectory) -> None:
    (citation,) = parse_citations("元号を改める政令第1条", directory)
    assert citation.law is None
    assert len(citation.candidates) == 2
    assert citation.law_name == "元号を改める政令"


def test_same_law_without_context(directory: LawDirectory) -> None:
    (citation,) = parse_citations("同法第3条", directory)
    assert (citation.law, citation.law_name, citation.candidates) == (None, "同法", ())


def test_law_name_then_no_then_a_missing_provision(directory: LawDirectory) -> None:
    """「個人情報保護法の第200条」 cites a provision the law does not have: it must be a citation of that law
    (so the hints report it missing), not a bare 第200条 with no law."""
    (citation,) = parse_citations("個人情報保護法の第200条にはどういったことが書かれているのでしょうか。", directory)
    assert citation.law is not None and citation.law.law_num == KOJO
    assert citation.ref == ProvisionRef("200") and citation.raw == "個人情報保護法の第200条"
    (impossible,) = parse_citations("民法の第0条", directory)
    assert impossible.law is not None and impossible.ref is None and impossible.provision_text == "第0条"


def test_no_after_prose_or_unknown_names_is_no_citation_of_a_law(directory: LawDirectory) -> None:
    """Only a known name bridges の: prose before の (「この規定の第3条」) does not become a law."""
    for text in ("この規定の第3条", "架空取引防止法の第3条", "民法の一部を改正する第3条"):
        cites = parse_citations(text, directory)
        assert [c.law for c in cites] == [None], text
    assert parse_citations("民法の第三編", directory) == []


def test_not_citations(directory: LawDirectory) -> None:
    assert parse_citations("一条の光が差す", directory) == []
    assert parse_citations("第〇条", directory) == []  # a template's placeholder, no law named
    assert parse_citations("第2項", directory) == []  # no article to attach to
    # 第三条の一部 is article 3, not 3_1.
    (amend,) = parse_citations("民法第三条の一部を改正する", directory)
    assert amend.ref == ProvisionRef("3")


def test_impossible_numbers_are_cited_provisions_that_cannot_exist(directory: LawDirectory) -> None:
    """民法第〇条 or 民法第1000000000000条 names a law and a provision no law has: a premise to report
    (ref None, the provision as written), not a non-citation that leaves the query to be answered
    from whatever 民法 article matches."""
    for text, written in (("民法第〇条", "第〇条"), ("民法第1000000000000条", "第1000000000000条"),
                          ("民法第709条第100000項", "第709条第100000項")):
        (citation,) = parse_citations(text, directory)
        assert citation.law is not None and citation.law.title == "民法"
        assert citation.ref is None and citation.provision_text == written


def test_law_title_containing_article_numbers(directory: LawDirectory) -> None:
    title = "私的独占の禁止及び公正取引の確保に関する法律第九条から第十六条までの規定による認可の申請、報告及び届出等に関する規則"
    (citation,) = parse_citations(f"{title}第3条", directory)
    assert citation.law is not None and citation.law.title == title
    assert citation.ref == ProvisionRef("3")
    # Without a provision after it the title itself still cites 独禁法 第九条 and 第十六条.
    inside = parse_citations(title, directory)
    assert [(c.law_name, c.ref.article) for c in inside] == [("私的独占の禁止及び公正取引の確保に関する法律", "9"), ("", "16")]


def test_parse_citation_returns_the_first(directory: LawDirectory) -> None:
    first = parse_citation("個情法第27条及び民法第709条", directory)
    assert first is not None and first.law is not None
    assert (first.law.law_num, first.ref.to_path()) == (KOJO, "27")
    assert parse_citation("引用のない文", directory) is None


def test_law_text_with_home_law(directory: LawDirectory) -> None:
    """Bare articles in a law's own text mean that law unless listed after another law's."""
    minpo = _only(directory, "民法")
    shikko = "昭和五十四年法律第四号"
    # 民法 第三百八十四条第四号 (2020 text), cross-references into 民事執行法.
    text = (
        "第一号の申立てに基づく競売の手続を取り消す旨の決定（民事執行法第百八十八条において準用する"
        "同法第六十三条第三項若しくは第六十八条の三第三項の規定又は同法第百八十三条第一項第五号の謄本が"
        "提出された場合における同条第二項の規定による決定を除く。）が確定したとき。"
    )
    assert _summary(parse_citations(text, directory, home=minpo)) == [
        ("民事執行法第百八十八条", shikko, "民事執行法", "188"),
        ("同法第六十三条第三項", shikko, "同法", "63/3"),
        ("第六十八条の三第三項", shikko, "", "68_3/3"),
        ("同法第百八十三条第一項第五号", shikko, "同法", "183/1/5"),
        ("同条第二項", shikko, "", "183/2"),
    ]
    # 借地借家法 第四十五条第二項 (2020 text).
    shakuchi = _only(directory, "借地借家法")
    text = "手続代理人は、非訟事件手続法第二十三条第二項各号に掲げる事項のほか、第十九条第三項の申立てについては、特別の委任を受けなければならない。"
    cites = parse_citations(text, directory, home=shakuchi)
    assert [(c.law_name, c.law.title if c.law else None, c.ref.to_path()) for c in cites] == [
        ("非訟事件手続法", "非訟事件手続法", "23/2"),
        ("", "借地借家法", "19/3"),  # not joined to the 非訟事件手続法 citation: the home law
    ]
    # Without a home law the bare article carries the last law over (how queries are read).
    assert parse_citations(text, directory)[1].law == _only(directory, "非訟事件手続法")


def test_bracketed_law_number_marks_an_unlisted_law(directory: LawDirectory) -> None:
    """民法 附則 (昭和二三年法律第二六〇号) 第十九条: an amending law missing from the directory is not 民法."""
    text = (
        "民法の一部を改正する法律（昭和二十二年法律第二百二十二号）附則第十四条第二項又は第二十七条第三項"
        "（同法附則第二十五条第二項但書、第二十六条第二項及び第二十八条において準用する場合を含む。）の規定"
    )
    cites = parse_citations(text, directory, home=_only(directory, "民法"))
    assert [(c.law, c.law_name, c.ref.to_path()) for c in cites] == [
        (None, "昭和二十二年法律第二百二十二号", "suppl/14/2"),
        (None, "", "suppl/27/3"),
        (None, "同法", "suppl/25/2"),
        (None, "", "suppl/26/2"),
        (None, "", "suppl/28"),
    ]


def test_defined_short_name_inside_brackets(directory: LawDirectory) -> None:
    """From 個人情報の保護に関する法律: the bracket holds the law number and a definition."""
    text = (
        "個人番号利用事務等実施者（行政手続における特定の個人を識別するための番号の利用等に関する法律"
        "（平成二十五年法律第二十七号。以下「番号利用法」という。）第十二条に規定する個人番号利用事務等実施者をいう。）"
        "に対する指導。番号利用法第十九条"
    )
    cites = parse_citations(text, directory)
    assert [(c.law.law_num if c.law else None, c.ref.to_path()) for c in cites] == [
        ("平成二十五年法律第二十七号", "12"),
        ("平成二十五年法律第二十七号", "19"),
    ]


def test_year_and_modifier_before_a_name(directory: LawDirectory) -> None:
    (citation,) = parse_citations("平成29年民法第3条", directory)
    assert (citation.raw, citation.law_name) == ("民法第3条", "民法")
    (current,) = parse_citations("当該民法第3条", directory)
    assert current.law is not None and current.law.title == "民法"


def test_unknown_short_law_names(directory: LawDirectory) -> None:
    """Repealed or invented short names are reported; known names, aliases and 〜方法 words are not."""
    assert directory.unknown_names_in("旧証券取引法のインサイダー規制とスパイ防止法の罰則") == ["証券取引法", "スパイ防止法"]
    assert directory.unknown_names_in("民法と個情法と労基法の関係、その実施方法は違法か") == []
    # Three characters are enough (薬事法 was renamed in 2014), but the names of fields of law are no titles.
    assert directory.unknown_names_in("薬事法と行政法") == ["薬事法"]
    assert directory.unknown_names_in("労働法では残業代の計算はどうなるか、民事法と刑事法の違いは") == []


def test_what_a_question_asks_without_its_law_names(directory: LawDirectory) -> None:
    """The part of a question the cited law does not answer by being named: law names (stored, catalogued
    but not stored, or no law at all) and the provisions cited go; everything else stays."""
    kinsho = LawEntry("323AC0000000025", "昭和二十三年法律第二十五号", "金融商品取引法", "Act")
    lookup = CitationLookup(None, directory, LawDirectory([kinsho]))  # type: ignore[arg-type]  # no store read

    def asks(text: str) -> str:
        return without_spans(text, lookup.name_spans(text, parse_citations(text, directory), directory.names_in(text)))

    assert asks("民法の709条の損害賠償の要件は") == "、の損害賠償の要件は"
    assert asks("民法第709条及び第710条の違い") == "、及び、の違い"
    assert asks("借地借家法における民泊の規制") == "、における民泊の規制"
    assert asks("個人情報保護法における個人情報の定義") == "、における個人情報の定義"
    assert asks("証券取引法に定めるインサイダー取引の罰則") == "、に定めるインサイダー取引の罰則"
    assert asks("金融商品取引法第5条の届出") == "、の届出"
    assert asks("不注意で塀を壊した人の責任") == "不注意で塀を壊した人の責任"


def test_the_name_scan_reads_names_and_numbers_as_written() -> None:
    """The trie walk over the key form finds what resolving every substring found: a name with a space
    in it, a law number in arabic or full-width digits with spaces, a character NFKC expands (㍻ → 平成),
    looking forwards (`names_in`) and backwards from a place (`longest_name_before`)."""
    kojin = LawEntry("415AC0000000057", "平成十五年法律第五十七号", "個人情報の保護に関する法律", "Act", ("個人情報保護法",))
    minpo = LawEntry("129AC0000000089", "明治二十九年法律第八十九号", "民法", "Act")
    d = LawDirectory([kojin, minpo])
    assert [(a, b) for a, b, _ in d.names_in("民 法の規定と個人情報保護法")] == [(0, 3), (7, 14)]
    assert [(a, b, e) for a, b, e in d.names_in("平成 15 年法律第57号の規定")] == [(0, 13, [kojin])]
    assert [(a, b) for a, b, _ in d.names_in("平成１５年法律第５７号")] == [(0, 11)]
    assert [(a, b) for a, b, _ in d.names_in("㍻十五年法律第五十七号の規定")] == [(0, 11)]
    assert d.longest_name_before("㍻十五年法律第五十七号", 11) == (0, [kojin])
    assert d.longest_name_before("平成 15 年法律第57号", 16) == (0, [kojin])
    assert d.longest_name_before("これは民法", 5) == (3, [minpo])
    assert d.longest_name_before("これは民法", 4) is None
    assert d.names_in("民間の法人") == []
    gas = LawDirectory([LawEntry("329AC0000000051", "昭和二十九年法律第五十一号", "ガス事業法", "Act")])
    assert [(a, b) for a, b, _ in gas.names_in("ｶﾞｽ事業法の規定")] == [(0, 6)]  # ｶﾞ is two characters, one key character
