"""Turn a parsed `Law` into citable `Chunk`s: one per 条, split at 項/号 when too long.

Every chunk's text starts with its heading path (法令名 › 編 › 章 › 節 › 第N条（見出し）)
so it stands alone in an index, and carries the e-Gov anchor and URL of the
first provision it holds, so a user can open exactly what was quoted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from govrag.models import Chunk, chunk_id, content_hash
from govrag.sources.laws.egov_xml import Law, Segment, Unit
from govrag.sources.laws.lawid import LawIdMatch, law_doc_id, law_url
from govrag.sources.laws.numbers import int_to_kanji, item_num_to_title

# multilingual-e5 reads 512 tokens; Japanese statute text runs at roughly
# 0.8 tokens per character in its tokenizer, so 600 characters with the heading
# stays inside the window with room to spare.
DEFAULT_MAX_CHARS = 600
MIN_BODY_CHARS = 200
PROVISION_JA = {"main": "本則", "suppl": "附則", "appendix": "別表等"}


@dataclass(frozen=True, slots=True)
class ChunkOptions:
    max_chars: int = DEFAULT_MAX_CHARS
    version: str = ""


def chunk_law(law: Law, law_id: LawIdMatch, options: ChunkOptions = ChunkOptions()) -> Iterator[Chunk]:
    """Yield the law's chunks in document order; ids are stable for (law, version, unit)."""
    doc_id = law_doc_id(law_id.law_id, law.law_num)
    seen: dict[str, int] = {}
    seq = 0
    for unit in law.units:
        heading = _heading(law, unit)
        base_anchor = unit_anchor(unit)
        budget = max(options.max_chars - len(heading) - 1, MIN_BODY_CHARS)
        parts = _pack(unit.segments, budget)
        for index, part in enumerate(parts, start=1):
            anchor = _part_anchor(base_anchor, part, whole=len(parts) == 1)
            unit_path = anchor or f"Ap-{unit.suppl_index}-{unit.num or unit.title}"
            if unit_path in seen:
                seen[unit_path] += 1
                unit_path = f"{unit_path}~{seen[unit_path]}"
            else:
                seen[unit_path] = 1
            body = "\n".join(s.text for s in part)
            span = "" if len(parts) == 1 else _span_label(part)
            label = _label(law, unit, span)
            yield Chunk(
                id=chunk_id("law", doc_id, options.version, unit_path),
                source="law",
                doc_id=doc_id,
                doc_title=law.title,
                version=options.version,
                unit=unit_path,
                seq=seq,
                heading=heading,
                body=body,
                label=label,
                url=law_url(law_id.law_id, anchor),
                hash=content_hash(f"{heading}\n{body}"),
                attrs={
                    "law_id": law_id.law_id,
                    "law_id_status": law_id.status,
                    "law_num": law.law_num,
                    "law_title": law.title,
                    "law_type": law.law_type,
                    "law_type_ja": law.law_type_ja,
                    "year": law.promulgation_year,  # 公布年: the year filter across sources
                    "date": law.promulgation_date,
                    "provision": PROVISION_JA[unit.provision],
                    "suppl_amend_law_num": unit.amend_law_num,
                    "unit_form": unit.form,
                    "article_num": unit.num if unit.form == "article" else None,
                    "article_title": unit.title,
                    "article_caption": unit.caption,
                    "paragraph_from": part[0].paragraph,
                    "paragraph_to": part[-1].paragraph,
                    "item_from": part[0].item,
                    "anchor": anchor,
                    "part": index,
                    "parts": len(parts),
                },
            )
            seq += 1


def unit_anchor(unit: Unit) -> str | None:
    """e-Gov fragment for a unit: Mp-At_709, Sp-At_2, <改正法令番号>-Sp-At_1, Mp-Pr_1.

    e-Gov links name the article without its 章・節 (`Mp-At_2-Pr_1-It_14`);
    附則 of an amending law are prefixed by that law's number. Appendices
    (別表) have no anchor form we can rely on, so they link to the law page.
    """
    if unit.form == "appendix":
        return None
    root = "Mp" if unit.provision == "main" else (f"{unit.amend_law_num}-Sp" if unit.amend_law_num else "Sp")
    if unit.form == "article" and unit.num:
        return f"{root}-At_{unit.num.split(':')[0]}"
    first = unit.segments[0].paragraph if unit.segments else None
    return f"{root}-Pr_{first or 1}"


def _part_anchor(base: str | None, part: list[Segment], whole: bool) -> str | None:
    """A split part links to its first 項 (and 号): Mp-At_709-Pr_2-It_3."""
    if base is None or whole or "-At_" not in base:
        return base
    first = part[0]
    anchor = base
    if first.paragraph is not None:
        anchor += f"-Pr_{first.paragraph}"
        if first.item is not None:
            anchor += f"-It_{first.item}"
    return anchor


def _heading(law: Law, unit: Unit) -> str:
    last = f"{unit.title}{unit.caption}".strip()
    parts = [law.title, *unit.path]
    if last and last not in unit.path:
        parts.append(last)
    return " › ".join(parts)


def _label(law: Law, unit: Unit, span: str) -> str:
    """Citation label a researcher can check: 民法 第七百九条 / 個人情報の保護に関する法律 第二十七条第二項."""
    where = []
    if unit.provision == "suppl":
        where.append(unit.path[0] if unit.path else "附則")
    if unit.title:
        where.append(unit.title)
    text = f"{law.title} {' '.join(where)}".rstrip()
    return f"{text}{span}" if unit.title or not span else f"{text} {span}"


def _span_label(part: list[Segment]) -> str:
    first, last = part[0], part[-1]
    start = _segment_label(first)
    if (first.paragraph, first.item) == (last.paragraph, last.item):
        return start
    if first.paragraph == last.paragraph:
        end = _item_label(last.item) if last.item else ""
        return f"{start}～{end}" if end else start
    return f"{start}～{_segment_label(last)}"


def _segment_label(seg: Segment) -> str:
    label = f"第{int_to_kanji(seg.paragraph)}項" if seg.paragraph is not None else ""
    return label + (_item_label(seg.item) if seg.item else "")


def _item_label(item: str | None) -> str:
    """第一号 from Num="1"; a few laws number items with kana (Num="ロ"), kept as written."""
    if not item:
        return ""
    try:
        return item_num_to_title(item)
    except ValueError:
        return f"第{item}号"


def _pack(segments: tuple[Segment, ...], budget: int) -> list[list[Segment]]:
    """Greedy packing into parts that fit the budget: whole 項 where they fit, else whole 号."""
    if sum(len(s.text) + 1 for s in segments) <= budget or not segments:
        return [list(segments)]
    pieces: list[list[Segment]] = []
    for paragraph in _by_paragraph(segments):
        if sum(len(s.text) + 1 for s in paragraph) <= budget:
            pieces.append(paragraph)
        else:
            pieces.extend([p] for s in paragraph for p in _split_long(s, budget))
    parts: list[list[Segment]] = []
    current: list[Segment] = []
    size = 0
    for piece in pieces:
        piece_size = sum(len(s.text) + 1 for s in piece)
        if current and size + piece_size > budget:
            parts.append(current)
            current, size = [], 0
        current.extend(piece)
        size += piece_size
    if current:
        parts.append(current)
    return parts


def _by_paragraph(segments: tuple[Segment, ...]) -> list[list[Segment]]:
    groups: list[list[Segment]] = []
    for seg in segments:
        if groups and groups[-1][0].paragraph == seg.paragraph:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    return groups


def _split_long(seg: Segment, budget: int) -> list[Segment]:
    """A single 項/号 longer than the window (large tables, long lists) is cut at lines, then at 。."""
    if len(seg.text) <= budget:
        return [seg]
    pieces: list[str] = []
    current = ""
    for line in seg.text.split("\n"):
        for sentence in _sentences(line, budget):
            if current and len(current) + len(sentence) + 1 > budget:
                pieces.append(current)
                current = ""
            current = f"{current}\n{sentence}" if current else sentence
    if current:
        pieces.append(current)
    return [Segment(seg.paragraph, seg.item, p) for p in pieces]


def _sentences(line: str, budget: int) -> list[str]:
    if len(line) <= budget:
        return [line]
    out: list[str] = []
    current = ""
    for sentence in line.replace("。", "。\x00").split("\x00"):
        while len(sentence) > budget:  # no 。 in reach: cut hard, never drop text
            out.append(current + sentence[: budget - len(current)])
            sentence = sentence[budget - len(current):]
            current = ""
        if current and len(current) + len(sentence) > budget:
            out.append(current)
            current = ""
        current += sentence
    if current:
        out.append(current)
    return out
