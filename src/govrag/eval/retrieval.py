"""Score a retriever on questions with gold (law, article) pairs: hit@k and MRR per run.

A ranked list of chunks becomes a ranked list of (law title, article) keys, so
an article split into several chunks counts once. A question counts only if at
least one of its gold articles is in the index (`present`); the others are
reported as skipped, never silently dropped from the denominator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from govrag.eval.datasets import EvalQuestion
from govrag.eval.metrics import first_hit_rank
from govrag.models import Chunk

Key = tuple[str, str]
KS = (1, 5, 10)


def article_key(chunk: Chunk) -> Key:
    """(law title, article number) of a law chunk. Gold keys do not tell 附則 from 本則 (the
    lawqa_jp headings rarely cite 附則), so neither does this."""
    return chunk.doc_title, str(chunk.attrs.get("article_num") or "")


def gold_keys(question: EvalQuestion, present: set[Key]) -> set[Key]:
    """The question's gold articles that the index holds."""
    return {(g.law_title, g.article_num) for g in question.gold if g.article_num} & present


@dataclass
class RunScores:
    name: str
    ranks: dict[str, int | None] = field(default_factory=dict)  # qid → first gold rank (None: not in the list)

    def hit_at(self, k: int) -> float:
        return sum(1 for r in self.ranks.values() if r is not None and r <= k) / len(self.ranks) if self.ranks else 0.0

    @property
    def mrr(self) -> float:
        return sum(1.0 / r for r in self.ranks.values() if r) / len(self.ranks) if self.ranks else 0.0


def score_run(
    name: str,
    questions: Sequence[EvalQuestion],
    search: Callable[[str], Iterable[Chunk]],
    present: set[Key],
) -> RunScores:
    """Run `search` on each countable question; rank = position of the first gold article (1-based)."""
    scores = RunScores(name)
    for q in questions:
        gold = gold_keys(q, present)
        if not gold:
            continue
        ranked = [article_key(c) for c in search(q.query)]
        scores.ranks[q.qid] = first_hit_rank(ranked, set(gold))
    return scores


def markdown_table(runs: Sequence[RunScores]) -> str:
    lines = ["| run | questions | hit@1 | hit@5 | hit@10 | MRR |", "|---|---|---|---|---|---|"]
    for r in runs:
        hits = " | ".join(f"{r.hit_at(k):.3f}" for k in KS)
        lines.append(f"| {r.name} | {len(r.ranks)} | {hits} | {r.mrr:.3f} |")
    return "\n".join(lines)
