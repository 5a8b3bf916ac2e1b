"""The exports treat every source text, label and address as data."""

from __future__ import annotations

from govrag.research.export import markdown, print_html
from govrag.research.records import MindNode, Report, ReportSource, Section

TEXT = "一行目\n# 見出し\n- 項目 _x_ <script>alert(1)</script>"
HOSTILE = ReportSource(1, "id-1", "law", "悪い]ラベル <b>x</b>", "javascript:alert(1)", "h", TEXT, "d", "d", None,
                       ((0, len(TEXT)),))
GOOD = ReportSource(2, "id-2", "law", "民法 第七百九条", "https://laws.e-gov.go.jp/law/129AC0000000089#Mp-At_709", "h",
                    "故意又は過失によって他人の権利を侵害した者は、損害を賠償する責任を負う。", "d", "民法", None, ((0, 10),))


def report() -> Report:
    return Report("0123456789abcdef", "2026-12-02T00:00:00+00:00", "問い\n# 改行 <script>", "包括分析", "extractive",
                  (), (HOSTILE, GOOD), (Section("節 <i>", (1, 2), "[1] 引用「# 見出し」\n- 項目"),), "リード", "結論 [2]",
                  MindNode("問い", (MindNode("節", (MindNode("[1] <b>", n=1),)),)))


def test_a_source_address_that_is_no_web_address_is_never_a_link() -> None:
    page = print_html(report())
    assert "javascript:" not in page.split("（javascript:alert(1)）")[0]
    assert 'href="javascript' not in page
    assert '<a class="src" href="https://laws.e-gov.go.jp/law/129AC0000000089#Mp-At_709">' in page
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    md = markdown(report())
    assert "](<javascript" not in md and "(<https://laws.e-gov.go.jp/law/129AC0000000089#Mp-At_709>)" in md


def test_markdown_keeps_source_text_from_becoming_markup() -> None:
    md = markdown(report())
    assert md.splitlines()[0] == r"# 調査報告: 問い # 改行 \<script\>"
    assert sum(1 for line in md.splitlines() if line.startswith("# ")) == 1
    assert r"[1] 悪い\]ラベル \<b\>x\</b\>（javascript:alert(1)）" in md
    # Every line of a passage is quoted, and a line that would start a heading or a list does not.
    assert "> 一行目" in md and r"> \# 見出し" in md and r"> \- 項目 \_x\_ \<script\>alert(1)\</script\>" in md
    assert "\n# 見出し" not in md and "\n- 項目" not in md
    assert "[1] 引用「# 見出し」" in md and r"\- 項目" in md
