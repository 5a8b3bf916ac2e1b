"""The research pipeline: question → sub-queries → sources → outline → sections → conclusion and lead →
mind map → history, each step an event with its timing.

It runs over the same `Service` as /search and /ask, so the filters, hints, premise checks,
safeguards and audit log are theirs. Without a model every step still works (research/plan.py,
outline.py, write.py say how); with one, the sub-queries, the outline and the sections are
generated, each section is verified sentence by sentence, and the conclusion is the service's own
verified answer over the report's sources. The model sees only what the confidentiality routing
lets through, masked when it is external; a failing model costs its step, never the report.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from govrag.answer import llm as llms
from govrag.answer.generate import masks, model_inputs, premise_notes
from govrag.answer.records import Answer
from govrag.answer.rewrite import fuse
from govrag.index.store.base import Filters
from govrag.research import outline as outlines
from govrag.research import plan
from govrag.research.export import markdown
from govrag.research.history import HistoryError
from govrag.research.records import Report, ReportSource, Section, SubQuery
from govrag.research.write import highlights, quoted, written
from govrag.retrieval.search import SearchHit, SearchOptions, SearchResult
from govrag.safeguards import pii, routing

if TYPE_CHECKING:
    from govrag.service import Caller, Service

#: Japanese labels of the steps, in order (the UI shows them as they happen).
STEPS = {"plan": "サブクエリ生成", "search": "資料の検索", "outline": "構成の作成", "write": "本文の作成",
         "conclude": "結論とリード", "mindmap": "マインドマップ", "save": "履歴に保存"}
SUBQUERY_WEIGHT = 0.8  # a sub-query's ranks count a little less than the question's own


@dataclass(frozen=True, slots=True)
class ResearchOptions:
    filters: Filters = field(default_factory=Filters)
    #: Sub-queries searched, the question itself included (Lawsy: up to 10).
    max_subqueries: int = 6
    #: Hits kept from each sub-query before fusion.
    per_query: int = 5
    #: Numbered sources in the report.
    max_sources: int = 15
    #: Sections a model's outline may have (a grouped outline has one per document, up to outline.MAX_SECTIONS).
    max_sections: int = 6
    #: Let the configured model write (None: whenever one is configured and answers are not forced extractive).
    generate: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-shaped (lists, not tuples): the report read back from the history is equal to this one."""
        return json.loads(json.dumps({
            "filters": {k: v for k, v in asdict(self.filters).items() if v},
            "max_subqueries": self.max_subqueries, "per_query": self.per_query,
            "max_sources": self.max_sources, "max_sections": self.max_sections}))


Event = tuple[str, Any]


class Researcher:
    def __init__(self, service: Service) -> None:
        self.service = service

    def events(self, question: str, options: ResearchOptions = ResearchOptions(), *,
               caller: Caller | None = None) -> Iterator[Event]:
        """("step", {...}) as each step starts and ends, ("subqueries" | "sources" | "outline", {...}) as
        they are known, ("delta", {...}) while a model writes, ("section", {...}) per section, and
        ("report", Report) last. A ValueError (an empty question) is raised before the first event."""
        question = question.strip()
        if not question:
            raise ValueError("empty question")
        run = _Run(self.service, question, options, caller)
        yield from run.events()


class _Run:
    """One research in progress: what it found so far and what the audit log will keep."""

    def __init__(self, service: Service, question: str, options: ResearchOptions, caller: Caller | None) -> None:
        self.service = service
        self.settings = service.settings
        self.question = question
        self.options = options
        self.caller = caller
        self.level = caller.confidentiality if caller else 1
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = []
        self.flags: list[str] = []
        self.prompts: list[tuple[str, str]] = []  # (prompt, raw reply) of every model call, for the audit log
        #: What the audit log keeps of the safeguards, as for an answer: routing, masked spans, injections found.
        self.safeguards: dict[str, Any] = {"routing": None, "pii": [], "injection": []}
        wanted = options.generate if options.generate is not None else self.settings.answer_mode != "extractive"
        self.model = service.llm if wanted else None
        if self.model is not None and not service._may_send(self.level):
            self.model = None
            self.warnings.append("機密性の指定により、生成モデルは使わずに報告を作成しました。")
            self.flags.append("routing_blocked")
        self.masked = masks(self.settings)
        self.unfinished = "client_disconnected"  # what the audit record says if no report comes, unless an error

    # -- steps ---------------------------------------------------------------------------------------

    def events(self) -> Iterator[Event]:
        report: Report | None = None
        finished = False
        try:
            # The question's own search runs before the first event, so a filter no source can apply is
            # a ValueError (a 422) before a stream begins, never an error event inside one.
            started = time.perf_counter()
            first = self.service.search(self.question, self._search_options(self.options.per_query * 2),
                                        rewrite=False)
            yield from self._step("plan", since=started)
            kind = plan.question_type(self.question)
            subqueries = self._subqueries(first)
            yield "subqueries", {"items": [asdict(q) for q in subqueries], "question_type": kind}
            yield from self._done("plan", f"{len(subqueries)}件")

            yield from self._step("search")
            hits, found_by = self._searched(first, subqueries)
            sources = self._sources(hits, found_by, subqueries)
            yield "sources", {"items": [asdict(s) for s in sources]}
            yield from self._done("search", f"{len(sources)}件")

            yield from self._step("outline")
            premise = premise_notes(first)
            sent = self._sendable(hits)
            sections = self._outline(kind, sources, sent)
            yield "outline", {"question_type": kind, "sections": [{"title": s.title, "sources": list(s.sources)}
                                                                  for s in sections]}
            yield from self._done("outline", f"{len(sections)}節")

            yield from self._step("write")
            written_sections: list[Section] = []
            for i, section in enumerate(sections):
                done = None
                for kind_, value in self._write(section, sources, sent, first, premise):
                    if kind_ == "delta":
                        yield "delta", {"section": i, "text": value}
                    else:
                        done = value
                assert done is not None
                written_sections.append(done)
                yield "section", {"index": i, "section": asdict(done)}
            yield from self._done("write", f"{len(written_sections)}節")

            yield from self._step("conclude")
            answer = self._conclusion(replace(first, hits=hits))
            lead = self._lead(kind, subqueries, sources, written_sections, answer)
            yield from self._done("conclude", "抽出" if answer.mode == "extractive" else "生成・検証済み")

            yield from self._step("mindmap")
            mind = outlines.mindmap(self.question, written_sections, sources)
            yield from self._done("mindmap")

            yield from self._step("save")
            generated = any(s.generated for s in written_sections)
            report = Report(
                id=uuid.uuid4().hex[:16], created=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                question=self.question, question_type=kind,
                mode="generated" if generated or answer.mode == "generated" else "extractive",
                subqueries=tuple(subqueries), sources=tuple(sources), sections=tuple(written_sections), lead=lead,
                conclusion=answer.text, mindmap=mind, premise=premise,
                model=answer.model or (llms.model_name(self.model) if self.model is not None and generated else None),
                settings={**self.options.as_dict(), "confidentiality": self.level},
                warnings=tuple(dict.fromkeys((*self.warnings, *first.warnings, *answer.warnings))),
                flags=tuple(dict.fromkeys((*self.flags, *answer.flags,
                                           *(["unsupported_sentences"] if any(not c.supported for s in written_sections
                                                                             for c in s.sentences) else [])))),
                key_id=self.caller.key_id if self.caller else "cli",
            )
            try:
                self.service.history.save(replace(report, timings_ms=self._timings()))
                yield from self._done("save")
                report = replace(report, timings_ms=self._timings())
                self.service.history.save(report)  # again, with the save's own time: the history holds what was returned
            except HistoryError as exc:  # the report is still the user's; only the history lacks it
                yield from self._done("save", "保存できませんでした")
                report = replace(report, timings_ms=self._timings(), flags=(*report.flags, "history_unsaved"),
                                 warnings=(*report.warnings, f"この報告は履歴に保存できませんでした（{exc}）。"))
            finished = True
        except ValueError:
            self.unfinished = "invalid_request"
            raise
        except Exception:
            self.unfinished = "error"
            raise
        finally:  # a client gone mid-stream still leaves a record: prompts may already have gone to the model
            if self.caller is not None:
                self._audit(report if finished else None)
        yield "report", report

    def _record(self, prompt: str, reply: str) -> None:
        """Keep a model call for the audit log: what was sent and what came back, in order."""
        self.prompts.append((prompt, reply))

    def _step(self, name: str, since: float | None = None) -> Iterator[Event]:
        """The step's `running` event; its time counts from `since` (work done before the event) or now."""
        self._started = since if since is not None else time.perf_counter()
        yield "step", {"step": name, "label": STEPS[name], "status": "running", "ms": None, "detail": ""}

    def _done(self, name: str, detail: str = "") -> Iterator[Event]:
        ms = round((time.perf_counter() - self._started) * 1000, 1)
        self.timings[name] = ms
        self.timings.setdefault("first_step", round((time.perf_counter() - self.t0) * 1000, 1))
        yield "step", {"step": name, "label": STEPS[name], "status": "done", "ms": ms, "detail": detail}

    def _timings(self) -> dict[str, float]:
        return {**self.timings, "total": round((time.perf_counter() - self.t0) * 1000, 1)}

    # -- plan and search --------------------------------------------------------------------------------

    def _search_options(self, k: int, doc_id: tuple[str, ...] = (), use_hints: bool = True) -> SearchOptions:
        filters = self.options.filters.also(Filters(doc_id=doc_id)) if doc_id else self.options.filters
        return SearchOptions(k=k, filters=filters, use_hints=use_hints)

    def _subqueries(self, first: SearchResult) -> list[SubQuery]:
        limit = max(1, min(self.options.max_subqueries, plan.MAX_SUBQUERIES))
        titles = self.service.docstore.titles(list(dict.fromkeys(
            [*first.routed_to, *(h.chunk.doc_id for h in first.hits)])))
        # A question that cites a law is already confined to it: searching that law again adds nothing.
        routed = [] if first.scoped_to else plan.routed(first, titles, plan.ROUTED_DOCUMENTS)
        parts = plan.structural(self.question, self.service.encoder.tokens, limit)
        model: list[SubQuery] = []
        if self.model is not None:
            masked = pii.mask(self.question) if self.masked else None
            sent = masked.text if masked else self.question
            try:
                model = plan.generated(self.model, sent, limit, record=self._record)
                if masked:  # searched here, shown to the user: with the question's own words back
                    model = [replace(q, text=pii.unmask(q.text, masked.spans)) for q in model]
            except llms.LLMError as exc:
                self.warnings.append(f"サブクエリの生成に失敗しました（{exc.kind}）。質問の構造から検索しました。")
                self.flags.append("llm_error")
        return plan.merged([parts[:1], model, routed, parts[1:]], limit)

    def _searched(self, first: SearchResult, subqueries: list[SubQuery]) -> tuple[list[SearchHit], dict[str, set[int]]]:
        """Every sub-query's hits fused (the question's own first and weighing most), and which found each."""
        rankings = [first.hits]
        for q in subqueries[1:]:
            options = self._search_options(self.options.per_query, q.doc_id,
                                           use_hints=not q.doc_id and q.why != "生成モデルによる言い換え")
            try:
                rankings.append(self.service.search(q.text, options, rewrite=False).hits)
            except ValueError:  # a part that is no query after all (only punctuation)
                rankings.append([])
        found_by: dict[str, set[int]] = {}
        for i, hits in enumerate(rankings):
            for h in hits:
                found_by.setdefault(h.chunk.id, set()).add(i)
        weights = [1.0, *([SUBQUERY_WEIGHT] * (len(rankings) - 1))]
        return fuse(rankings, weights, k=self.options.max_sources), found_by

    def _sources(self, hits: list[SearchHit], found_by: dict[str, set[int]],
                 subqueries: list[SubQuery]) -> list[ReportSource]:
        out = []
        for n, hit in enumerate(hits, start=1):
            c = hit.chunk
            finders = sorted(found_by[c.id])  # every fused hit was found by some sub-query
            asked = list(dict.fromkeys([self.question, *(subqueries[i].text for i in finders)]))
            out.append(ReportSource(
                n=n, chunk_id=c.id, source=c.source, label=c.label, url=c.url, heading=c.heading, text=c.body,
                doc_id=c.doc_id, doc_title=c.doc_title, date=str(c.attrs.get("date") or "") or None,
                highlights=highlights(c.body, c.source, asked, self.service.coverage),
                found_by=tuple(finders)))
        return out

    # -- model inputs -------------------------------------------------------------------------------------

    def _sendable(self, hits: list[SearchHit]) -> _Sent | None:
        """What the model may see of the report's sources (None: no model): the routing withholds
        confidential sources from an external model; the rest are neutralised and, when it is external,
        masked, numbered as in the report."""
        if self.model is None or not hits:
            return None
        levels = {h.chunk.id: routing.level_of(h.chunk.source, h.chunk.attrs, self.settings.source_confidentiality)
                  for h in hits}
        route = routing.route(levels, question_level=self.level, external=self.settings.llm_external,
                              max_external=self.settings.external_max_confidentiality)
        self.safeguards["routing"] = {**route.record(), "external": self.settings.llm_external}
        numbered = [(n, h) for n, h in enumerate(hits, start=1) if h.chunk.id not in route.blocked]
        if route.blocked:
            self.warnings.append(route.reason)
            self.flags.append("routing_blocked")
        if not numbered:
            return None
        question, prompt_sources, masked, findings, given = model_inputs(
            self.question, [h for _, h in numbered], mask=self.masked, chars=self.settings.llm_source_chars)
        numbers = [n for n, _ in numbered]
        if findings:
            self.flags.append("injection")
            self.warnings.append("資料中の指示文のような記述を無視しました（リスク事案として記録）。")
            self.safeguards["injection"] = [{**f, "source": numbers[f["source"] - 1]} for f in findings]
        spans = tuple(masked.spans) if masked else ()
        self.safeguards["pii"] = [span.record() for span in spans]
        return _Sent(question, {n: replace(p, n=n) for n, p in zip(numbers, prompt_sources)},
                     dict(zip(numbers, given)), spans)

    def _outline(self, kind: str, sources: list[ReportSource], sent: _Sent | None) -> list[Section]:
        if sent is not None and self.model is not None:
            shown = [replace(s, text=sent.given[s.n].text, label=sent.given[s.n].label)
                     for s in sources if s.n in sent.given]
            try:
                sections = outlines.generated(self.model, sent.question, kind, shown,
                                              high=max(2, self.options.max_sections), record=self._record)
                sections = [replace(sec, title=pii.unmask(sec.title, sent.spans)) for sec in sections]
            except llms.LLMError as exc:
                self.warnings.append(f"構成の生成に失敗しました（{exc.kind}）。資料の文書ごとに構成しました。")
                self.flags.append("llm_error")
                sections = []
            withheld = [s.n for s in sources if s.n not in sent.given]
            if sections:
                if withheld:
                    sections.append(Section("生成モデルに送らなかった資料", tuple(withheld)))
                return sections
            self.warnings.append("生成モデルの構成案が使えなかったため、資料の文書ごとに構成しました。")
        return outlines.grouped(sources)

    def _write(self, section: Section, sources: list[ReportSource], sent: _Sent | None,
               first: SearchResult, premise: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        if sent is None or self.model is None:
            yield "section", quoted(section, sources)
            return
        yield from written(
            self.model, sent.question, section, sent.given, sent.texts, sources,
            tokens=self.service.encoder.tokens, names=self.service.absent_in, absent=frozenset(first.absent),
            notes=premise, spans=sent.spans, record=self._record)

    def _conclusion(self, fused: SearchResult) -> Answer:
        """The service's own answer over the report's sources: extractive quotes, or a generated answer
        verified under the server's policy (routing, masking and fallbacks included)."""
        generator = self.service.generator
        if self.model is None or generator is None:
            return self.service.extractive(fused)
        answer, trace = generator.answer(fused, question_level=self.level)
        if trace.prompt:
            self.prompts.append((trace.prompt, trace.raw or ""))
        return answer

    def _lead(self, kind: str, subqueries: list[SubQuery], sources: list[ReportSource], sections: list[Section],
              answer: Answer) -> str:
        counts: dict[str, int] = {}
        for s in sources:
            counts[s.source] = counts.get(s.source, 0) + 1
        found = "、".join(f"{outlines.source_title(k)}{v}件" for k, v in counts.items())
        how = ("各節は生成モデルが資料に基づいて書き、文ごとに出典と照合しています（裏付けのない文には【要確認】を付けています）。"
               if any(s.generated for s in sections) else
               "生成モデルを使わない報告のため、各節は資料の該当箇所（強調部分）の引用です。")
        verdict = ("結論は資料の記述で裏付けられています。" if answer.sufficient else
                   "資料からは、質問に十分に答える記述が見つかりませんでした（結論を参照）。")
        return (f"「{self.question}」（{kind}）について、{len(subqueries)}件の検索語で検索し、"
                f"{found or '0件'}の資料を{len(sections)}節に整理しました。{how}{verdict}")

    # -- audit ----------------------------------------------------------------------------------------------

    def _audit(self, report: Report | None) -> None:
        audit = self.service.audit
        if audit is None or self.caller is None:
            return
        audit.write({
            "kind": "research", "key_id": self.caller.key_id, "endpoint": self.caller.endpoint,
            "confidentiality": self.level, "question": self.question, "filters": asdict(self.options.filters),
            "mode": report.mode if report else None, "report_id": report.id if report else None,
            "source_ids": [s.chunk_id for s in report.sources] if report else [],
            "sources": [s.label for s in report.sources] if report else [],
            "prompt": "\n\n----\n\n".join(p for p, _ in self.prompts) or None,
            "raw": "\n\n----\n\n".join(r for _, r in self.prompts) or None,
            "answer": markdown(report) if report else None, "model": report.model if report else None,
            # In the shape of an answer's `Verification`, so the risk report lists the unsupported sentences.
            "verification": {"passed": report.unsupported == 0, "policy": "mark", "sentences": [
                asdict(c) for s in report.sections for c in s.sentences]} if report else None,
            **self.safeguards,
            "flags": list(report.flags) if report else [self.unfinished],
            "warnings": list(report.warnings) if report else list(self.warnings),
        })


@dataclass(frozen=True, slots=True)
class _Sent:
    """The model's view of a report: its question, numbered sources, and what they are checked against."""

    question: str
    given: dict[int, Any]  # n → PromptSource (neutralised, masked)
    texts: dict[int, str]  # n → neutralised, unmasked text
    spans: tuple[pii.PiiSpan, ...]

