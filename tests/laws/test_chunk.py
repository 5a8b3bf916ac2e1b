"""Chunking real provisions: text, heading path, anchor, URL, label, splitting and stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from govrag.models import Chunk
from govrag.sources.laws.chunk import ChunkOptions, chunk_law
from govrag.sources.laws.egov_xml import parse_law
from govrag.sources.laws.lawid import LawIdResolver

FILES = {
    "民法": "明治29年/明治二十九年法律第八十九号.xml",
    "日本国憲法": "昭和21年/昭和二十一年憲法.xml",
    "行政手続法": "平成5年/平成五年法律第八十八号.xml",
    "個人情報の保護に関する法律": "平成15年/平成十五年法律第五十七号.xml",
    "借地借家法": "平成3年/平成三年法律第九十号.xml",
}
V = "2020-11-18"


@pytest.fixture(scope="module")
def chunks(egov_sample: Path, shared_data: Path) -> dict[str, list[Chunk]]:
    return sample_chunks(egov_sample, shared_data)


def sample_chunks(egov_sample: Path, shared_data: Path) -> dict[str, list[Chunk]]:
    resolver = LawIdResolver.from_dir(shared_data / "egov")
    out = {}
    for title, rel in FILES.items():
        law = parse_law((egov_sample / rel).read_bytes())
        out[title] = list(chunk_law(law, resolver.resolve(law.law_num, law.title), ChunkOptions(version=V)))
    return out


def find(chunks: list[Chunk], article: str, provision: str = "本則") -> list[Chunk]:
    return [c for c in chunks if c.attrs["article_num"] == article and c.attrs["provision"] == provision]


def test_minpo_709(chunks: dict[str, list[Chunk]]) -> None:
    (c,) = find(chunks["民法"], "709")
    assert c.heading == "民法 › 第三編\u3000債権 › 第五章\u3000不法行為 › 第七百九条（不法行為による損害賠償）"
    assert c.text == c.heading + "\n故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。"
    assert c.label == "民法 第七百九条"
    assert c.unit == "Mp-At_709"
    assert c.url == "https://laws.e-gov.go.jp/law/129AC0000000089#Mp-At_709"
    assert c.attrs.items() >= {
        "law_id": "129AC0000000089", "law_id_status": "published", "law_num": "明治二十九年法律第八十九号",
        "law_title": "民法", "law_type": "Act", "article_num": "709", "article_title": "第七百九条",
        "provision": "本則", "paragraph_from": 1, "paragraph_to": 1, "anchor": "Mp-At_709",
    }.items()
    assert (c.source, c.doc_id, c.version) == ("law", "129AC0000000089", V)


def test_kenpo_9(chunks: dict[str, list[Chunk]]) -> None:
    (c,) = find(chunks["日本国憲法"], "9")
    assert c.heading == "日本国憲法 › 第二章\u3000戦争の放棄 › 第九条"
    assert c.url == "https://laws.e-gov.go.jp/law/321CONSTITUTION#Mp-At_9"
    assert c.label == "日本国憲法 第九条"
    assert "○２\u3000前項の目的を達するため" in c.body


def test_kojin_joho_27_split_at_paragraphs_keeps_every_item(chunks: dict[str, list[Chunk]]) -> None:
    parts = find(chunks["個人情報の保護に関する法律"], "27")
    assert [p.unit for p in parts] == ["Mp-At_27-Pr_1", "Mp-At_27-Pr_3"]
    assert [p.label for p in parts] == [
        "個人情報の保護に関する法律 第二十七条第一項～第二項第二号",
        "個人情報の保護に関する法律 第二十七条第三項",
    ]
    assert parts[0].url == "https://laws.e-gov.go.jp/law/415AC0000000057#Mp-At_27-Pr_1"
    assert "一\u3000当該個人情報取扱事業者の氏名又は名称" in parts[0].body
    assert "四\u3000前三号に掲げるもののほか" in parts[0].body
    for p in parts:
        assert p.heading.endswith("第二十七条（保有個人データに関する事項の公表等）")
        assert p.text.startswith("個人情報の保護に関する法律 › 第四章")
        assert p.attrs["parts"] == 2


def test_gyosei_tetsuzuki_split_inside_a_paragraph_links_to_the_item(chunks: dict[str, list[Chunk]]) -> None:
    parts = find(chunks["行政手続法"], "2")
    assert parts[1].unit == "Mp-At_2-Pr_1-It_5"
    assert parts[1].url.endswith("#Mp-At_2-Pr_1-It_5")
    assert parts[1].label == "行政手続法 第二条第一項第五号～第七号"
    assert parts[1].body.startswith("五\u3000")


def test_splitting_loses_nothing_and_respects_the_window(chunks: dict[str, list[Chunk]], egov_sample: Path) -> None:
    for title, rel in FILES.items():
        law = parse_law((egov_sample / rel).read_bytes())
        by_seq = chunks[title]
        assert "\n".join(c.body for c in by_seq) == "\n".join(u.text for u in law.units)
        for c in by_seq:
            assert len(c.text) <= 600 or len(c.heading) + 1 + 200 >= len(c.text), c.label


def test_shakuchi_shakuya_suppl_and_amend_anchors(chunks: dict[str, list[Chunk]]) -> None:
    original = find(chunks["借地借家法"], "1", "附則")
    assert original[0].unit == "Sp-At_1"
    assert original[0].label == "借地借家法 附則 第一条"
    amend = [c for c in chunks["行政手続法"] if c.attrs["suppl_amend_law_num"] == "平成一一年一二月八日法律第一五一号"]
    assert amend[0].unit == "平成一一年一二月八日法律第一五一号-Sp-At_1"
    assert amend[0].label == "行政手続法 附則（平成一一年一二月八日法律第一五一号） 第一条"
    assert amend[0].heading == "行政手続法 › 附則（平成一一年一二月八日法律第一五一号） › 第一条（施行期日）"


def test_paragraph_only_suppl_provision(chunks: dict[str, list[Chunk]]) -> None:
    c = next(c for c in chunks["行政手続法"] if c.attrs["provision"] == "附則")
    assert c.attrs["unit_form"] == "paragraphs"
    assert c.unit == "Sp-Pr_1"
    assert c.heading == "行政手続法 › 附則 › （施行期日）"


def test_ids_are_stable_unique_and_versioned(chunks: dict[str, list[Chunk]], egov_sample: Path, shared_data: Path) -> None:
    all_ids = [c.id for cs in chunks.values() for c in cs]
    assert len(all_ids) == len(set(all_ids))
    law = parse_law((egov_sample / FILES["民法"]).read_bytes())
    match = LawIdResolver.from_dir(shared_data / "egov").resolve(law.law_num, law.title)
    again = [c.id for c in chunk_law(law, match, ChunkOptions(version=V))]
    assert again == [c.id for c in chunks["民法"]]
    other = [c.id for c in chunk_law(law, match, ChunkOptions(version="2025-04-01"))]
    assert not set(other) & set(again)


def test_payload_round_trip(chunks: dict[str, list[Chunk]]) -> None:
    c = chunks["民法"][100]
    assert Chunk.from_payload(c.payload()) == c
