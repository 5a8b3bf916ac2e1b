"""A report as Markdown and as a print-friendly HTML page: what a researcher files or hands on.

Both carry the notice that the output must be checked, the premise corrections first, every
[n] resolved to its source (label and link, the matching passage quoted), sentences the
verifier could not back marked 【要確認】, and the mind map as an indented list. The HTML page
needs no script and no asset from elsewhere: it prints as it shows.
"""

from __future__ import annotations

import html
import re

from govrag.research.records import MindNode, Report, Section

NOTICE = "この報告は検索した資料に基づく参考情報です。結論を使う前に、必ず出典の原文を確認してください。"
UNSUPPORTED = "【要確認】"
_MARKER = re.compile(r"\[(\d{1,3})\]")


def section_text(section: Section) -> str:
    """The section's text with each sentence its sources do not carry marked."""
    text = section.text
    for check in section.sentences:
        if not check.supported and check.text in text:
            text = text.replace(check.text, f"{check.text}{UNSUPPORTED}", 1)
    return text


def markdown(report: Report) -> str:
    """Source text is data: each field is escaped where Markdown or HTML would read it as markup, a
    one-line field (question, title, label) stays on one line, and a link is written only for an
    http(s) address."""
    mode = (f"生成（{_line(report.model or '')}、文ごとに検証）" if report.mode == "generated"
            else "抽出（生成モデルなし、資料の引用）")
    lines = [f"# 調査報告: {_line(report.question)}", "",
             f"- 作成: {report.created}", f"- 質問の型: {report.question_type}", f"- 方式: {mode}",
             f"- 報告ID: {report.id}", "", f"> {NOTICE}", ""]
    if report.premise:
        lines += ["## 前提の確認", "", *(f"- {_line(p)}" for p in report.premise), ""]
    lines += ["## 概要", "", _md(report.lead), ""]
    for i, section in enumerate(report.sections, start=1):
        lines += [f"## {i}. {_line(section.title)}", "", _md(section_text(section)), ""]
        lines += [f"> 注: {_line(p)}" for p in section.problems if not p.startswith("根拠のない文")]
        if section.problems:
            lines.append("")
    lines += ["## 結論", "", _md(report.conclusion), ""]
    if report.warnings:
        lines += ["## 注意", "", *(f"- {_line(w)}" for w in report.warnings), ""]
    lines += ["## 資料", ""]
    for s in report.sources:
        label = _line(s.label).replace("[", "\\[").replace("]", "\\]")
        cited = f"[{label}](<{s.url}>)" if _linkable(s.url) else f"{label}（{_line(s.url)}）"
        lines.append(f"[{s.n}] {cited}" + (f"（{s.date}）" if s.date else "") + "  ")
        lines += [f"> {_md(line)}" for p in s.passages[:2] for line in p.strip().splitlines()]
        lines.append("")
    lines += ["## 検索語", "", *(f"{i}. {_line(q.text)}（{q.why}）" for i, q in enumerate(report.subqueries, start=1)),
              "", "## マインドマップ", "", *_tree(report.mindmap), ""]
    return "\n".join(lines)


_MD_SPECIAL = re.compile(r"([\\`*_<>|])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([#>+\-=])|(\d+)([.)]))", re.M)


def _md(text: str) -> str:
    """Text as Markdown shows it literally (the [n] markers stay as written: they are the report's own)."""
    def start(m: re.Match[str]) -> str:  # 「# 」「- 」 start a heading or a list; so does 「1. 」
        return f"{m.group(1)}\\{m.group(2)}" if m.group(2) else f"{m.group(1)}{m.group(3)}\\{m.group(4)}"
    return _MD_LINE_START.sub(start, _MD_SPECIAL.sub(r"\\\1", text))


def _line(text: str) -> str:
    """A one-line field, escaped: a line break in a question or a label never starts a heading."""
    return _md(" ".join(text.split()))


def _linkable(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _tree(node: MindNode, depth: int = 0) -> list[str]:
    return [f"{'  ' * depth}- {_line(node.label)}", *(line for c in node.children for line in _tree(c, depth + 1))]


_CSS = """
body{font-family:"Noto Serif CJK JP","Noto Sans CJK JP","Hiragino Mincho ProN","Yu Mincho",serif;max-width:46em;
margin:2em auto;padding:0 1em;line-height:1.8;color:#111}
h1{font-size:1.5em;border-bottom:2px solid #333;padding-bottom:.3em}h2{font-size:1.15em;margin-top:1.6em;
border-left:4px solid #335;padding-left:.5em}.meta{color:#444;font-size:.9em}.notice{border:1px solid #a60;
background:#fff8e6;padding:.6em 1em}.premise{border:1px solid #b00;background:#fff0f0;padding:.6em 1em}
.text{white-space:pre-wrap}.unsupported{text-decoration:underline wavy #c00}.badge{color:#c00;font-size:.8em}
a.ref{text-decoration:none}ol.sources li{margin-bottom:.6em}blockquote{margin:.2em 0 .2em 1em;color:#333;
border-left:3px solid #ccc;padding-left:.6em}mark{background:#fff3a0}ul.tree{font-size:.92em}
@media print{body{margin:0;max-width:none}a{color:#000}a.src::after{content:" <" attr(href) ">";font-size:.8em;
word-break:break-all}h2{break-after:avoid}ol.sources li{break-inside:avoid}}
"""


def print_html(report: Report) -> str:
    """A standalone page (inline CSS, no script) that shows and prints the report."""
    e = html.escape
    known = {s.n for s in report.sources}

    def linked(text: str) -> str:
        return _MARKER.sub(lambda m: f'<a class="ref" href="#src-{m.group(1)}">[{m.group(1)}]</a>'
                           if int(m.group(1)) in known else m.group(0), e(text))

    def section_html(section: Section) -> str:
        body = linked(section.text)
        for check in section.sentences:
            if not check.supported and (escaped := linked(check.text)) in body:
                body = body.replace(escaped, f'<span class="unsupported" title="出典で裏付けられない文">{escaped}</span>'
                                              f'<span class="badge">{UNSUPPORTED}</span>', 1)
        notes = "".join(f'<p class="meta">注: {e(p)}</p>' for p in section.problems if not p.startswith("根拠のない文"))
        return f'<div class="text">{body}</div>{notes}'

    mode = f"生成（{e(report.model or '')}、文ごとに検証）" if report.mode == "generated" else "抽出（生成モデルなし、資料の引用）"
    parts = [f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>調査報告: {e(report.question)}</title>'
             f"<style>{_CSS}</style></head><body>",
             f"<h1>調査報告: {e(report.question)}</h1>",
             f'<p class="meta">作成 {e(report.created)} ／ 質問の型 {e(report.question_type)} ／ 方式 {mode} ／ 報告ID {e(report.id)}</p>',
             f'<p class="notice">{e(NOTICE)}</p>']
    if report.premise:
        parts.append('<div class="premise"><strong>前提の確認</strong><ul>'
                     + "".join(f"<li>{e(p)}</li>" for p in report.premise) + "</ul></div>")
    parts.append(f"<h2>概要</h2><p>{linked(report.lead)}</p>")
    for i, section in enumerate(report.sections, start=1):
        parts.append(f"<h2>{i}. {e(section.title)}</h2>{section_html(section)}")
    parts.append(f'<h2>結論</h2><div class="text">{linked(report.conclusion)}</div>')
    if report.warnings:
        parts.append("<h2>注意</h2><ul>" + "".join(f"<li>{e(w)}</li>" for w in report.warnings) + "</ul>")
    parts.append('<h2>資料</h2><ol class="sources">')
    for s in report.sources:
        quotes = "".join(f"<blockquote><mark>{e(p.strip())}</mark></blockquote>" for p in s.passages[:2])
        date = f"（{e(s.date)}）" if s.date else ""
        cited = (f'<a class="src" href="{e(s.url)}">{e(s.label)}</a>' if _linkable(s.url)
                 else f"{e(s.label)}（{e(s.url)}）")  # a javascript: or data: address is shown, never linked
        parts.append(f'<li id="src-{s.n}" value="{s.n}">{cited}{date}{quotes}</li>')
    parts.append("</ol><h2>検索語</h2><ol>" + "".join(f"<li>{e(q.text)}（{e(q.why)}）</li>" for q in report.subqueries)
                 + "</ol>")
    parts.append('<h2>マインドマップ</h2><ul class="tree">' + _tree_html(report.mindmap) + "</ul></body></html>")
    return "".join(parts)


def _tree_html(node: MindNode) -> str:
    label = html.escape(node.label)
    if node.n is not None:
        label = f'<a class="ref" href="#src-{node.n}">{label}</a>'
    inner = "".join(_tree_html(c) for c in node.children)
    return f"<li>{label}" + (f"<ul>{inner}</ul>" if inner else "") + "</li>"
