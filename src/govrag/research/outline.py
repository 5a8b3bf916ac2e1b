"""The report's outline (sections, each listing the [n] sources it rests on) and its mind map.

Without a model, a section is one document: the provisions of one law, the speeches of one
meeting, the entries of one gazette issue, in the order of their best source. That is the
grouping a researcher makes by hand, and it needs no judgement a machine could get wrong. With a
model, the model proposes section titles with their sources; a title whose markers name no
source is dropped, a source no section claims is added to the section of its document, and an
outline with fewer than two usable sections falls back to the grouping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from llama_index.core.llms import LLM

from govrag.answer import llm as llms
from govrag.answer.verify import MARKER
from govrag.numerals import to_halfwidth_digits
from govrag.research.records import MindNode, ReportSource, Section
from govrag.sources import registry

MAX_SECTIONS = 20
SPLIT_AT = 5  # a document with more sources than this gets a section per part (章)
HEADING_SEPARATOR = " › "  # between the levels of a chunk's heading path (models.Chunk.heading)
_TITLE_CHARS = 60
_LEAF_CHARS = 28
#: "## 見出し [1][2]", "1. 見出し [3]", "- 見出し［４］": a heading line with its markers.
_HEADING = re.compile(r"^[ \t　]*(?:#{1,4}|[-・*]|\d{1,2}[.．)）])?[ \t　]*(?P<title>.+?)[ \t　]*$")

OUTLINE_PROMPT = """次の調査依頼について、下の資料を使う報告書の見出し（節）を{low}〜{high}個作ってください。
質問の型は「{kind}」です。各見出しの後に、その節が根拠にする資料の番号を [1][3] のように書きます。
説明は書かず、見出しの行だけを出力してください。例:
## 定義と適用範囲 [1][2]
## 手続と期限 [3]

調査依頼: {question}

資料:
{sources}"""


def grouped(sources: Sequence[ReportSource], limit: int = MAX_SECTIONS) -> list[Section]:
    """One section per document, in the order of its best source, and a document with more than
    `SPLIT_AT` sources one per part of it (the first heading below the document: a law's 章, a gazette
    page's heading); past `limit`, the rest join the last."""
    groups: dict[tuple[str, str], list[ReportSource]] = {}
    for s in sources:
        groups.setdefault((s.source, s.doc_id), []).append(s)
    parts: list[tuple[list[ReportSource], str]] = []
    for members in groups.values():
        by_part: dict[str, list[ReportSource]] = {}
        for m in members:
            by_part.setdefault(_part(m) if len(members) > SPLIT_AT else "", []).append(m)
        parts += [(group, part) for part, group in by_part.items()]
    sections = [Section(_group_title(members, part), tuple(m.n for m in members)) for members, part in parts]
    if len(sections) > limit:
        rest = tuple(n for s in sections[limit - 1:] for n in s.sources)
        sections = [*sections[: limit - 1], Section("その他の資料", rest)]
    return sections


def source_title(name: str) -> str:
    """What users call a source (法令, 国会会議録, 官報); a name the registry does not list, as it is."""
    return registry.get(name).title if name in registry.names() else name


def _part(source: ReportSource) -> str:
    """The first heading below the document's own (「第四章 個人情報取扱事業者の義務等」), or ""."""
    levels = [p.strip() for p in source.heading.split(HEADING_SEPARATOR)]
    return levels[1] if len(levels) > 2 else ""


def _group_title(members: Sequence[ReportSource], part: str = "") -> str:
    first = members[0]
    kind = source_title(first.source)
    title = first.doc_title or first.label
    return f"{kind}: {title}{' ' + part if part else ''}"[:_TITLE_CHARS]


def generated(model: LLM, question: str, kind: str, sources: Sequence[ReportSource], *, low: int = 3,
              high: int = 6, record: Callable[[str, str], None] | None = None) -> list[Section]:
    """The model's outline, checked (see the module doc); [] when it is unusable. `LLMError` passes;
    `record(prompt, reply)` keeps both for the audit log."""
    listing = "\n".join(f"[{s.n}] {s.label}: {_flat(s.text)[:80]}" for s in sources)
    prompt = OUTLINE_PROMPT.format(low=low, high=high, kind=kind, question=question, sources=listing)
    reply = llms.complete(model, prompt)
    if record:
        record(prompt, reply)
    return parse_outline(reply, sources, high=high)


def parse_outline(reply: str, sources: Sequence[ReportSource], *, high: int = MAX_SECTIONS) -> list[Section]:
    """Heading lines with markers naming given sources; unclaimed sources join their document's section
    (or a last 「その他の資料」); fewer than two sections: [] (the caller groups instead)."""
    known = {s.n for s in sources}
    sections: list[Section] = []
    for line in reply.splitlines():
        m = _HEADING.match(line)
        if not m or not MARKER.search(line):
            continue
        cites = tuple(dict.fromkeys(n for n in (int(to_halfwidth_digits(x)) for x in MARKER.findall(line)) if n in known))
        title = MARKER.sub("", m.group("title")).strip(" 　:：#*").strip()
        if cites and title and len(sections) < high:
            sections.append(Section(title[:_TITLE_CHARS], cites))
    if len(sections) < 2:
        return []
    claimed = {n for s in sections for n in s.sources}
    by_n = {s.n: s for s in sources}
    extra: list[int] = []
    for s in sources:
        if s.n in claimed:
            continue
        home = next((i for i, sec in enumerate(sections)
                     if any(by_n[n].doc_id == s.doc_id for n in sec.sources)), None)
        if home is None:
            extra.append(s.n)
        else:
            sections[home] = Section(sections[home].title, (*sections[home].sources, s.n))
    if extra:
        sections.append(Section("その他の資料", tuple(extra)))
    return sections


def mindmap(question: str, sections: Sequence[Section], sources: Sequence[ReportSource]) -> MindNode:
    """Question → sections → their sources (short labels), the tree the UI draws."""
    by_n = {s.n: s for s in sources}
    return MindNode(question[:60], tuple(
        MindNode(sec.title, tuple(MindNode(f"[{n}] {_short(by_n[n])}", n=n) for n in sec.sources if n in by_n))
        for sec in sections))


def _short(source: ReportSource) -> str:
    """The label less the words of its document's title (the section names the document): 第二十三条,
    石破茂（内閣総理大臣）, 25頁 法律."""
    title = set(source.doc_title.split())
    label = " ".join(w for w in source.label.split() if w not in title) or source.label
    return label if len(label) <= _LEAF_CHARS else label[: _LEAF_CHARS - 1] + "…"


def _flat(text: str) -> str:
    return " ".join(text.split())
