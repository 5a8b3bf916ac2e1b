"""Statutory definitions: the terms a law defines for itself, read from its 本則 by three patterns.

A question about 「個人情報取扱事業者」 is answered by the provision that says what the
word means in that law, and a term defined in one law may mean something else in the
next, so each definition keeps its law, provision and scope. The patterns
(docs/definitions.md):

* ``とは`` — 「この法律において「X」とは、…をいう。」 (several terms in one sentence too:
  「「X」又は「Y」とは、それぞれ…をいう。」, 「「X」とは…をいい、「Y」とは…をいう。」);
* ``号`` — a 項 that says 「次の各号に掲げる用語の意義は、当該各号に定めるところによる。」,
  whose 号 read 「一　TERM　what it means」 (the XML's two Columns, joined by a full-width space);
* ``以下`` — an abbreviation in parentheses, 「…個人情報取扱事業者（以下「事業者」という。）」:
  the words right before the parenthesis are what the term stands for.

Pure functions over a law's chunks as the document store holds them; nothing here
reads files or the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from govrag.models import MAX_TERM, Chunk, Definition, Kind
from govrag.numerals import to_halfwidth_digits
from govrag.sources.laws.numbers import (
    item_num_to_title,
    item_title_to_num,
    paragraph_num_to_title,
)

#: The extraction rules' version: a stage built with other rules is redone (index/indexer stage names).
RULES_VERSION = "2"
#: A definition's text is the defining sentence, cut here (a whole 号 list can run to pages).
MAX_TEXT = 400

_PARAGRAPH_LINE = re.compile(r"○?([０-９0-9]+)\u3000")  # ○２: old laws' paragraph numbers
_KANJI_NUM = "[一二三四五六七八九十百千]+"
_ITEM_LINE = re.compile(rf"({_KANJI_NUM}(?:の{_KANJI_NUM})*)\u3000")
#: A 項 that introduces a list of terms: 「次の各号に掲げる用語の意義は」「左に掲げる用語は、次の定義に従う」
#: 「この編における用語の定義は、次の各号の定めるところによる」「用語のうち次の各号に掲げるものの意義は」.
_TERM_LIST = re.compile(
    r"(?:次|左)(?:の各号)?に掲げる用語(?:の(?:意義|定義))?(?:は|について)"
    r"|用語の(?:意義|定義)は、?(?:次|左)の各号|用語のうち(?:次|左)の各号に掲げるものの(?:意義|定義)"
    r"|(?:使用する|における)用語は、?(?:次|左)の定義"
)
#: What joins several terms that share one とは: 「X」、「Y」又は「Z」とは.
_JOINER = re.compile(r"(?:、|又は|若しくは|及び|並びに|或いは)$")
#: A definition says what the term means: …をいう / …をいい, …とする, 次に定めるところによる, …の例による.
_DEFINES = re.compile(r"い[うい]|とする|とし、|による")
#: Where a definition holds, as written before the term: この法律において, この法律で, 第三章において.
_SCOPE = re.compile(
    r"(この[^、。「」（）]{1,20}?)(?:（[^（）]*）)?(?:において|における|で)"
    r"|((?:前|次|同|第)[^、。「」（）]{0,30}?)(?:（[^（）]*）)?(?:において|における)"
)
#: Terms one 号 defines together, 「職員、組合又は連合会　それぞれ…」: split where the meaning says それぞれ.
_SEVERAL = re.compile(r"、|又は|若しくは|及び|並びに")
_ABBREV = re.compile(
    r"「([^「」]{1,60})」((?:(?:、|又は|若しくは|及び|並びに)「[^「」]{1,60}」)*)"
    r"(?:という|と総称する|と略称する|と称する)。?）"
)
_QUOTED = re.compile(r"「([^「」]+)」")
#: A definiens that goes on in the 号 below it: 「次の各号のいずれかに該当するもの」「次に掲げるもの」「当該各号に定める額」.
_LISTS = re.compile(r"次(?:の各号)?(?:に掲げる|のいずれか)|当該各号")
_SPACES = re.compile(r"\s+")


# -- a law's provisions, line by line ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    chunk: Chunk
    paragraph: int | None
    item: str | None
    #: Whether the line opens its 号 ("一　…"); sub-items (イ, (1)) and a 項's lead do not.
    item_head: bool
    text: str  # without its 項 or 号 number
    raw: str


def _units(chunks: Iterable[Chunk]) -> Iterator[list[Chunk]]:
    """The 本則 articles (or 項-only provisions) of a law, each as its chunks in order."""
    unit: list[Chunk] = []
    for chunk in chunks:
        if chunk.attrs.get("provision") != "本則":
            continue
        if unit and chunk.attrs.get("part") == 1:
            yield unit
            unit = []
        unit.append(chunk)
    if unit:
        yield unit


def _lines(unit: Sequence[Chunk]) -> list[_Line]:
    """Each line with the 項 and 号 it belongs to: a chunk starts where its attrs say, and a line
    that opens with a number (「２　」 a 項, 「三　」 a 号) moves on. A sentence too long for one
    chunk is cut mid-line by the chunker; its two halves are joined again here."""
    out: list[_Line] = []
    for chunk in unit:
        paragraph = chunk.attrs.get("paragraph_from")
        item = chunk.attrs.get("item_from")
        for n, raw in enumerate(chunk.body.split("\n")):
            if n == 0 and out and _continues(out[-1], paragraph, item, raw):
                last = out[-1]
                out[-1] = _Line(last.chunk, last.paragraph, last.item, last.item_head, last.text + raw, last.raw + raw)
                continue
            text, head = raw, False
            if (m := _PARAGRAPH_LINE.match(raw)) is not None:
                paragraph, item, text = int(to_halfwidth_digits(m.group(1))), None, raw[m.end():]
            elif (m := _ITEM_LINE.match(raw)) is not None:
                try:
                    item, text, head = item_title_to_num(m.group(1)), raw[m.end():], True
                except ValueError:
                    pass
            out.append(_Line(chunk, paragraph, item, head, text, raw))
    return out


_HEAD = re.compile(r"(?:○?[０-９0-9]+|[一二三四五六七八九十百千]+(?:の[一二三四五六七八九十百千]+)*|[ァ-ヶ]|[（(][^）)]{1,6}[）)])\u3000")


def _continues(last: _Line, paragraph: int | None, item: str | None, first: str) -> bool:
    """Whether a chunk's first line is the rest of the previous chunk's last line: same 項 and 号,
    the last line stopped short of a 。 or inside a parenthesis, and this one opens no 項, 号 or
    イ・(1) of its own."""
    cut = not last.raw.endswith("。") or last.raw.count("（") > last.raw.count("）")
    return (last.paragraph, last.item) == (paragraph, item) and cut \
        and not _HEAD.match(first) and " | " not in first and " | " not in last.raw


def _provision(chunk: Chunk, paragraph: int | None, item: str | None, one_paragraph: bool) -> str:
    """第二条第三項第一号, as the law itself cites it: an article of one 項 is cited without 第一項."""
    title = str(chunk.attrs.get("article_title") or "")
    out = title
    if paragraph is not None and not one_paragraph:
        out += paragraph_num_to_title(paragraph)
    if item is not None:
        try:
            out += item_num_to_title(item)
        except ValueError:
            out += f"第{item}号"
    return out or "本則"


def _url(chunk: Chunk, paragraph: int | None, item: str | None) -> str:
    """The chunk's own e-Gov URL, its fragment narrowed to the 項 (and 号) of the definition in the
    chunker's anchor form (Mp-At_2-Pr_5-It_3) when the chunk starts elsewhere; a provision without
    an article anchor keeps the chunk's."""
    anchor = str(chunk.attrs.get("anchor") or "")
    at_start = (paragraph, item) == (chunk.attrs.get("paragraph_from"), chunk.attrs.get("item_from"))
    if at_start or "#" not in chunk.url or "-At_" not in anchor or paragraph is None:
        return chunk.url
    fragment = anchor.split("-Pr_")[0] + f"-Pr_{paragraph}" + (f"-It_{item}" if item else "")
    return chunk.url.split("#")[0] + "#" + fragment


# -- reading sentences ---------------------------------------------------------------------------------


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: a 。 ends one only outside parentheses and quotes."""
    spans: list[tuple[int, int]] = []
    depth = quote = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "「":
            quote += 1
        elif ch == "」" and quote:
            quote -= 1
        elif ch == "（" and not quote:
            depth += 1
        elif ch == "）" and depth and not quote:
            depth -= 1
        elif ch == "。" and depth == 0 and quote == 0:
            spans.append((start, i + 1))
            start = i + 1
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _top_level(sentence: str) -> str:
    """The sentence with every parenthesised aside blanked out (same length, so offsets hold):
    a 「とは」 or an 「いう」 inside （…） belongs to the aside, not to the sentence."""
    out = []
    depth = quote = 0
    for ch in sentence:
        if ch == "「" and depth == 0:
            quote += 1
        elif ch == "」" and depth == 0 and quote:
            quote -= 1
        if ch == "（" and not quote:
            depth += 1
        out.append("＿" if depth else ch)
        if ch == "）" and depth and not quote:
            depth -= 1
    return "".join(out)


def _clip(text: str, around: int | None = None) -> str:
    """At most MAX_TEXT characters; a long sentence keeps the part that ends at `around`."""
    text = text.strip()
    if len(text) <= MAX_TEXT:
        return text
    if around is not None and around > MAX_TEXT - 1:
        return "…" + text[around - (MAX_TEXT - 1):around]
    return text[: MAX_TEXT - 1] + "…"


def _term(raw: str) -> str | None:
    term = raw.strip().strip("\u3000")
    if not term or len(term) > MAX_TERM or any(c in term for c in "。\n「」"):
        return None
    return term


def _scope(before: str) -> str | None:
    """The last 「…において」 before the term (この法律, 第三章, 以下この条 → この条)."""
    found = None
    for found in _SCOPE.finditer(before):
        pass
    if found is None:
        return None
    return found.group(1) or found.group(2)


def _toha(sentence: str) -> Iterator[tuple[list[str], str | None, int, int]]:
    """(terms, scope, start, end) of each 「X」とは in a sentence that says what X means (…をいう):
    the definiens runs from とは to the next defined term or the sentence's end."""
    flat = _top_level(sentence)
    quoted = _quote_depths(sentence)
    heads: list[tuple[int, int, list[str]]] = []  # (start of the first quote, end of とは, terms)
    for m in re.finditer(r"」とは", flat):
        end_quote = m.start()
        terms: list[str] = []
        start = end_quote + 1
        cursor = end_quote
        while True:
            open_ = flat.rfind("「", 0, cursor)
            if open_ < 0:
                break
            terms.insert(0, sentence[open_ + 1:cursor])
            start = open_
            joiner = _JOINER.search(flat[:open_])
            if joiner is None or not flat[: joiner.start()].endswith("」"):
                break
            cursor = joiner.start() - 1
        if terms and not quoted[start]:  # a 「…」とは inside quoted text is another provision's
            heads.append((start, m.end(), terms))
    scope = _scope(sentence[: heads[0][0]]) if heads else None  # said once, before the first term
    for i, (start, after, terms) in enumerate(heads):
        stop = heads[i + 1][0] if i + 1 < len(heads) else len(sentence)
        if not _DEFINES.search(flat[after:stop]):
            continue
        yield terms, scope, start, stop


def _abbreviations(sentence: str) -> Iterator[tuple[list[str], str | None, int]]:
    """(terms, scope, end of the parenthesis) of each 「（以下「X」という。）」 in a sentence."""
    quoted = _quote_depths(sentence)
    for m in _ABBREV.finditer(sentence):
        open_ = _opening(sentence, m.start())
        # Not an aside; nothing before it for the term to stand for; or inside quoted text (「…」とあるのは:
        # another provision's words, read otherwise here).
        if open_ is None or open_ == 0 or quoted[open_]:
            continue
        terms = [m.group(1), *_QUOTED.findall(m.group(2))]
        inside = sentence[open_ + 1:m.start()].split("。")[-1]  # （平成十年法律第百五号。以下「法」という。）
        if "以下" in inside:  # （第五項を除き、以下この条において単に「X」という。）
            inside = inside[inside.rindex("以下"):]
        where, said, _ = inside.partition("において")
        scope = where.removeprefix("以下") if said else ("以下" if inside.startswith("以下") else None)
        yield terms, scope or None, m.end()


def _quote_depths(text: str) -> list[int]:
    """How deep in 「」 each character is (an opening 「 counts as outside)."""
    depths, depth = [], 0
    for ch in text:
        if ch == "」" and depth:
            depth -= 1
        depths.append(depth)
        if ch == "「":
            depth += 1
    return depths


def _opening(text: str, end: int) -> int | None:
    """The （ that the aside ending after `end` opened with: the nearest unclosed one before `end`."""
    depth = 0
    for i in range(end - 1, -1, -1):
        ch = text[i]
        if ch == "）":
            depth += 1
        elif ch == "（":
            if depth == 0:
                return i
            depth -= 1
    return None


# -- a law's definitions -------------------------------------------------------------------------------


def law_definitions(chunks: Iterable[Chunk]) -> list[Definition]:
    """Every definition in a law's 本則, in the order of the text (附則 and 別表 are left out)."""
    found: list[Definition] = []
    seen: set[tuple[str, str, str]] = set()
    for unit in _units(chunks):
        for d in _unit_definitions(unit):
            if (d.term, d.kind, d.provision) not in seen:
                seen.add((d.term, d.kind, d.provision))
                found.append(d)
    return found


def _unit_definitions(unit: Sequence[Chunk]) -> Iterator[Definition]:
    lines = _lines(unit)
    one_paragraph = max((ln.paragraph or 1 for ln in lines), default=1) == 1
    list_scope: dict[int | None, str | None] = {}  # 項 whose lead introduces a list of terms → its scope
    lead_scope: dict[int | None, str | None] = {}  # each 項's lead scope, inherited by its 号

    def make(term: str, kind: Kind, text: str, scope: str | None, line: _Line) -> Definition | None:
        clean = _term(term)
        if clean is None:
            return None
        chunk = line.chunk
        return Definition(
            term=clean, kind=kind, text=text, scope=scope, doc_id=chunk.doc_id, version=chunk.version,
            law_title=chunk.doc_title, law_id=chunk.attrs.get("law_id"),
            provision=_provision(chunk, line.paragraph, line.item, one_paragraph), chunk_id=chunk.id,
            url=_url(chunk, line.paragraph, line.item),
        )

    for index, line in enumerate(lines):
        if line.item is None and line.paragraph not in lead_scope:
            first = _sentences(line.text)[:1]
            lead = line.text[first[0][0]:first[0][1]] if first else ""
            lead_scope[line.paragraph] = _scope(lead.split("「")[0])
            if _TERM_LIST.search(line.text):
                list_scope[line.paragraph] = lead_scope[line.paragraph]
        if line.item_head and line.paragraph in list_scope and "」とは" not in line.text:
            term, sep, meaning = line.text.partition("\u3000")
            if sep and meaning.strip():
                text = _clip("\n".join([meaning, *_sub_lines(lines, index)]))
                terms = _SEVERAL.split(term) if meaning.startswith("それぞれ") else [term]
                for one in terms:
                    if (d := make(one, "号", text, list_scope[line.paragraph], line)) is not None:
                        yield d
        for s, e in _sentences(line.text):
            sentence = line.text[s:e]
            for terms, scope, start, stop in _toha(sentence):
                text = sentence[start:stop] if len(terms) == 1 and stop < len(sentence) else sentence
                if _LISTS.search(text):
                    text = "\n".join([text, *_following(lines, index)])
                if scope is None and line.item is not None:
                    scope = lead_scope.get(line.paragraph)
                for term in terms:
                    if (d := make(term, "とは", _clip(text), scope, line)) is not None:
                        yield d
            for terms, scope, end in _abbreviations(sentence):
                for term in terms:
                    if (d := make(term, "以下", _clip(sentence, end), scope, line)) is not None:
                        yield d


def _sub_lines(lines: Sequence[_Line], index: int) -> list[str]:
    """The lines under a 号 (its イ, ロ …), up to the next 号 or 項."""
    out = []
    here = lines[index]
    for line in lines[index + 1:]:
        if line.item_head or line.paragraph != here.paragraph or line.item != here.item:
            break
        out.append(line.text)
    return out


def _following(lines: Sequence[_Line], index: int) -> list[str]:
    """The 号 (and sub-items) a sentence lists 「次の各号に掲げる…」: the rest of its 項, or of its 号."""
    here = lines[index]
    out = []
    for line in lines[index + 1:]:
        if line.paragraph != here.paragraph or (here.item is not None and line.item != here.item):
            break
        out.append(line.raw)
    return out
