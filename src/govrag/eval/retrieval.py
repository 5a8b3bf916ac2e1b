"""Score a retriever on questions with gold units: hit@k and MRR per run.

A ranked list of chunks becomes a ranked list of unit keys — (law title, article)
for law chunks, ("speech", speechID) for Diet minutes chunks — so an article or a
speech split into several chunks counts once. A question counts only if at least
one of its gold units is in the index (`present`); the others are reported as
skipped, never silently dropped from the denominator.

Each unit also has a document: a law for an article, the meeting's minutes
(issueID, the speechID before its last "_") for a speech. The runner's "law" level
is that document level for law gold and "meeting" for speech gold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from govrag.eval.datasets import EvalQuestion
from govrag.eval.metrics import first_hit_rank
from govrag.models import Chunk
from govrag.sources import registry

Key = tuple[str, str]
KS = (1, 5, 10)


def unit_key(chunk: Chunk) -> Key:
    """What a gold names of a chunk: (law title, article number) for laws, ("speech", speechID) for
    minutes. A law chunk without an article number keys as (title, ""), as it always has. Gold keys
    do not tell 附則 from 本則 (the lawqa_jp headings rarely cite 附則), so neither does this."""
    try:
        first, second = registry.unit_key(chunk)
    except KeyError:  # a source the registry does not list: its document, as a law without an article
        first, second = chunk.doc_title, chunk.attrs.get("article_num")
    return first, str(second or "")


def doc_key(key: Key) -> str:
    """The document a unit belongs to: the law's title, or the meeting's minutes (issueID) of a speech."""
    return registry.owner(key).document_of(key)


def doc_level(keys: Iterable[Key]) -> str:
    """What the document level means for these gold keys: "meeting" when every key is a speech, "law"
    when any is an article (or there is none), as the owning sources name their documents."""
    levels = {registry.owner(k).eval_levels[0] for k in keys}
    default = registry.eval_levels()[0][0]
    return levels.pop() if len(levels) == 1 else default


def gold_keys(question: EvalQuestion, present: set[Key]) -> set[Key]:
    """The question's gold units (articles, speeches) that the index holds."""
    return {k for g in question.gold if (k := g.key) is not None} & present


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
    """Run `search` on each countable question; rank = position of the first gold unit (1-based)."""
    scores = RunScores(name)
    for q in questions:
        gold = gold_keys(q, present)
        if not gold:
            continue
        ranked = [unit_key(c) for c in search(q.query)]
        scores.ranks[q.qid] = first_hit_rank(ranked, set(gold))
    return scores


def markdown_table(runs: Sequence[RunScores]) -> str:
    lines = ["| run | questions | hit@1 | hit@5 | hit@10 | MRR |", "|---|---|---|---|---|---|"]
    for r in runs:
        hits = " | ".join(f"{r.hit_at(k):.3f}" for k in KS)
        lines.append(f"| {r.name} | {len(r.ranks)} | {hits} | {r.mrr:.3f} |")
    return "\n".join(lines)
