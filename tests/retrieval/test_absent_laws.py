"""The one rule for named-but-absent laws, on the sample store (5 laws; its catalog: the LawId tables
and the 2020 archive's listing of all 8,515 laws, the 13 without files included)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from govrag.config import Settings
from govrag.retrieval.search import SearchOptions
from govrag.service import Service
from tests import faults


@pytest.fixture(scope="module")
def service(sample_index: Path) -> Iterator[Service]:
    svc = Service(Settings(data_dir=sample_index))
    yield svc
    svc.close()


@pytest.mark.parametrize(("question", "law"), [
    ("金融商品取引法第1条", "金融商品取引法（昭和二十三年法律第二十五号）"),  # in the listing, no file in the archive
    ("所得税法第2条の定義", "所得税法（昭和四十年法律第三十三号）"),  # one of the 13 missing from the 2020 archive
    ("会社法第2条", "会社法（平成十七年法律第八十六号）"),  # in the archive, not in this store
    ("金商法の目的は何か", "金融商品取引法（昭和二十三年法律第二十五号）"),  # by its abbreviation
    ("民法と会社法の違い", "会社法（平成十七年法律第八十六号）"),  # named beside a stored law
])
def test_a_known_law_the_store_lacks_is_named_and_never_answered_from_another(
    service: Service, question: str, law: str
) -> None:
    result = service.search(question, SearchOptions(k=5))
    assert result.not_stored == (law,) and result.unknown_laws == ()
    answer = service.answer(result)
    assert not answer.sufficient
    assert answer.text.startswith("資料からは分かりません")
    assert f"{law}は、このデータに収録されていない法令です" in answer.text
    assert "質問の法令そのものではありません" in answer.text  # what is listed is reference only


def test_a_law_no_listing_knows_is_unknown(service: Service) -> None:
    for question, name in (("スパイ防止法の罰則", "スパイ防止法"), ("証券取引法第二条", "証券取引法")):
        result = service.search(question, SearchOptions(k=5))
        assert result.unknown_laws == (name,) and result.not_stored == ()
        assert not service.answer(result).sufficient


def test_a_stored_law_is_still_answered(service: Service) -> None:
    answer = service.ask("民法第七百九条", SearchOptions(k=3))
    assert answer.sufficient and answer.citations[0].label == "民法 第七百九条"
    # A cited stored provision is quoted; the absent law beside it is named, not answered.
    mixed = service.ask("民法第七百九条と会社法第四百二十九条", SearchOptions(k=3))
    assert mixed.sufficient and mixed.citations[0].label == "民法 第七百九条"
    assert "なお、会社法（平成十七年法律第八十六号）は、このデータに収録されていない法令です" in mixed.text


def test_without_a_catalog_a_cited_unknown_name_is_still_refused(sample_index: Path, tmp_path: Path) -> None:
    """A store ingested before the catalog existed: 「会社法第2条」 is a law name by its shape."""
    data = faults.copy_data(sample_index, tmp_path / "data")
    db = sqlite3.connect(data / "chunks.sqlite")
    with db:
        db.execute("DROP TABLE catalog")
    db.close()
    svc = Service(Settings(data_dir=data))
    try:
        result = svc.search("会社法第2条", SearchOptions(k=5))
        assert result.unknown_laws == ("会社法",) and not svc.answer(result).sufficient
    finally:
        svc.close()
