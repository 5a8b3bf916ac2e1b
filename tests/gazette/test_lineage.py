"""Gazette entries → promulgated law numbers, amended laws and exact links to stored laws.

Titles are copied from issues.json (kanpo-rss, 2025-12 to 2026-08); index rows
are copied from the 2020 law store or built to prove one rule each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govrag.sources.gazette.lineage import (
    LawIndex,
    Link,
    Promulgated,
    is_promulgation_section,
    link,
    match_counts,
    promulgation,
    promulgations,
)
from govrag.sources.gazette.records import TocEntry
from govrag.sources.gazette.toc import parse_issues_json

# Rows as the 2020 store holds them (doc_id, law_num, title).
KENCHIKUSHI = ("325AC1000000202", "昭和二十五年法律第二百二号", "建築士法")
TEIIN = ("344CO0000000121", "昭和四十四年政令第百二十一号", "行政機関職員定員令")
HOUJINZEI = ("340AC0000000034", "昭和四十年法律第三十四号", "法人税法")
KINYUKINO = ("lawnum:平成十六年法律第百二十八号", "平成十六年法律第百二十八号", "金融機能の強化のための特別措置に関する法律")
CHIHOKOFU = ("325AC0000000211", "昭和二十五年法律第二百十一号", "地方交付税法")
TOKUBETSU = ("lawnum:平成十九年法律第二十三号", "平成十九年法律第二十三号", "特別会計に関する法律")
HOGOSHI = ("325AC0000000204", "昭和二十五年法律第二百四号", "保護司法")
JINJIIN_9_123 = ("421RJNJ09123000", "平成二十一年人事院規則九―一二三", "人事院規則九―一二三（本府省業務調整手当）")


# --------------------------------------------------------------------------- 法律 and 政令


def test_law_number_from_kanji_digits_and_issue_year() -> None:
    p = promulgation("建築士法の一部を改正する法律（七四）", "法律", "2026-07-31")
    assert p == Promulgated("法律", "令和八年法律第七十四号", "建築士法の一部を改正する法律", None, ("建築士法",), "建築士法")


def test_cabinet_order_number() -> None:
    p = promulgation("行政機関職員定員令の一部を改正する政令（二四一）", "政令", "2026-07-31")
    assert p is not None
    assert (p.kind, p.law_num, p.issuer, p.amends) == ("政令", "令和八年政令第二百四十一号", None, ("行政機関職員定員令",))


@pytest.mark.parametrize(
    ("title", "section", "date", "law_num"),
    [
        ("ヒトゲノム編集胚等の取扱いの規制に関する法律（七〇）", "法律", "2026-07-24", "令和八年法律第七十号"),
        ("領事官の徴収する手数料に関する政令の一部を改正する政令（二〇四）", "政令", "2026-06-24", "令和八年政令第二百四号"),
        ("道路法施行令の一部を改正する政令（四四四）", "政令", "2025-12-26", "令和七年政令第四百四十四号"),
        ("財政融資資金の長期運用に対する特別措置に関する法律第五条第二項第三号に規定する法人を定める政令の一部を改正する政令（一）",
         "政令", "2026-01-15", "令和八年政令第一号"),
        ("刑事に関する共助に関する日本国とカナダとの間の条約（一八）", "条約", "2026-08-05", "令和八年条約第十八号"),
        # Constructed: the era's first year is 元年, the day before is 平成三十一年.
        ("某政令（一）", "政令", "2019-05-01", "令和元年政令第一号"),
        ("某政令（一）", "政令", "2019-04-30", "平成三十一年政令第一号"),
    ],
)
def test_numbers_and_era_years(title: str, section: str, date: str, law_num: str) -> None:
    p = promulgation(title, section, date)
    assert p is not None
    assert p.law_num == law_num


def test_new_law_amends_nothing() -> None:
    p = promulgation("防災庁設置法（六一）", "法律", "2026-07-17")
    assert p is not None
    assert (p.law_num, p.title, p.amends) == ("令和八年法律第六十一号", "防災庁設置法", ())
    p = promulgation("民法等の一部を改正する法律の施行に伴う関係法律の整備等に関する法律（四六）", "法律", "2026-06-24")
    assert p is not None
    assert p.amends == ()


def test_title_keeps_inner_parentheses() -> None:
    p = promulgation("職業上の安全及び健康並びに作業環境に関する条約（第百五十五号）（二）", "条約", "2026-04-03")
    assert p is not None
    assert (p.title, p.law_num) == ("職業上の安全及び健康並びに作業環境に関する条約（第百五十五号）", "令和八年条約第二号")


# --------------------------------------------------------------------------- amended laws


@pytest.mark.parametrize(
    ("title", "section", "amends"),
    [
        ("金融商品取引法及び資金決済に関する法律の一部を改正する法律（六四）", "法律", ("金融商品取引法", "資金決済に関する法律")),
        ("出入国管理及び難民認定法及び出入国管理及び難民認定法第二条第五号ロの旅券を所持する外国人の上陸申請の特例に関する法律の一部を改正する法律（三二）",
         "法律", ("出入国管理及び難民認定法", "出入国管理及び難民認定法第二条第五号ロの旅券を所持する外国人の上陸申請の特例に関する法律")),
        ("社会福祉士及び介護福祉士法施行令及び精神保健福祉士法施行令の一部を改正する政令（二二九）", "政令",
         ("社会福祉士及び介護福祉士法施行令", "精神保健福祉士法施行令")),
        ("家畜伝染病予防法施行令及び関税法施行令の一部を改正する等の政令（二一七）", "政令", ("家畜伝染病予防法施行令", "関税法施行令")),
        # 及び inside one title is no list.
        ("国会議員の歳費、旅費及び手当等に関する法律の一部を改正する法律（九一）", "法律", ("国会議員の歳費、旅費及び手当等に関する法律",)),
        ("主要食糧の需給及び価格の安定に関する法律の一部を改正する法律（五五）", "法律", ("主要食糧の需給及び価格の安定に関する法律",)),
        # X等 → the lead law, as printed (…ための may be the law's own title or a bundle's purpose).
        ("皇室典範等の一部を改正する法律（六六）", "法律", ("皇室典範",)),
        ("健康保険法施行令等の一部を改正する政令（二一九）", "政令", ("健康保険法施行令",)),
        ("金融機能の強化のための特別措置に関する法律等の一部を改正する法律（一五）", "法律", ("金融機能の強化のための特別措置に関する法律",)),
        ("更生保護制度の充実を図るための保護司法等の一部を改正する法律（八二）", "法律", ("更生保護制度の充実を図るための保護司法",)),
        # An order amending an amending order.
        ("介護保険法施行令の一部を改正する政令の一部を改正する政令（六）", "政令", ("介護保険法施行令の一部を改正する政令",)),
    ],
)
def test_amended_laws(title: str, section: str, amends: tuple[str, ...]) -> None:
    p = promulgation(title, section, "2026-07-23")
    assert p is not None
    assert p.amends == amends


def test_bundle_lead_law_links_without_its_purpose_clause() -> None:
    p = promulgation("更生保護制度の充実を図るための保護司法等の一部を改正する法律（八二）", "法律", "2025-12-10")
    assert p is not None
    index = LawIndex.build([HOGOSHI])
    assert link(p, index) == [Link("改正", "325AC0000000204", "昭和二十五年法律第二百四号", "保護司法", "title")]
    # Not for a single amended law: there …ための is part of the title printed.
    q = promulgation("更生保護制度の充実を図るための保護司法の一部を改正する法律（八二）", "法律", "2025-12-10")
    assert q is not None
    assert link(q, index) == []


@pytest.mark.parametrize(
    "title",
    [
        # A title that itself lists laws (it is in the 2020 store as one law).
        "租税条約等の実施に伴う所得税法、法人税法及び地方税法の特例等に関する法律施行令の一部を改正する政令（九）",
        # A cabinet order cannot amend the law 船員法: the list belongs to one order's title.
        "船員法及び船舶職員法の一部を改正する法律の施行に伴う経過措置を定める政令の一部を改正する政令（一〇）",
    ],
)
def test_doubtful_lists_stay_whole(title: str) -> None:
    p = promulgation(title, "政令", "2026-07-23")
    assert p is not None
    assert len(p.amends) == 1
    assert p.amends[0] == title[: title.index("の一部を改正する政令（")]


# --------------------------------------------------------------------------- ordinances and rules


def test_ministerial_ordinance() -> None:
    p = promulgation("栄養士法施行規則等の一部を改正する省令（厚生労働一三二）", "省令", "2026-08-20")
    assert p is not None
    assert (p.kind, p.law_num, p.issuer, p.amends) == (
        "省令", "令和八年厚生労働省令第百三十二号", "厚生労働省", ("栄養士法施行規則",))


def test_joint_ordinance() -> None:
    p = promulgation("不動産特定共同事業法施行規則の一部を改正する命令（内閣府・国土交通四）", "府令・省令", "2026-08-21")
    assert p is not None
    assert (p.kind, p.law_num, p.issuer) == ("省令", "令和八年内閣府・国土交通省令第四号", "内閣府・国土交通省")


def test_same_issuer_as_the_entry_above() -> None:
    title = "独立行政法人国際交流基金に関する省令の一部を改正する省令（同二三）"
    p = promulgation(title, "省令", "2026-08-10", previous_issuer="外務省")
    assert p is not None
    assert (p.law_num, p.issuer) == ("令和八年外務省令第二十三号", "外務省")
    assert promulgation(title, "省令", "2026-08-10") is None  # 同 with nothing above: no number


def test_same_issuer_is_threaded_through_entries() -> None:
    entries = [
        TocEntry("20260810h01765", 1, "省令", "独立行政法人国際協力機構の業務運営並びに財務及び会計に関する省令の一部を改正する省令（外務二二）", 0),
        TocEntry("20260810h01765", 1, "省令", "独立行政法人国際交流基金に関する省令の一部を改正する省令（同二三）", 1),
        TocEntry("20260810h01765", 2, "省令", "動物用医薬品等取締規則の一部を改正する省令（農林水産六四）", 0),
        TocEntry("20260810h01765", 3, "その他告示", "保安林の指定を解除する件（農林水産一二一六～一二三七）", 0),
    ]
    got = [(e.page, p.law_num if p else None) for e, p in promulgations(entries)]
    assert got == [(1, "令和八年外務省令第二十二号"), (1, "令和八年外務省令第二十三号"), (2, "令和八年農林水産省令第六十四号")]


def test_same_issuer_does_not_cross_sections() -> None:
    entries = [
        TocEntry("20260807g00178", 13, "デジタル庁令・省令", "独立行政法人情報処理推進機構の業務運営、財務及び会計並びに人事管理に関する命令の一部を改正する命令（デジタル庁・経済産業一）", 0),
        TocEntry("20260807g00178", 14, "省令", "国立研究開発法人情報通信研究機構の業務（出資継続業務を除く。）に係る財務及び会計に関する省令の一部を改正する省令（同一〇〇）", 0),
    ]
    assert [p.law_num if p else None for _, p in promulgations(entries)] == ["令和八年デジタル庁・経済産業省令第一号", None]


def test_cabinet_order_has_no_issuer_so_no_same() -> None:
    assert promulgation("総務省組織令の一部を改正する政令（同二四二）", "政令", "2026-07-31", previous_issuer="総務省") is None


@pytest.mark.parametrize(
    ("title", "section", "date", "expected"),
    [
        ("遺失物法施行規則の一部を改正する規則（国家公安委一六）", "規則", "2026-07-22",
         ("規則", "令和八年国家公安委員会規則第十六号", "国家公安委員会")),
        ("民事執行規則及び民事保全規則の一部を改正する規則（最高裁八）", "最高裁規則", "2026-04-24",
         ("規則", "令和八年最高裁判所規則第八号", "最高裁判所")),
        ("計算証明規則の一部を改正する規則（会計検査院三）", "規則", "2026-05-22", ("規則", "令和八年会計検査院規則第三号", "会計検査院")),
        ("寒冷地手当支給規則の一部を改正する内閣官房令（内閣官房六）", "内閣官房令", "2026-06-26",
         ("内閣官房令", "令和八年内閣官房令第六号", "内閣官房")),
        ("デジタル庁組織規則の一部を改正する庁令（デジタル庁四）", "デジタル庁令", "2026-04-08", ("庁令", "令和八年デジタル庁令第四号", "デジタル庁")),
        ("海上保安学校の名称、位置及び内部組織に関する庁令の一部を改正する庁令（海上保安庁一）", "庁令", "2026-03-23",
         ("庁令", "令和八年海上保安庁令第一号", "海上保安庁")),
        ("特定複合観光施設区域整備法に基づくカジノ事業者又はカジノ施設供用事業者が行う設置運営事業等の監査及び会計に関する命令の一部を改正する命令（カジノ管理委員会・国土交通二）",
         "省令", "2026-08-05", ("省令", "令和八年カジノ管理委員会・国土交通省令第二号", "カジノ管理委員会・国土交通省")),
        ("沖縄科学技術大学院大学学園法施行規則の一部を改正する内閣府令（同六八）", "府令", "2026-08-05", ("府令", "令和八年内閣府令第六十八号", "内閣府")),
    ],
)
def test_rules_and_other_orders(title: str, section: str, date: str, expected: tuple[str, str, str]) -> None:
    prev = "内閣府" if "（同" in title else None
    p = promulgation(title, section, date, previous_issuer=prev)
    assert p is not None
    assert (p.kind, p.law_num, p.issuer) == expected


def test_jinjiin_rule_keeps_its_dashed_number() -> None:
    p = promulgation("人事院規則九―一二三（本府省業務調整手当）の一部を改正する人事院規則（人事院九－一二三－四七）", "規則", "2026-08-07")
    assert p is not None
    assert (p.kind, p.law_num, p.issuer, p.amends) == (
        "規則", "令和八年人事院規則九―一二三―四七", "人事院", ("人事院規則九―一二三（本府省業務調整手当）",))
    p = promulgation("人事院規則一六－三（災害を受けた職員の福祉事業）の一部を改正する人事院規則（同一六－三－五一）", "規則", "2026-03-31", "人事院")
    assert p is not None
    assert p.law_num == "令和八年人事院規則一六―三―五一"


def test_positional_digits_with_zero() -> None:
    # Constructed: four positional digits with 〇 (the real ones of this size are all 告示).
    p = promulgation("某省令の一部を改正する省令（厚生労働一〇八〇）", "省令", "2026-08-21")
    assert p is not None
    assert p.law_num == "令和八年厚生労働省令第千八十号"
    p = promulgation("某省令（同一二三八）", "省令", "2026-08-21", previous_issuer="厚生労働省")
    assert p is not None
    assert p.law_num == "令和八年厚生労働省令第千二百三十八号"


# --------------------------------------------------------------------------- not promulgations


@pytest.mark.parametrize(
    ("title", "section"),
    [
        ("国土交通省関係住宅宿泊事業法施行規則の規定に基づく登録実務講習実施機関の登録事項の変更の件（同一〇八〇）", "その他告示"),
        ("保安林の指定を解除する件（農林水産一二一六～一二三七）", "その他告示"),
        ("漁業近代化資金融通法施行規程の一部を改正する件（同一二〇五）", "法規的告示"),
        ("検察庁事務章程の一部を改正する訓令（法務一）", "訓令"),
        ("令和八年二月十八日に、国会の特別会を東京に召集する詔書", "詔書"),
        ("国家情報局に調査官を置く規則（内閣官房）", "官庁報告 / 官庁事項"),
        ("国家情報局に調査官を置く規則（内閣官房）", "規則"),  # no number even under a rule section
        ("保安林の指定を解除する件（農林水産一二一六～一二三七）", "省令"),  # a range is no law number
        ("基本契約締結事業者を募集する公示", "その他"),
    ],
)
def test_not_a_promulgation(title: str, section: str) -> None:
    assert promulgation(title, section, "2026-08-21", previous_issuer="国土交通省") is None


def test_promulgation_sections() -> None:
    for section in ("法律", "政令", "府令", "省令", "府令・省令", "規則", "最高裁規則", "内閣官房令", "デジタル庁令・省令", "庁令", "条約"):
        assert is_promulgation_section(section), section
    for section in ("その他告示", "法規的告示", "訓令", "詔書", "公告 / 諸事項 / 官庁", "官庁報告 / 官庁事項", "国会事項"):
        assert not is_promulgation_section(section), section


# --------------------------------------------------------------------------- the index and links


def test_link_by_law_number_and_amend_by_title() -> None:
    fake = ("FAKE-R8-74", "令和八年 法律第七十四号", "建築士法の一部を改正する法律")  # spacing as some sources write it
    index = LawIndex.build([KENCHIKUSHI, TEIIN, fake])
    p = promulgation("建築士法の一部を改正する法律（七四）", "法律", "2026-07-31")
    assert p is not None
    assert link(p, index) == [
        Link("公布", "FAKE-R8-74", "令和八年 法律第七十四号", "建築士法の一部を改正する法律", "law number"),
        Link("改正", "325AC1000000202", "昭和二十五年法律第二百二号", "建築士法", "title"),
    ]


def test_real_store_has_the_amended_law_only() -> None:
    index = LawIndex.build([KENCHIKUSHI, TEIIN])
    p = promulgation("行政機関職員定員令の一部を改正する政令（二四一）", "政令", "2026-07-31")
    assert p is not None
    assert link(p, index) == [Link("改正", "344CO0000000121", "昭和四十四年政令第百二十一号", "行政機関職員定員令", "title")]
    new = promulgation("防災庁設置法（六一）", "法律", "2026-07-17")
    assert new is not None
    assert link(new, index) == []


def test_own_title_links_only_in_the_same_year() -> None:
    p = promulgation("船員手帳に関する政令（一四三）", "政令", "2026-04-22")
    assert p is not None
    same_year = LawIndex.build([("X", "令和八年政令第一四三号", "船員手帳に関する政令")])  # number spelt otherwise
    assert link(p, same_year) == [Link("公布", "X", "令和八年政令第一四三号", "船員手帳に関する政令", "title")]
    older = LawIndex.build([("OLD", "昭和二十八年政令第九十九号", "船員手帳に関する政令")])  # a law it replaces
    assert link(p, older) == []


def test_amend_links_are_unique_and_not_younger() -> None:
    p = promulgation("建築士法の一部を改正する法律（七四）", "法律", "2026-07-31")
    assert p is not None
    twice = LawIndex.build([KENCHIKUSHI, ("OTHER", "昭和二十六年法律第一号", "建築士法")])
    assert link(p, twice) == []
    younger = LawIndex.build([("NEW", "令和九年法律第一号", "建築士法")])
    assert link(p, younger) == []


def test_both_amended_laws_link() -> None:
    p = promulgation("地方交付税法及び特別会計に関する法律の一部を改正する法律（八八）", "法律", "2025-12-22")
    assert p is not None
    index = LawIndex.build([CHIHOKOFU, TOKUBETSU, KENCHIKUSHI])
    assert [(x.kind, x.doc_id) for x in link(p, index)] == [
        ("改正", "325AC0000000211"), ("改正", "lawnum:平成十九年法律第二十三号")]


def test_a_list_inside_one_title_never_links_its_parts() -> None:
    p = promulgation("租税条約等の実施に伴う所得税法、法人税法及び地方税法の特例等に関する法律施行令の一部を改正する政令（九）", "政令", "2026-07-23")
    assert p is not None
    assert link(p, LawIndex.build([HOUJINZEI])) == []


def test_printed_target_wins_when_it_is_a_stored_title() -> None:
    # 「…のための」 here is part of the law's own title, not a bundle law's purpose clause.
    p = promulgation("金融機能の強化のための特別措置に関する法律等の一部を改正する法律（一五）", "法律", "2026-05-07")
    assert p is not None
    assert [x.doc_id for x in link(p, LawIndex.build([KINYUKINO, ("NO", "平成元年法律第九号", "特別措置に関する法律")]))] == [
        "lawnum:平成十六年法律第百二十八号"]
    # A constructed 「甲法及び乙法」 that is one stored law: the list reading gives way.
    q = promulgation("甲法及び乙法の一部を改正する法律（一）", "法律", "2026-05-07")
    assert q is not None
    assert q.amends == ("甲法", "乙法")
    rows = [("A", "平成元年法律第一号", "甲法"), ("B", "平成元年法律第二号", "乙法"), ("AB", "平成二年法律第三号", "甲法及び乙法")]
    assert [x.doc_id for x in link(q, LawIndex.build(rows))] == ["AB"]


def test_jinjiin_rule_links_by_title_or_by_its_number() -> None:
    p = promulgation("人事院規則九－一二三（本府省業務調整手当）の一部を改正する人事院規則（同九－一二三－四六）", "規則", "2026-04-01", "人事院")
    assert p is not None
    assert [x.doc_id for x in link(p, LawIndex.build([JINJIIN_9_123]))] == ["421RJNJ09123000"]
    renamed = ("421RJNJ09123000", "平成二十一年人事院規則九―一二三", "人事院規則九―一二三（本府省業務調整手当の旧称）")
    assert [x.doc_id for x in link(p, LawIndex.build([renamed]))] == ["421RJNJ09123000"]


def test_index_lookups_normalise() -> None:
    index = LawIndex.build([("1", "平成十年政令第五号", "某政令　抄"), JINJIIN_9_123])
    assert len(index) == 2
    assert [r.doc_id for r in index.find_title("某 政令")] == ["1"]
    assert [r.doc_id for r in index.find_number("平成二十一年人事院規則九－一二三")] == ["421RJNJ09123000"]
    assert index.find_title("某政令等") == ()


def test_match_counts_on_constructed_entries() -> None:
    entries = [
        TocEntry("20260731g00172", 12, "法律", "建築士法の一部を改正する法律（七四）", 0),
        TocEntry("20260731g00172", 23, "法律", "国家社会機能継続性確保施策及び副首都の整備に係る施策の推進に関する法律（七八）", 0),
        TocEntry("20260731g00172", 27, "政令", "行政機関職員定員令の一部を改正する政令（二四一）", 0),
        TocEntry("20260731g00172", 45, "省令", "某省令（同九六）", 0),
        TocEntry("20260731g00172", 159, "その他告示", "某告示（総務九）", 0),
    ]
    fake = ("FAKE-R8-74", "令和八年法律第七十四号", "建築士法の一部を改正する法律")
    c = match_counts(entries, LawIndex.build([KENCHIKUSHI, TEIIN, fake]))
    assert (c.entries, c.in_sections, c.promulgations, c.unparsed) == (5, 4, 3, 1)
    assert c.by_kind == {"法律": 2, "政令": 1}
    assert (c.linked_by_number, c.linked_by_title, c.amending, c.amend_links, c.unmatched) == (1, 0, 2, 2, 1)
    assert "1 by law number" in c.report()


# --------------------------------------------------------------------------- the real index


def test_issues_json_parse_counts(shared_data: Path) -> None:
    """Measured on issues.json (8,990 entries): every entry under a promulgation section reads."""
    issues = parse_issues_json((shared_data / "kanpo" / "issues.json").read_bytes(), "issues.json", problems=[])
    entries = [e for issue in issues for e in issue.entries]
    c = match_counts(entries, LawIndex.build([]))
    assert (c.entries, c.in_sections, c.promulgations) == (8990, 1396, 1396)
    assert c.by_kind == {"省令": 837, "政令": 278, "規則": 97, "法律": 79, "府令": 73, "条約": 15, "内閣官房令": 9, "庁令": 8}
    assert (c.amending, c.unmatched) == (1138, 1396)
    nums = {p.law_num for _, p in promulgations(entries) if p is not None and p.kind == "法律"}
    assert {"令和八年法律第七十四号", "令和七年法律第八十一号", "令和八年法律第十四号"} <= nums
    assert len(nums) == 79
