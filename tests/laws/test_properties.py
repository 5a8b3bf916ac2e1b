"""Property-based tests (hypothesis) for the numbers and the citation parser: round trips, and no
exception but ValueError on any text, since every query a user types goes through them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govrag.sources.laws.hints import CitationLookup
from govrag.sources.laws.archive import listed_laws
from govrag.sources.laws.cite import LawDirectory, LawEntry, parse_citations
from govrag.sources.laws.numbers import (
    MAX_PROVISION_NUMBER, ProvisionRef, article_num_to_title, article_title_to_num, int_to_kanji, item_num_to_title,
    item_title_to_num, kanji_to_int,
)

NUMBER = st.integers(min_value=1, max_value=MAX_PROVISION_NUMBER)
NUM = st.lists(NUMBER, min_size=1, max_size=3).map(lambda parts: "_".join(map(str, parts)))
# Text a user might type around citations: law words, numerals in every script, the counters and noise.
PIECES = st.sampled_from(
    ["民法", "会社法", "金融商品取引法", "個情法", "同法", "同条", "第", "条", "項", "号", "の", "附則", "及び", "、",
     "から", "まで", "一", "二", "十", "百", "千", "万", "億", "〇", "0", "9", "１", "1000000000000", "元", "施行令",
     "（平成十五年法律第五十七号）", "法", "律", " ", "\n", "は", "何か", "ただし書"]
)
TEXT = st.lists(PIECES | st.text(max_size=4), max_size=30).map("".join)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_kanji_numerals_round_trip(n: int) -> None:
    assert kanji_to_int(int_to_kanji(n)) == n


@FAST
@given(NUM)
def test_article_and_item_numbers_round_trip(num: str) -> None:
    assert article_title_to_num(article_num_to_title(num)) == num
    assert item_title_to_num(item_num_to_title(num)) == num


@FAST
@given(st.builds(ProvisionRef, article=NUM, paragraph=st.none() | NUMBER, item=st.none() | NUM, suppl=st.booleans()))
def test_provision_refs_round_trip_through_both_renderings(ref: ProvisionRef) -> None:
    assert ProvisionRef.parse(ref.to_path()) == ref
    assert ProvisionRef.parse(ref.to_kanji()) == ref


@FAST
@given(st.text(max_size=40))
def test_number_readers_raise_only_value_error(text: str) -> None:
    for read in (kanji_to_int, article_title_to_num, ProvisionRef.parse):
        try:
            read(text)
        except ValueError:
            pass


@FAST
@given(st.integers(min_value=MAX_PROVISION_NUMBER + 1, max_value=10**40))
def test_provision_numbers_beyond_the_bound_are_refused(n: int) -> None:
    with pytest.raises(ValueError):
        ProvisionRef(article=str(n))
    with pytest.raises(ValueError):
        ProvisionRef.parse(f"第{n}条")


@pytest.fixture(scope="module")
def lookup(shared_data: Path) -> CitationLookup:
    """Every law of the 2020 archive's listing as the directory (no store needed to parse)."""
    entries = [LawEntry(None, num, title, "") for num, title in listed_laws(shared_data / "egov" / "laws-20201118.tar.xz")]
    assert len(entries) == 8515
    stored = LawDirectory(entries[::2])
    return CitationLookup(None, stored, LawDirectory(entries[1::2]))  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(TEXT)
def test_citations_of_any_text_parse_and_render(lookup: CitationLookup, text: str) -> None:
    """Whatever a user types: no exception; every citation's provision renders; numbers stay bounded."""
    citations = parse_citations(text, lookup.directory)
    for c in citations:
        assert c.provision_text  # the label an answer shows: law style, or as written when impossible
        assert c.raw == text[c.span[0] : c.span[1]]
        if c.ref is not None:
            assert c.ref.to_kanji() and ProvisionRef.parse(c.ref.to_path()) == c.ref
    absent = lookup.absent_laws(text, citations)
    for name in (*absent.not_stored, *absent.unknown):
        assert name.strip()
