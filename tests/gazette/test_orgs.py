"""Issuers as the gazette prints them: procurement officials' posts and table-of-contents tails (real strings)."""

from __future__ import annotations

import pytest

from govrag.sources.gazette.orgs import official_org, toc_issuers, with_parent


@pytest.mark.parametrize(("post", "org"), [
    ("支出負担行為担当官 東京拘置所長 山本 英博", "東京拘置所"),
    ("警察庁長官官房会計課理事官 重成 麻利", "警察庁"),
    ("分任支出負担行為担当官 関東管区警察局群馬県情報通信部長 石渡 一成", "関東管区警察局"),
    ("契約担当役 国立大学法人筑波大学長 永田 恭介", "国立大学法人筑波大学"),  # not 契約担当役国立大学
    ("経理責任者 独立行政法人国立病院機構本部総務部長 山田 太郎", "独立行政法人国立病院機構"),  # not …国立病院
    ("契約担当役 独立行政法人都市再生機構 東日本賃貸住宅本部長", "独立行政法人都市再生機構"),
])
def test_official_org(post: str, org: str) -> None:
    assert official_org(post) == org


def test_an_office_also_names_its_ministry() -> None:
    assert with_parent("東京拘置所") == ["東京拘置所", "法務省"]
    assert with_parent("北海道財務局") == ["北海道財務局", "財務省"]
    assert with_parent("警察庁") == ["警察庁"]


def test_toc_tails() -> None:
    assert toc_issuers("保安林の指定を解除する件（農林水産一二一六～一二三七）", []) == ["農林水産省"]
    assert toc_issuers("道路に関する件（関東地方整備局一六七）", []) == ["関東地方整備局", "国土交通省"]
    assert toc_issuers("不動産特定共同事業法施行規則の一部を改正する命令（内閣府・国土交通四）", []) == ["内閣府", "国土交通省"]
    assert toc_issuers("特別母樹林の指定を解除する件（同二七八）", ["農林水産省"]) == ["農林水産省"]
    assert toc_issuers("入札公告（建設工事）", []) == []  # a title's tail that names no one
    assert toc_issuers("破産、免責、再生関係", []) == []
