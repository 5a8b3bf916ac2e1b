// The research view: the steps as the stream reports them, the draft while sections are written, then
// the report (lead, sections with [n] citations and unsupported sentences marked, conclusion, mind map,
// the numbered sources with their matching passages highlighted, warnings, exports).

import { apiKey, getBlob } from "./api.js";
import {
  badge, clear, externalLink, formatDateTime, formatMs, h, highlighted, messageBox, sectionText,
  citedText, SOURCE_NAMES,
} from "./dom.js";
import { mindmap } from "./mindmap.js";

export const STEP_LABELS = {
  plan: "サブクエリ生成", search: "資料検索", outline: "構成の作成", write: "本文の作成",
  conclude: "結論の作成", mindmap: "マインドマップ作成", save: "保存",
};
const STEP_ORDER = Object.keys(STEP_LABELS);

function refOf(src) {
  return {
    chunk_id: src.chunk_id, source: src.source, label: src.label, url: src.url,
    text: src.text, highlights: src.highlights,
  };
}

/** The [n] resolver of a report: numbers of its sources open them in the side panel. */
export function citesOf(sources, panel) {
  const byN = new Map((sources || []).map((s) => [Number(s.n), s]));
  return {
    has: (n) => byN.has(n),
    label: (n) => (byN.get(n) || {}).label,
    open: (n, el) => { const s = byN.get(n); if (s) panel.open(refOf(s), el); },
  };
}

/** A list of steps: from the stream (`update`) or from a stored report's timings (`fromTimings`). */
export class StepList {
  constructor() {
    this.items = new Map();
    this.list = h("ol", { class: "steps", "aria-label": "処理の手順" });
  }

  update(ev) {
    const key = ev.step || ev.label;
    let li = this.items.get(key);
    if (!li) {
      li = h("li", { class: "step", dataset: { step: key } },
        h("span", { class: "s-icon", "aria-hidden": "true" }),
        h("span", { class: "s-label" }),
        h("span", { class: "s-state" }),
        h("span", { class: "s-ms" }),
        h("span", { class: "s-detail" }));
      this.items.set(key, li);
      this.list.append(li);
    }
    const status = ev.status || "running";
    li.dataset.status = status;
    li.querySelector(".s-label").textContent = ev.label || STEP_LABELS[key] || key;
    li.querySelector(".s-state").textContent = status === "done" ? "完了" : status === "failed" ? "中断" : "実行中";
    li.querySelector(".s-ms").textContent = status === "done" ? formatMs(ev.ms) : "";
    if (ev.detail != null) li.querySelector(".s-detail").textContent = ev.detail;
  }

  failRunning() {
    for (const li of this.items.values()) {
      if (li.dataset.status === "running") this.update({ step: li.dataset.step, label: li.querySelector(".s-label").textContent, status: "failed" });
    }
  }

  static fromTimings(timings) {
    const list = new StepList();
    const keys = Object.keys(timings || {}).filter((k) => k !== "total" && k !== "first_step");
    keys.sort((a, b) => (STEP_ORDER.indexOf(a) + 1 || 99) - (STEP_ORDER.indexOf(b) + 1 || 99));
    for (const k of keys) list.update({ step: k, label: STEP_LABELS[k] || k, status: "done", ms: timings[k] });
    return list;
  }
}

/** One research run fed by the stream's events; renders into the progress and report containers. */
export class ResearchRun {
  constructor(progressEl, reportEl, panel, onReport) {
    this.progressEl = progressEl;
    this.reportEl = reportEl;
    this.panel = panel;
    this.onReport = onReport;
    this.steps = new StepList();
    this.sources = [];
    this.report = null;
    this.draft = null;
    this.failed = false;
  }

  start(question) {
    this.started = performance.now();
    this.state = h("p", { class: "p-state" }, "調査を開始しました…");
    this.subqueriesBox = h("div", { class: "subqueries" });
    this.sourcesBox = h("p", { class: "found" });
    this.box = h("section", { class: "progress running", "aria-labelledby": "progress-title", "aria-busy": "true" },
      h("div", { class: "progress-head" },
        h("h2", { id: "progress-title" }, "調査の進行状況"), this.state),
      h("div", { "aria-live": "polite", class: "progress-live" }, this.steps.list, this.subqueriesBox, this.sourcesBox));
    clear(this.progressEl, this.box);
    clear(this.reportEl);
    this.question = question;
  }

  event(name, data) {
    switch (name) {
      case "step": this.steps.update(data || {}); break;
      case "subqueries": this.showSubqueries((data && data.items) || []); break;
      case "sources":
        this.sources = (data && data.items) || [];
        this.sourcesBox.textContent = `出典候補 ${this.sources.length} 件（${countBySource(this.sources)}）`;
        break;
      case "outline": this.showOutline(data || {}); break;
      case "delta": this.appendDelta(data || {}); break;
      case "section": this.showSection(data || {}); break;
      case "report": case "json": this.finish(data); break;
      case "error": this.fail((data && data.detail) || "調査中にエラーが発生しました。"); break;
      default: break;
    }
  }

  showSubqueries(items) {
    clear(this.subqueriesBox,
      h("h3", {}, `サブクエリ（${items.length}件）`),
      h("ol", { class: "sq-list" }, items.map((q) => h("li", {}, h("span", { class: "sq-text" }, q.text),
        q.why ? h("span", { class: "sq-why" }, ` — ${q.why}`) : null))));
  }

  showOutline(outline) {
    const sections = outline.sections || [];
    this.draftSections = sections.map((s, i) => {
      const body = h("div", { class: "r-text drafting" }, h("span", { class: "placeholder" }, "執筆を待っています…"));
      const el = h("section", { class: "r-section", id: `sec-${i + 1}` },
        h("h3", {}, `${i + 1}. ${s.title}`), body);
      return { el, body, text: "" };
    });
    this.draft = h("article", { class: "report draft", "aria-busy": "true" },
      h("header", { class: "r-head" },
        h("p", { class: "r-kicker" }, "作成中のレポート", outline.question_type ? [" · ", h("span", { class: "qtype" }, outline.question_type)] : null),
        h("h2", { class: "r-question" }, this.question)),
      this.draftSections.map((s) => s.el));
    clear(this.reportEl, this.draft);
  }

  appendDelta({ section, text }) {
    const s = this.draftSections && this.draftSections[section];
    if (!s || !text) return;
    if (!s.text) clear(s.body);
    s.text += text;
    s.body.textContent = s.text;
  }

  showSection({ index, section }) {
    const s = this.draftSections && this.draftSections[index];
    if (!s || !section) return;
    const fresh = renderSection(section, index, citesOf(this.sources, this.panel));
    s.el.replaceWith(fresh);
    s.el = fresh;
  }

  finish(report) {
    if (!report || typeof report !== "object" || !Array.isArray(report.sections)) {
      this.fail("サーバーの応答を読めませんでした。");
      return;
    }
    this.report = report;
    const total = (report.timings_ms && report.timings_ms.total) || performance.now() - this.started;
    this.state.textContent = `完了（${formatMs(total)}）`;
    this.box.classList.remove("running");
    this.box.classList.add("done");
    this.box.setAttribute("aria-busy", "false");
    clear(this.reportEl, renderReport(report, this.panel));
    if (this.onReport) this.onReport(report);
  }

  fail(message) {
    this.failed = true;
    this.steps.failRunning();
    this.state.textContent = "中断しました";
    this.box.classList.remove("running");
    this.box.classList.add("failed");
    this.box.setAttribute("aria-busy", "false");
    this.box.append(messageBox("error", "調査できませんでした", message));
    if (this.draft) this.draft.setAttribute("aria-busy", "false");
  }

  /** The stream ended: without a report or an error event, say so. */
  end() {
    if (!this.report && !this.failed) this.fail("応答が途中で終わりました。もう一度お試しください。");
  }
}

function countBySource(sources) {
  const counts = {};
  for (const s of sources) counts[s.source] = (counts[s.source] || 0) + 1;
  return Object.entries(counts).map(([k, v]) => `${SOURCE_NAMES[k] || k} ${v}`).join("・") || "なし";
}

export function renderSection(section, i, cites) {
  const { frag, unplaced } = sectionText(section.text || "", section.sentences || [], cites);
  const flagged = (section.sentences || []).filter((s) => !s.supported).length;
  return h("section", { class: `r-section${section.generated ? " generated" : " extractive"}`, id: `sec-${i + 1}` },
    h("h3", {}, `${i + 1}. ${section.title}`,
      flagged ? h("span", { class: "sec-flag", title: "出典で裏付けられない文があります" }, `要確認 ${flagged}`) : null),
    h("div", { class: "r-text" }, frag),
    unplaced.length ? h("div", { class: "msg msg-warn" },
      h("strong", {}, "出典で裏付けられない文"),
      h("ul", {}, unplaced.map((s) => h("li", {}, h("span", { class: "unsupported" }, s.text,
        h("span", { class: "flag" }, "要確認")))))) : null,
    (section.sources || []).length ? h("p", { class: "r-sec-sources" }, "この節の出典：",
      section.sources.map((n) => (cites.has(n) ? citedText(`[${n}]`, cites) : `[${n}]`))) : null);
}

/** The whole report as an <article>. */
export function renderReport(report, panel) {
  const cites = citesOf(report.sources, panel);
  const bySource = new Map((report.sources || []).map((s) => [Number(s.n), s]));
  const tree = withSources(report.mindmap, bySource);
  const generated = report.mode === "generated";
  const flaggedCount = (report.sections || []).reduce(
    (n, s) => n + (s.sentences || []).filter((x) => !x.supported).length, 0);
  return h("article", { class: "report", id: "report", dataset: { id: report.id } },
    h("header", { class: "r-head" },
      h("p", { class: "r-kicker" }, "調査レポート",
        report.question_type ? [" · ", h("span", { class: "qtype" }, report.question_type)] : null,
        " · ", h("span", { class: `mode mode-${report.mode}` }, generated ? `生成${report.model ? `（${report.model}）` : ""}` : "抜粋"),
        report.created ? [" · ", h("time", { datetime: report.created }, formatDateTime(report.created))] : null),
      h("h2", { class: "r-question" }, report.question),
      exportBar(report)),
    (report.premise || []).length ? h("div", { class: "msg msg-premise", role: "note" },
      h("strong", {}, "質問の前提について"),
      h("ul", {}, report.premise.map((p) => h("li", {}, citedText(p, cites))))) : null,
    h("p", { class: "r-mode-note" }, generated
      ? `この本文は生成AIが検索資料をもとに作成し、各文を出典と照合したものです。${flaggedCount ? `出典で裏付けられない文（${flaggedCount}件）には「要確認」を付けています。` : ""}`
      : "この本文は検索資料の該当箇所を抜き出して構成したもので、生成AIによる文章は含みません。"),
    (report.warnings || []).length ? h("div", { class: "msg msg-warn", role: "note" },
      h("strong", {}, "注意"), h("ul", {}, report.warnings.map((w) => h("li", {}, w)))) : null,
    report.lead ? h("section", { class: "r-lead", "aria-labelledby": "r-lead-h" },
      h("h3", { id: "r-lead-h" }, "概要"), h("div", { class: "r-text" }, citedText(report.lead, cites))) : null,
    (report.sections || []).length > 1 ? h("nav", { class: "toc", "aria-label": "目次" },
      h("ol", {}, report.sections.map((s, i) => h("li", {}, h("a", { href: `#sec-${i + 1}`,
        onclick: (e) => { e.preventDefault(); const t = document.getElementById(`sec-${i + 1}`); if (t) t.scrollIntoView({ behavior: "smooth" }); },
      }, s.title))))) : null,
    (report.sections || []).map((s, i) => renderSection(s, i, cites)),
    report.conclusion ? h("section", { class: "r-conclusion", "aria-labelledby": "r-concl-h" },
      h("h3", { id: "r-concl-h" }, "結論"), h("div", { class: "r-text" }, citedText(report.conclusion, cites))) : null,
    tree && (tree.children || []).length ? h("section", { class: "r-mindmap", "aria-labelledby": "r-mm-h" },
      h("h3", { id: "r-mm-h" }, "マインドマップ"),
      h("div", { class: "mm-scroll" }, mindmap(tree, (n, el) => cites.open(n, el)))) : null,
    h("section", { class: "r-sources", "aria-labelledby": "r-src-h" },
      h("h3", { id: "r-src-h" }, `出典一覧（${(report.sources || []).length}件）`),
      h("ol", { class: "sources" }, (report.sources || []).map((s) => sourceItem(s, report, panel)))),
    (report.subqueries || []).length ? h("details", { class: "r-subqueries" },
      h("summary", {}, `検索に使ったサブクエリ（${report.subqueries.length}件）`),
      h("ol", {}, report.subqueries.map((q) => h("li", {}, q.text, q.why ? h("span", { class: "sq-why" }, ` — ${q.why}`) : null)))) : null,
    (report.flags || []).length ? h("p", { class: "r-flags" }, "記録された事案：", report.flags.join("、")) : null);
}

function withSources(tree, bySource) {
  if (!tree) return null;
  return {
    label: tree.label,
    children: (tree.children || []).map((sec) => ({
      label: sec.label,
      children: (sec.children || []).map((leaf) => ({ ...leaf, source: (bySource.get(Number(leaf.n)) || {}).source })),
    })),
  };
}

function sourceItem(s, report, panel) {
  const long = Array.from(s.text || "").length > 220;
  const text = h("div", { class: `s-text${long ? " clamp" : ""}` }, highlighted(s.text || "", s.highlights));
  const queries = (s.found_by || []).map((i) => `${Number(i) + 1}`);
  return h("li", { class: "src", id: `src-${s.n}`, dataset: { n: String(s.n), source: s.source } },
    h("div", { class: "s-head" },
      h("span", { class: "s-n" }, `[${s.n}]`), badge(s.source),
      h("button", { type: "button", class: "linkish s-label", onclick: (e) => panel.open(refOf(s), e.currentTarget) }, s.label),
      s.date ? h("span", { class: "s-date" }, s.date) : null,
      externalLink(s.url, "原文", "ext small")),
    s.heading && s.heading !== s.label ? h("p", { class: "s-heading" }, s.heading) : null,
    text,
    long ? h("button", {
      type: "button", class: "more small", "aria-expanded": "false",
      onclick: (e) => {
        const open = text.classList.toggle("clamp");
        e.currentTarget.setAttribute("aria-expanded", String(!open));
        e.currentTarget.textContent = open ? "全文を表示" : "折りたたむ";
      },
    }, "全文を表示") : null,
    queries.length ? h("p", { class: "s-found" }, `サブクエリ ${queries.join("・")} で発見`) : null);
}

function exportBar(report) {
  const id = encodeURIComponent(report.id || "");
  const md = `/research/${id}/markdown`;
  const printPage = `/research/${id}/print`;
  return h("div", { class: "toolbar", role: "group", "aria-label": "書き出し" },
    h("a", {
      class: "button-link", href: md, download: "", id: "export-md",
      onclick: (e) => { if (apiKey()) { e.preventDefault(); downloadWithKey(md, `research-${report.id}.md`).catch(say); } },
    }, "Markdown をダウンロード"),
    h("a", {
      class: "button-link", href: printPage, target: "_blank", rel: "noopener", id: "export-print",
      onclick: (e) => { if (apiKey()) { e.preventDefault(); openWithKey(printPage).catch(say); } },
    }, "印刷用ページ", h("span", { class: "sr-only" }, "（新しいタブで開きます）")),
    h("button", { type: "button", class: "small", onclick: () => window.print() }, "印刷"));
}

function say(err) {
  const status = document.getElementById("status");
  if (status) status.textContent = `書き出せませんでした：${err.message || err}`;
}

async function downloadWithKey(path, name) {
  const blob = await getBlob(path);
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function openWithKey(path) {
  const w = window.open("", "_blank");
  let html;
  try {
    html = await (await getBlob(path)).text();
  } catch (err) {
    if (w) w.close();
    throw err;
  }
  if (!w) throw new Error("新しいタブを開けませんでした（ポップアップがブロックされています）");
  w.document.open();
  w.document.write(html);  // the server's own print page: no script, no outside asset
  w.document.close();
}

/** A stored report shown again (from the history): its steps from timings_ms, then the report. */
export function showStored(report, progressEl, reportEl, panel) {
  const steps = StepList.fromTimings(report.timings_ms);
  const total = report.timings_ms && report.timings_ms.total;
  clear(progressEl, h("section", { class: "progress done stored", "aria-labelledby": "progress-title" },
    h("div", { class: "progress-head" }, h("h2", { id: "progress-title" }, "保存された調査"),
      h("p", { class: "p-state" }, `${formatDateTime(report.created)}${total ? ` · 処理時間 ${formatMs(total)}` : ""}`)),
    steps.list));
  clear(reportEl, renderReport(report, panel));
}
