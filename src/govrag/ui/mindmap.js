// The report's mind map as inline SVG: the question at the root (left), its sections in the middle
// column, their sources as leaves (right). Boxes are laid out top to bottom from the leaves' heights,
// so no two boxes overlap; long labels wrap and are cut with … (the full label is the box's <title>).

import { svg } from "./dom.js";

const FONT = 13;
const LINE = 18;
const PAD_X = 10;
const PAD_Y = 7;
const GAP_LEAF = 8;
const GAP_SECTION = 18;
const COL = {
  root: { x: 8, w: 190, lines: 5 },
  section: { x: 250, w: 230, lines: 3 },
  leaf: { x: 540, w: 360, lines: 2 },
};
const WIDTH = COL.leaf.x + COL.leaf.w + 8;

function charWidth(ch) {
  const c = ch.codePointAt(0);
  if (c >= 0x2e80 || (c >= 0xff00 && c <= 0xffef)) return FONT;  // CJK, kana, full-width forms
  if (/[A-Z0-9]/.test(ch)) return FONT * 0.64;
  return FONT * 0.55;
}

/** Lines of at most `width` pixels (estimated), at most `max` lines; the last one ends with … if cut.
 * Lines are balanced: a label that needs two lines is cut near its middle, not before its last word. */
export function wrap(text, width, max) {
  const lines = greedy(text, width, max);
  if (lines.length < 2 || lines[lines.length - 1].endsWith("…")) return lines;
  const total = Array.from(lines.join("")).reduce((s, ch) => s + charWidth(ch), 0);
  const even = Math.ceil(total / lines.length) + FONT;
  const balanced = greedy(text, Math.min(width, even), max);
  return balanced.length === lines.length ? balanced : lines;
}

function greedy(text, width, max) {
  const lines = [];
  let line = "";
  let w = 0;
  const chars = Array.from(String(text || "").replace(/\s+/g, " ").trim());
  for (let i = 0; i < chars.length; i++) {
    const cw = charWidth(chars[i]);
    if (w + cw > width && line) {
      lines.push(line);
      line = "";
      w = 0;
      if (lines.length === max) {
        let last = lines[max - 1];
        while (last.length && Array.from(last).reduce((s, ch) => s + charWidth(ch), 0) + FONT > width) {
          last = Array.from(last).slice(0, -1).join("");
        }
        lines[max - 1] = `${last}…`;
        return lines;
      }
    }
    line += chars[i];
    w += cw;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [""];
}

function box(kind, x, y, w, lines, full, extra = {}) {
  const hgt = lines.length * LINE + 2 * PAD_Y;
  const g = svg("g", { class: `mm-node mm-${kind}`, ...extra },
    svg("title", {}, full),
    svg("rect", { x, y, width: w, height: hgt, rx: 6, ry: 6 }),
    svg("text", { x: x + PAD_X, y: y + PAD_Y + FONT },
      lines.map((l, i) => svg("tspan", { x: x + PAD_X, dy: i === 0 ? 0 : LINE }, l))));
  return { g, h: hgt };
}

function edge(x1, y1, x2, y2) {
  const mx = (x1 + x2) / 2;
  return svg("path", { class: "mm-edge", d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` });
}

/**
 * The SVG for `tree` = {label, children: [{label, children: [{label, n}]}]}. `onLeaf(n, element)` is
 * called when a source leaf is clicked or activated with Enter/Space.
 */
export function mindmap(tree, onLeaf) {
  const sections = (tree && tree.children) || [];
  const nodes = [];
  const edges = [];
  let y = 8;
  const placed = [];
  for (const sec of sections) {
    const secLines = wrap(sec.label, COL.section.w - 2 * PAD_X, COL.section.lines);
    const secH = secLines.length * LINE + 2 * PAD_Y;
    const leaves = (sec.children || []).map((leaf) => {
      const text = leaf.n != null && !String(leaf.label || "").startsWith(`[${leaf.n}]`)
        ? `[${leaf.n}] ${leaf.label}` : String(leaf.label || "");
      const lines = wrap(text, COL.leaf.w - 2 * PAD_X, COL.leaf.lines);
      return { leaf, text, lines, h: lines.length * LINE + 2 * PAD_Y };
    });
    const leavesH = leaves.reduce((s, l) => s + l.h, 0) + Math.max(0, leaves.length - 1) * GAP_LEAF;
    const blockH = Math.max(secH, leavesH);
    let ly = y + (blockH - leavesH) / 2;
    const leafBoxes = leaves.map((l) => {
      const at = ly;
      ly += l.h + GAP_LEAF;
      return { ...l, y: at };
    });
    placed.push({ sec, secLines, secH, secY: y + (blockH - secH) / 2, leafBoxes });
    y += blockH + GAP_SECTION;
  }
  const rootLines = wrap(tree ? tree.label : "", COL.root.w - 2 * PAD_X, COL.root.lines);
  const rootH = rootLines.length * LINE + 2 * PAD_Y;
  const contentH = Math.max(y - GAP_SECTION + 8, rootH + 16);
  const rootY = (contentH - rootH) / 2;
  const root = box("root", COL.root.x, rootY, COL.root.w, rootLines, tree ? tree.label : "");
  nodes.push(root.g);
  for (const p of placed) {
    const s = box("section", COL.section.x, p.secY, COL.section.w, p.secLines, p.sec.label);
    nodes.push(s.g);
    edges.push(edge(COL.root.x + COL.root.w, rootY + rootH / 2, COL.section.x, p.secY + p.secH / 2));
    for (const l of p.leafBoxes) {
      const n = l.leaf.n;
      const attrs = n != null ? {
        tabindex: 0, role: "button", "data-n": n, "aria-label": `出典[${n}]：${l.leaf.label}を開く`,
      } : {};
      const b = box(`leaf mm-${l.leaf.source || "src"}`, COL.leaf.x, l.y, COL.leaf.w, l.lines, l.text, attrs);
      if (n != null && onLeaf) {
        b.g.addEventListener("click", () => onLeaf(n, b.g));
        b.g.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onLeaf(n, b.g); }
        });
      }
      nodes.push(b.g);
      edges.push(edge(COL.section.x + COL.section.w, p.secY + p.secH / 2, COL.leaf.x, l.y + l.h / 2));
    }
  }
  return svg("svg", {
    class: "mindmap", viewBox: `0 0 ${WIDTH} ${Math.ceil(contentH)}`, width: WIDTH, height: Math.ceil(contentH),
    role: "group", "aria-label": `マインドマップ：${tree ? tree.label : ""}（${sections.length}節）`,
    "font-size": FONT,
  }, svg("g", { class: "mm-edges" }, edges), svg("g", {}, nodes));
}
