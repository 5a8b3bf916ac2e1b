"""The research UI in a real browser against a real server: research with its steps as they stream,
citations opening their source (a law among its neighbouring articles, a speech with its question and
answer, a gazette entry on its page), the history and its exports, search, ask, the keyboard, the API key,
and the marks of a generated report's unsupported sentences.

Screenshots (1366×768) go to GOVRAG_SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, Route, expect

from tests.api.server import server_process
from tests.browser.conftest import VIEWPORT

PRIVACY = "個人情報の第三者提供の要件は"
DEFENCE = "防衛力の強化について石破総理はどう答弁したか"
LEASE = "借地権の存続期間は何年か"
STEPS = ["plan", "search", "outline", "write", "conclude", "mindmap", "save"]

# Every data-status change of a step and the moment the report is put in the page, in the order they
# happened (a record's new value is the next record's old value on the same element).
RECORD = """() => {
  window.__events = [];
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes" && r.target.matches("li.step")) {
        window.__events.push({ step: r.target.dataset.step, old: r.oldValue, el: r.target });
      } else if (r.type === "childList") {
        for (const n of r.addedNodes) if (n.nodeType === 1 && n.id === "report") window.__events.push({ report: true });
      }
    }
  }).observe(document.getElementById("main"), { subtree: true, childList: true, attributes: true,
                                                 attributeOldValue: true, attributeFilter: ["data-status"] });
}"""
TIMELINE = """() => {
  const ev = window.__events, out = [];
  ev.forEach((e, i) => {
    if (e.report) { out.push("report"); return; }
    const next = ev.slice(i + 1).find((f) => f.el === e.el);
    out.push(`${e.step}:${next ? next.old : e.el.dataset.status}`);
  });
  return out.filter((x, i) => x !== out[i - 1]);
}"""
# Pairs of mind-map boxes that overlap (should be none).
OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll("svg.mindmap rect")].map((r) => r.getBBox());
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) hits.push([i, j]);
  }
  return hits;
}"""


def shot(page: Page, shots: Path, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(shots / name), full_page=full_page)


def research(page: Page, base_url: str, question: str) -> dict[str, Any]:
    """Run a research from the 調査 view; return the report as the server stored it."""
    page.get_by_label("調査したい質問").fill(question)
    page.get_by_role("button", name="調査する").click()
    report = page.locator("#report")
    expect(report.locator(".r-question")).to_have_text(question)
    report_id = report.get_attribute("data-id")
    assert report_id
    r = httpx.get(f"{base_url}/research/{report_id}")
    assert r.status_code == 200
    return r.json()


def document(base_url: str, chunk_id: str) -> dict[str, Any]:
    r = httpx.get(f"{base_url}/documents/{chunk_id}", params={"neighbours": 2})
    assert r.status_code == 200
    return r.json()


def section_cite(page: Page, n: int) -> Any:
    return page.locator(f"#report .r-section .cite[data-n='{n}']").first


def test_research_shows_each_step_as_it_happens_then_the_report(page: Page, base_url: str, shots: Path) -> None:
    page.goto("/")
    expect(page.get_by_role("note").first).to_contain_text("必ず出典の原文を確認してください")
    expect(page.get_by_role("button", name="調査", exact=True)).to_have_attribute("aria-current", "page")
    page.evaluate(RECORD)
    report = research(page, base_url, PRIVACY)

    timeline = page.evaluate(TIMELINE)
    started = [t.split(":")[0] for t in timeline if t.endswith(":running")]
    assert started == STEPS, timeline
    for step in STEPS:
        assert timeline.index(f"{step}:running") < timeline.index(f"{step}:done") < timeline.index("report"), timeline
    for before, after in itertools.pairwise(STEPS):
        assert timeline.index(f"{before}:done") < timeline.index(f"{after}:running"), timeline

    steps = page.locator("#research-progress li.step")
    expect(steps).to_have_count(len(STEPS))
    expect(steps.first.locator(".s-label")).to_have_text("サブクエリ生成")
    for i in range(len(STEPS)):
        expect(steps.nth(i)).to_have_attribute("data-status", "done")
        expect(steps.nth(i).locator(".s-state")).to_have_text("完了")
        expect(steps.nth(i).locator(".s-ms")).to_have_text(re.compile(r"^\d+ ms$|^\d+\.\d 秒$"))
    expect(page.locator("#research-progress .p-state")).to_contain_text("完了")

    view = page.locator("#report")
    expect(view.locator(".r-lead")).to_contain_text(report["lead"][:40])
    expect(view.locator(".r-section")).to_have_count(len(report["sections"]))
    for i, section in enumerate(report["sections"]):
        expect(view.locator(".r-section h3").nth(i)).to_contain_text(section["title"])
        cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", section["text"])})
        assert cited, section["text"][:200]
        expect(view.locator(".r-section").nth(i).locator(".r-text .cite")).to_have_count(
            len(re.findall(r"\[(\d+)\]", section["text"])))
    expect(view.locator(".r-conclusion")).to_contain_text(report["conclusion"].split("\n")[0][:30])
    sources = view.locator(".r-sources li.src")
    expect(sources).to_have_count(len(report["sources"]))
    first = report["sources"][0]
    expect(sources.first.locator(".s-label")).to_have_text(first["label"])
    start, end = first["highlights"][0]
    expect(sources.first.locator("mark").first).to_be_visible()
    assert sources.first.locator("mark").first.text_content() == "".join(list(first["text"])[start:end])

    leaves = [leaf for section in report["mindmap"]["children"] for leaf in section["children"]]
    mindmap = view.locator("svg.mindmap")
    expect(mindmap).to_be_visible()
    expect(mindmap.locator(".mm-section")).to_have_count(len(report["mindmap"]["children"]))
    expect(mindmap.locator(".mm-leaf")).to_have_count(len(leaves))
    expect(mindmap.locator(".mm-root title")).to_have_text(PRIVACY)
    assert page.evaluate(OVERLAPS) == []
    expect(page.locator("#main")).not_to_contain_text("undefined")
    expect(page.locator("#research-report > *")).to_have_count(1)
    shot(page, shots, "research-report.png")
    view.locator(".r-mindmap").screenshot(path=str(shots / "mindmap.png"))

    # A leaf of the mind map opens its source too.
    mindmap.locator(f".mm-leaf[data-n='{leaves[0]['n']}']").click()
    expect(page.locator("#panel-title")).to_have_text(report["sources"][leaves[0]["n"] - 1]["label"])


def test_a_law_citation_shows_the_provision_among_its_neighbouring_articles(page: Page, base_url: str,
                                                                            shots: Path) -> None:
    page.goto("/")
    report = research(page, base_url, PRIVACY)
    law = next(s for s in report["sources"] if s["source"] == "law")
    doc = document(base_url, law["chunk_id"])
    assert doc["before"] and doc["after"] and doc["linked_from"]

    cite = section_cite(page, law["n"])
    cite.click()
    panel = page.get_by_role("dialog")
    expect(panel).to_be_visible()
    expect(panel.locator("#panel-title")).to_have_text(law["label"])
    units = panel.locator("ol.units > li.unit")
    expect(units).to_have_count(len(doc["before"]) + 1 + len(doc["after"]))
    cited = units.nth(len(doc["before"]))
    expect(cited).to_have_class(re.compile(r"\bcited\b"))
    expect(cited.locator(".tag")).to_have_text("引用箇所")
    expect(cited.locator(".u-text")).to_contain_text(doc["chunk"]["text"][:60])
    expect(cited.locator("mark").first).to_be_visible()
    expect(cited).to_be_in_viewport()
    for i, unit in enumerate(doc["before"] + [None] + doc["after"]):
        if unit is not None:
            expect(units.nth(i).locator(".u-text")).to_contain_text(unit["text"][:40])
    link = panel.get_by_role("link", name="原文を開く")
    expect(link).to_have_attribute("href", law["url"])
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile("noopener"))
    expect(panel.get_by_role("link", name=re.compile("e-Gov"))).to_have_attribute("href", law["url"])
    expect(panel.locator(".p-related")).to_contain_text(doc["linked_from"][0]["label"])
    shot(page, shots, "citation-panel.png", full_page=False)

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(cite).to_be_focused()


def test_a_speech_shows_its_speaker_and_question_answer_pair_and_a_gazette_entry_its_page(
        page: Page, base_url: str, shots: Path) -> None:
    page.goto("/")
    report = research(page, base_url, DEFENCE)
    speech = next(s for s in report["sources"] if s["source"] == "diet" and "石破茂" in s["label"])
    doc = document(base_url, speech["chunk_id"])
    attrs = doc["chunk"]["attrs"]
    assert attrs["answers"] and doc["linked"], "the cited answer should carry the question it answers"
    question = doc["linked"][0]

    section_cite(page, speech["n"]).click()
    panel = page.get_by_role("dialog")
    facts = panel.locator("dl.facts")
    expect(facts).to_contain_text(f"{attrs['speaker']}（{attrs['speaker_position']}）")
    expect(facts).to_contain_text(attrs["date"])
    expect(facts).to_contain_text(f"{attrs['house']} {attrs['meeting']}")
    expect(facts).to_contain_text(f"第{attrs['session']}回国会")
    expect(panel.locator(".unit.cited .u-text")).to_contain_text(doc["chunk"]["text"][:60])
    pair = panel.locator(".p-pair")
    expect(pair.locator("h3")).to_have_text("この答弁が答えた質問")
    expect(pair).to_contain_text(question["attrs"]["speaker"])
    expect(pair).to_contain_text(question["text"][:40])
    expect(panel.get_by_role("link", name="原文を開く")).to_have_attribute(
        "href", re.compile(r"^https://kokkai\.ndl\.go\.jp/"))
    shot(page, shots, "diet-speech.png", full_page=False)

    # The question, and back to the answer.
    pair.get_by_role("button", name="この発言を表示").first.click()
    expect(panel.locator("#panel-title")).to_have_text(question["label"])
    expect(panel.locator(".p-pair h3")).to_have_text("この質問への答弁")
    expect(panel.locator(".p-pair")).to_contain_text(attrs["speaker"])
    panel.get_by_role("button", name="← 戻る").click()
    expect(panel.locator("#panel-title")).to_have_text(speech["label"])
    page.get_by_role("button", name="出典の表示を閉じる（Esc）").click()
    expect(panel).to_be_hidden()

    # A gazette entry, found by the search view limited to the gazette.
    page.get_by_role("button", name="検索", exact=True).click()
    page.get_by_role("checkbox", name="官報").check()
    page.get_by_label("検索する語句・質問").fill("東京拘置所 X線検査装置 入札公告")
    with page.expect_request("**/search") as sent:
        page.get_by_role("button", name="検索する").click()
    assert sent.value.post_data_json["filters"] == {"source": ["gazette"]}
    hits = page.locator("li.hit")
    expect(hits.first).to_be_visible()
    assert hits.count() > 1
    assert set(hits.evaluate_all("els => els.map(e => e.dataset.source)")) == {"gazette"}
    hits.first.locator(".h-label").click()
    first_id = httpx.post(f"{base_url}/search", json={"query": "東京拘置所 X線検査装置 入札公告", "k": 20,
                                                      "filters": {"source": ["gazette"]}}).json()["hits"][0]["chunk_id"]
    entry = document(base_url, first_id)
    a = entry["chunk"]["attrs"]
    expect(panel.locator("#panel-title")).to_have_text(entry["chunk"]["label"])
    facts = panel.locator("dl.facts")
    expect(facts).to_contain_text(a["cited"])
    expect(facts).to_contain_text(f"{a['page']}頁")
    expect(facts).to_contain_text(entry["chunk"]["doc_title"])
    expect(panel.get_by_role("link", name="紙面を開く")).to_have_attribute("href", a["page_url"])
    expect(panel.locator(".unit.cited .u-text")).to_contain_text(entry["chunk"]["text"][:40])
    around = panel.locator("ol.units > li.unit")
    expect(around).to_have_count(len(entry["before"]) + len(entry["after"]))
    for i, unit in enumerate(entry["before"] + entry["after"]):
        expect(around.nth(i).locator(".tag")).to_have_text("前" if i < len(entry["before"]) else "後")
        expect(around.nth(i)).to_contain_text(unit["text"][:30])
    shot(page, shots, "gazette-page.png", full_page=False)


def test_the_history_reopens_a_report_exports_it_and_deletes_it(page: Page, base_url: str, shots: Path) -> None:
    made = httpx.post(f"{base_url}/research", json={"question": LEASE, "stream": False}, timeout=30)
    assert made.status_code == 200
    report = made.json()
    page.goto("/")
    page.get_by_role("button", name="履歴", exact=True).click()
    item = page.locator(f"li.hist[data-id='{report['id']}']")
    expect(item.get_by_role("button", name=LEASE, exact=True)).to_be_visible()
    expect(item.locator(".hist-meta")).to_contain_text(f"出典 {len(report['sources'])} 件")
    expect(item.locator(".hist-meta")).to_contain_text(f"{len(report['sections'])} 節")
    expect(item.locator(".hist-meta")).to_contain_text(report["question_type"])
    expect(page.get_by_label("調査したい質問")).to_be_hidden()
    shot(page, shots, "history.png")

    item.get_by_role("button", name=LEASE, exact=True).click()
    view = page.locator("#report")
    expect(view).to_have_attribute("data-id", report["id"])
    expect(view.locator(".r-question")).to_have_text(LEASE)
    expect(view.locator(".r-sources li.src")).to_have_count(len(report["sources"]))
    expect(page.locator("#research-progress li.step[data-status='done']")).to_have_count(len(STEPS))
    assert page.url.endswith(f"#/research/{report['id']}")

    with page.expect_download() as download:
        page.get_by_role("link", name="Markdown をダウンロード").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(".md")
    assert LEASE in markdown
    for source in report["sources"]:
        assert f"[{source['n']}]" in markdown
    assert report["sources"][0]["label"] in markdown

    with page.context.expect_page() as opened:
        page.get_by_role("link", name=re.compile("印刷用ページ")).click()
    printable = opened.value
    printable.wait_for_load_state()
    assert printable.url.endswith(f"/research/{report['id']}/print")
    expect(printable.locator("body")).to_contain_text(LEASE)
    expect(printable.locator("body")).to_contain_text(report["sources"][0]["label"])
    printable.set_viewport_size({"width": 1366, "height": 768})
    shot(printable, shots, "print.png")
    printable.close()

    # Print CSS: the form, the tabs and the exports are not printed; the report and the notice are.
    page.emulate_media(media="print")
    expect(page.locator("#query-form")).to_be_hidden()
    expect(page.locator("nav.tabs")).to_be_hidden()
    expect(page.locator("#report .toolbar")).to_be_hidden()
    expect(page.locator("#report .r-question")).to_be_visible()
    expect(page.get_by_role("note").first).to_be_visible()
    page.emulate_media(media="screen")

    page.get_by_role("button", name="履歴", exact=True).click()
    item = page.locator(f"li.hist[data-id='{report['id']}']")
    item.get_by_role("button", name=f"「{LEASE}」の調査を削除").click()
    item.get_by_role("button", name="削除する").click()
    expect(item).to_have_count(0)
    assert httpx.get(f"{base_url}/research/{report['id']}").status_code == 404


def test_search_and_ask_views(page: Page, base_url: str, shots: Path) -> None:
    page.goto("/#/search")
    query = "他人の物を壊したときの賠償"
    page.get_by_label("検索する語句・質問").fill(query)
    page.get_by_role("button", name="検索する").click()
    expected = httpx.post(f"{base_url}/search", json={"query": query, "k": 20}).json()["hits"]
    hits = page.locator("li.hit")
    expect(hits).to_have_count(len(expected))
    for i in range(3):
        expect(hits.nth(i).locator(".h-label")).to_have_text(expected[i]["label"])
        expect(hits.nth(i).locator(".badge")).to_have_text({"law": "法令", "diet": "国会", "gazette": "官報"}[expected[i]["source"]])
        expect(hits.nth(i).locator(".h-text")).to_contain_text(expected[i]["text"][:30])
    expect(page.locator("#search-results")).not_to_contain_text("null")
    shot(page, shots, "search.png")
    hits.nth(1).locator(".h-text").click()  # the card itself opens the panel
    expect(page.locator("#panel-title")).to_have_text(expected[1]["label"])
    expect(page.locator("#panel .unit.cited .u-text")).to_contain_text(expected[1]["text"][:40])
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_hidden()

    # The law-name field narrows the search to that law (sent as the law's id: the server has no law_title).
    sent: list[dict[str, Any]] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/search") else None)
    page.get_by_label("法令名").fill("個人情報保護法")
    page.get_by_role("button", name="検索する").click()
    expect(page.locator("#law-resolved")).to_contain_text("個人情報の保護に関する法律")
    expect(page.locator("li.hit").first).to_be_visible()
    assert sent[-1]["filters"] == {"law_id": ["415AC0000000057"]}, sent
    labels = page.locator("li.hit .h-label").all_text_contents()
    assert labels and all(label.startswith("個人情報の保護に関する法律") for label in labels), labels
    page.get_by_label("法令名").fill("")

    # A date range: only dated units (speeches, gazette entries) of those days.
    page.get_by_label("開始日").fill("2025-03-01")
    page.get_by_label("終了日").fill("2025-03-31")
    page.get_by_label("検索する語句・質問").fill("防衛費")
    page.get_by_role("button", name="検索する").click()
    expect(page.locator("#search-results .view-title")).to_contain_text("「防衛費」")
    assert sent[-1] == {"query": "防衛費", "k": 20, "filters": {"date_from": "2025-03-01", "date_to": "2025-03-31"}}
    expect(page.locator("li.hit").first).to_be_visible()
    assert set(page.locator("li.hit").evaluate_all("els => els.map(e => e.dataset.source)")) == {"diet"}
    days = [re.search(r"\d{4}-\d{2}-\d{2}", label) for label in page.locator("li.hit .h-label").all_text_contents()]
    assert all(d and "2025-03-01" <= d.group() <= "2025-03-31" for d in days), days
    page.get_by_label("開始日").fill("")
    page.get_by_label("終了日").fill("")

    page.get_by_role("button", name="質問", exact=True).click()
    page.get_by_role("textbox", name="質問", exact=True).fill(LEASE)
    page.get_by_role("button", name="質問する").click()
    answer = page.locator("article.answer[aria-busy='false']")
    expect(answer.locator(".r-question")).to_have_text(LEASE)
    expected_answer = httpx.post(f"{base_url}/ask", json={"query": LEASE}).json()
    cites = answer.locator(".a-text .cite")
    expect(cites.first).to_be_visible()
    expect(cites).to_have_count(len(re.findall(r"\[\d+\]", expected_answer["answer"])))
    expect(answer.locator(".a-text")).to_contain_text("借地借家法 第三条")
    expect(answer.locator(".r-sources li.src")).to_have_count(len(expected_answer["citations"]))
    shot(page, shots, "ask.png")
    cites.first.click()
    first = expected_answer["citations"][0]
    expect(page.locator("#panel-title")).to_have_text(first["label"])
    expect(page.locator("#panel .unit.cited .u-text")).to_contain_text(first["quote"][:30])


def test_keyboard_only_research_and_panel(page: Page) -> None:
    page.goto("/")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "question":
            break
    expect(page.get_by_label("調査したい質問")).to_be_focused()
    page.keyboard.type(PRIVACY)
    page.keyboard.press("Enter")
    expect(page.locator("#report .r-question")).to_have_text(PRIVACY)
    expect(page.locator("#status")).to_contain_text("調査が完了しました")

    cite = page.locator("#report .r-section .cite").first
    cite.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog")
    expect(panel).to_be_visible()
    expect(page.locator("#panel-title")).to_be_focused()
    expect(panel.locator(".unit.cited")).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(cite).to_be_focused()

    # Shift+Enter is a new line, not a submission.
    page.get_by_label("調査したい質問").focus()
    page.keyboard.press("Shift+Enter")
    expect(page.get_by_label("調査したい質問")).to_have_value(PRIVACY + "\n")


def test_the_api_key_is_sent_and_a_401_asks_for_one(page: Page) -> None:
    seen: list[str | None] = []

    def guard(route: Route) -> None:
        key = route.request.headers.get("x-api-key")
        seen.append(key)
        if key != "team-a-secret":
            route.fulfill(status=401, content_type="application/json",
                          body=json.dumps({"detail": "an API key is required"}))
        else:
            route.continue_()

    page.route("**/search", guard)
    page.goto("/#/search")
    page.get_by_label("検索する語句・質問").fill("防衛費")
    page.get_by_role("button", name="検索する").click()
    expect(page.locator("#search-results .msg-error")).to_contain_text("APIキーが必要です")
    expect(page.get_by_label("APIキー（このタブを閉じるまで保存）")).to_be_focused()
    page.get_by_label("APIキー（このタブを閉じるまで保存）").fill("team-a-secret")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#key-state")).to_have_text("設定済み")
    assert page.evaluate("sessionStorage.getItem('govrag.apiKey')") == "team-a-secret"
    page.get_by_role("button", name="検索する").click()
    expect(page.locator("li.hit").first).to_be_visible()
    assert seen == [None, "team-a-secret"]


def _sse(*events: tuple[str, Any]) -> str:
    return "".join(f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n" for name, data in events)


def test_a_generated_report_streams_its_sections_and_marks_unsupported_sentences(page: Page, base_url: str,
                                                                                shots: Path) -> None:
    """The extractive sample has no model, so the stream of a generated report is scripted here, in the
    contract's shape, around a real report's sources (the side panel still reads the real server)."""
    real = httpx.post(f"{base_url}/research", json={"question": PRIVACY, "stream": False}, timeout=30).json()
    ok = "個人データの第三者提供には、原則として本人の同意が必要です[1]。"
    bad = "この同意は書面で得なければなりません[1]。"
    text = ok + bad
    section = {"title": "第三者提供の原則", "sources": [1], "text": text, "generated": True, "sentences": [
        {"text": ok, "cites": [1], "supported": True, "support": 0.9, "problems": []},
        {"text": bad, "cites": [1], "supported": False, "support": 0.2, "problems": ["「書面」は出典にない"]}]}
    report = dict(real, mode="generated", model="scripted-model", sections=[section], premise=[],
                  lead="第三者提供の要件を整理します[1]。", conclusion="本人の同意が原則です[1]。",
                  mindmap={"label": PRIVACY, "children": [{"label": "第三者提供の原則", "children": [
                      {"label": real["sources"][0]["label"], "n": 1}]}]},
                  warnings=["生成された文のうち1文は出典で裏付けられていません。"])
    body = _sse(
        ("step", {"step": "plan", "label": "サブクエリ生成", "status": "running", "ms": None, "detail": ""}),
        ("step", {"step": "plan", "label": "サブクエリ生成", "status": "done", "ms": 3, "detail": "1件"}),
        ("subqueries", {"items": [{"text": PRIVACY, "why": "質問そのもの"}]}),
        ("sources", {"items": real["sources"]}),
        ("outline", {"question_type": real["question_type"], "sections": [{"title": "第三者提供の原則", "sources": [1]}]}),
        ("step", {"step": "write", "label": "本文の作成", "status": "running", "ms": None, "detail": ""}),
        *(("delta", {"section": 0, "text": piece}) for piece in (ok[:10], ok[10:], bad)),
        ("section", {"index": 0, "section": section}),
        ("step", {"step": "write", "label": "本文の作成", "status": "done", "ms": 1200, "detail": "1節"}),
        ("report", report))
    page.route("**/research", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/event-stream; charset=utf-8"}, body=body.encode("utf-8")))
    page.goto("/")
    page.evaluate("""() => {
      window.__drafts = [];  // the text of the section being written, each time it changed
      new MutationObserver((records) => {
        for (const r of records) {
          if (!(r.target.classList && r.target.classList.contains("drafting"))) continue;
          for (const n of r.addedNodes) if (n.nodeType === 3) window.__drafts.push(n.data);
        }
      }).observe(document.getElementById("main"), { subtree: true, childList: true });
    }""")
    page.get_by_label("調査したい質問").fill(PRIVACY)
    page.get_by_role("button", name="調査する").click()
    view = page.locator("#report")
    expect(view.locator(".r-question")).to_have_text(PRIVACY)
    drafts = page.evaluate("window.__drafts")
    assert drafts == [ok[:10], ok, text], drafts  # each delta was appended as it came
    expect(view.locator(".mode")).to_have_text("生成（scripted-model）")
    flagged = view.locator(".r-section .unsupported")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("この同意は書面で得なければなりません")
    expect(flagged.locator(".flag")).to_contain_text("要確認")
    expect(flagged).to_have_attribute("title", re.compile("出典で裏付けられない文"))
    expect(flagged).to_have_attribute("title", re.compile("「書面」は出典にない"))
    expect(view.locator(".r-section .r-text")).to_contain_text(ok)
    assert view.locator(".r-section .r-text").evaluate(
        "el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.includes('本人の同意が必要です'))")
    expect(view.locator(".sec-flag")).to_have_text("要確認 1")
    expect(view.locator(".msg-warn")).to_contain_text("1文は出典で裏付けられていません")
    expect(page.locator("#research-progress li.step[data-step='write']")).to_have_attribute("data-status", "done")
    expect(page.locator("#research-progress li.step[data-step='write'] .s-ms")).to_have_text("1.2 秒")
    view.locator(".r-section").first.scroll_into_view_if_needed()
    shot(page, shots, "research-generated.png", full_page=False)
    flagged.locator(".cite").click()
    expect(page.locator("#panel-title")).to_have_text(real["sources"][0]["label"])


def test_ask_streams_the_model_s_words_then_the_verified_answer(page: Page, base_url: str, shots: Path) -> None:
    """A generated answer (scripted: the sample server has no model): the deltas show as they come, then
    the `answer` event replaces them, its [n] open the real sources, its unsupported sentence is marked."""
    real = httpx.post(f"{base_url}/ask", json={"query": LEASE}).json()
    ok = "借地権の存続期間は三十年です。[1]"
    bad = "更新後は必ず五十年になります。[1]"
    answer = dict(real, answer=ok + bad, mode="generated", model="scripted-model", flags=["verification_failed"],
                  verification={"passed": False, "policy": "warn", "grounded": True, "sentences": [
                      {"text": ok, "cites": [1], "support": 1.0, "supported": True, "problems": []},
                      {"text": bad, "cites": [1], "support": 0.1, "supported": False, "problems": ["「五十年」は出典にない"]}],
                      "unknown_markers": [], "forged_quotes": [], "unknown_names": [], "missing_provisions": [],
                      "outside": [], "uncorrected_premise": []})
    pieces = [ok[:8], ok[8:], bad]
    body = _sse(*(("delta", {"text": p}) for p in pieces), ("answer", answer))
    page.route("**/ask", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/event-stream"}, body=body.encode("utf-8")))
    page.goto("/#/ask")
    page.evaluate("""() => {
      window.__streamed = [];
      new MutationObserver((records) => {
        for (const r of records) {
          if (!(r.target.classList && r.target.classList.contains("streaming"))) continue;
          for (const n of r.addedNodes) if (n.nodeType === 3) window.__streamed.push(n.data);
        }
      }).observe(document.getElementById("main"), { subtree: true, childList: true });
    }""")
    page.get_by_role("textbox", name="質問", exact=True).fill(LEASE)
    page.get_by_role("button", name="質問する").click()
    done = page.locator("article.answer[aria-busy='false']")
    expect(done.locator(".mode")).to_have_text("生成（scripted-model）")
    assert page.evaluate("window.__streamed") == [pieces[0], pieces[0] + pieces[1], ok + bad]
    expect(done.locator(".a-text")).to_contain_text("借地権の存続期間は三十年です。")
    flagged = done.locator(".a-text .unsupported")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("更新後は必ず五十年になります。")
    expect(flagged.locator(".flag")).to_contain_text("要確認")
    expect(done.locator(".msg-warn")).to_contain_text("検証で問題が見つかりました")
    expect(done.locator(".r-flags")).to_contain_text("出典との照合で不合格")
    expect(done.locator(".a-text .cite")).to_have_count(2)
    shot(page, shots, "ask-generated.png")
    done.locator(".a-text .cite").first.click()
    expect(page.locator("#panel-title")).to_have_text(real["citations"][0]["label"])


def test_the_page_says_how_far_the_background_build_is_and_what_answers_meanwhile(
        browser: Any, sample_index: Path, tmp_path: Path, shots: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample_index, data)
    with server_process(data, timeout_s=120, args=["--build-dense-laws", "民法"]) as (base, _):
        context = browser.new_context(viewport=VIEWPORT, base_url=base, locale="ja-JP")
        try:
            page = context.new_page()
            page.goto("/")
            line = page.locator("#layers")
            expect(line).to_be_visible()
            expect(line).to_contain_text("検索の強化を背景で構築中")
            expect(line).to_contain_text(re.compile(r"条文の意味ベクトル：(準備中|[\d,]+ / [\d,]+件（\d+%）)"))
            expect(line).to_contain_text("完了までは語句検索（BM25・言い換え辞書）で回答します")
            shot(page, shots, "background-build.png")
        finally:
            context.close()

    # Without a background build the line stays hidden.
    with server_process(data, timeout_s=120) as (base, _):
        context = browser.new_context(viewport=VIEWPORT, base_url=base, locale="ja-JP")
        try:
            page = context.new_page()
            page.goto("/")
            expect(page.locator("#question")).to_be_visible()
            page.wait_for_load_state("networkidle")
            expect(page.locator("#layers")).to_be_hidden()
        finally:
            context.close()
