"""Japanese numerals and provision numbers: both directions, real e-Gov titles, garbage."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from govrag.sources.laws.numbers import (
    ProvisionRef,
    article_num_to_title,
    article_title_to_num,
    int_to_kanji,
    item_num_to_title,
    item_title_to_num,
    kanji_to_int,
    paragraph_num_to_title,
    paragraph_title_to_num,
    to_halfwidth_digits,
)

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("七百九", 709),
        ("三千二百", 3200),
        ("二万", 20000),
        ("一万二千三百四十五", 12345),
        ("十", 10),
        ("十一", 11),
        ("百十", 110),
        ("千", 1000),
        ("千四十四", 1044),  # 民法 第千四十四条
        ("一千", 1000),
        ("〇", 0),
        # positional forms, as in AmendLawNum="平成一一年一二月二二日法律第二二五号"
        ("一〇四", 104),
        ("一五", 15),
        ("一二", 12),
        ("二二五", 225),
        ("元", 1),
        ("１２", 12),
        ("709", 709),
        (" 七百九 ", 709),
    ],
)
def test_kanji_to_int(text: str, value: int) -> None:
    assert kanji_to_int(text) == value


@pytest.mark.parametrize("garbage", ["", "  ", "十十", "百千", "一二十", "〇十", "万", "七百九x", "1二", "abc", "元年", "-1"])
def test_kanji_to_int_rejects_garbage(garbage: str) -> None:
    with pytest.raises(ValueError, match="not a Japanese numeral"):
        kanji_to_int(garbage)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "〇"), (1, "一"), (10, "十"), (19, "十九"), (100, "百"), (110, "百十"), (709, "七百九"),
     (1000, "千"), (1044, "千四十四"), (3200, "三千二百"), (10000, "一万"), (20000, "二万")],
)
def test_int_to_kanji_law_style(value: int, text: str) -> None:
    assert int_to_kanji(value) == text


@pytest.mark.parametrize("bad", [-1, 10**12, True])
def test_int_to_kanji_rejects_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError):
        int_to_kanji(bad)


def test_int_kanji_round_trip() -> None:
    for n in [*range(0, 2001), 9999, 10001, 12345, 100000, 123456789]:
        assert kanji_to_int(int_to_kanji(n)) == n, n


def test_to_halfwidth_digits() -> None:
    assert to_halfwidth_digits("第７０９条の２") == "第709条の2"
    assert to_halfwidth_digits("七百九") == "七百九"


@pytest.mark.parametrize(
    ("title", "num"),
    [
        ("第七百九条の二", "709_2"),
        ("第七百九条の二の三", "709_2_3"),
        ("第709条の2", "709_2"),
        ("第７０９条", "709"),
        ("709条の2", "709_2"),
        ("七百九", "709"),
        ("第 七百九 条", "709"),
        ("第九十四条ノ二", "94_2"),
        ("第三条から第五条まで", "3:5"),
    ],
)
def test_article_title_to_num(title: str, num: str) -> None:
    assert article_title_to_num(title) == num


@pytest.mark.parametrize("bad", ["", "第〇条", "民法", "第七百九項", "第七百九条の", "第十十条", "第七百九条の〇"])
def test_article_title_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        article_title_to_num(bad)


@pytest.mark.parametrize("bad", ["", "0", "709-2", "709_", "709_0", "第七百九条", "3:"])
def test_article_num_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        article_num_to_title(bad)


def test_article_num_title_round_trip() -> None:
    for n in range(1, 2001):
        for num in (f"{n}", f"{n}_2", f"{n}_2_3", f"{n}_10"):
            title = article_num_to_title(num)
            assert article_title_to_num(title) == num, title
        assert article_title_to_num(f"第{n}条の2") == f"{n}_2"
        assert article_title_to_num(f"第{str(n).translate(_FULLWIDTH)}条") == str(n)
    assert article_num_to_title("709_2") == "第七百九条の二"
    assert article_num_to_title("3:5") == "第三条から第五条まで"


def test_item_and_paragraph_numbers() -> None:
    assert item_title_to_num("第一号") == "1"
    assert item_title_to_num("第九号の二") == "9_2"
    assert item_title_to_num("九の二") == "9_2"  # ItemTitle as e-Gov writes it
    assert item_title_to_num("一～二十五") == "1:25"  # 行政手続法 附則 ItemTitle
    assert item_title_to_num("一から四まで") == "1:4"
    assert item_num_to_title("9_2") == "第九号の二"
    assert paragraph_title_to_num("第二項") == 2
    assert paragraph_title_to_num("２") == 2  # ParagraphNum
    assert paragraph_title_to_num("○２") == 2  # ParagraphNum in old 附則
    assert paragraph_num_to_title(2) == "第二項"
    for n in range(1, 2001):
        assert paragraph_title_to_num(paragraph_num_to_title(n)) == n
        assert item_title_to_num(item_num_to_title(f"{n}_2")) == f"{n}_2"
    with pytest.raises(ValueError):
        paragraph_title_to_num("第〇項")
    with pytest.raises(ValueError):
        paragraph_num_to_title(0)


def test_every_title_in_the_sample_laws(egov_sample: Path) -> None:
    """All five sample laws: ArticleTitle ⇄ Article Num, ItemTitle → Num, ParagraphNum → Num."""
    checked = 0
    for path in sorted(egov_sample.glob("*/*.xml")):
        root = etree.parse(str(path)).getroot()
        for article in root.iter("Article"):
            title, num = article.findtext("ArticleTitle"), article.get("Num")
            assert article_title_to_num(title) == num, (path.name, title)
            assert article_num_to_title(num) == title, (path.name, num)
            checked += 1
        for item in root.iter("Item"):
            assert item_title_to_num(item.findtext("ItemTitle")) == item.get("Num"), path.name
        for paragraph in root.iter("Paragraph"):
            if written := paragraph.findtext("ParagraphNum"):
                assert paragraph_title_to_num(written) == int(paragraph.get("Num")), path.name
    assert checked > 1000  # 民法 alone has over a thousand articles


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("第十二条第三項第一号", ProvisionRef("12", 3, "1")),
        ("12条3項1号", ProvisionRef("12", 3, "1")),
        ("第１２条第３項", ProvisionRef("12", 3)),
        ("附則第三条", ProvisionRef("3", suppl=True)),
        ("附則", ProvisionRef(suppl=True)),
        ("第七百九条の二", ProvisionRef("709_2")),
        ("第二条第九号の二", ProvisionRef("2", item="9_2")),
        ("第二項", ProvisionRef(paragraph=2)),
        ("12/3/1", ProvisionRef("12", 3, "1")),
        ("709_2", ProvisionRef("709_2")),
        ("2/-/1", ProvisionRef("2", item="1")),
        ("suppl/3/2", ProvisionRef("3", 2, suppl=True)),
        ("suppl", ProvisionRef(suppl=True)),
    ],
)
def test_provision_ref_parse(text: str, ref: ProvisionRef) -> None:
    assert ProvisionRef.parse(text) == ref


def test_provision_ref_renderings() -> None:
    ref = ProvisionRef("12", 3, "1")
    assert ref.to_kanji() == "第十二条第三項第一号"
    assert ref.to_path() == "12/3/1"
    suppl = ProvisionRef("3", suppl=True)
    assert suppl.to_kanji() == "附則第三条"
    assert suppl.to_path() == "suppl/3"
    assert ProvisionRef("2", item="9_2").to_path() == "2/-/9_2"
    assert ProvisionRef(paragraph=2).to_path() == "-/2"


def test_provision_ref_round_trips() -> None:
    for article in (None, "1", "12", "709_2", "1044"):
        for paragraph in (None, 1, 3):
            for item in (None, "1", "9_2"):
                for suppl in (False, True):
                    if (article, paragraph, item, suppl) == (None, None, None, False):
                        continue
                    ref = ProvisionRef(article, paragraph, item, suppl)
                    assert ProvisionRef.parse(ref.to_kanji()) == ref, ref
                    assert ProvisionRef.parse(ref.to_path()) == ref, ref


@pytest.mark.parametrize("bad", ["", "民法", "第〇条", "第十二条第三号第一項", "1/2/3/4", "suppl/x"])
def test_provision_ref_parse_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        ProvisionRef.parse(bad)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"article": "709-2"}, {"article": "0"}, {"paragraph": 0}, {"paragraph": True}, {"item": "一"}],
)
def test_provision_ref_validates(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ProvisionRef(**kwargs)  # type: ignore[arg-type]
