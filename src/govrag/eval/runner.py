"""Run a suite against the service: one search per (question, run), scored for retrieval and answer.

Each question yields a `Record` — what was asked, the gold, what came back, the
answer's verdicts, per-stage timings — so a report can show *why* a question
failed, and metrics are computed from records, never kept separately.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from govrag.answer.generate import premise_notes
from govrag.answer.records import Answer
from govrag.eval.choice import answer_choice, parse_choices
from govrag.eval.datasets import EvalQuestion
from govrag.eval.metrics import dedupe, first_hit_rank, ndcg_at_k, recall_at_k
from govrag.eval.retrieval import Key, doc_key, doc_level, gold_keys, unit_key
from govrag.sources import registry
from govrag.eval.suite import Suite
from govrag.index.docstore import DocStore
from govrag.retrieval.search import SearchResult
from govrag.service import Service

KS = (1, 5, 10)
QUOTES = 5  # hits an answer may quote from (as /ask's default k)
_QUOTED = re.compile(r"\[(\d+)\] [^「\n]*：「(.*?)」(?:\n|$)", re.S)


@dataclass
class Record:
    dataset: str
    run: str
    qid: str
    question: str
    tags: list[str]
    answerable: bool
    gold: list[str]  # "民法 709" or "speech 121703815X00120250214_012" — every gold unit, as the dataset gives it
    gold_in_index: list[str]  # the ones the index holds (the only ones retrieval is scored on)
    retrieved: list[str]  # distinct units, best first ("民法 709", "speech …")
    article_rank: int | None  # rank of the first gold unit: an article, or a speech
    law_rank: int | None  # rank of the first gold document: a law, or a speech's meeting (see `doc_level`)
    refused: bool
    citations: list[str]
    #: The search found nothing wrong with the question's premise (every law and provision it names is
    #: stored): refusing it is a false abstention in `answer.false_abstention_held`.
    premise_holds: bool = True
    invalid_citations: list[str] = field(default_factory=list)  # cited ids/labels/URLs the store does not back
    unsupported_quotes: list[str] = field(default_factory=list)  # quoted text not found in the cited chunk
    citation_hits: int = 0  # citations whose article is gold
    timings_ms: dict[str, float] = field(default_factory=dict)
    choice: str | None = None  # the LLM's option letter (multiple choice, when an LLM is configured)
    choice_text: str | None = None  # that option's content: order consistency compares contents
    choice_correct: bool | None = None
    mode: str = "extractive"  # the answer delivered: "generated", or "extractive" (no model, or its answer refused)
    generated: bool = False  # the model wrote an answer (delivered or not)
    raw_sentences: int = 0  # sentences of the model's answer the verifier checked
    raw_unsupported: int = 0  # … of which unsupported by the sources they cite
    raw_failed: bool = False  # the model's answer failed verification (any check)
    verification: list[str] = field(default_factory=list)  # its failures, one line each
    raw_answer: str | None = None  # the model's own text (kept for labelling the verifier's verdicts)
    sentences: list[dict[str, Any]] = field(default_factory=list)  # the verifier's sentence checks
    given: list[str] = field(default_factory=list)  # the sources as the model saw them, in [n] order
    notes: list[str] = field(default_factory=list)  # the premise notes the model was given (確認事項)

    @property
    def scored(self) -> bool:
        return bool(self.gold_in_index)

    @property
    def hallucinated(self) -> bool:
        """The delivered answer has a citation the store does not back, a quote not in its source, or (a
        generated one) a sentence or quote the verifier found unsupported."""
        delivered_failed = self.mode == "generated" and self.raw_failed
        return bool(self.invalid_citations or self.unsupported_quotes or delivered_failed)

    @property
    def delivered_sentences(self) -> int:
        return self.raw_sentences if self.mode == "generated" else 0

    @property
    def delivered_unsupported(self) -> int:
        return self.raw_unsupported if self.mode == "generated" else 0

    @property
    def doc_level(self) -> str:
        """What `law_rank` ranks: "law" for law gold, "meeting" (the speech's minutes) for speech gold."""
        return doc_level(_key(g) for g in self.gold)

    def miss_reason(self) -> str | None:
        if not self.answerable:
            return None if self.refused else "answered a question that has no answer in the sources"
        if not self.gold_in_index:
            return "gold not in the index: " + ", ".join(self.gold) if self.gold else "no gold given"
        if self.article_rank is not None and self.article_rank <= 10:
            return None
        doc, unit = next(lv for lv in registry.eval_levels() if lv[0] == self.doc_level)
        if self.law_rank is None or self.law_rank > 10:
            return f"gold {doc} not among the {doc}s of the top results"
        return f"gold {doc} found (rank {self.law_rank}), gold {unit} not in the top 10"


def _label(key: Key) -> str:
    return f"{key[0]} {key[1]}"


def evaluate_question(
    service: Service, dataset: str, run: str, q: EvalQuestion, result: SearchResult, present: set[Key],
    llm: Any = None, *, generate: bool = True,
) -> Record:
    """Score one search (and the answer made from its top hits) against the question's gold.

    Units are compared by `unit_key` (law article or speech); the document level is the law of an
    article and the meeting (issueID) of a speech."""
    ranked = dedupe(unit_key(h.chunk) for h in result.hits)
    gold = [k for g in q.gold if (k := g.key) is not None]
    in_index = gold_keys(q, present)
    docs = dedupe(doc_key(k) for k in ranked)  # type: ignore[arg-type]
    top = replace(result, hits=result.hits[:QUOTES])
    answer, trace = service.answer_traced(top) if generate else (service.extractive(top), None)
    invalid, unsupported = check_citations(answer, service.docstore)
    cited_keys = [unit_key(h.chunk) for h in result.hits[: len(answer.citations)]]
    choice = choice_text = correct = None
    if llm is not None and q.choices:
        budget = service.settings.llm_sources * service.settings.llm_source_chars
        choice, _ = answer_choice(llm, q.question, q.choices, [h.chunk for h in result.hits[:QUOTES]], budget)
        choice_text = parse_choices(q.choices).get(choice) if choice else None
        correct = choice is not None and choice == q.answer.strip().lower()
    return Record(
        dataset=dataset, run=run, qid=q.qid, question=q.question, tags=list(q.tags), answerable=q.answerable,
        gold=[_label(k) for k in gold] + [f"{g.law_title} (whole document)" for g in q.gold if g.key is None],
        gold_in_index=[_label(k) for k in sorted(in_index)],
        retrieved=[_label(k) for k in ranked[:20]],  # type: ignore[arg-type]
        article_rank=first_hit_rank(ranked, set(in_index)) if in_index else None,
        law_rank=first_hit_rank(docs, {doc_key(k) for k in in_index}) if in_index else None,
        refused=not answer.sufficient,
        premise_holds=not result.absent,
        citations=[f"{c.label} {c.url}" for c in answer.citations],
        invalid_citations=invalid, unsupported_quotes=unsupported,
        citation_hits=sum(1 for k in cited_keys if k in in_index) if answer.sufficient else 0,
        timings_ms=dict(result.timings_ms), choice=choice, choice_text=choice_text, choice_correct=correct,
        mode=answer.mode, generated=(v := answer.verification) is not None,
        raw_sentences=len(v.sentences) if v else 0, raw_unsupported=v.unsupported if v else 0,
        raw_failed=bool(v and not v.passed), verification=list(v.failures) if v else [],
        raw_answer=trace.raw if trace is not None else None, sentences=[asdict(c) for c in v.sentences] if v else [],
        given=list(trace.given) if trace is not None and v else [],
        notes=list(premise_notes(result)) if v else [],
    )


def check_citations(answer: Answer, docstore: DocStore) -> tuple[list[str], list[str]]:
    """Citations the store does not back (unknown chunk, or label/URL that differ from it), and quoted
    text that is not in the chunk it cites. For an extractive answer both must be empty; for a
    generated one they are its fabricated citations and unsupported quotes."""
    chunks = {c.id: c for c in docstore.chunks_by_id([c.chunk_id for c in answer.citations])}
    invalid = [
        f"[{c.n}] {c.label}" for c in answer.citations
        if (stored := chunks.get(c.chunk_id)) is None or stored.label != c.label or stored.url != c.url
    ]
    by_n = {c.n: chunks.get(c.chunk_id) for c in answer.citations}
    unsupported = []
    if answer.sufficient:
        for n, quote in _QUOTED.findall(answer.text):
            stored = by_n.get(int(n))
            if stored is None or quote.removesuffix("…") not in stored.body:
                unsupported.append(f"[{n}] {quote[:40]}")
    return invalid, unsupported


def present_keys(docstore: DocStore, questions: Iterable[EvalQuestion]) -> set[Key]:
    """The gold units the store holds, each asked of the source that owns it (a law's articles, a speech
    in its own meeting). A gold unit the store lacks is reported as not in the index, never as a miss."""
    wanted: dict[str, set[Key]] = {}
    for q in questions:
        for g in q.gold:
            if (key := g.key) is not None:
                wanted.setdefault(registry.owner(key).name, set()).add(key)
    return {k for name, keys in wanted.items() for k in registry.get(name).held_units(docstore, keys)}


def run_suite(
    service: Service,
    suite: Suite,
    *,
    limit: int | None = None,
    on_question: Callable[[], None] | None = None,
    llm: Any = None,
    sample: int | None = None,
) -> tuple[list[Record], dict[str, int]]:
    """Every run on every dataset; returns the records and each dataset's question count. `sample` takes
    that many questions spread evenly over each set (every kind of question, where `limit` takes the first)."""
    records: list[Record] = []
    sizes: dict[str, int] = {}
    for name, dataset in suite.datasets.items():
        questions = spread(dataset.load(), sample)[:limit]
        sizes[name] = len(questions)
        present = present_keys(service.docstore, questions)
        for run, options in suite.runs.items():
            if dataset.source:
                options = replace(options, filters=replace(options.filters, source=dataset.source))
            rewrite = run in suite.rewrites
            for q in questions:
                result = service.search(q.query, options, rewrite=rewrite)
                records.append(evaluate_question(service, name, run, q, result, present,
                                                 llm if dataset.choose else None, generate=dataset.generate))
                if on_question:
                    on_question()
    return records, sizes


def spread(items: Sequence[EvalQuestion], n: int | None) -> list[EvalQuestion]:
    """`n` items evenly spaced over the sequence (all of them when n is None or not smaller)."""
    if n is None or n >= len(items):
        return list(items)
    return [items[i * len(items) // n] for i in range(n)]


# ---- metrics from records -------------------------------------------------------------------------


def metrics(records: Sequence[Record]) -> dict[str, float | int | None]:
    """Retrieval at unit and document level (over questions whose gold the index holds), answer verdicts
    and latency. A metric with nothing to measure is None, never 0.

    `article.*` is the unit level: the gold article, or the gold speech. The document level is `law.*`
    for questions with law gold and `meeting.*` (the speech's minutes, issueID) for questions with
    speech gold; a meeting is not a law, so the two are never pooled, and `meeting.*` appears only
    when some scored record has speech gold (law datasets keep exactly their old keys)."""
    scored = [r for r in records if r.scored]
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    answered = [r for r in records if not r.refused]
    cited = sum(len(r.citations) for r in answered if r.answerable and r.scored)
    out: dict[str, float | int | None] = {
        "questions": len(records), "scored": len(scored), "unscored": len(answerable) - len(scored),
    }
    levels: list[tuple[str, list[int | None]]] = [
        ("article", [r.article_rank for r in scored]),
        ("law", [r.law_rank for r in scored if r.doc_level == "law"]),
    ]
    for other in dict.fromkeys(r.doc_level for r in scored if r.doc_level != "law"):  # meeting, issue …
        levels.append((other, [r.law_rank for r in scored if r.doc_level == other]))
    for level, ranks in levels:
        for k in KS:
            out[f"{level}.hit@{k}"] = _mean([1.0 if x is not None and x <= k else 0.0 for x in ranks])
        out[f"{level}.mrr"] = _mean([1.0 / x if x else 0.0 for x in ranks])
    out["article.recall@10"] = _mean([_recall(r) for r in scored])
    out["article.ndcg@10"] = _mean([_ndcg(r) for r in scored])
    out["answer.false_abstention"] = _mean([1.0 if r.refused else 0.0 for r in answerable])
    # The same over questions whose every named law and provision the store holds: a question about a law
    # the data lacks (金融商品取引法 in the 2020 archive) is refused by design, and says which law is missing.
    out["answer.false_abstention_held"] = _mean([1.0 if r.refused else 0.0 for r in answerable if r.premise_holds])
    out["answer.correct_refusal"] = _mean([1.0 if r.refused else 0.0 for r in unanswerable])
    out["answer.hallucination_rate"] = _mean([1.0 if r.hallucinated else 0.0 for r in answered])
    out["answer.citation_precision"] = sum(r.citation_hits for r in answered if r.answerable and r.scored) / cited if cited else None
    generated = [r for r in records if r.generated]
    out["answer.generated"] = len(generated)
    # The model's own answers, before verification: a KPI that can fail (the extractive answer cannot).
    out["answer.raw_hallucination_rate"] = _mean([1.0 if r.raw_failed else 0.0 for r in generated])
    out["answer.raw_unsupported_sentences"] = _ratio(sum(r.raw_unsupported for r in generated),
                                                     sum(r.raw_sentences for r in generated))
    # What users got: generated answers that passed (or, under the "warn" policy, were delivered flagged).
    delivered = [r for r in records if r.mode == "generated"]
    out["answer.delivered_unsupported_sentences"] = _ratio(sum(r.delivered_unsupported for r in delivered),
                                                           sum(r.delivered_sentences for r in delivered))
    chosen = [r for r in records if r.choice_correct is not None]
    out["answer.mc_accuracy"] = _mean([1.0 if r.choice_correct else 0.0 for r in chosen])  # None: no LLM ran
    out["answer.mc_order_consistency"] = _order_consistency(chosen)
    for stage in sorted({s for r in records for s in r.timings_ms}):
        values = [r.timings_ms[stage] for r in records if stage in r.timings_ms]
        out[f"latency.{stage}.p50_ms"] = _pct(values, 50)
        out[f"latency.{stage}.p95_ms"] = _pct(values, 95)
    totals = [sum(r.timings_ms.values()) for r in records]
    out["latency.total.p50_ms"] = _pct(totals, 50)
    out["latency.total.p95_ms"] = _pct(totals, 95)
    return out


def _order_consistency(records: Sequence[Record]) -> float | None:
    """Share of questions asked in several option orders (same qid) whose chosen option content never changed."""
    groups: dict[tuple[str, str], set[str | None]] = {}
    counts: dict[tuple[str, str], int] = {}
    for r in records:
        key = (r.dataset, r.qid)
        groups.setdefault(key, set()).add(r.choice_text)
        counts[key] = counts.get(key, 0) + 1
    repeated = [k for k, n in counts.items() if n > 1]
    return _mean([1.0 if len(groups[k]) == 1 and None not in groups[k] else 0.0 for k in repeated])


def by_tag(records: Sequence[Record]) -> dict[str, dict[str, float | int | None]]:
    """article.hit@10 and counts per tag (questions carry several tags; each counts in each);
    meeting.hit@10 too where the tag has questions with speech gold."""
    tags = sorted({t for r in records for t in r.tags})
    out = {}
    for tag in tags:
        subset = [r for r in records if tag in r.tags]
        m = metrics(subset)
        out[tag] = {k: m[k] for k in ("questions", "scored", "article.hit@10", "law.hit@10", "meeting.hit@10",
                                      "issue.hit@10",
                                      "answer.false_abstention", "answer.correct_refusal") if k in m}
    return out


def _recall(r: Record) -> float:
    return recall_at_k([_key(x) for x in r.retrieved], {_key(x) for x in r.gold_in_index}, 10)


def _ndcg(r: Record) -> float:
    return ndcg_at_k([_key(x) for x in r.retrieved], {_key(x) for x in r.gold_in_index}, 10)


def _key(label: str) -> tuple[str, str]:
    law, _, article = label.rpartition(" ")
    return law, article


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _pct(values: Sequence[float], p: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def record_dict(r: Record) -> dict[str, Any]:
    return {**asdict(r), "miss_reason": r.miss_reason(), "hallucinated": r.hallucinated}
