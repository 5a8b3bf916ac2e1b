"""The answer without an LLM: the most relevant provisions and speeches quoted verbatim, each cited.

Quoting instead of paraphrasing means nothing in the answer can be
unsupported. When the evidence is thin the honest answer is
「資料からは分かりません」, with the nearest provisions offered for reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from govrag.answer.records import NO_EVIDENCE, Answer, AnswerCitation
from govrag.models import Chunk
from govrag.retrieval.search import SearchHit, SearchResult
from govrag.sources import registry
from govrag.sources.text import sentence_pieces

MAX_QUOTE_CHARS = 400
DELETED = "削除"  # the whole text of a repealed article that keeps its number

_OPTION_LINE = re.compile(r"^\s*(?:[A-Za-zＡ-Ｚａ-ｚア-ン][\s　.．、)）]|[①-⑳]\s*|[（(][0-9０-９A-Za-zア-ン]{1,2}[）)]\s*)")


def extractive_answer(
    result: SearchResult,
    coverage: Callable[[str, str], float],
    *,
    quotes: int = 3,
    min_coverage: float = 0.5,
) -> Answer:
    """Quote the top hits. `coverage(query, text)` is the share of what the query asks that a text
    contains: its words less the law names and provisions it cites (the citation found those; a law's
    title in a heading says nothing about what is asked of it) and less `REQUEST_TERMS` (`word_coverage`).
    It is 1.0 when nothing is left, so `coverage(query, "") == 1.0` means the query asks for nothing
    but what it names (「民法709条」「民法第709条はどういう規定か」).

    Evidence is measured on the bodies of the quoted units, never their headings:

    * a query citing provisions that exist is answered when the cited provisions (together) cover
      what it asks beyond the citation: 「民法709条の損害賠償の要件は」 is, 「民法709条に定める
      宇宙旅行の免許は」 is not; a bare citation is answered by quoting it;
    * a question listing choices (a, b, c …) is read once per choice, with its stem: it is covered
      when one reading is;
    * any other query is answered when it asks something and one of the top hits covers at least
      `min_coverage` of it, and its premises hold (no missing provision, no absent law unless a
      stored law is also cited).
    """
    top = result.hits[:quotes]
    cited = [h for h in top if h.via == "citation"]
    readings = alternatives(result.asked)  # the question less the names its hints matched

    def covered(text: str) -> float:  # a question offering choices is covered when one of them is
        return max(coverage(reading, text) for reading in readings)

    asks = covered("") < 1.0
    if cited:  # the provisions the question is about must say what it asks; all the parts cited count together
        evidence = covered("\n".join(h.chunk.body for h in cited))
    else:  # one quote, or the quoted provisions of one law together (a law's rule may span articles)
        evidence = max((covered(text) for text in _evidence_texts(top)), default=0.0) if asks else 0.0
    # The one rule for absent premises: a question about a provision or a law the store does not hold
    # is told so, and is never answered from another law. Only when it also cites a stored law (a
    # scope: the law results are from that law) is that law quoted, with the absent ones named beside it.
    absent_law = bool(result.unknown_laws or result.not_stored)
    premise_fails = bool(result.missing) or (absent_law and not result.scoped_to)
    supported = evidence >= min_coverage
    sufficient = (bool(cited) and supported) or (bool(top) and asks and supported and not premise_fails)
    citations = [cite(i + 1, h) for i, h in enumerate(top)]
    if sufficient:
        lines = [f"資料に基づく回答（{_excerpt(citations)}の抜粋）:"] + [f"[{c.n}] {c.label}：「{c.quote}」" for c in citations]
        lines += [f"（[{c.n}] {c.label} は削除されています。）" for c in citations if c.quote.strip() == DELETED]
        lines += [f"（[{i + 1}] と対になる発言: {'、'.join(c.label for c in h.linked)}）" for i, h in enumerate(top) if h.linked]
        if result.missing:
            lines.append(f"なお、{'、'.join(result.missing)} は資料の法令にありません。")
        lines += _absent_law_lines(result, prefix="なお、")
    else:
        lines = [NO_EVIDENCE]
        lines += [f"（{c.label} は削除されています。）" for c in citations if c.quote.strip() == DELETED]
        if standing := [h for h in cited if h.chunk.body.strip() != DELETED]:
            named = "、".join(dict.fromkeys(h.chunk.label for h in standing))
            lines.append(f"お尋ねの {named} には、質問の内容に当たる記述が見つかりませんでした（条番号をご確認ください）。")
        if result.missing:
            lines.append(f"{'、'.join(result.missing)} は資料の法令にありません（条番号・法令名をご確認ください）。")
        lines += _absent_law_lines(result)
        if citations:
            lines.append("参考（関連する可能性のある資料。質問の法令そのものではありません）:" if premise_fails
                         else "参考（関連する可能性のある資料）:")
            lines += [f"[{c.n}] {c.label}" for c in citations]
    return Answer(result.query, "\n".join(lines), sufficient, citations, round(evidence, 3),
                  timings_ms=result.timings_ms, warnings=result.warnings, applied_filters=result.applied_filters)


def alternatives(query: str) -> list[str]:
    """The readings of a question: itself, or, when it lists choices (lines starting a, b, c … / ア, イ … /
    ①, ② / (1), (2)), the question with each choice in turn. A choice question is answered by the text
    that bears out one of its choices; the other choices are often false on purpose, and their words
    are no part of what the answer has to hold."""
    lines = query.splitlines()
    options = [i for i, line in enumerate(lines) if _OPTION_LINE.match(line)]
    if len(options) < 2:
        return [query]
    stem = "\n".join(line for i, line in enumerate(lines) if i not in options)
    return [f"{stem}\n{_OPTION_LINE.sub('', lines[i], count=1)}" for i in options]


def _evidence_texts(top: list[SearchHit]) -> list[str]:
    """Each quoted body, and the bodies of the quoted provisions of each law that has several among them.
    Speeches and gazette entries stand alone: two speakers do not make one answer."""
    by_doc: dict[tuple[str, str], list[str]] = {}
    for h in top:
        if h.chunk.source in registry.names() and registry.get(h.chunk.source).units_combine:
            by_doc.setdefault((h.chunk.source, h.chunk.doc_id), []).append(h.chunk.body)
    return [h.chunk.body for h in top] + ["\n".join(bodies) for bodies in by_doc.values() if len(bodies) > 1]


def _absent_law_lines(result: SearchResult, prefix: str = "") -> list[str]:
    lines = []
    if result.not_stored:
        names = "、".join(result.not_stored)
        lines.append(f"{prefix}{names}は、このデータに収録されていない法令です（収録法令の一覧にはありますが、"
                     "本文がありません）。e-Gov法令検索で原文をご確認ください。")
    if result.unknown_laws:
        names = "、".join(f"「{n}」" for n in result.unknown_laws)
        lines.append(f"{prefix}{names}という名前の法令は資料（収録法令）に見当たりません。廃止・改称された法令か、"
                     "通称であれば正式名称でお尋ねください。")
    return lines


def _excerpt(citations: list[AnswerCitation]) -> str:
    """条文 when every quote is a provision, 発言 when every one is a speech, 原文 for a mix."""
    kinds = {registry.get(c.source).excerpt if c.source in registry.names() else "原文" for c in citations}
    return kinds.pop() if len(kinds) == 1 else "原文"


def cite(n: int, hit: SearchHit) -> AnswerCitation:
    """Source [n] of an answer (extractive or generated): its label, URL, id and a quote cut at whole units."""
    return AnswerCitation(n, hit.chunk.label, hit.chunk.url, hit.chunk.id, hit.chunk.source, _quote(hit.chunk))


def _quote(chunk: Chunk) -> str:
    """The body, or as much of it as fits `MAX_QUOTE_CHARS`, cut only where a unit ends: at a 項 of a
    provision (a 項 is never cut, so its ただし書 and 号 stay with it), at a sentence (。) or line end elsewhere.
    The first 項 or sentence is quoted whole even when it alone is longer; "…" marks what was left out."""
    body = chunk.body
    if len(body) <= MAX_QUOTE_CHARS:
        return body
    pieces = quote_pieces(chunk.source, body)
    quote = pieces[0]
    for piece in pieces[1:]:
        if len(quote) + len(piece) > MAX_QUOTE_CHARS:
            break
        quote += piece
    return body if len(quote) >= len(body) else quote.rstrip() + "…"


def quote_pieces(source: str, body: str) -> list[str]:
    """A unit's body in the pieces a quote may stop between: its source's own (a provision's 項), or
    sentences for a source the registry does not list."""
    return registry.get(source).quote_pieces(body) if source in registry.names() else sentence_pieces(body)
