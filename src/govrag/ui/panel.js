// The side panel: one cited source with what surrounds it (GET /documents/{id}?neighbours=2).
// A law: the provision among its neighbouring articles; a speech: speaker, meeting and its question–answer
// pair; a gazette entry: its issue and page, the entries beside it. Escape closes it; focus returns.

import { getJSON } from "./api.js";
import {
  badge, clampIf, clear, externalLink, findRanges, h, highlighted, messageBox, rangeTexts,
} from "./dom.js";

export class Panel {
  constructor() {
    this.el = document.getElementById("panel");
    this.body = document.getElementById("panel-body");
    this.title = document.getElementById("panel-title");
    this.backButton = document.getElementById("panel-back");
    this.ext = document.getElementById("panel-ext");
    this.stack = [];
    this.opener = null;
    this.loading = null;
    document.getElementById("panel-close").addEventListener("click", () => this.close());
    this.backButton.addEventListener("click", () => this.back());
  }

  get isOpen() { return !this.el.hidden; }

  /** Show a source: `ref` = {chunk_id, source, label, url, text?, highlights?}. */
  open(ref, opener = null) {
    this.opener = opener || document.activeElement;
    this.stack = [];
    this.show(ref);
  }

  show(ref) {
    this.current = ref;
    this.backButton.hidden = this.stack.length === 0;
    this.el.hidden = false;
    document.body.classList.add("panel-open");
    requestAnimationFrame(() => this.el.classList.add("open"));
    this.title.textContent = ref.label || "出典";
    this.setExt(ref.url);
    clear(this.body, h("p", { class: "loading" }, "原文を読み込んでいます…"));
    this.title.focus();
    const token = {};
    this.loading = token;
    getJSON(`/documents/${encodeURIComponent(ref.chunk_id)}?neighbours=2`)
      .then((doc) => { if (this.loading === token) this.render(ref, doc); })
      .catch((err) => {
        if (this.loading !== token) return;
        clear(this.body, messageBox("error", "原文を読み込めませんでした", err.message),
          ref.url ? h("p", {}, externalLink(ref.url)) : null);
      });
  }

  /** Open another unit from inside the panel (a neighbour, the answer to a question); 戻る returns. */
  follow(ref) {
    if (this.current) this.stack.push(this.current);
    this.show(ref);
  }

  back() {
    const prev = this.stack.pop();
    if (prev) this.show(prev);
  }

  close() {
    if (!this.isOpen) return;
    this.loading = null;
    this.el.classList.remove("open");
    this.el.hidden = true;
    document.body.classList.remove("panel-open");
    const opener = this.opener;
    this.opener = null;
    if (opener && document.contains(opener)) opener.focus();
  }

  setExt(url) {
    this.ext.hidden = !url;
    if (url) this.ext.href = url;
    else this.ext.removeAttribute("href");
  }

  render(ref, doc) {
    const chunk = doc.chunk;
    this.title.textContent = chunk.label || ref.label || "出典";
    this.setExt(chunk.url || ref.url);
    // The passages the report highlighted, found again in the stored text.
    const passages = rangeTexts(ref.text || "", ref.highlights || []);
    const marks = findRanges(chunk.text, passages);
    const view = chunk.source === "law" ? this.law(doc, marks)
      : chunk.source === "diet" ? this.speech(doc, marks)
        : chunk.source === "gazette" ? this.gazette(doc, marks)
          : this.generic(doc, marks);
    clear(this.body, view);
    // A provision or entry among its neighbours: the cited one in view when it starts low in the panel.
    const cited = this.body.querySelector("ol.units > .unit.cited");
    this.body.scrollTop = 0;
    if (cited) {
      const top = cited.getBoundingClientRect().top - this.body.getBoundingClientRect().top;
      if (top > this.body.clientHeight * 0.55) this.body.scrollTop = top - this.body.clientHeight * 0.2;
    }
  }

  head(chunk, extra = []) {
    return h("div", { class: "p-head" },
      h("div", { class: "p-kind" }, badge(chunk.source), h("span", { class: "p-doc" }, chunk.doc_title)),
      h("p", { class: "p-label" }, chunk.label),
      extra);
  }

  unitLink(c, text) {
    return h("button", {
      type: "button", class: "linkish",
      onclick: () => this.follow({ chunk_id: c.chunk_id, source: c.source, label: c.label, url: c.url }),
    }, text || c.label);
  }

  law(doc, marks) {
    const c = doc.chunk;
    const a = c.attrs || {};
    const meta = [a.law_num, a.law_type_ja, a.article_caption].filter(Boolean).join("　");
    const unit = (u, isCited) => h("li", { class: `unit${isCited ? " cited" : ""}` },
      h("div", { class: "u-head" },
        isCited ? h("span", { class: "tag" }, "引用箇所") : null,
        isCited ? h("strong", {}, shortLabel(u)) : this.unitLink(u, shortLabel(u)),
        (u.attrs && u.attrs.article_caption) ? h("span", { class: "caption" }, u.attrs.article_caption) : null),
      isCited ? h("div", { class: "u-text" }, highlighted(u.text, marks)) : neighbourText(u.text));
    return h("div", { class: "p-law" },
      this.head(c, [
        meta ? h("p", { class: "p-meta" }, meta) : null,
        h("p", { class: "p-path" }, (c.heading || "").split(" › ").slice(1, -1).join(" › ")),
      ]),
      h("h3", { class: "p-sub" }, "条文（前後の条文とともに）"),
      h("ol", { class: "units", "aria-label": "条文" },
        doc.before.map((u) => unit(u, false)), unit(c, true), doc.after.map((u) => unit(u, false))),
      h("p", { class: "p-links" }, externalLink(c.url, "e-Gov 法令検索で開く", "ext")),
      doc.linked_from.length ? h("section", { class: "p-related" },
        h("h3", { class: "p-sub" }, "この法令を公布・改正した官報"),
        h("ul", {}, doc.linked_from.map((u) => h("li", {}, badge(u.source), " ", this.unitLink(u))))) : null);
  }

  speech(doc, marks) {
    const c = doc.chunk;
    const a = c.attrs || {};
    const role = a.side === "government" ? "答弁" : a.side === "member" ? "質問" : a.side === "chair" ? "議事進行" : "";
    const isAnswer = Boolean(a.answers);
    const asks = (a.answered_by || []).length > 0;
    const pairTitle = isAnswer ? "この答弁が答えた質問" : asks ? "この質問への答弁" : "関連する発言";
    const speechItem = (u) => {
      const ua = u.attrs || {};
      return h("li", { class: "unit pair" },
        h("div", { class: "u-head" },
          h("strong", {}, ua.speaker || u.label), speakerRole(ua) ? h("span", { class: "caption" }, `（${speakerRole(ua)}）`) : null,
          " ", this.unitLink(u, "この発言を表示"), " ", externalLink(u.url, "原文", "ext small")),
        neighbourText(u.text));
    };
    const pair = h("section", { class: "p-pair", "aria-label": "質問と答弁" },
      h("h3", { class: "p-sub" }, pairTitle),
      doc.linked.length ? h("ul", { class: "units" }, doc.linked.map(speechItem))
        : h("p", { class: "muted" }, "対応する質問・答弁は記録されていません。"));
    return h("div", { class: "p-speech" },
      this.head(c, [
        h("dl", { class: "facts" },
          fact("発言者", [a.speaker, speakerRole(a) ? `（${speakerRole(a)}）` : ""].join("")),
          fact("日付", a.date),
          fact("会議", [a.house, a.meeting].filter(Boolean).join(" ")),
          fact("国会", a.session ? `第${a.session}回国会` : null),
          fact("種別", role)),
      ]),
      // The minutes' order: a question, then its answers.
      isAnswer ? pair : null,
      h("h3", { class: "p-sub" }, isAnswer ? "答弁（引用箇所）" : "発言（引用箇所）"),
      h("div", { class: "unit cited" }, h("div", { class: "u-text" }, highlighted(c.text, marks))),
      isAnswer ? null : pair,
      (doc.before.length || doc.after.length) ? h("details", { class: "p-around" },
        h("summary", {}, `前後の発言（${doc.before.length + doc.after.length}件）`),
        h("ul", { class: "units" }, [...doc.before, ...doc.after].map(speechItem))) : null,
      h("p", { class: "p-links" }, externalLink(c.url, "国会会議録検索システムで開く", "ext")));
  }

  gazette(doc, marks) {
    const c = doc.chunk;
    const a = c.attrs || {};
    const page = a.page_url || c.url;
    const entry = (u, where) => h("li", { class: "unit" },
      h("div", { class: "u-head" },
        h("span", { class: "tag muted-tag" }, where),
        this.unitLink(u, entryTitle(u)),
        u.attrs && u.attrs.page ? h("span", { class: "caption" }, `${u.attrs.page}頁`) : null),
      neighbourText(u.text));
    return h("div", { class: "p-gazette" },
      this.head(c, [
        h("dl", { class: "facts" },
          fact("掲載", a.cited),
          fact("号", c.doc_title),
          fact("発行日", a.date),
          fact("版", a.edition),
          fact("頁", a.page != null ? `${a.page}頁` : null),
          fact("種類", a.kind),
          fact("発出元", (a.issuers || []).join("、") || a.notice_issuer)),
        h("p", { class: "p-links" }, externalLink(page, "紙面を開く", "ext button-link"), " ",
          a.pdf_url ? externalLink(a.pdf_url, "PDF を開く", "ext") : null),
      ]),
      h("h3", { class: "p-sub" }, "掲載内容"),
      h("div", { class: "unit cited" },
        h("div", { class: "u-head" }, h("span", { class: "tag" }, "引用箇所"), h("strong", {}, entryTitle(c))),
        h("div", { class: "u-text" }, highlighted(c.text, marks))),
      (doc.before.length || doc.after.length) ? [
        h("h3", { class: "p-sub" }, "同じ号の前後の記事"),
        h("ol", { class: "units", "aria-label": "前後の記事" },
          doc.before.map((u) => entry(u, "前")), doc.after.map((u) => entry(u, "後")))] : null,
      doc.linked.length ? h("section", { class: "p-related" },
        h("h3", { class: "p-sub" }, "関係する法令"),
        h("ul", {}, doc.linked.map((u) => h("li", {}, badge(u.source), " ", this.unitLink(u))))) : null);
  }

  generic(doc, marks) {
    const c = doc.chunk;
    return h("div", {}, this.head(c),
      h("div", { class: "unit cited" }, h("div", { class: "u-text" }, highlighted(c.text, marks))));
  }
}

/** A neighbour's text: a few lines, with a toggle when it is longer. */
function neighbourText(text) {
  const cls = clampIf(text, "u-text", 120);
  const box = h("div", { class: cls }, text);
  if (!cls.includes("clamp")) return box;
  const toggle = h("button", {
    type: "button", class: "more small", "aria-expanded": "false",
    onclick: () => {
      const folded = box.classList.toggle("clamp");
      toggle.setAttribute("aria-expanded", String(!folded));
      toggle.textContent = folded ? "全文を表示" : "折りたたむ";
    },
  }, "全文を表示");
  return h("div", {}, box, toggle);
}

function fact(term, value) {
  if (value == null || value === "") return null;
  return [h("dt", {}, term), h("dd", {}, String(value))];
}

function speakerRole(a) {
  return a.speaker_position || (a.speaker_title && a.speaker_title !== "君" ? a.speaker_title : "") || "";
}

function shortLabel(u) {
  const t = u.doc_title || "";
  return u.label && t && u.label.startsWith(t) ? u.label.slice(t.length).trim() || u.label : u.label;
}

function entryTitle(u) {
  const parts = (u.heading || "").split(" › ");
  return parts.length > 1 ? parts.slice(1).join(" › ") : u.label;
}
