"""The generated answer: route, neutralise, mask, prompt, generate, verify — or fall back to quoting.

Every way this can go wrong ends in the extractive answer with a warning, never an error: the
endpoint is external and a source is confidential (routing), the model times out or returns
nothing usable (`LLMError`), or the answer fails verification under the "refuse" policy. What
was sent and what came back is kept in a `Trace` for the audit log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from llama_index.core.llms import LLM

from govrag.answer import llm as llms
from govrag.answer.extractive import cite
from govrag.answer.prompt import PromptSource, build_prompt, is_refusal, source_text
from govrag.answer.records import Answer
from govrag.answer.verify import Evidence, NameCheck, Tokens, corrects_premise, verify
from govrag.config import Settings
from govrag.retrieval.search import SearchHit, SearchResult
from govrag.safeguards import injection, pii, routing


Fallback = Callable[[SearchResult], Answer]
log = logging.getLogger("govrag.answer")


@dataclass(frozen=True, slots=True)
class Trace:
    """What the audit log keeps about one answer beyond the answer itself."""

    prompt: str | None = None
    raw: str | None = None
    #: Masked spans: kind, placeholder and a short hash of the original (never the original).
    pii: tuple[dict[str, str], ...] = ()
    routing: dict[str, Any] | None = None
    injections: tuple[dict[str, Any], ...] = ()
    error: str | None = None
    #: The model that was called (None when none was: no hits, or the routing withheld everything).
    model: str | None = None
    #: The sources' texts as the model saw them (neutralised, before masking): what it was verified against.
    given: tuple[str, ...] = ()


Event = tuple[str, Any]  # ("delta", text) while the model writes, then ("answer", (Answer, Trace)) once


class Generator:
    """A llama-index LLM plus what the answer must be checked against."""

    def __init__(self, llm: LLM, settings: Settings, fallback: Fallback, tokens: Tokens, names: NameCheck) -> None:
        self.llm = llm
        self.settings = settings
        self.fallback = fallback
        self.tokens = tokens
        self.names = names

    def answer(self, result: SearchResult, *, question_level: int = 1) -> tuple[Answer, Trace]:
        return last_answer(self.events(result, question_level=question_level, streaming=False))

    def events(self, result: SearchResult, *, question_level: int = 1, streaming: bool = True) -> Iterator[Event]:
        hits = result.hits[: self.settings.llm_sources]
        model = llms.model_name(self.llm)
        if not hits:  # nothing to ground on: the extractive refusal says so without a model call
            yield "answer", (self.fallback(result), Trace())
            return
        external = self.settings.llm_external
        levels = {h.chunk.id: routing.level_of(h.chunk.source, h.chunk.attrs, self.settings.source_confidentiality)
                  for h in hits}
        route = routing.route(levels, question_level=question_level, external=external,
                              max_external=self.settings.external_max_confidentiality)
        route_record = {**route.record(), "external": external}
        sent = [h for h in hits if h.chunk.id not in route.blocked]
        if not route.allowed and (not sent or question_level > self.settings.external_max_confidentiality):
            answer = self.fallback(result)
            yield "answer", (_flagged(answer, "routing_blocked", route.reason),
                             Trace(routing=route_record))  # no model was called
            return
        mask = masks(self.settings)
        question, sources, masked, findings, given = model_inputs(result.query, sent, mask=mask,
                                                                  chars=self.settings.llm_source_chars)
        prompt = build_prompt(question, sources, premise_notes(result))
        sent = sent[: len(prompt.sources)]
        given = given[: len(sent)]
        trace = Trace(prompt=prompt.text, given=tuple(given), pii=tuple(s.record() for s in masked.spans) if masked else (),
                      routing=route_record, injections=tuple(findings), model=model)
        started = time.perf_counter()  # a stream's time includes its reader's pace between pieces
        try:
            parts: list[str] = []
            if streaming:
                shown = pii.StreamUnmasker(masked.spans if masked else ())  # a placeholder may span two pieces
                for piece in llms.stream(self.llm, prompt):
                    parts.append(piece)
                    if visible := shown.feed(piece):
                        yield "delta", visible
                if rest := shown.flush():
                    yield "delta", rest
                raw = "".join(parts)
            else:
                raw = llms.generate(self.llm, prompt)
        except llms.LLMError as exc:
            answer = _timed(_flagged(self.fallback(result), "llm_error", exc.warning), generate=_ms(started))
            # What the user already saw of a stream cut short is kept for the audit log.
            yield "answer", (answer, replace(trace, error=str(exc), raw="".join(parts) if streaming else None))
            return
        generated = _ms(started)
        text = pii.unmask(raw, masked.spans) if masked else raw
        started = time.perf_counter()
        try:
            checked = self._checked(result, text, sent, given, route, findings, bool(masked and masked.spans))
        except Exception as exc:  # noqa: BLE001 - the stream has begun: it must end in an answer, never an error
            log.exception("verification failed to run")
            checked = _flagged(self.fallback(result), "verification_failed",
                               "生成回答を検証できなかったため、抽出回答を示します。")
            trace = replace(trace, error=f"verification: {type(exc).__name__}")
        yield "answer", (_timed(checked, generate=generated, verify=_ms(started)), replace(trace, raw=raw))

    def _checked(self, result: SearchResult, text: str, hits: list[SearchHit], given: list[str],
                 route: routing.Routing, findings: list[dict[str, Any]], masked: bool) -> Answer:
        evidence = Evidence(
            sources={n: t for n, t in enumerate(given, start=1)}, notes=premise_notes(result),
            question=result.query, absent=frozenset(result.absent))
        check = verify(text, evidence, self.tokens, self.names, policy=self.settings.verify_policy)
        flags = [*(["injection"] if findings else []), *(["routing_blocked"] if not route.allowed else []),
                 *(["pii_masked"] if masked else []),
                 *(["verification_failed"] if not check.passed else []),
                 *(["unsupported_sentences"] if check.unsupported else [])]
        extra = [*([route.reason] if not route.allowed else []),
                 *(["資料中の指示文のような記述を無視して回答しました（リスク事案として記録）。"] if findings else [])]
        if not check.passed and self.settings.verify_policy == "refuse":
            answer = self.fallback(result)
            lines = ["生成回答は検証に通らなかったため、抽出回答（条文等の引用）を示します。", *check.failures]
            return replace(answer, warnings=(*answer.warnings, *extra, *lines),
                           verification=check, flags=(*answer.flags, *flags), model=llms.model_name(self.llm))
        warnings = [*result.warnings, *extra]
        if not check.passed:
            warnings += ["この回答は検証に通っていません。各文を出典でご確認ください。", *check.failures]
        citations = [cite(n, h) for n, h in enumerate(hits, start=1)]
        sufficient = not is_refusal(text) and not corrects_premise(text, bool(evidence.absent))
        return Answer(result.query, text.strip(), sufficient, citations, 1.0 if check.passed else 0.0,
                      mode="generated", timings_ms=result.timings_ms, warnings=tuple(warnings),
                      applied_filters=result.applied_filters, verification=check,
                      model=llms.model_name(self.llm), flags=tuple(flags))


def model_inputs(question: str, hits: Sequence[SearchHit], *, mask: bool, chars: int
                 ) -> tuple[str, list[PromptSource], pii.Masked | None, list[dict[str, Any]], list[str]]:
    """What a model may see of a question and its numbered sources (numbered from 1 in `hits`' order):
    instruction-like text neutralised in every source, personal data masked when it leaves the machine
    (`mask`). Also returns the masked spans, the injection findings, and the neutralised, unmasked texts:
    what an answer is verified against (never the injected instruction the model was not shown)."""
    findings: list[dict[str, Any]] = []
    texts = []
    for n, hit in enumerate(hits, start=1):
        cleaned = injection.neutralise(source_text(hit.chunk, chars))
        findings += [{"source": n, "chunk_id": hit.chunk.id, "kind": f.kind, "excerpt": f.excerpt}
                     for f in cleaned.findings]
        texts.append(cleaned.text)
    given = list(texts)
    masked = None
    if mask:
        masked = pii.mask(question)
        question = masked.text
        for i, text in enumerate(texts):
            masked = pii.mask(text, known=masked)
            texts[i] = masked.text
    sources = [PromptSource(n, h.chunk.label, h.chunk.url, t) for n, (h, t) in enumerate(zip(hits, texts), start=1)]
    return question, sources, masked, findings, given


def masks(settings: Settings) -> bool:
    """Whether personal data is masked in what is sent to the configured model."""
    return settings.pii_mask == "always" or (settings.pii_mask == "external" and settings.llm_external)


def premise_notes(result: SearchResult) -> tuple[str, ...]:
    """What the search found wrong with the question's premise, as lines the model is given."""
    return (
        *(f"{m} は収録された法令にありません（存在しない条項です）。" for m in result.missing),
        *(f"「{u}」という名前の法令は収録法令にありません（廃止・改称・通称の可能性があります）。" for u in result.unknown_laws),
        *(f"{n} は収録法令の一覧にありますが、本文はこのデータにありません。" for n in result.not_stored),
    )


def _flagged(answer: Answer, flag: str, warning: str) -> Answer:
    return replace(answer, warnings=(*answer.warnings, warning), flags=(*answer.flags, flag))


def last_answer(events: Iterator[Event]) -> Any:
    """The value of the one ("answer", …) event that ends a stream of events (the deltas are dropped)."""
    return next(value for kind, value in events if kind == "answer")


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)


def _timed(answer: Answer, **stages: float) -> Answer:
    """The answer with its model stages added to the search's `timings_ms` (a new dict: the search's is shared)."""
    return replace(answer, timings_ms={**answer.timings_ms, **stages})
