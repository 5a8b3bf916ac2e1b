"""Golden tests of the e-Gov XML parser on real provisions from ../shared/data/egov/sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from govrag.sources.laws.egov_xml import Law, LawParseError, Unit, parse_law

SAMPLES = {
    "民法": "明治29年/明治二十九年法律第八十九号.xml",
    "日本国憲法": "昭和21年/昭和二十一年憲法.xml",
    "行政手続法": "平成5年/平成五年法律第八十八号.xml",
    "個人情報の保護に関する法律": "平成15年/平成十五年法律第五十七号.xml",
    "借地借家法": "平成3年/平成三年法律第九十号.xml",
}


@pytest.fixture(scope="module")
def laws(egov_sample: Path) -> dict[str, Law]:
    return {title: parse_law((egov_sample / rel).read_bytes(), name=rel) for title, rel in SAMPLES.items()}


def article(law: Law, num: str, provision: str = "main") -> Unit:
    (unit,) = [u for u in law.units if u.num == num and u.provision == provision and u.form == "article"]
    return unit


def test_law_metadata(laws: dict[str, Law]) -> None:
    minpo = laws["民法"]
    assert (minpo.title, minpo.law_num, minpo.law_type, minpo.law_type_ja) == ("民法", "明治二十九年法律第八十九号", "Act", "法律")
    assert (minpo.era, minpo.year, minpo.num, minpo.promulgation_year) == ("Meiji", 29, "89", 1896)
    assert minpo.law_id is None  # the 2020 bulk XML has no LawId
    assert minpo.toc[:2] == ("第一編\u3000総則", "第一章\u3000通則")
    kenpo = laws["日本国憲法"]
    assert (kenpo.law_type, kenpo.law_type_ja, kenpo.promulgation_year) == ("Constitution", "憲法", 1946)


def test_minpo_709(laws: dict[str, Law]) -> None:
    unit = article(laws["民法"], "709")
    assert unit.path == ("第三編\u3000債権", "第五章\u3000不法行為")
    assert (unit.title, unit.caption) == ("第七百九条", "（不法行為による損害賠償）")
    assert unit.text == "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。"
    assert [(s.paragraph, s.item) for s in unit.segments] == [(1, None)]


def test_kenpo_9_keeps_old_style_paragraph_numbers(laws: dict[str, Law]) -> None:
    unit = article(laws["日本国憲法"], "9")
    assert unit.path == ("第二章\u3000戦争の放棄",)
    assert (unit.title, unit.caption) == ("第九条", "")
    assert unit.text.split("\n") == [
        "日本国民は、正義と秩序を基調とする国際平和を誠実に希求し、国権の発動たる戦争と、武力による威嚇又は武力の行使は、"
        "国際紛争を解決する手段としては、永久にこれを放棄する。",
        "○２\u3000前項の目的を達するため、陸海空軍その他の戦力は、これを保持しない。国の交戦権は、これを認めない。",
    ]


def test_kojin_joho_27_items_and_proviso_in_order(laws: dict[str, Law]) -> None:
    unit = article(laws["個人情報の保護に関する法律"], "27")
    assert unit.path == ("第四章\u3000個人情報取扱事業者の義務等", "第一節\u3000個人情報取扱事業者の義務")
    assert unit.caption == "（保有個人データに関する事項の公表等）"
    assert [(s.paragraph, s.item) for s in unit.segments] == [
        (1, None), (1, "1"), (1, "2"), (1, "3"), (1, "4"), (2, None), (2, "1"), (2, "2"), (3, None),
    ]
    assert unit.segments[1].text == "一\u3000当該個人情報取扱事業者の氏名又は名称"
    # 本文 then ただし書, in document order, on the paragraph's line
    assert unit.segments[5].text == (
        "２\u3000個人情報取扱事業者は、本人から、当該本人が識別される保有個人データの利用目的の通知を求められたときは、"
        "本人に対し、遅滞なく、これを通知しなければならない。ただし、次の各号のいずれかに該当する場合は、この限りでない。"
    )


def test_gyosei_tetsuzuki_definitions_keep_columns(laws: dict[str, Law]) -> None:
    unit = article(laws["行政手続法"], "2")
    assert unit.caption == "（定義）"
    assert unit.segments[1].text == (
        "一\u3000法令\u3000法律、法律に基づく命令（告示を含む。）、条例及び地方公共団体の執行機関の規則"
        "（規程を含む。以下「規則」という。）をいう。"
    )
    assert unit.segments[2].text == "二\u3000処分\u3000行政庁の処分その他公権力の行使に当たる行為をいう。"


def test_shakuchi_shakuya_10(laws: dict[str, Law]) -> None:
    unit = article(laws["借地借家法"], "10")
    assert unit.path == ("第二章\u3000借地", "第二節\u3000借地権の効力")
    assert unit.caption == "（借地権の対抗力）"
    lines = unit.text.split("\n")
    assert lines[0] == "借地権は、その登記がなくても、土地の上に借地権者が登記されている建物を所有するときは、これをもって第三者に対抗することができる。"
    assert lines[1].startswith("２\u3000前項の場合において、建物の滅失があっても、")
    assert lines[1].endswith("ただし、建物の滅失があった日から二年を経過した後にあっては、その前に建物を新たに築造し、かつ、その建物につき登記した場合に限る。")


def test_ruby_keeps_base_text_and_drops_reading(laws: dict[str, Law]) -> None:
    unit = article(laws["民法"], "30")
    assert unit.caption == "（失踪の宣告）"
    assert unit.text.startswith("不在者の生死が七年間明らかでないときは、家庭裁判所は、利害関係人の請求により、失踪の宣告をすることができる。")
    assert "そう" not in unit.caption


def test_branch_article_numbers(laws: dict[str, Law]) -> None:
    unit = article(laws["民法"], "465_6")
    assert unit.title == "第四百六十五条の六"


def test_suppl_provisions(laws: dict[str, Law]) -> None:
    gyotetsu = laws["行政手続法"]
    suppl = [u for u in gyotetsu.units if u.provision == "suppl"]
    original = suppl[0]
    assert (original.form, original.path, original.amend_law_num, original.suppl_index) == ("paragraphs", ("附則",), None, 1)
    assert original.caption == "（施行期日）"
    assert original.text.startswith("１\u3000この法律は、公布の日から起算して一年を超えない範囲内において政令で定める日から施行する。")
    amending = suppl[1]
    assert amending.form == "article"
    assert amending.amend_law_num == "平成一一年一二月八日法律第一五一号"
    assert amending.path == ("附則（平成一一年一二月八日法律第一五一号）",)
    assert (amending.num, amending.title, amending.caption) == ("1", "第一条", "（施行期日）")
    assert amending.text == "この法律は、平成十二年四月一日から施行する。"


def test_article_counts_are_plausible(laws: dict[str, Law]) -> None:
    main = [u for u in laws["民法"].units if u.provision == "main" and u.form == "article"]
    assert main[0].title == "第一条" and main[-1].title == "第千五十条"


NEW_FORM = """<?xml version="1.0" encoding="UTF-8"?>
<Law Era="Heisei" Lang="ja" LawType="Act" Num="127" Year="11" PromulgateMonth="08" PromulgateDay="13" LawId="411AC0000000127">
  <LawNum>平成十一年法律第百二十七号</LawNum>
  <LawBody>
    <LawTitle Kana="こっきおよびこっかにかんするほうりつ" Abbrev="国旗国歌法,日の丸君が代法">国旗及び国歌に関する法律</LawTitle>
    <MainProvision>
      <Article Num="1">
        <ArticleCaption>（国旗）</ArticleCaption>
        <ArticleTitle>第一条</ArticleTitle>
        <Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence Num="1">国旗は、日章旗とする。</Sentence></ParagraphSentence></Paragraph>
        <Paragraph Num="2"><ParagraphNum>２</ParagraphNum><ParagraphSentence><Sentence Num="1">日章旗の制式は、別記第一のとおりとする。</Sentence></ParagraphSentence></Paragraph>
      </Article>
    </MainProvision>
    <SupplProvision>
      <SupplProvisionLabel>附　則</SupplProvisionLabel>
      <Paragraph Num="1"><ParagraphCaption>（施行期日）</ParagraphCaption><ParagraphNum>１</ParagraphNum>
        <ParagraphSentence><Sentence Num="1">この法律は、公布の日から施行する。</Sentence></ParagraphSentence></Paragraph>
    </SupplProvision>
    <AppdxTable Num="1">
      <AppdxTableTitle>別表第一</AppdxTableTitle>
      <TableStruct><Table><TableRow><TableColumn><Sentence>区分</Sentence></TableColumn><TableColumn><Sentence>寸法</Sentence></TableColumn></TableRow></Table></TableStruct>
    </AppdxTable>
  </LawBody>
</Law>
""".encode()


def test_current_form_with_law_id_kana_abbrev_and_date() -> None:
    law = parse_law(NEW_FORM)
    assert law.law_id == "411AC0000000127"
    assert law.title_kana == "こっきおよびこっかにかんするほうりつ"
    assert law.abbrevs == ("国旗国歌法", "日の丸君が代法")
    assert law.promulgation_date == "1999-08-13"
    art, suppl, table = law.units
    assert art.text == "国旗は、日章旗とする。\n２\u3000日章旗の制式は、別記第一のとおりとする。"
    assert (suppl.form, suppl.path, suppl.caption) == ("paragraphs", ("附則",), "（施行期日）")
    assert (table.form, table.title, table.text) == ("appendix", "別表第一", "区分 | 寸法")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (NEW_FORM[: len(NEW_FORM) // 2], "malformed XML"),
        (b"<html><body>not a law</body></html>", "not an e-Gov law XML (root element is <html>"),
        (b"", "malformed XML"),
        (b"<Law><LawNum>x</LawNum></Law>", "without <LawNum> or <LawBody>"),
        (b"<Law><LawNum>x</LawNum><LawBody><MainProvision/></LawBody></Law>", "without a <LawTitle>"),
    ],
)
def test_bad_input_gets_a_clear_error(data: bytes, reason: str) -> None:
    with pytest.raises(LawParseError) as info:
        parse_law(data, name="bad.xml")
    assert str(info.value).startswith("bad.xml: ")
    assert reason in str(info.value)
