"""The table-of-contents readers over the real kanpo files (shared/data/kanpo): golden values from the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govrag.sources.gazette.records import Issue, IssueRef, TocEntry
from govrag.sources.gazette.toc import (
    TocError,
    list_top_page,
    merge_issues,
    parse_day_markdown,
    parse_issue_page,
    parse_issues_json,
    parse_top_page,
    read_toc,
)


@pytest.fixture(scope="module")
def kanpo(shared_data: Path) -> Path:
    return shared_data / "kanpo"


@pytest.fixture(scope="module")
def issues_json(kanpo: Path) -> bytes:
    return (kanpo / "issues.json").read_bytes()


@pytest.fixture(scope="module")
def json_issues(issues_json: bytes) -> dict[str, Issue]:
    issues = parse_issues_json(issues_json, "issues.json")
    return {i.ref.issue_id: i for i in issues}


def _html(kanpo: Path, name: str) -> bytes:
    return (kanpo / "html" / name).read_bytes()


def _md(kanpo: Path, day: str) -> bytes:
    return (kanpo / "pdf" / day / f"官報_{day}.md").read_bytes()


def _rows(issue: Issue) -> list[tuple[int, int, str, str]]:
    return [(e.page, e.ordinal, e.section, e.title) for e in issue.entries]


# --------------------------------------------------------------------------- issues.json


def test_issues_json_counts(issues_json: bytes) -> None:
    read = read_toc("issues.json", issues_json)
    assert read.problems == []
    assert len(read.issues) == 598
    assert sum(len(i.entries) for i in read.issues) == 8990
    assert sum(1 for i in read.issues if not i.entries) == 17  # 特別号外 without an articles list
    assert {i.origins for i in read.issues} == {("issues.json",)}
    assert {i.pages for i in read.issues} == {None}  # issues.json has no page counts


def test_issues_json_entries(json_issues: dict[str, Issue]) -> None:
    issue = json_issues["20260821h01773"]
    assert issue.ref == IssueRef("20260821h01773", "2026-08-21", "h", 1773)
    assert len(issue.entries) == 14
    assert issue.entries[5] == TocEntry("20260821h01773", 5, "その他告示", "道路に関する件（沖縄総合事務局一八、一九）", 2)
    assert issue.entries[-1] == TocEntry("20260821h01773", 27, "公告 / 諸事項 / 会社その他", "会社その他", 0)
    assert json_issues["20260819t00043"].entries == ()
    assert json_issues["20251204c00225"].ref.edition == "政府調達"


def test_issues_json_section_kept_as_given(json_issues: dict[str, Issue]) -> None:
    court = [e for e in json_issues["20260303h01657"].entries if e.page == 10]
    assert court == [TocEntry("20260303h01657", 10, "公告 / 諸事項 / 裁判所",
                              "相続、公示催告、失踪、除権決定、破産、免責、再生関係", 0)]


def test_a_bad_entry_is_skipped_and_reported(issues_json: bytes) -> None:
    doc = json.loads(issues_json)
    del doc["issues"][0]["articles"][3]["page_number"]
    doc["issues"][1]["issue_id"] = "2026-08-21g187"
    data = json.dumps(doc, ensure_ascii=False).encode()
    read = read_toc("issues.json", data)
    assert len(read.issues) == 597
    assert sum(len(i.entries) for i in read.issues) == 8990 - 1 - 8  # the entry, and the bad issue's 8
    assert len(read.problems) == 2
    assert read.problems[0] == "issues.json: 20260821h01773 article #3: no page number (page_number=None), skipped"
    assert read.problems[1].startswith("issues.json: issue #1: '2026-08-21g187' is not a gazette issue id")
    with pytest.raises(TocError, match=r"^issues\.json: 20260821h01773 article #3: no page number"):
        parse_issues_json(data, "issues.json")  # no problems list: strict


def test_not_json_and_truncated_json(issues_json: bytes, kanpo: Path) -> None:
    with pytest.raises(TocError, match=r"^issues\.json: not valid JSON \(Expecting value at line 1 column 1\)$"):
        read_toc("issues.json", _html(kanpo, "top_page.html"))
    with pytest.raises(TocError, match=r"^cut\.json: not valid JSON \(.* line 2061 column 11; truncated\?\)"):
        read_toc("cut.json", issues_json[:100_166])  # cut between two articles
    with pytest.raises(TocError, match=r"^cut\.json: not valid JSON \(not UTF-8: .* byte 99999; truncated\?\)"):
        read_toc("cut.json", issues_json[:100_000])  # cut inside one
    with pytest.raises(TocError, match=r"^other\.json: no 'issues' list"):
        read_toc("other.json", b'{"version": 1, "items": []}')
    with pytest.raises(TocError, match=r"^bin\.json: not valid JSON \(not UTF-8"):
        read_toc("bin.json", b'{"issues": "\xff\xfe"}')


# --------------------------------------------------------------------------- an issue's page


def test_honshi_page(kanpo: Path) -> None:
    issue = parse_issue_page(_html(kanpo, "issue_page_honshi.html"), "honshi.html")
    assert issue.ref.issue_id == "20260303h01657"
    assert (issue.ref.date, issue.ref.edition, issue.ref.number) == ("2026-03-03", "本紙", 1657)
    assert issue.pages == 32
    assert len(issue.entries) == 22
    assert issue.entries[0] == TocEntry(
        "20260303h01657", 1, "その他告示",
        "パラオ共和国政府に対する贈与に関する日本国政府とパラオ共和国政府との間の書簡の交換に関する件（外務七六）", 0)
    assert _rows(issue)[12:16] == [
        (8, 0, "国会事項", "国会事項"),  # a heading that is itself a link
        (8, 1, "人事異動", "内閣"),
        (8, 2, "叙位・叙勲", "叙位・叙勲"),
        (9, 0, "皇室事項", "皇室事項"),
    ]
    assert _rows(issue)[-3:] == [
        (9, 4, "公告 / 諸事項 / 官庁", "渡良瀬川中央土地改良区連合役員の退任及び就任、渡良瀬川中央土地改良区連合の定款変更の認可、建設業の営業の停止命令関係"),
        (10, 0, "公告 / 諸事項 / 裁判所", "相続、公示催告、失踪、除権決定、破産、免責、再生関係"),
        (31, 0, "公告 / 諸事項 / 会社その他", "会社その他"),
    ]


def test_honshi_page_agrees_with_issues_json(kanpo: Path, issues_json: bytes) -> None:
    """Two independent publications of one table of contents: the site's page and kanpo-rss's issues.json."""
    raw = next(i for i in json.loads(issues_json)["issues"] if i["issue_id"] == "20260303h01657")
    expected = [(a["page_number"], int(a["article_id"].rsplit(":", 1)[1]), a["section"], a["title"])
                for a in raw["articles"]]
    assert len(expected) == 22
    assert _rows(parse_issue_page(_html(kanpo, "issue_page_honshi.html"), "honshi.html")) == expected


def test_gougai_page(kanpo: Path) -> None:
    read = read_toc("gougai.html", _html(kanpo, "issue_page_gougai.html"))
    assert read.problems == []
    [issue] = read.issues
    assert issue.ref == IssueRef("20260303g00043", "2026-03-03", "g", 43)
    assert issue.pages == 64
    assert _rows(issue) == [
        (1, 0, "府令", "内閣府の所管するこども家庭庁関係法令に係る構造改革特別区域法第三十五条に規定する政令等規制事業に係る主務省令の特例に関する措置を定める内閣府令の一部を改正する内閣府令（内閣府九）"),
        (3, 0, "法規的告示", "木材の基準強度Fc、Ft、Fb及びFsを定める件及び特殊な許容応力度及び特殊な材料強度を定める件の一部を改正する告示（国土交通三三六）"),
        (6, 0, "その他告示", "指定区間の指定に関する告示の一部を改正する告示（国土交通三三七）"),
        (7, 0, "公告 / 諸事項 / 裁判所", "破産、免責関係"),
        (51, 0, "公告 / 諸事項 / 地方公共団体", "解散命令、行旅死亡人関係"),
        (51, 1, "公告 / 諸事項 / 会社その他", "会社その他"),
        (54, 0, "公告 / 諸事項 / 会社決算公告", "会社決算公告"),
    ]
    assert issue.origins == ("gougai.html",)


def test_issue_id_from_the_header_when_no_link_names_it(kanpo: Path) -> None:
    html = _html(kanpo, "issue_page_gougai.html").decode()
    html = html.replace("20260303g00043", "").replace("./0000f.html", "#")
    issue = parse_issue_page(html.encode(), "gougai.html", [])
    assert issue.ref.issue_id == "20260303g00043"
    assert [e.page for e in issue.entries] == [1, 3, 6, 7, 51, 51, 54]  # pages from span.date


def test_entry_without_page_number(kanpo: Path) -> None:
    html = _html(kanpo, "issue_page_gougai.html").decode()
    html = html.replace('<a href="20260303g000430006f.html">', '<a href="#">').replace(
        '<span class="date">6</span>', "")
    problems: list[str] = []
    issue = parse_issue_page(html.encode(), "gougai.html", problems)
    assert [e.page for e in issue.entries] == [1, 3, 7, 51, 51, 54]
    assert problems == [("gougai.html: 20260303g00043: entry '指定区間の指定に関する告示の一部を改正する告示（国土交通三三七）' "
                         "has no page number, skipped")]
    with pytest.raises(TocError, match="has no page number"):
        parse_issue_page(html.encode(), "gougai.html")


def test_html_of_another_layout() -> None:
    other = b"<!DOCTYPE html><html><head><title>x</title></head><body><p>hello</p></body></html>"
    with pytest.raises(TocError, match=r"^other\.html: HTML of another layout"):
        read_toc("other.html", other)
    with pytest.raises(TocError, match=r"^other\.html: no issue id found"):
        read_toc("other.html", other.replace(b"<p>hello", b'<span id="pageAll">3</span><p>hello'))
    with pytest.raises(TocError, match=r"^other\.html: no issues listed"):
        read_toc("other.html", other.replace(b"<p>hello", b'<p class="articleTop">hello'))
    with pytest.raises(TocError, match=r"^notes\.txt: not a gazette table of contents"):
        read_toc("notes.txt", b"just text")


# --------------------------------------------------------------------------- the top page


def test_top_page(kanpo: Path) -> None:
    read = read_toc("top_page.html", _html(kanpo, "top_page.html"))
    assert read.problems == []
    by_id = {i.ref.issue_id: i for i in read.issues}
    assert len(read.issues) == 187
    assert len(by_id) == 187
    assert read.issues[0].ref.issue_id == "20260303h01657"
    assert read.issues[-1].ref.issue_id == "20251204c00225"
    assert by_id["20260303h01657"].pages == 32
    assert by_id["20260302g00042"].pages == 96
    assert by_id["20260218t00009"].pages == 2
    assert by_id["20251223g00281"].pages == 1696  # six PDF parts
    assert {len(i.entries) for i in read.issues} == {0}
    assert "20260209m01643" not in by_id  # 目録: not a gazette edition we read


def test_top_page_pdf_parts(kanpo: Path) -> None:
    listed = {item.ref.issue_id: item for item in list_top_page(_html(kanpo, "top_page.html"), "top")}
    assert listed["20260119g00010"].pdf_parts == ((1, 320), (321, 360))
    assert listed["20251223g00281"].pdf_parts == (
        (1, 320), (321, 640), (641, 960), (961, 1280), (1281, 1600), (1601, 1696))
    assert listed["20260303c00039"].pdf_parts == ((1, 40),)
    assert len(parse_top_page(_html(kanpo, "top_page.html"), "top")) == 187


# --------------------------------------------------------------------------- a day's Markdown


def test_day_markdown_0714(kanpo: Path) -> None:
    read = read_toc("官報_2025-07-14.md", _md(kanpo, "2025-07-14"))
    assert read.problems == []
    assert [(i.ref.issue_id, i.pages, len(i.entries)) for i in read.issues] == [
        ("20250714h01506", 32, 18), ("20250714g00161", 160, 8), ("20250714c00129", 40, 8)]
    procurement = read.issues[2]
    assert _rows(procurement) == [
        (1, 0, "入札公告", "入札公告"),
        (25, 0, "入札公告", "入札公告（建設工事）"),
        (31, 0, "入札公示", "公募型競争入札方式に係る手続開始の公示（建築のためのサービスその他の技術的サービス（建設工事を除く））"),
        (33, 0, "入札公示", "公募型プロポーザル方式に係る手続開始の公示（建築のためのサービスその他の技術的サービス（建設工事を除く））"),
        (34, 0, "招請", "資料提供招請に関する公表"),
        (35, 0, "招請", "意見招請に関する公示"),
        (36, 0, "随意契約", "随意契約に関する公示"),
        (36, 1, "報告", "政府調達に関する協定を改正する議定書に基づく公表"),
    ]
    honshi = _rows(read.issues[0])
    assert (5, 0, "叙位・叙勲", "叙位・叙勲") in honshi  # `#### [叙位・叙勲](url)`
    assert honshi[-1] == (29, 0, "公告 / 諸事項 / 会社その他", "会社その他")
    assert honshi[13] == (7, 0, "官庁報告 / 法務", "国土調査の成果の認証の公告（国土交通省）")


def test_day_markdown_0711(kanpo: Path) -> None:
    issues = parse_day_markdown(_md(kanpo, "2025-07-11"), "0711.md")
    assert [(i.ref.issue_id, i.pages) for i in issues] == [
        ("20250711h01505", 32), ("20250711g00160", 104), ("20250711c00128", 80)]
    assert _rows(issues[2])[:2] == [(1, 0, "入札公告", "入札公告"), (51, 0, "入札公告", "入札公告（建設工事）")]


def test_day_markdown_bad_lines() -> None:
    md = ("# 官報 2025-07-14\n\n## 目次情報\n\n### 令和7年7月14日（政府調達　第129号）\n\n###### 入札公告\n"
          "- [入札公告](https://www.kanpo.go.jp/20250714/20250714c00129/20250714c001290001f.html)\n"
          "- [ページなし](https://www.kanpo.go.jp/20250714/20250714c00129/index.html)\n"
          "- [別の号](https://www.kanpo.go.jp/20250714/20250714h01506/20250714h015060003f.html)\n").encode()
    read = read_toc("day.md", md)
    assert [(i.ref.issue_id, i.pages, _rows(i)) for i in read.issues] == [
        ("20250714c00129", None, [(1, 0, "入札公告", "入札公告")])]
    assert read.problems == [
        ("day.md: line 9: entry 'ページなし' has no page number in its URL "
         "'https://www.kanpo.go.jp/20250714/20250714c00129/index.html', skipped"),
        "day.md: line 10: entry '別の号' links to issue 20250714h01506, not 20250714c00129, skipped",
    ]
    with pytest.raises(TocError, match=r"^empty\.md: no gazette issue found"):
        read_toc("empty.md", b"# nothing here\n")


# --------------------------------------------------------------------------- merge


def test_merge_the_real_inputs(kanpo: Path, issues_json: bytes) -> None:
    inputs = [
        *read_toc("issues.json", issues_json).issues,
        *read_toc("top_page.html", _html(kanpo, "top_page.html")).issues,
        *read_toc("honshi.html", _html(kanpo, "issue_page_honshi.html")).issues,
    ]
    merged = merge_issues(inputs)
    assert len(merged) == 598  # every issue on the top page is in issues.json too
    honshi = merged["20260303h01657"]
    assert honshi.pages == 32
    assert len(honshi.entries) == 22
    assert honshi.origins == ("issues.json", "top_page.html", "honshi.html")
    assert merged["20260302g00042"].pages == 96
    assert len(merged["20260302g00042"].entries) == 22
    assert merged["20260821h01773"].pages is None  # after the top page's days: nobody knows its length


def test_merge_dedupes_orders_and_renumbers() -> None:
    ref = IssueRef.parse("20250714c00129")

    def entry(page: int, section: str, title: str, ordinal: int = 0) -> TocEntry:
        return TocEntry(ref.issue_id, page, section, title, ordinal)

    a = Issue(ref, None, (entry(25, "入札公告", "B"), entry(1, "入札公告", "A")), ("a.json",))
    b = Issue(ref, 40, (entry(1, "入札公告", "A", 5), entry(1, "招請", "C"), entry(25, "入札公告", "B", 3)),
              ("b.md",))
    c = Issue(IssueRef.parse("20250714h01506"), 32, (), ("top.html",))
    merged = merge_issues([a, c, b])
    assert list(merged) == ["20250714c00129", "20250714h01506"]
    assert merged["20250714c00129"] == Issue(
        ref, 40, (entry(1, "入札公告", "A", 0), entry(1, "招請", "C", 1), entry(25, "入札公告", "B", 0)),
        ("a.json", "b.md"))
    assert merged["20250714h01506"] == c
