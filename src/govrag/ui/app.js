// govrag's research UI: 調査 (POST /research, streamed), 検索 (POST /search), 質問 (POST /ask, streamed)
// and 履歴 (GET /research). One question form serves the first three; citations open the side panel.

import {
  ApiError, apiKey, del, filterSchema, getJSON, postJSON, postSSE, setApiKey,
} from "./api.js";
import {
  badge, clampIf, clear, externalLink, formatDateTime, h, messageBox, sectionText,
} from "./dom.js";
import { Panel } from "./panel.js";
import { ResearchRun, showStored } from "./report.js";

const $ = (id) => document.getElementById(id);

const VIEWS = {
  research: { label: "調査したい質問", submit: "調査する", placeholder: "例：個人情報の第三者提供の要件は" },
  search: { label: "検索する語句・質問", submit: "検索する", placeholder: "例：防衛費 石破総理" },
  ask: { label: "質問", submit: "質問する", placeholder: "例：借地権の存続期間は何年か" },
  history: null,
};

const panel = new Panel();
const state = { view: "research", controller: null, report: null, lawCache: new Map() };

// ---- views -------------------------------------------------------------------------------------

function showView(name, { focus = false, push = true } = {}) {
  if (!(name in VIEWS)) name = "research";
  state.view = name;
  for (const tab of document.querySelectorAll(".tab")) {
    if (tab.dataset.view === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  for (const v of Object.keys(VIEWS)) $(`view-${v}`).hidden = v !== name;
  const conf = VIEWS[name];
  $("query-form").hidden = !conf;
  if (conf) {
    $("question-label").textContent = conf.label;
    $("submit").textContent = conf.submit;
    $("question").placeholder = conf.placeholder;
    $("conf-group").hidden = name === "search";
  }
  if (push) {
    const hash = name === "research" && state.report ? `#/research/${state.report.id}` : `#/${name}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }
  if (name === "history") loadHistory();
  if (focus) (conf ? $("question") : $("h-history")).focus();
}

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => showView(tab.dataset.view));
}

function setStatus(text) {
  $("status").textContent = text || "";
}

function showError(container, err, title = "エラー") {
  if (err instanceof ApiError && err.status === 401) openKeyBox();
  clear(container, messageBox("error", title, err.message || String(err)));
  setStatus(err.message || String(err));
}

// ---- the API key ---------------------------------------------------------------------------------

function refreshKeyState() {
  $("key-state").textContent = apiKey() ? "設定済み" : "未設定";
  $("key-state").classList.toggle("set", Boolean(apiKey()));
}

function openKeyBox() {
  $("key-box").open = true;
  $("api-key").focus();
}

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  setApiKey($("api-key").value.trim());
  $("api-key").value = "";
  refreshKeyState();
  $("key-box").open = false;
  setStatus(apiKey() ? "APIキーを保存しました（このタブを閉じると消えます）。" : "APIキーを消去しました。");
});
$("key-clear").addEventListener("click", () => {
  setApiKey("");
  $("api-key").value = "";
  refreshKeyState();
  setStatus("APIキーを消去しました。");
});

// ---- the question form ---------------------------------------------------------------------------

const form = $("query-form");
const question = $("question");

question.addEventListener("keydown", (e) => {
  // Enter sends; Shift+Enter is a new line; Enter that confirms an IME conversion does neither.
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
    e.preventDefault();
    form.requestSubmit();
  }
});

async function applySchema() {
  const schema = await filterSchema();
  for (const id of ["date-from", "date-to"]) {
    const prop = schema[id.replace("-", "_")];
    const usable = prop && !(prop.type === "null");
    $(id).disabled = !usable && Object.keys(schema).length > 0;
    if ($(id).disabled) $(id).title = "このサーバーの資料には日付がないため、期間は指定できません。";
  }
}

/** The law-name field as a filter the server accepts: law_title where it has one, else the law's id. */
async function lawFilter(name, schema) {
  if ("law_title" in schema) {
    const p = schema.law_title;
    return { filters: { law_title: p.type === "array" ? [name] : name }, note: "" };
  }
  if (!("law_id" in schema)) return { error: "このサーバーは法令名での絞り込みに対応していません。" };
  if (/^\d{3}[A-Z]{2,}\d{6,}$/.test(name)) return { filters: { law_id: [name] }, note: `法令ID ${name} に限定` };
  if (state.lawCache.has(name)) return state.lawCache.get(name);
  const r = await postJSON("/search", { query: name, k: 10, filters: { source: ["law"] } });
  const hits = r.hits || [];
  let hit = hits.find((x) => x.doc_title === name);
  if (!hit) {
    const ids = [...(r.scoped_to || []), ...(r.routed_to || [])];
    if (ids.length) hit = hits.find((x) => x.doc_id === ids[0]);
  }
  let out;
  if (hit) {
    out = { filters: { law_id: [hit.doc_id] }, note: `法令名「${name}」→ ${hit.doc_title} に限定` };
  } else if ([...(r.not_stored || []), ...(r.unknown_laws || [])].length) {
    out = { error: `法令名「${name}」の法令は収録されていません。` };
  } else {
    out = { error: `法令名「${name}」に一致する法令が見つかりません。正式名称または略称で入力してください。` };
  }
  state.lawCache.set(name, out);
  return out;
}

/** The filters of the form, only those that are set and that the server accepts. */
async function readFilters() {
  const schema = await filterSchema();
  const known = (name) => Object.keys(schema).length === 0 || name in schema;
  const filters = {};
  const sources = [...form.querySelectorAll('input[name="source"]:checked')].map((x) => x.value);
  if (sources.length && known("source")) filters.source = sources;
  for (const [id, key] of [["date-from", "date_from"], ["date-to", "date_to"]]) {
    const v = $(id).value;
    if (v && !$(id).disabled && known(key)) filters[key] = v;
  }
  const name = $("law-title").value.trim();
  $("law-resolved").textContent = "";
  if (name) {
    const law = await lawFilter(name, schema);
    if (law.error) throw new ApiError(422, law.error);
    Object.assign(filters, law.filters);
    $("law-resolved").textContent = law.note;
  }
  return filters;
}

function busy(on) {
  $("submit").disabled = on;
  $("cancel").hidden = !on;
  form.setAttribute("aria-busy", String(on));
}

$("cancel").addEventListener("click", () => {
  if (state.controller) state.controller.abort();
});

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = question.value.trim();
  if (!text) {
    setStatus("質問を入力してください。");
    question.focus();
    return;
  }
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const view = state.view;
  const out = view === "search" ? $("search-results") : view === "ask" ? $("ask-result") : $("research-progress");
  let filters;
  try {
    filters = await readFilters();
  } catch (err) {
    if (view === "research") clear($("research-report"));
    showError(out, err, "絞り込み条件を確認してください");
    $("law-title").focus();
    return;
  }
  const confidentiality = Number($("confidentiality").value) || 1;
  busy(true);
  try {
    if (view === "search") await runSearch(text, filters, controller.signal);
    else if (view === "ask") await runAsk(text, filters, confidentiality, controller.signal);
    else await runResearch(text, filters, confidentiality, controller.signal);
  } finally {
    if (state.controller === controller) {
      state.controller = null;
      busy(false);
    }
  }
});

// ---- 調査 ------------------------------------------------------------------------------------------

async function runResearch(text, filters, confidentiality, signal) {
  $("research-intro").hidden = true;
  const run = new ResearchRun($("research-progress"), $("research-report"), panel, (report) => {
    state.report = report;
    history.replaceState(null, "", `#/research/${report.id}`);
    setStatus(`調査が完了しました。出典 ${report.sources.length} 件、${report.sections.length} 節のレポートです。`);
  });
  run.start(text);
  setStatus("調査を開始しました。");
  try {
    await postSSE("/research", { question: text, filters, stream: true, confidentiality },
      (name, data) => run.event(name, data), { signal });
    run.end();
  } catch (err) {
    if (err && err.name === "AbortError") {
      run.fail("中止しました。");
      setStatus("調査を中止しました。");
      return;
    }
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
      run.fail("このサーバーは調査機能（/research）に対応していません。検索・質問をお使いください。");
      return;
    }
    if (err instanceof ApiError && err.status === 401) openKeyBox();
    run.fail(err.message || String(err));
    setStatus(err.message || String(err));
  }
}

// ---- 検索 ------------------------------------------------------------------------------------------

async function runSearch(text, filters, signal) {
  const out = $("search-results");
  clear(out, h("p", { class: "loading" }, "検索しています…"));
  setStatus("検索しています。");
  let r;
  try {
    r = await postJSON("/search", { query: text, k: 20, filters }, { signal });
  } catch (err) {
    if (err && err.name === "AbortError") { clear(out); setStatus("検索を中止しました。"); return; }
    showError(out, err, "検索できませんでした");
    return;
  }
  const notes = [
    ...(r.applied_filters || []).map((f) => `質問から読み取った条件：${f}`),
    ...(r.definitions || []),
    ...(r.missing || []).map((m) => `収録されていない条文：${m}`),
    ...(r.not_stored || []).map((m) => `収録されていない法令：${m}`),
    ...(r.unknown_laws || []).map((m) => `見つからない法令名：${m}`),
  ];
  clear(out,
    h("div", { class: "s-summary" },
      h("h2", { class: "view-title" }, `「${r.query}」の検索結果`, h("span", { class: "count" }, `${r.hits.length} 件`))),
    notes.length ? messageBox("info", null, ...notes) : null,
    (r.warnings || []).length ? messageBox("warn", "注意", ...r.warnings) : null,
    r.hits.length ? h("ol", { class: "hits" }, r.hits.map(hitItem))
      : h("p", { class: "empty" }, "該当する資料は見つかりませんでした。"));
  setStatus(`検索結果 ${r.hits.length} 件。`);
}

function hitItem(hit) {
  const ref = { chunk_id: hit.chunk_id, source: hit.source, label: hit.label, url: hit.url, text: hit.text };
  const open = (el) => panel.open(ref, el);
  const excerpt = Array.from(hit.text || "").slice(0, 240).join("") + (Array.from(hit.text || "").length > 240 ? "…" : "");
  const a = hit.attrs || {};
  const pairTitle = hit.source === "diet" ? (a.answers ? "この答弁が答えた質問" : "この質問への答弁") : "関係する資料";
  const li = h("li", { class: "hit", dataset: { source: hit.source } },
    h("div", { class: "h-head" },
      h("span", { class: "h-rank" }, String(hit.rank)), badge(hit.source),
      h("button", { type: "button", class: "linkish h-label", onclick: (e) => open(e.currentTarget) }, hit.label),
      externalLink(hit.url, "原文", "ext small")),
    hit.heading && hit.heading !== hit.label ? h("p", { class: "h-heading" }, hit.heading) : null,
    h("p", { class: "h-text" }, excerpt),
    (hit.linked || []).length ? h("p", { class: "h-linked" }, `${pairTitle}：`,
      hit.linked.map((l) => h("button", {
        type: "button", class: "linkish",
        onclick: (e) => panel.open({ chunk_id: l.chunk_id, source: l.source, label: l.label, url: l.url }, e.currentTarget),
      }, l.label))) : null);
  li.addEventListener("click", (e) => {
    if (e.target.closest("a, button")) return;
    if (window.getSelection && String(window.getSelection()).length) return;  // selecting text, not opening
    open(li.querySelector(".h-label"));
  });
  return li;
}

// ---- 質問 ------------------------------------------------------------------------------------------

async function runAsk(text, filters, confidentiality, signal) {
  const out = $("ask-result");
  const body = h("div", { class: "a-text streaming", "aria-live": "polite" }, h("span", { class: "loading" }, "資料を検索しています…"));
  const article = h("article", { class: "answer", "aria-busy": "true" },
    h("header", {}, h("p", { class: "r-kicker" }, "回答"), h("h2", { class: "r-question" }, text)), body);
  clear(out, article);
  setStatus("回答を作成しています。");
  let streamed = "";
  let done = false;
  try {
    await postSSE("/ask", { query: text, filters, stream: true, confidentiality }, (name, data) => {
      if (name === "delta") {
        if (!streamed) clear(body);
        streamed += (data && data.text) || "";
        body.textContent = streamed;
      } else if (name === "answer" || name === "json") {
        done = true;
        article.replaceWith(renderAnswer(data));
        setStatus(`回答を表示しました（出典 ${(data.citations || []).length} 件）。`);
      } else if (name === "error") {
        done = true;
        article.setAttribute("aria-busy", "false");
        article.append(messageBox("error", "回答の作成中にエラーが発生しました", (data && data.detail) || ""));
      }
    }, { signal });
    if (!done) article.append(messageBox("error", "応答が途中で終わりました", "もう一度お試しください。"));
  } catch (err) {
    if (err && err.name === "AbortError") { article.setAttribute("aria-busy", "false"); setStatus("中止しました。"); return; }
    showError(out, err, "回答できませんでした");
  }
}

const FLAG_NAMES = {
  verification_failed: "出典との照合で不合格", injection: "指示の混入を検知", routing_blocked: "機密性により外部モデルへの送信を停止",
  llm_error: "生成AIの呼び出しに失敗", pii_masked: "個人情報をマスク",
};

function renderAnswer(a) {
  const byN = new Map((a.citations || []).map((c) => [Number(c.n), c]));
  const refOf = (c) => ({ chunk_id: c.chunk_id, source: c.source, label: c.label, url: c.url, text: c.quote });
  const cites = {
    has: (n) => byN.has(n),
    label: (n) => (byN.get(n) || {}).label,
    open: (n, el) => { const c = byN.get(n); if (c) panel.open(refOf(c), el); },
  };
  const v = a.verification;
  const shownIsChecked = v && a.mode === "generated";
  const { frag, unplaced } = sectionText(a.answer || "", shownIsChecked ? v.sentences : [], cites);
  const problems = [];
  if (v) {
    const bad = (v.sentences || []).filter((s) => !s.supported);
    if (!shownIsChecked && bad.length) bad.forEach((s) => problems.push(`裏付けのない文：${s.text}`));
    (v.unknown_markers || []).forEach((n) => problems.push(`存在しない出典番号：[${n}]`));
    (v.forged_quotes || []).forEach((q) => problems.push(`出典にない引用：「${q}」`));
    (v.unknown_names || []).forEach((q) => problems.push(`資料にない名称：${q}`));
    (v.missing_provisions || []).forEach((q) => problems.push(`収録されていない条文：${q}`));
    (v.uncorrected_premise || []).forEach((q) => problems.push(`訂正されていない前提：${q}`));
    unplaced.forEach((s) => problems.push(`裏付けのない文：${s.text}`));
  }
  let verdict = null;
  if (v && v.passed && a.mode === "generated") {
    verdict = messageBox("ok", "検証：すべての文が出典で裏付けられています。");
  } else if (v && !v.passed && a.mode === "extractive") {
    verdict = messageBox("warn", "生成AIの回答は出典との照合で不合格となったため、資料の抜粋に置き換えました。", ...problems);
  } else if (v && !v.passed) {
    verdict = messageBox("warn", "検証で問題が見つかりました。「要確認」の箇所は出典の原文で確認してください。", ...problems);
  }
  return h("article", { class: "answer", "aria-busy": "false" },
    h("header", {},
      h("p", { class: "r-kicker" }, "回答 · ", h("span", { class: `mode mode-${a.mode}` },
        a.mode === "generated" ? `生成${a.model ? `（${a.model}）` : ""}` : "抜粋"),
      ` · 根拠の強さ ${Math.round((a.evidence || 0) * 100)}%`),
      h("h2", { class: "r-question" }, a.question)),
    a.sufficient === false ? messageBox("warn", "資料からは十分に答えられません。以下は参考として関連しうる資料です。") : null,
    h("div", { class: "a-text" }, frag),
    verdict,
    (a.applied_filters || []).length ? messageBox("info", null, ...a.applied_filters.map((f) => `質問から読み取った条件：${f}`)) : null,
    (a.warnings || []).length ? messageBox("warn", "注意", ...a.warnings) : null,
    (a.flags || []).length ? h("p", { class: "r-flags" }, "記録された事案：", a.flags.map((f) => FLAG_NAMES[f] || f).join("、")) : null,
    (a.citations || []).length ? h("section", { class: "r-sources", "aria-labelledby": "a-src-h" },
      h("h3", { id: "a-src-h" }, `出典（${a.citations.length}件）`),
      h("ol", { class: "sources" }, a.citations.map((c) => h("li", { class: "src", dataset: { n: String(c.n), source: c.source } },
        h("div", { class: "s-head" }, h("span", { class: "s-n" }, `[${c.n}]`), badge(c.source),
          h("button", { type: "button", class: "linkish s-label", onclick: (e) => panel.open(refOf(c), e.currentTarget) }, c.label),
          externalLink(c.url, "原文", "ext small")),
        c.quote ? h("div", { class: clampIf(c.quote, "s-text", 200) }, c.quote) : null)))) : null);
}

// ---- 履歴 ------------------------------------------------------------------------------------------

async function loadHistory() {
  const out = $("history-list");
  clear(out, h("p", { class: "loading" }, "読み込んでいます…"));
  let r;
  try {
    r = await getJSON("/research");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
      clear(out, messageBox("info", "このサーバーには調査の履歴がありません（/research 未対応）。"));
      return;
    }
    showError(out, err, "履歴を読み込めませんでした");
    return;
  }
  const items = r.items || [];
  if (!items.length) {
    clear(out, h("p", { class: "empty" }, "まだ調査の履歴はありません。「調査」から質問してください。"));
    return;
  }
  clear(out,
    h("p", { class: "muted" }, `${r.total ?? items.length} 件（新しい順）`),
    h("ul", { class: "history" }, items.map(historyItem)));
}

function historyItem(item) {
  const actions = h("div", { class: "hist-actions" });
  const li = h("li", { class: "hist", dataset: { id: item.id } },
    h("div", { class: "hist-main" },
      h("button", { type: "button", class: "linkish hist-open", onclick: () => openReport(item.id) }, item.question),
      h("p", { class: "hist-meta" },
        h("time", { datetime: item.created }, formatDateTime(item.created)),
        item.question_type ? h("span", { class: "qtype" }, item.question_type) : null,
        h("span", { class: `mode mode-${item.mode}` }, item.mode === "generated" ? "生成" : "抜粋"),
        h("span", {}, `出典 ${item.sources} 件`), h("span", {}, `${item.sections} 節`))),
    actions);
  const reset = () => {
    clear(actions, h("button", {
      type: "button", class: "small danger-outline", "aria-label": `「${item.question}」の調査を削除`,
      onclick: () => confirmDelete(),
    }, "削除"));
  };
  const confirmDelete = () => {
    const yes = h("button", {
      type: "button", class: "small danger", onclick: async () => {
        try {
          await del(`/research/${encodeURIComponent(item.id)}`);
          li.remove();
          if (state.report && state.report.id === item.id) {
            state.report = null;
            clear($("research-report"));
            clear($("research-progress"));
          }
          setStatus("調査を削除しました。");
          if (!document.querySelector(".hist")) loadHistory();
        } catch (err) {
          setStatus(err.message);
          actions.append(messageBox("error", null, err.message));
        }
      },
    }, "削除する");
    clear(actions, h("span", { class: "confirm" }, "削除しますか？"), yes,
      h("button", { type: "button", class: "small", onclick: () => { reset(); actions.querySelector("button").focus(); } }, "やめる"));
    yes.focus();
  };
  reset();
  return li;
}

async function openReport(id) {
  showView("research", { push: false });
  $("research-intro").hidden = true;
  clear($("research-report"), h("p", { class: "loading" }, "調査を読み込んでいます…"));
  try {
    const report = await getJSON(`/research/${encodeURIComponent(id)}`);
    state.report = report;
    showStored(report, $("research-progress"), $("research-report"), panel);
    history.replaceState(null, "", `#/research/${report.id}`);
    question.value = report.question;
    setStatus(`保存された調査「${report.question}」を表示しました。`);
    const head = document.querySelector("#report .r-question");
    if (head) { head.tabIndex = -1; head.focus(); }
  } catch (err) {
    clear($("research-progress"));
    showError($("research-report"), err, "調査を読み込めませんでした");
  }
}

$("history-reload").addEventListener("click", () => loadHistory());

// ---- keyboard and start ----------------------------------------------------------------------------

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && panel.isOpen) {
    e.preventDefault();
    panel.close();
  }
});

function route() {
  const m = /^#\/(research|search|ask|history)(?:\/([\w-]+))?$/.exec(location.hash);
  if (m && m[1] === "research" && m[2]) openReport(m[2]);
  else showView(m ? m[1] : "research", { push: Boolean(m) });
}

// ---- layers built in the background (GET /healthz) -------------------------------------------------

const LAYER_NAMES = { dense: "条文の意味ベクトル", outlines: "法令アウトライン（法令の絞り込み）" };
const LAYERS_POLL_MS = 10_000;

/** While the server builds dense layers, say how far each is and what searches use meanwhile. */
async function showLayers() {
  const line = $("layers");
  let health;
  try {
    health = await getJSON("/healthz");
  } catch {
    return;  // the status line is a courtesy: a failed probe changes nothing
  }
  const bg = health.background;
  if (!bg) {
    line.hidden = true;
    return;
  }
  const parts = Object.entries(bg.layers).map(([name, l]) => {
    const label = LAYER_NAMES[name] || name;
    if (l.used) return `${label}：使用中`;
    const pct = l.total ? Math.floor((100 * l.done) / l.total) : 0;
    return `${label}：${l.total ? `${l.done.toLocaleString()} / ${l.total.toLocaleString()}件（${pct}%）` : "準備中"}`;
  });
  line.classList.toggle("failed", Boolean(bg.error));
  if (bg.error) {
    line.textContent = `検索の強化を構築できませんでした（${bg.error}）。${parts.join("、")}`;
  } else if (bg.building) {
    line.textContent = `検索の強化を背景で構築中 — ${parts.join("、")}。完了までは語句検索（BM25・言い換え辞書）で回答します。`;
  } else {
    line.hidden = true;
    return;
  }
  line.hidden = false;
  if (bg.building) setTimeout(showLayers, LAYERS_POLL_MS);
}

refreshKeyState();
applySchema();
showLayers();
route();
