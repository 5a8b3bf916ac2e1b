"""LLM query rewriting: an everyday-language question in statute vocabulary, plus a few sub-queries.

Optional (`query_rewrite`), because it costs one model call per question and its gain is
measured, not assumed (docs/answers.md). The original question is always searched too and
keeps its hints (a cited provision, a premise that fails); the rewrites only add candidates,
fused by reciprocal rank, so a bad rewrite can push a hit down but never invent one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from time import perf_counter

from llama_index.core.llms import LLM

from govrag.answer import llm as llms
from govrag.retrieval.search import SearchHit, SearchOptions, SearchResult

MAX_SUBQUERIES = 3
MAX_QUERY_CHARS = 120
REWRITE_WEIGHT = 0.7  # each rewrite's ranks count a little less than the user's own words

PROMPT = """次の質問を、日本の法令を検索するための検索語に書き換えてください。
日常の言葉は法令で使われる用語に置き換えます（例: お金を借りた→金銭消費貸借、クビ→解雇、家を借りる→建物の賃貸借）。
説明は書かず、次の形式の4行だけを出力してください。
法令用語: （質問を法令の用語で言い換えた1文）
検索1: （短い検索語）
検索2: （短い検索語）
検索3: （短い検索語）

質問: {question}"""

_LINE = re.compile(r"^[ \t　]*(?:[-・*][ \t　]*)?(法令用語|検索[ \t]*[0-9０-９]{1,2})[ \t　]*[:：][ \t　]*(.+?)[ \t　]*$", re.M)

Search = Callable[[str, SearchOptions], SearchResult]


@dataclass(frozen=True, slots=True)
class Rewrite:
    statute: str | None
    subqueries: tuple[str, ...]

    @property
    def queries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(q for q in (self.statute, *self.subqueries) if q))


def parse_rewrite(reply: str, question: str, limit: int = MAX_SUBQUERIES) -> Rewrite:
    """The labelled lines of the reply (at most `limit` sub-queries); anything else (a preamble, code
    fences) is ignored."""
    statute, subs = None, []
    for label, text in _LINE.findall(reply):
        text = text.strip("「」\"' 　").strip()[:MAX_QUERY_CHARS]
        if not text or text == question:
            continue
        if label == "法令用語":
            statute = statute or text
        elif len(subs) < limit and text not in subs:
            subs.append(text)
    return Rewrite(statute, tuple(subs))


def rewrite(model: LLM, question: str) -> Rewrite:
    """The model's rewrite; `LLMError` passes to the caller, which searches the question alone."""
    return parse_rewrite(llms.complete(model, PROMPT.format(question=question)), question)


def fused_search(search: Search, question: str, options: SearchOptions, model: LLM, *,
                 sent: str | None = None) -> SearchResult:
    """The question's own search, with the rewrites' hits fused in by weighted reciprocal rank. `sent` is
    the question as the model may see it (personal data masked for an external one)."""
    base = search(question, options)
    t0 = perf_counter()
    try:
        plan = rewrite(model, sent or question)
    except llms.LLMError as exc:
        return replace(base, warnings=(*base.warnings, f"検索語の書き換えに失敗しました（{exc.kind}）。元の質問だけで検索しました。"))
    timings = {**base.timings_ms, "rewrite": round((perf_counter() - t0) * 1000, 3)}
    if not plan.queries:
        return replace(base, timings_ms=timings)
    wide = replace(options, use_hints=False)  # hints come from the user's question only
    others = []
    for q in plan.queries:
        try:
            others.append(search(q, wide))
        except ValueError:  # a rewrite that is no query (only punctuation): the others still count
            continue
    hits = fuse([base.hits, *(r.hits for r in others)], [1.0, *([REWRITE_WEIGHT] * len(others))],
                k=options.k, rrf_k=options.rrf_k)
    note = "検索語を生成モデルで補いました: " + " / ".join(plan.queries)
    return replace(base, hits=hits, timings_ms=timings, warnings=(*base.warnings, note))


def fuse(rankings: list[list[SearchHit]], weights: list[float], *, k: int, rrf_k: int = 60) -> list[SearchHit]:
    """Weighted reciprocal-rank fusion by chunk id; exactly cited units stay first, in their order."""
    cited = [h for h in rankings[0] if h.via == "citation"]
    scores: dict[str, float] = {}
    first: dict[str, SearchHit] = {}
    for hits, weight in zip(rankings, weights):
        for rank, hit in enumerate(hits, start=1):
            scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + weight / (rrf_k + rank)
            first.setdefault(hit.chunk.id, hit)
    seen = {h.chunk.id for h in cited}
    rest = sorted((i for i in scores if i not in seen), key=lambda i: -scores[i])
    ordered = [*cited, *(replace(first[i], score=round(scores[i], 6)) for i in rest)]
    return [replace(h, rank=n) for n, h in enumerate(ordered[:k], start=1)]
