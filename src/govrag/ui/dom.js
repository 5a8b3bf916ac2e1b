// Small DOM helpers shared by the views: element building, source badges, [n] citations as buttons,
// highlighted passages, unsupported sentences marked inline. Text is always inserted as text, never HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") el.setAttribute("class", v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

export const SOURCE_NAMES = { law: "法令", diet: "国会", gazette: "官報" };

export function badge(source) {
  return h("span", { class: `badge src-${source}` }, SOURCE_NAMES[source] || source);
}

export function externalLink(url, text = "原文を開く", cls = "ext") {
  if (!url) return null;
  return h("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: cls }, text,
    h("span", { class: "sr-only" }, "（新しいタブで開きます）"));
}

/** A Japanese date/time for an ISO string ("2026年12月2日 14:05"); the input when it does not parse. */
export function formatDateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || "";
  return d.toLocaleString("ja-JP", { year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function formatMs(ms) {
  if (ms == null || Number.isNaN(Number(ms))) return "";
  const n = Number(ms);
  return n >= 1000 ? `${(n / 1000).toFixed(1)} 秒` : `${Math.round(n)} ms`;
}

// [n], [n][m], [n, m] and [n–m] as written by the extractive and generated texts.
const CITE = /\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\]/g;

/**
 * Text with every [n] that names a known source as a button. `cites.has(n)`, `cites.label(n)` and
 * `cites.open(n, button)`; unknown numbers stay text. Line breaks are kept (the container pre-wraps).
 */
export function citedText(text, cites) {
  const frag = document.createDocumentFragment();
  if (!text) return frag;
  let last = 0;
  for (const m of text.matchAll(CITE)) {
    const numbers = m[1].split(/\s*[,，、]\s*/).map(Number);
    if (!cites || !numbers.every((n) => cites.has(n))) continue;
    if (m.index > last) frag.append(text.slice(last, m.index));
    for (const n of numbers) frag.append(citeButton(n, cites));
    last = m.index + m[0].length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

export function citeButton(n, cites) {
  const label = cites.label(n) || "";
  return h("button", {
    type: "button", class: "cite", dataset: { n: String(n) }, title: label,
    "aria-label": `出典[${n}]${label ? `：${label}` : ""}を開く`,
    onclick: (e) => { e.preventDefault(); cites.open(n, e.currentTarget); },
  }, `[${n}]`);
}

/**
 * Text with `<mark>` over [start, end] ranges (character offsets as Python counts them: code points,
 * so a character outside the BMP counts once). Overlapping ranges are merged.
 */
export function highlighted(text, ranges) {
  const frag = document.createDocumentFragment();
  const chars = Array.from(text || "");
  const spans = (ranges || [])
    .map(([a, b]) => [Math.max(0, a | 0), Math.min(chars.length, b | 0)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const merged = [];
  for (const s of spans) {
    const prev = merged[merged.length - 1];
    if (prev && s[0] <= prev[1]) prev[1] = Math.max(prev[1], s[1]);
    else merged.push([...s]);
  }
  let at = 0;
  for (const [a, b] of merged) {
    if (a > at) frag.append(chars.slice(at, a).join(""));
    frag.append(h("mark", {}, chars.slice(a, b).join("")));
    at = b;
  }
  if (at < chars.length) frag.append(chars.slice(at).join(""));
  return frag;
}

/** The strings the ranges cover (to find the same passages in another copy of the text). */
export function rangeTexts(text, ranges) {
  const chars = Array.from(text || "");
  return (ranges || []).map(([a, b]) => chars.slice(Math.max(0, a), Math.min(chars.length, b)).join(""))
    .filter((s) => s.trim().length > 0);
}

/** Ranges (code-point offsets) where the given passages occur in `text`. */
export function findRanges(text, passages) {
  const out = [];
  for (const p of passages || []) {
    const i = (text || "").indexOf(p);
    if (i < 0) continue;
    const start = Array.from(text.slice(0, i)).length;
    out.push([start, start + Array.from(p).length]);
  }
  return out;
}

/**
 * A section's text with its unsupported sentences marked inline (wavy underline and a 要確認 badge)
 * and its [n] as buttons. Sentences that cannot be found in the text are returned in `unplaced`.
 */
export function sectionText(text, sentences, cites) {
  const frag = document.createDocumentFragment();
  const marks = [];
  const unplaced = [];
  let cursor = 0;
  for (const s of sentences || []) {
    const t = (s.text || "").trim();
    if (!t) continue;
    let i = text.indexOf(t, cursor);
    if (i < 0) i = text.indexOf(t);
    if (i < 0) { if (!s.supported) unplaced.push(s); continue; }
    cursor = Math.max(cursor, i + t.length);
    if (!s.supported && !marks.some((m) => i < m.end && i + t.length > m.start)) {
      marks.push({ start: i, end: i + t.length, s });
    }
  }
  marks.sort((a, b) => a.start - b.start);
  let at = 0;
  for (const m of marks) {
    if (m.start > at) frag.append(citedText(text.slice(at, m.start), cites));
    frag.append(unsupportedSpan(text.slice(m.start, m.end), m.s, cites));
    at = m.end;
  }
  if (at < text.length) frag.append(citedText(text.slice(at), cites));
  return { frag, unplaced };
}

export function unsupportedSpan(text, sentence, cites) {
  const why = ["出典で裏付けられない文です。出典の原文で確認してください。",
    ...(sentence.problems || [])].join("\n");
  const support = typeof sentence.support === "number" ? `（裏付け ${Math.round(sentence.support * 100)}%）` : "";
  return h("span", { class: "unsupported", title: why + support },
    citedText(text, cites),
    h("span", { class: "flag", title: why + support }, "要確認",
      h("span", { class: "sr-only" }, `：出典で裏付けられない文${support}`)));
}

/** Empty `el`, then put `children` in it (null and false are skipped, as in h()). */
export function clear(el, ...children) {
  while (el.firstChild) el.firstChild.remove();
  append(el, children);
  return el;
}

/** A class list with "clamp" (a few lines, faded) only for a text long enough to need it. */
export function clampIf(text, base = "", limit = 160) {
  return `${base}${Array.from(text || "").length > limit ? " clamp" : ""}`.trim();
}

export function messageBox(kind, title, ...lines) {
  return h("div", { class: `msg msg-${kind}`, role: kind === "error" ? "alert" : null },
    title ? h("strong", {}, title) : null,
    lines.length ? h("ul", {}, lines.map((l) => h("li", {}, l))) : null);
}
