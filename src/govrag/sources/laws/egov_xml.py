"""Parse e-Gov 法令標準XML into a `Law`: metadata plus an ordered list of citable units.

Both the 2020 bulk-download form (no LawId anywhere) and the current form
(`<Law LawId=…>`, `<LawTitle Kana=… Abbrev=…>`, promulgation month/day) are read.
A unit is one 条, or, where a provision has no 条 (many 附則, small 告示-like
laws), its run of 項; 別表 and other appendices are units too. Each unit keeps
its text as `Segment`s (a 項's own sentence, then one segment per 号 with its
イ・ロ・ハ) so the chunker can split long articles at 項/号 boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from lxml import etree

ProvisionKind = Literal["main", "suppl", "appendix"]
UnitForm = Literal["article", "paragraphs", "appendix"]

ERA_OFFSET = {"Meiji": 1867, "Taisho": 1911, "Showa": 1925, "Heisei": 1988, "Reiwa": 2018}
LAW_TYPE_JA = {
    "Constitution": "憲法",
    "Act": "法律",
    "CabinetOrder": "政令",
    "ImperialOrder": "勅令",
    "MinisterialOrdinance": "府省令",
    "Rule": "規則",
    "Misc": "その他",
}
_DIVISIONS = ("Part", "Chapter", "Section", "Subsection", "Division")
_APPENDIX_TAGS = frozenset(
    {
        "AppdxTable", "AppdxNote", "AppdxStyle", "AppdxFormat", "AppdxFig", "Appdx",
        "SupplProvisionAppdxTable", "SupplProvisionAppdxStyle", "SupplProvisionAppdx",
    }
)
# Children whose text prefixes the next sentence line ("一　…", "イ　…", "２　…").
_PREFIX_TAGS = frozenset(
    {"ParagraphNum", "ItemTitle"} | {f"Subitem{i}Title" for i in range(1, 11)}
)
_ITEM_TAGS = frozenset({"Item"})
_SKIP_TAGS = frozenset({"Rt", "ArticleCaption", "ArticleTitle", "ParagraphCaption"})
_NEWLINE_INDENT = re.compile(r"\n[ \t]*")


class LawParseError(ValueError):
    """A file that is not a readable e-Gov law; the message says why."""


@dataclass(frozen=True, slots=True)
class Segment:
    """Smallest piece the chunker may split at: a 項's own text, or one 号 with its sub-items."""

    paragraph: int | None
    item: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Unit:
    """One citable unit: an 条, a run of 項 without 条, or an appendix (別表 …)."""

    provision: ProvisionKind
    form: UnitForm
    suppl_index: int
    amend_law_num: str | None
    path: tuple[str, ...]
    num: str | None
    title: str
    caption: str
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.segments)


@dataclass(frozen=True, slots=True)
class Law:
    """A parsed law: identification, headings and units in document order."""

    law_id: str | None
    law_num: str
    title: str
    title_kana: str | None
    abbrevs: tuple[str, ...]
    law_type: str
    era: str
    year: int | None
    num: str
    promulgation_date: str | None
    promulgation_year: int | None
    toc: tuple[str, ...]
    units: tuple[Unit, ...]

    @property
    def law_type_ja(self) -> str:
        return LAW_TYPE_JA.get(self.law_type, self.law_type)


def parse_law(data: bytes | etree._Element, *, name: str = "<bytes>") -> Law:
    """Parse one law. Raises `LawParseError` (never anything else) for bad input."""
    if isinstance(data, etree._Element):
        root = data
    else:
        try:
            root = etree.fromstring(data, parser=_PARSER)
        except etree.XMLSyntaxError as exc:
            raise LawParseError(f"{name}: malformed XML ({exc})") from None
        except ValueError as exc:
            raise LawParseError(f"{name}: unreadable XML ({exc})") from None
    if root is None:
        raise LawParseError(f"{name}: empty document")
    if root.tag != "Law":
        raise LawParseError(f"{name}: not an e-Gov law XML (root element is <{root.tag}>, expected <Law>)")
    try:
        return _parse_root(root, name)
    except LawParseError:
        raise
    except Exception as exc:  # a structure we do not understand must not stop a corpus run
        raise LawParseError(f"{name}: unexpected structure ({type(exc).__name__}: {exc})") from exc


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)


def _parse_root(root: etree._Element, name: str) -> Law:
    law_num_el = root.find("LawNum")
    body = root.find("LawBody")
    if law_num_el is None or body is None:
        raise LawParseError(f"{name}: <Law> without <LawNum> or <LawBody>")
    title_el = body.find("LawTitle")
    if title_el is None or not text_of(title_el).strip():
        raise LawParseError(f"{name}: <LawBody> without a <LawTitle>")
    law_num = text_of(law_num_el).strip()
    era = root.get("Era", "")
    year = _int_or_none(root.get("Year"))
    western = ERA_OFFSET[era] + year if era in ERA_OFFSET and year is not None else None
    month, day = _int_or_none(root.get("PromulgateMonth")), _int_or_none(root.get("PromulgateDay"))
    promulgated = f"{western:04d}-{month:02d}-{day:02d}" if western and month and day else None
    abbrev = title_el.get("Abbrev") or ""

    units: list[Unit] = []
    suppl_index = 0
    toc: tuple[str, ...] = ()
    for child in body:
        tag = child.tag
        if tag == "MainProvision":
            _walk(child, (), "main", 0, None, units)
        elif tag == "SupplProvision":
            suppl_index += 1
            amend = child.get("AmendLawNum")
            _walk(child, (_suppl_heading(child, amend),), "suppl", suppl_index, amend, units)
        elif tag in _APPENDIX_TAGS:
            units.append(_appendix_unit(child, "appendix", 0, None, ()))
        elif tag == "TOC":
            toc = tuple(_toc_lines(child))
    return Law(
        law_id=root.get("LawId") or None,
        law_num=law_num,
        title=text_of(title_el).strip(),
        title_kana=title_el.get("Kana") or None,
        abbrevs=tuple(a.strip() for a in abbrev.split(",") if a.strip()),
        law_type=root.get("LawType", ""),
        era=era,
        year=year,
        num=root.get("Num", ""),
        promulgation_date=promulgated,
        promulgation_year=western,
        toc=toc,
        units=tuple(units),
    )


def _walk(
    el: etree._Element,
    path: tuple[str, ...],
    kind: ProvisionKind,
    suppl_index: int,
    amend: str | None,
    out: list[Unit],
) -> None:
    """Collect the units below a provision, carrying the 編・章・節・款・目 path down."""
    loose: list[etree._Element] = []  # 項 that stand directly in the provision
    for child in el:
        tag = child.tag
        if tag == "Paragraph":
            loose.append(child)
            continue
        if loose:
            out.append(_paragraph_unit(loose, path, kind, suppl_index, amend))
            loose = []
        if tag == "Article":
            out.append(_article_unit(child, path, kind, suppl_index, amend))
        elif tag in _DIVISIONS:
            title_el = child.find(f"{tag}Title")
            title = text_of(title_el).strip() if title_el is not None else ""
            _walk(child, path + (title,) if title else path, kind, suppl_index, amend, out)
        elif tag in _APPENDIX_TAGS:
            out.append(_appendix_unit(child, kind, suppl_index, amend, path))
    if loose:
        out.append(_paragraph_unit(loose, path, kind, suppl_index, amend))


def _article_unit(
    el: etree._Element, path: tuple[str, ...], kind: ProvisionKind, suppl_index: int, amend: str | None
) -> Unit:
    caption_el = el.find("ArticleCaption")
    title_el = el.find("ArticleTitle")
    segments: list[Segment] = []
    for child in el:
        if child.tag == "Paragraph":
            segments.extend(_paragraph_segments(child))
        elif child.tag not in _SKIP_TAGS and isinstance(child.tag, str):
            lines: list[str] = []
            _render(child, lines)
            if lines:
                segments.append(Segment(None, None, "\n".join(lines)))
    return Unit(
        provision=kind,
        form="article",
        suppl_index=suppl_index,
        amend_law_num=amend,
        path=path,
        num=el.get("Num") or None,
        title=text_of(title_el).strip() if title_el is not None else "",
        caption=text_of(caption_el).strip() if caption_el is not None else "",
        segments=tuple(segments),
    )


def _paragraph_unit(
    paragraphs: list[etree._Element], path: tuple[str, ...], kind: ProvisionKind, suppl_index: int, amend: str | None
) -> Unit:
    segments = [s for p in paragraphs for s in _paragraph_segments(p)]
    caption_el = paragraphs[0].find("ParagraphCaption")
    return Unit(
        provision=kind,
        form="paragraphs",
        suppl_index=suppl_index,
        amend_law_num=amend,
        path=path,
        num=None,
        title="",
        caption=text_of(caption_el).strip() if caption_el is not None else "",
        segments=tuple(segments),
    )


def _appendix_unit(
    el: etree._Element, kind: ProvisionKind, suppl_index: int, amend: str | None, path: tuple[str, ...]
) -> Unit:
    """別表・様式・付録: one unit titled by its own title element (e.g. 別表第一)."""
    title = ""
    lines: list[str] = []
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag.endswith("Title") and not title:
            title = text_of(child).strip()
        elif tag == "RelatedArticleNum":
            rel = text_of(child).strip()
            if rel:
                lines.append(rel)
        else:
            _render(child, lines)
    return Unit(
        provision=kind if kind == "suppl" else "appendix",
        form="appendix",
        suppl_index=suppl_index,
        amend_law_num=amend,
        path=path,
        num=el.get("Num") or None,
        title=title or el.tag,
        caption="",
        segments=(Segment(None, None, "\n".join(lines) or "（内容なし）"),),
    )


def _paragraph_segments(p: etree._Element) -> list[Segment]:
    """A 項 becomes its lead text (number + sentences + tables) and one segment per 号."""
    num = _int_or_none(p.get("Num"))
    lead: list[str] = []
    segments: list[Segment] = []
    prefix = ""
    for child in p:
        tag = child.tag
        if not isinstance(tag, str) or tag == "ParagraphCaption":
            continue
        if tag == "ParagraphNum":
            prefix = text_of(child).strip()
        elif tag == "ParagraphSentence":
            line = _sentence_line(child)
            lead.append(f"{prefix}　{line}" if prefix else line)
            prefix = ""
        elif tag in _ITEM_TAGS:
            lines: list[str] = []
            _render_item(child, lines)
            segments.append(Segment(num, child.get("Num") or None, "\n".join(lines)))
        else:
            _render(child, lead)
    if lead or not segments:
        segments.insert(0, Segment(num, None, "\n".join(lead)))
    return segments


def _render_item(el: etree._Element, out: list[str]) -> None:
    """Render an 号 (or イ・ロ・ハ, (1)…) as '一　text' followed by its sub-items."""
    prefix = ""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in _PREFIX_TAGS:
            prefix = text_of(child).strip()
        elif tag.endswith("Sentence"):
            line = _sentence_line(child)
            out.append(f"{prefix}　{line}" if prefix else line)
            prefix = ""
        elif tag.startswith("Subitem") or tag.startswith("Sublist"):
            _render_item(child, out)
        else:
            _render(child, out)
    if prefix:  # an item with a title but no sentence ("一　削除" is a sentence; this is rarer)
        out.append(prefix)


def _render(el: etree._Element, out: list[str]) -> None:
    """Render any other block (tables, lists, figures, amendment text, remarks) as lines."""
    tag = el.tag
    if not isinstance(tag, str) or tag in _SKIP_TAGS:
        return
    if tag == "Sentence":
        out.append(text_of(el))
        return
    if tag.endswith("Sentence"):
        out.append(_sentence_line(el))
        return
    if tag == "TableRow":
        cells = []
        for col in el:
            if col.tag == "TableColumn":
                parts: list[str] = []
                for c in col:
                    _render(c, parts)
                cells.append(" ".join(p for p in parts if p))
        if any(cells):
            out.append(" | ".join(cells))
        return
    if tag == "Fig":
        out.append("［図］")
        return
    if tag.startswith("Item") or tag.startswith("Subitem") or tag in ("List", "Sublist1", "Sublist2", "Sublist3"):
        _render_item(el, out)
        return
    if len(el) == 0:
        text = text_of(el).strip()
        if text:
            out.append(text)
        return
    for child in el:
        _render(child, out)


def _sentence_line(el: etree._Element) -> str:
    """Join the Sentences of a …Sentence container; Columns (用語　定義) are joined by a space."""
    parts: list[str] = []
    for child in el:
        tag = child.tag
        if tag == "Sentence":
            parts.append(text_of(child))
        elif tag == "Column":
            parts.append("\u3000" + "".join(text_of(s) for s in child if s.tag == "Sentence"))
        elif isinstance(tag, str):
            lines: list[str] = []
            _render(child, lines)
            parts.append("".join(lines))
    return "".join(parts).lstrip("\u3000")


def text_of(el: etree._Element) -> str:
    """Text of an inline element: Ruby keeps its base text, readings (Rt) are dropped."""
    if len(el) == 0:
        text = el.text or ""
        return _NEWLINE_INDENT.sub("", text) if "\n" in text else text
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag != "Rt":
            parts.append(text_of(child))
        parts.append(child.tail or "")
    joined = "".join(parts)
    return _NEWLINE_INDENT.sub("", joined) if "\n" in joined else joined


def _toc_lines(toc: etree._Element) -> Iterable[str]:
    """Titles from the 目次 (law-level descriptors use them to route queries)."""
    for el in toc.iter():
        if isinstance(el.tag, str) and el.tag.endswith("Title"):
            text = text_of(el).strip()
            if text:
                yield text


def _suppl_heading(el: etree._Element, amend: str | None) -> str:
    label_el = el.find("SupplProvisionLabel")
    label = text_of(label_el).strip().replace("\u3000", "") if label_el is not None else "附則"
    return f"{label}（{amend}）" if amend else label


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
