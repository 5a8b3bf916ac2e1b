"""LawId resolution: XML attribute, published table, safe rules, computed table, unknown."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from govrag.sources.laws.lawid import LawIdResolver, derive_law_id, law_url


@pytest.fixture(scope="module")
def resolver(shared_data: Path) -> LawIdResolver:
    return LawIdResolver.from_dir(shared_data / "egov")


def test_published_pairs_win(resolver: LawIdResolver) -> None:
    match = resolver.resolve("明治二十九年法律第八十九号", "民法")
    assert (match.law_id, match.status) == ("129AC0000000089", "published")


def test_xml_attribute_wins_over_everything(resolver: LawIdResolver) -> None:
    match = resolver.resolve("明治二十九年法律第八十九号", "民法", xml_law_id="129AC0000000089")
    assert match.status == "xml"


def test_shared_law_num_is_told_apart_by_title(resolver: LawIdResolver) -> None:
    match = resolver.resolve("明治二十年勅令", "海上法ノ要義ヲ確定スル為メ西暦千八百五十六年四月十六日巴里公会ニ於テ決定セシ宣言")
    assert match.law_id == "120IO0000000002"
    assert resolver.resolve("明治二十年勅令", "どれでもない題名").law_id is None


def test_rules_reproduce_every_observed_cabinet_order_and_imperial_order(shared_data: Path) -> None:
    """The rule must agree with every published pair it claims to cover."""
    checked = 0
    with (shared_data / "egov" / "law_ids.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            derived = derive_law_id(row["law_num"])
            if derived is not None:
                assert derived == row["law_id"], row
                checked += 1
    assert checked > 1000  # 1,027 observed 政令 alone


def test_rule_examples() -> None:
    assert derive_law_id("昭和四十年政令第三百二十一号") == "340CO0000000321"
    assert derive_law_id("令和元年政令第一号") == "501CO0000000001"
    assert derive_law_id("昭和二十一年憲法") == "321CONSTITUTION"
    assert derive_law_id("昭和三十三年人事院規則九―二四") == "333RJNJ09024000"
    assert derive_law_id("平成十五年法律第五十七号") is None  # 法律: two digits are not derivable


def test_computed_table_is_marked_derived(resolver: LawIdResolver, shared_data: Path) -> None:
    with (shared_data / "egov" / "law_ids_derived.tsv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh, delimiter="\t") if r["basis"].startswith("code-in-observed"))
    match = resolver.resolve(row["law_num"], row["title"])
    assert (match.law_id, match.status) == (row["law_id"], "derived")


def test_unknown_falls_back_to_search() -> None:
    match = LawIdResolver().resolve("平成十五年法律第五十七号", "個人情報の保護に関する法律")
    assert (match.law_id, match.status) == (None, "unknown")
    assert law_url(None, "Mp-At_1") == "https://laws.e-gov.go.jp/search/"


def test_law_url() -> None:
    assert law_url("129AC0000000089", "Mp-At_709") == "https://laws.e-gov.go.jp/law/129AC0000000089#Mp-At_709"
    assert law_url("129AC0000000089") == "https://laws.e-gov.go.jp/law/129AC0000000089"
