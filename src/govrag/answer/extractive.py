"""The answer without an LLM: the most relevant provisions and speeches quoted verbatim, each cited.

Quoting instead of paraphrasing means nothing in the answer can be
unsupported. When the evidence is thin the honest answer is
「資料からは分かりません」, with the nearest provisions offered for reference.
"""

from __future__ import annotations

from collections.abc import Callable

from govrag.answer.records import NO_EVIDENCE, Answer, AnswerCitation
from govrag.retrieval.search import SearchHit, SearchResult
from govrag.sources import registry

MAX_QUOTE_CHARS = 400
DELETED = "削除"  # the whole text of a repealed article that keeps its number


def extractive_answer(
    result: SearchResult,
    coverage: Callable[[str, str], float],
    *,
    quotes: int = 3,
    min_coverage: float = 0.5,
) -> Answer:
    """Quote the top hits. `coverage(query, text)` is the share of the query's terms found in a text.

    Evidence is sufficient when the query named a provision that exists, or when
    one of the top hits covers at least `min_coverage` of the query's terms.
    """
    top = result.hits[:quotes]
    cited = any(h.via == "citation" for h in top)
    evidence = 1.0 if cited else max((coverage(result.query, h.chunk.text) for h in top), default=0.0)
    citations = [_cite(i + 1, h) for i, h in enumerate(top)]
    # The one rule for absent premises: a question about a provision or a law the store does not hold
    # is told so, and is never answered from another law. Only when it also cites a stored law (a
    # scope: the law results are from that law) is that law quoted, with the absent ones named beside it.
    absent_law = bool(result.unknown_laws or result.not_stored)
    premise_fails = bool(result.missing) or (absent_law and not result.scoped_to)
    sufficient = bool(top) and (cited or (evidence >= min_coverage and not premise_fails))
    if sufficient:
        lines = [f"資料に基づく回答（{_excerpt(citations)}の抜粋）:"] + [f"[{c.n}] {c.label}：「{c.quote}」" for c in citations]
        lines += [f"（[{c.n}] {c.label} は削除されています。）" for c in citations if c.quote.strip() == DELETED]
        lines += [f"（[{i + 1}] と対になる発言: {'、'.join(c.label for c in h.linked)}）" for i, h in enumerate(top) if h.linked]
        if result.missing:
            lines.append(f"なお、{'、'.join(result.missing)} は資料の法令にありません。")
        lines += _absent_law_lines(result, prefix="なお、")
    else:
        lines = [NO_EVIDENCE]
        if result.missing:
            lines.append(f"{'、'.join(result.missing)} は資料の法令にありません（条番号・法令名をご確認ください）。")
        lines += _absent_law_lines(result)
        if citations:
            lines.append("参考（関連する可能性のある資料。質問の法令そのものではありません）:" if premise_fails
                         else "参考（関連する可能性のある資料）:")
            lines += [f"[{c.n}] {c.label}" for c in citations]
    return Answer(result.query, "\n".join(lines), sufficient, citations, round(evidence, 3),
                  timings_ms=result.timings_ms, warnings=result.warnings, applied_filters=result.applied_filters)


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


def _cite(n: int, hit: SearchHit) -> AnswerCitation:
    body = hit.chunk.body
    quote = body if len(body) <= MAX_QUOTE_CHARS else body[:MAX_QUOTE_CHARS] + "…"
    return AnswerCitation(n, hit.chunk.label, hit.chunk.url, hit.chunk.id, hit.chunk.source, quote)
