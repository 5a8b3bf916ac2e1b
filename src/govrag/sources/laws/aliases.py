"""Short names of laws (略称) and how to read them.

Researchers type 金商法 or 個情法, not the official title, and the 2020 e-Gov
XML carries no abbreviations at all, so a small reviewed table is the only way
those names resolve. Newer e-Gov XML (``<LawTitle Abbrev="国旗国歌法,日の丸君が代法">``)
and the e-Gov API (``abbrev``) list abbreviations per law; `merge_aliases`
folds those in. Every title below was checked against the 2020 archive index.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from types import MappingProxyType

# alias → official title as written in the e-Gov LawTitle (or, for 題名のない法律
# such as 独禁法, the subject e-Gov puts in brackets after the LawNum).
LAW_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        # 公法・行政
        "憲法": "日本国憲法",
        "行手法": "行政手続法",
        "行訴法": "行政事件訴訟法",
        "行審法": "行政不服審査法",
        "国賠法": "国家賠償法",
        "地自法": "地方自治法",
        "国公法": "国家公務員法",
        "地公法": "地方公務員法",
        "公選法": "公職選挙法",
        "入管法": "出入国管理及び難民認定法",
        "情報公開法": "行政機関の保有する情報の公開に関する法律",
        "番号法": "行政手続における特定の個人を識別するための番号の利用等に関する法律",
        "番号利用法": "行政手続における特定の個人を識別するための番号の利用等に関する法律",
        "マイナンバー法": "行政手続における特定の個人を識別するための番号の利用等に関する法律",
        # 個人情報
        "個情法": "個人情報の保護に関する法律",
        "個人情報保護法": "個人情報の保護に関する法律",
        "行政機関個人情報保護法": "行政機関の保有する個人情報の保護に関する法律",
        # 民事
        "民訴法": "民事訴訟法",
        "民執法": "民事執行法",
        "民保法": "民事保全法",
        "民再法": "民事再生法",
        "会更法": "会社更生法",
        "一般法人法": "一般社団法人及び一般財団法人に関する法律",
        "区分所有法": "建物の区分所有等に関する法律",
        "不登法": "不動産登記法",
        "宅建業法": "宅地建物取引業法",
        "PL法": "製造物責任法",
        "消契法": "消費者契約法",
        "電子消費者契約法": "電子消費者契約に関する民法の特例に関する法律",
        "プロバイダ責任制限法": "特定電気通信役務提供者の損害賠償責任の制限及び発信者情報の開示に関する法律",
        # 刑事
        "刑訴法": "刑事訴訟法",
        "組織犯罪処罰法": "組織的な犯罪の処罰及び犯罪収益の規制等に関する法律",
        "道交法": "道路交通法",
        "覚せい剤取締法": "覚醒剤取締法",
        "銃刀法": "銃砲刀剣類所持等取締法",
        "暴対法": "暴力団員による不当な行為の防止等に関する法律",
        # 労働
        "労基法": "労働基準法",
        "労契法": "労働契約法",
        "労組法": "労働組合法",
        "安衛法": "労働安全衛生法",
        "労災保険法": "労働者災害補償保険法",
        "労働者派遣法": "労働者派遣事業の適正な運営の確保及び派遣労働者の保護等に関する法律",
        "育児介護休業法": "育児休業、介護休業等育児又は家族介護を行う労働者の福祉に関する法律",
        "男女雇用機会均等法": "雇用の分野における男女の均等な機会及び待遇の確保等に関する法律",
        # 経済・消費者
        "独禁法": "私的独占の禁止及び公正取引の確保に関する法律",
        "独占禁止法": "私的独占の禁止及び公正取引の確保に関する法律",
        "下請法": "下請代金支払遅延等防止法",
        "景表法": "不当景品類及び不当表示防止法",
        "風営法": "風俗営業等の規制及び業務の適正化等に関する法律",
        "景品表示法": "不当景品類及び不当表示防止法",
        "特商法": "特定商取引に関する法律",
        "特定商取引法": "特定商取引に関する法律",
        "割販法": "割賦販売法",
        "不競法": "不正競争防止法",
        "外為法": "外国為替及び外国貿易法",
        # 金融
        "金商法": "金融商品取引法",
        "金販法": "金融商品の販売等に関する法律",
        "投信法": "投資信託及び投資法人に関する法律",
        "資金決済法": "資金決済に関する法律",
        "犯収法": "犯罪による収益の移転防止に関する法律",
        "金商業等府令": "金融商品取引業等に関する内閣府令",
        "開示府令": "企業内容等の開示に関する内閣府令",
        "定義府令": "金融商品取引法第二条に規定する定義に関する内閣府令",
        # 医事・環境・建築
        "薬機法": "医薬品、医療機器等の品質、有効性及び安全性の確保等に関する法律",
        "医薬品医療機器等法": "医薬品、医療機器等の品質、有効性及び安全性の確保等に関する法律",
        "廃掃法": "廃棄物の処理及び清掃に関する法律",
        "廃棄物処理法": "廃棄物の処理及び清掃に関する法律",
        "建基法": "建築基準法",
        "都計法": "都市計画法",
    }
)

# An abbreviation plus one of these names the implementing order of the law:
# 金商法施行令 = 金融商品取引法 + 施行令 = 金融商品取引法施行令.
IMPLEMENTING_SUFFIXES = ("施行令", "施行規則")

_SPACES = re.compile(r"\s+")
# e-Gov marks excerpted texts: "…に関する政令　抄", "…施行令（抄）".
_EXCERPT = re.compile(r"(?:\(抄\)|抄)$")
_ABBREV_SEPARATORS = re.compile(r"[,，]")


def law_name_key(name: str) -> str:
    """The lookup form of a law name: NFKC (full-width → half-width), no spaces, no 抄.

    Titles and what users type differ only in these ways, so both sides are
    reduced the same way before any dictionary lookup.
    """
    return _EXCERPT.sub("", _SPACES.sub("", unicodedata.normalize("NFKC", name)))


def split_abbrev(field: str | None) -> tuple[str, ...]:
    """Split an e-Gov ``Abbrev``/``abbrev`` field ("国旗国歌法,日の丸君が代法") into names."""
    if not field:
        return ()
    return tuple(name for part in _ABBREV_SEPARATORS.split(field) if (name := part.strip()))


def merge_aliases(
    harvested: Iterable[tuple[str, str]],
    curated: Mapping[str, str] = LAW_ALIASES,
) -> dict[str, tuple[str, ...]]:
    """Build alias key → official titles from (alias, title) pairs found in the corpus.

    A curated entry overrides what the corpus says for the same alias: it is
    a reviewed choice. Corpus aliases that several laws claim keep every
    title, so the caller sees the ambiguity instead of a silent pick.
    """
    merged: dict[str, tuple[str, ...]] = {}
    for alias, title in harvested:
        key = law_name_key(alias)
        if title not in merged.get(key, ()):
            merged[key] = (*merged.get(key, ()), title)
    for alias, title in curated.items():
        merged[law_name_key(alias)] = (title,)
    return merged


def expand_alias(name: str, aliases: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Official titles an alias may stand for, including 金商法施行令-style combinations.

    `aliases` is keyed by `law_name_key`, as `merge_aliases` returns it. The
    combined titles are only candidates: the caller keeps those that exist.
    """
    key = law_name_key(name)
    if key in aliases:
        return aliases[key]
    for suffix in IMPLEMENTING_SUFFIXES:
        base = key.removesuffix(suffix)
        if base != key and base in aliases:
            return tuple(title + suffix for title in aliases[base])
    return ()
