"""The research's pure steps on real text: question types, sub-queries, outlines, passages, the mind map."""

from __future__ import annotations

from dataclasses import replace

import pytest

from govrag.index.sparse import Bm25Encoder
from govrag.research import outline, plan
from govrag.research.records import ReportSource, Section
from govrag.research.write import _Renumbered, highlights, quoted, renumber
from govrag.answer.coverage import word_coverage

TOKENS = Bm25Encoder().tokens

# 個人情報の保護に関する法律 第二十三条第一項 (2020 archive), as stored: the 項 number is omitted for the first.
ART23 = ("個人情報取扱事業者は、次に掲げる場合を除くほか、あらかじめ本人の同意を得ないで、個人データを第三者に提供してはならない。\n"
         "一　法令に基づく場合\n"
         "二　人の生命、身体又は財産の保護のために必要がある場合であって、本人の同意を得ることが困難であるとき。")
ART2 = "この法律において「個人情報」とは、生存する個人に関する情報であって、次の各号のいずれかに該当するものをいう。"


def coverage(asked: str, text: str) -> float:
    return word_coverage(asked, text, TOKENS)


def source(n: int, doc_id: str, text: str = ART23, *, src: str = "law", heading: str = "法 › 第四章 義務 › 第二十三条",
           label: str = "") -> ReportSource:
    return ReportSource(n, f"id-{n}", src, label or f"個人情報の保護に関する法律 第{n}条", "https://example/x", heading,
                        text, doc_id, "個人情報の保護に関する法律" if doc_id == "415AC" else doc_id, None)


@pytest.mark.parametrize(("question", "kind"), [
    ("「個人情報取扱事業者」とは何か", "定義確認"),
    ("民法と商法の消滅時効の違いは", "比較検討"),
    ("補助金の交付申請の手続を知りたい", "手続き確認"),
    ("業務委託先に個人データを渡す場合に本人の同意は必要か", "解釈適用"),
    ("防衛力の強化に関する国会での議論の経緯", "政策研究"),
    ("個人情報保護制度の全体像", "包括分析"),
])
def test_question_types(question: str, kind: str) -> None:
    assert plan.question_type(question) == kind


def test_a_comparison_searches_both_sides_with_what_is_compared() -> None:
    texts = [q.text for q in plan.structural("民法と商法の消滅時効の違いは", TOKENS, 10)]
    assert texts == ["民法と商法の消滅時効の違いは", "民法の消滅時効", "商法の消滅時効"]


def test_parts_of_a_long_question_lose_their_joiners() -> None:
    subs = plan.structural("損害賠償の要件、及び時効について教えてください。また国会での議論は？", TOKENS, 10)
    texts = [q.text for q in subs]
    assert texts[0].startswith("損害賠償の要件")
    assert "損害賠償の要件" in texts and "国会での議論は" in texts
    assert subs[0].why == "質問そのもの"
    assert all(not t.startswith("また") for t in texts)


def test_a_quoted_term_is_asked_as_a_definition_and_the_limit_holds() -> None:
    subs = plan.structural("「個人情報取扱事業者」の義務、及び「匿名加工情報」の提供について", TOKENS, 3)
    assert [q.text for q in subs] == ["「個人情報取扱事業者」の義務、及び「匿名加工情報」の提供について",
                                      "「個人情報取扱事業者」とは", "「匿名加工情報」とは"]


def test_merged_keeps_order_drops_repeats_and_stops_at_the_limit() -> None:
    a = plan.SubQuery("q", "質問そのもの")
    routed = plan.SubQuery("q", "文書ルーター", ("415AC",))
    got = plan.merged([[a], [a, routed], [plan.SubQuery("x", "質問の一部"), plan.SubQuery("y", "質問の一部")]], 3)
    assert got == [a, routed, plan.SubQuery("x", "質問の一部")]


def test_grouped_outline_is_one_section_per_document_and_splits_a_big_one_by_chapter() -> None:
    sources = [source(1, "415AC", heading="法 › 第四章 › 第一条"), source(2, "diet-1", src="diet", heading="参議院 予算委員会"),
               *(source(n, "415AC", heading=f"法 › 第{'四' if n % 2 else '五'}章 › 第{n}条") for n in range(3, 9))]
    sections = outline.grouped(sources)
    # A law's chapters stay together, in the order of their best source; the speech's meeting follows.
    assert [s.sources for s in sections] == [(1, 3, 5, 7), (4, 6, 8), (2,)]
    assert sections[0].title == "法令: 個人情報の保護に関する法律 第四章"
    assert sections[2].title.startswith("国会会議録: ")


def test_a_models_outline_is_checked() -> None:
    sources = [source(1, "415AC"), source(2, "415AC"), source(3, "diet-1", src="diet")]
    reply = "以下が構成です。\n## 第三者提供の制限 [1]\n## 架空の節 [9]\n- 国会での議論［３］\n"
    sections = outline.parse_outline(reply, sources)
    # [9] names no source: dropped; [2] was claimed by no section: it joins the section of its law.
    assert sections == [Section("第三者提供の制限", (1, 2)), Section("国会での議論", (3,))]
    assert outline.parse_outline("## ひとつだけ [1]", sources) == []


def test_highlights_are_the_provisions_pieces_that_hold_what_was_asked() -> None:
    spans = highlights(ART23, "law", ["個人データの第三者提供に本人の同意は必要か"], coverage)
    assert spans, "the first 項 holds 個人データ, 第三者, 提供, 本人, 同意"
    first = ART23[spans[0][0]:spans[0][1]]
    assert first.startswith("個人情報取扱事業者は") and "本人の同意を得ないで" in first
    assert all(0 <= a < b <= len(ART23) for a, b in spans)
    assert highlights(ART23, "law", ["宇宙旅行の免許"], coverage) == ()


def test_a_quoted_section_quotes_its_passages_verbatim() -> None:
    s = source(1, "415AC", ART2, heading="法 › 第一章 › 第二条")
    s = replace(s, highlights=((0, len(ART2)),))
    section = quoted(Section("定義", (1,)), [s])
    assert section.text == f"[1] {s.label}：「{ART2}」"
    assert not section.generated


def test_mindmap_is_question_sections_sources_with_short_labels() -> None:
    sources = [source(1, "415AC", label="個人情報の保護に関する法律 第二十三条第一項"),
               source(2, "diet-1", src="diet", label="参議院 予算委員会 2025-03-05 石破茂（内閣総理大臣）")]
    sources[1] = replace(sources[1], doc_title="第217回国会 参議院 予算委員会 2025-03-05")
    tree = outline.mindmap("質問", [Section("法令", (1,)), Section("国会", (2,))], sources)
    assert tree.label == "質問"
    assert [c.label for c in tree.children] == ["法令", "国会"]
    assert tree.children[0].children[0].label == "[1] 第二十三条第一項"
    assert tree.children[1].children[0].label == "[2] 石破茂（内閣総理大臣）"
    assert tree.children[1].children[0].n == 2


def test_a_sections_markers_are_renumbered_to_the_reports_also_across_streamed_pieces() -> None:
    numbers = {1: 7, 2: 12}
    assert renumber("要件は「同意」です[1]。例外もある［２］[3]。", numbers) == "要件は「同意」です[7]。例外もある[12][3]。"
    stream = _Renumbered(numbers)
    pieces = ["要件です[", "1", "]。次に［", "２］です", "。["]
    shown = "".join(stream.feed(p) for p in pieces) + stream.flush()
    assert shown == "要件です[7]。次に[12]です。["
