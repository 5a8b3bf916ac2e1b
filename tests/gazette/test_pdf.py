"""The gazette PDF reader and notice splitter on the two real 政府調達 issues (golden values read off the pages)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from govrag.sources.gazette.notices import entries_of, notice_fields
from govrag.sources.gazette.pdf import PdfError, page_text, read_pdf

KANPO = Path(__file__).resolve().parents[3] / "shared" / "data" / "kanpo" / "pdf"
ISSUE_0714 = KANPO / "2025-07-14" / "20250714c00129full00010040.pdf"
ISSUE_0711 = KANPO / "2025-07-11" / "20250711c00128full00010080.pdf"


@pytest.fixture(scope="module")
def pages_0714():
    return list(read_pdf(ISSUE_0714.read_bytes(), ISSUE_0714.name))


def test_every_page_is_read_with_its_running_head(pages_0714):
    assert [p.page for p in pages_0714] == list(range(1, 41))
    # the head's digits are private-use glyphs in the PDF: mapped, they say the date, issue and page
    assert pages_0714[1].header == "令和7年7月14日月曜日(号外政府調達第129号)官報2"
    assert "官報" not in pages_0714[1].lines[0].text


def test_pages_without_text_are_marked_empty_not_dropped(pages_0714):
    assert [p.page for p in pages_0714 if p.empty] == [37, 38, 39, 40]


def test_private_use_glyphs_become_what_is_printed(pages_0714):
    text = pages_0714[1].text
    assert "⑷ 納入期限 令和８年２月27日" in text  # ⑷ is U+E7B5 in the font
    assert "〒124-8565 東京都葛飾区小菅１" in text  # the hyphen is U+E61C
    assert sum(p.unknown_glyphs for p in pages_0714) == 1  # one glyph no table entry covers (printed 〓)


def test_table_page_reads_column_by_column_not_in_stream_order():
    """Page 63 of 20250711c00128 (落札): PDFium's stream gives the bottom of the left column first."""
    pdf = pdfium.PdfDocument(ISSUE_0711.read_bytes())
    try:
        text = page_text(pdf[62], 63).text
    finally:
        pdf.close()
    heading = text.index("落札者等の公示")
    cabinet = text.index("内閣府大臣官房会計担当参事官 北村 実")
    sleeping_bags = text.index("②寝袋 2,583式")
    police = text.index("①17 ②資材運搬車（２ｔ級） 10台")
    assert heading < cabinet < sleeping_bags < police


def test_known_tender_notice_fields_on_its_page(pages_0714):
    entries = entries_of(pages_0714)
    tender = next(e for e in entries if "差入品Ｘ線検査装置" in e.text)
    fields = notice_fields(tender)
    assert (tender.section, tender.title, tender.first_page) == ("入札公告", "入札公告", 2)
    assert fields.issuer == "支出負担行為担当官 東京拘置所長 山本 英博"
    assert fields.issuers == ("東京拘置所", "法務省")
    assert fields.item == "差入品Ｘ線検査装置の供給一式"
    assert fields.delivery == "令和８年２月27日"
    assert fields.tender_deadline.startswith("令和７年９月３日17時00分")
    assert fields.opening.startswith("令和７年９月４日10時00分 東京拘置所庁舎会議室")
    assert (fields.agency_code, fields.classification) == ("013", "26")


def test_entries_follow_the_sections(pages_0714):
    entries = entries_of(pages_0714)
    assert entries[0].title == "目次"
    sections = [e.section for e in entries]
    assert sections.count("入札公告") == 29 and sections.count("随意契約") == 4
    assert [e.first_page for e in entries] == sorted(e.first_page for e in entries)


def test_a_corrupt_pdf_is_a_clear_error():
    data = ISSUE_0714.read_bytes()[:20_000]
    with pytest.raises(PdfError, match="truncated.pdf: not a readable PDF"):
        list(read_pdf(data, "truncated.pdf"))


def test_titles_over_several_lines_are_whole_and_sentences_are_no_titles(pages_0714):
    titles = {e.title for e in entries_of(pages_0714)}
    assert "公募型競争入札方式に係る手続開始の公示（建築のためのサービスその他の技術的サービス（建設工事を除く））" in titles
    assert "公募型プロポーザル方式に係る手続開始の公示（建築のためのサービスその他の技術的サービス（建設工事を除く））" in titles
    assert titles == {"目次", "入札公告", "入札公告（建設工事）", "意見招請に関する公示", "随意契約に関する公示",
                      "資料提供招請に関する公表", "ＮＴＴ東日本株式会社公告第17号",
                      "公募型競争入札方式に係る手続開始の公示（建築のためのサービスその他の技術的サービス（建設工事を除く））",
                      "公募型プロポーザル方式に係る手続開始の公示（建築のためのサービスその他の技術的サービス（建設工事を除く））"}


def test_damaged_pages_are_reported_and_do_not_stop_the_file():
    """2,000 bytes overwritten inside the real PDF: it still opens, its pages cannot be loaded."""
    import random

    data = bytearray(ISSUE_0714.read_bytes())
    rng = random.Random(1)
    for _ in range(2000):
        data[rng.randrange(2000, len(data) - 2000)] = rng.randrange(256)
    pages = list(read_pdf(bytes(data), "damaged.pdf"))
    assert len(pages) == 40
    assert pages[0].error == "Failed to load page." and pages[0].empty
