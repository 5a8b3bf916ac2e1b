"""The running service: stores and encoders opened once, shared by the CLI and the API.

Search, ask and document look-ups go through here so both front ends behave
the same and the wiring (which store, which embedder) lives in one place.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from llama_index.core.llms import LLM

from govrag.answer import rewrite as rewriting
from govrag.answer.coverage import word_coverage
from govrag.answer.extractive import extractive_answer
from govrag.answer.generate import Event, Generator, Trace, last_answer, masks
from govrag.answer.llm import make_llm
from govrag.answer.records import Answer
from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.descriptors import article_coverage, build_descriptors
from govrag.index.embed import Embedder, EmbeddingCache, QueryCachedEmbedder, make_embedder
from govrag.index.indexer import (ARTICLE, DENSE, META_FILE, REBUILD, SPARSE, SPARSE_STAGE, IndexMeta, StaleIndex, build_dense,
                                  check_tokenizer, verify_index)
from govrag.index.layers import Layer, LayerPlan
from govrag.index.integrity import DataError, Problem, reingest
from govrag.index.sparse import Bm25Encoder
from govrag.index.replicas import first_free
from govrag.index.store import open_store
from govrag.index.store.split import SplitStore
from govrag.index.store.base import Leg, StoreBusy, StoreError, StoreUnreachable, VectorStore, has_vectors
from govrag.models import Chunk, Definition
from govrag.research.history import History
from govrag.research.pipeline import Researcher
from govrag.retrieval.router import LawRouter
from govrag.retrieval.search import Searcher, SearchOptions, SearchResult
from govrag.safeguards import pii, routing
from govrag.safeguards.audit import AuditLog
from govrag.sources import registry
from govrag.sources.base import Glossary



def open_index(settings: Settings) -> VectorStore:
    """The chunk index: BM25 for every chunk, dense vectors for the chosen subset, in two collections
    (store/split.py says why; an index built before the split is served as the one collection it is)."""
    main = open_store(settings.store_url, settings.index_dir / "qdrant", settings=settings)
    try:
        return SplitStore(main, open_store(settings.store_url, settings.index_dir / "vectors",
                                           collection="govrag-vectors", settings=settings))
    except BaseException:
        main.close()
        raise


def open_descriptors(settings: Settings) -> VectorStore:
    """The law-outline vectors the router uses (index/descriptors.py)."""
    return open_store(settings.store_url, settings.index_dir / "descriptors", collection="govrag-descriptors",
                      settings=settings)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asked, for the audit log: an API key's name (or the CLI user), the endpoint ("/ask", "/search",
    "cli"), and the 機密性 level declared for the question (above the limit it never goes to an external model)."""

    key_id: str
    endpoint: str
    confidentiality: int = 1


class NotReady(RuntimeError):
    """Nothing to search yet; the message says which command builds it."""


SMOKE_QUERY = "法律"  # a probe read at start-up: damaged payload or vector files fail here, not on a user
MAX_RUNTIME_PROBLEMS = 20  # faults met while serving that health lists (each distinct one once)
#: /readyz (an open path) and /metrics ask the vector store for its count at most this often.
REACH_TTL_S = 5.0
LAW_SOURCE = "law"
log = logging.getLogger("govrag.service")


@dataclass(frozen=True, slots=True)
class Readiness:
    """What /readyz answers: `status()` (made "failed" when the index does not answer now), the problems,
    and the checks behind them (`Service.ready_checks`)."""

    status: str
    problems: list[Problem]
    checks: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DocumentView:
    chunk: Chunk
    before: list[Chunk]
    after: list[Chunk]
    #: Other sources' chunks that point at this document (the gazette entries that promulgated or amended a law).
    linked_from: list[Chunk] = field(default_factory=list)
    #: What the unit's own record links to: a speech's question or the answers it got (its Q–A pair).
    linked: list[Chunk] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _FileState:
    """What a file looked like when the checks last passed; a change means check again."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> _FileState | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


class Service:
    """Opens the data dir after checking it is whole (index/integrity.py); fatal problems raise
    `NotReady` or `DataError` with one line, the rest are served as a loudly reported degraded state."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, check_pages: bool = True,
                 llm: LLM | None = None) -> None:
        """`check_pages` starts SQLite's page check of the document store in the background (seconds warm,
        about 30 s on a cold cache for the whole archive; health says "checking" meanwhile). One-shot CLI
        commands leave it to `govrag doctor`. `llm` (any llama-index LLM) replaces the configured endpoint."""
        if not settings.chunk_db.exists():
            raise NotReady(f"no document store at {settings.chunk_db}: run `govrag ingest run ingest/laws-sample.toml` first")
        meta = IndexMeta.load(settings.index_dir / META_FILE)
        if meta is None:
            raise NotReady(f"no index at {settings.index_dir}: run `govrag index build` first")
        try:
            check_tokenizer(meta)
        except StaleIndex as exc:
            raise NotReady(str(exc)) from exc
        self.settings = settings
        self.meta = meta
        self.llm = llm if llm is not None else make_llm(settings)
        if settings.answer_mode == "generated" and self.llm is None:
            raise NotReady("answer_mode is 'generated' but no model is configured: set GOVRAG_LLM_BASE_URL")
        self.docstore = DocStore(settings.chunk_db)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._runtime: list[Problem] = []
        self._pages: Problem | None = None
        self._checking = False
        self._checked = threading.Event()
        self._reached: tuple[float, int | None, str | None] | None = None  # (when, points, error) of the last count
        self._coverage: tuple[object, dict[str, dict[str, Any]]] | None = None  # (the checks' file states, per source)
        try:
            self.store = _opened(lambda: open_index(settings), settings.store_url or settings.index_dir / "qdrant")
            try:
                self.descriptors = _opened(lambda: open_descriptors(settings),
                                           settings.store_url or settings.index_dir / "descriptors")
            except BaseException:
                self.store.close()
                raise
        except BaseException:
            self.docstore.close()
            raise
        try:
            self._open_search(settings, meta, embedder)
            self._problems = self._check()
        except BaseException:
            self.close()
            raise
        if fatal := [p for p in self._problems if p.fatal]:
            self.close()
            raise DataError(fatal[0])
        if check_pages:
            self.check_pages()
        else:
            self._checked.set()

    def _open_search(self, settings: Settings, meta: IndexMeta, embedder: Embedder | None) -> None:
        self.encoder = Bm25Encoder(k1=meta.bm25_k1, b=meta.bm25_b, avg_len=meta.bm25_avg_len)
        if embedder is None and meta.dense_model:
            embedder = make_embedder(settings.embedder)
        if embedder is not None and meta.dense_model and embedder.model_id != meta.dense_model:
            raise NotReady(f"index vectors come from {meta.dense_model}, but the embedder is {embedder.model_id}")
        self._embedder = embedder  # unwrapped: `write_layers` embeds with it (or only reads its cache)
        #: (laws with article descriptor vectors, laws): the layer is used only when it covers them all.
        self.article_coverage = article_coverage(self.docstore, meta.dense_model) if meta.dense_model else (0, 0)
        done, laws = self.article_coverage
        use_articles = laws > 0 and done == laws and has_vectors(self.store, ARTICLE)
        router = None
        if embedder is not None:
            embedder = QueryCachedEmbedder(embedder, settings.query_cache_size, parallel=os.cpu_count() or 1)
            # Article descriptors route far better than outlines (retrieval/router.py); outlines are the fallback.
            router = LawRouter(self.store, using=ARTICLE) if use_articles else LawRouter(self.descriptors)
        self.searcher = Searcher(self.docstore, self.store, self.encoder, embedder, router=router, use_articles=use_articles)

    # -- integrity ---------------------------------------------------------------------------

    @property
    def _where(self) -> str:
        return str(self.settings.store_url or self.settings.index_dir / "qdrant")

    def _check(self) -> list[Problem]:
        """Counts against the build's records, then one real read of the index (damaged files fail here)."""
        where = self._where
        problems = verify_index(self.docstore, self.store, self.meta, where)
        if not any(p.fatal for p in problems):
            try:
                smoke_read(self.store, self.encoder, self.meta.dense_dim)
            except StoreError as exc:
                problems.append(store_problem(exc, where, "cannot be read"))
        self._files = {p: _FileState.of(p) for p in self._watched()}
        return problems

    def _watched(self) -> tuple[Path, ...]:
        return (self.settings.chunk_db, self.settings.index_dir / META_FILE)

    def check_pages(self) -> None:
        """Run SQLite's page check of the document store in a thread of its own (a no-op while one runs)."""
        with self._lock:
            if self._checking:
                return
            self._checking = True
            self._checked.clear()
        threading.Thread(target=self._check_pages, name="govrag-page-check", daemon=True).start()

    def _check_pages(self) -> None:
        try:
            problem = self.docstore.quick_check()
        except (OSError, sqlite3.DatabaseError) as exc:
            problem = Problem("docstore", str(self.docstore.path), f"cannot be read ({exc})", reingest(self.docstore.path),
                              fatal=True)
        with self._lock:
            self._pages = problem
            self._checking = False
        self._checked.set()

    def wait_checked(self, timeout: float | None = None) -> bool:
        """Wait for the page check; True once it has ended."""
        return self._checked.wait(timeout)

    @property
    def problems(self) -> list[Problem]:
        """Everything known to be wrong: the start-up checks, the page check, faults met while serving and
        a store that did not answer when last asked (`unanswered`)."""
        with self._lock:
            known = [*self._problems, *([self._pages] if self._pages else []), *self._runtime]
        return [*known, *filter(None, [self.unanswered()])]

    def unanswered(self) -> Problem | None:
        """The vector store did not answer the last request or probe that asked it (a store server down or
        out of reach): fatal while it lasts, never recorded, gone as soon as the store answers again."""
        last = self._reached
        return None if last is None or last[2] is None else _does_not_answer(self._where, last[2])

    def status(self) -> str:
        """"failed" (a fatal problem: search and ask answer 503), "degraded" (served, with warnings),
        "checking" (the page check has not ended yet) or "ok"."""
        problems = self.problems
        if any(p.fatal for p in problems):
            return "failed"
        if problems:
            return "degraded"
        with self._lock:
            return "checking" if self._checking else "ok"

    def _refuse_if_failed(self) -> None:
        """A fatal problem found while serving (the page check, a store changed on disk) stops answers; a
        store that did not answer is asked again by every request (how a request finds it back)."""
        gone = self.unanswered()
        fatal = [p for p in self.problems if p.fatal and p != gone]
        if fatal:
            raise DataError(fatal[0])

    def report(self, exc: DataError | StoreError) -> Problem:
        """Record a fault met while serving (a damaged row, an unreadable segment), so health says so. A store
        that did not answer is not recorded: it is what the probes' last answer says (`unanswered`) until
        the store answers again."""
        if isinstance(exc, StoreUnreachable):
            self._reached = (time.monotonic(), None, said := _said(exc))
            return _does_not_answer(self._where, said)
        problem = exc.problem if isinstance(exc, DataError) else Problem(
            "index", self._where, str(exc), "`govrag doctor`, then the repair it names")
        with self._lock:
            if problem not in self._runtime and len(self._runtime) < MAX_RUNTIME_PROBLEMS:
                self._runtime.append(problem)
        return problem

    def readiness(self) -> str:
        """`status()` now. The checks run again only when a watched file changed since they last ran
        (a stat per probe otherwise), so a store damaged under a running server is noticed: the
        cheap ones at once, the page check in the background."""
        if any(_FileState.of(p) != state for p, state in self._files.items()):
            try:
                meta = IndexMeta.load(self.settings.index_dir / META_FILE)
                fresh: list[Problem] = []
                if meta is None:
                    fresh.append(Problem("index", str(self.settings.index_dir / META_FILE), "is gone",
                                         "`govrag index build --rebuild`", fatal=True))
                fresh += verify_index(self.docstore, self.store, self.meta, self._where)
            except DataError as exc:
                fresh = [exc.problem]
            self._files = {p: _FileState.of(p) for p in self._watched()}
            with self._lock:
                self._problems = fresh
            self.check_pages()
        return self.status()

    def ready(self) -> Readiness:
        """`readiness()` with its checks. An index that does not answer a count now (a store server down)
        is not ready: "failed" (`unanswered`), not recorded, so it is ready again once the store answers.
        The checks run first: the status follows what they found."""
        checks = self.ready_checks()
        return Readiness(self.readiness(), self.problems, checks)

    def ready_checks(self) -> dict[str, Any]:
        """What readiness rests on, cheap enough for every probe:

        * `store_reachable`, `points`, `index_non_empty`: the vector store's count, asked at most every
          `REACH_TTL_S` (one request to a store server; a count an embedded shard keeps);
        * `sources`: per source, documents stored and indexed (the BM25 stage's marks) and their ratio,
          read again only when the checks rerun (a watched file changed); `docstore_readable` false when
          they cannot be read;
        * `articles`: of the stored laws, those whose articles have descriptor vectors, and those vectors."""
        points, error = self._reach()
        try:
            sources, readable = self._sources(), True
        except Exception:  # noqa: BLE001 - a damaged store is in `problems` already; the probe still answers
            log.warning("the document store cannot be read for the readiness checks", exc_info=True)
            sources, readable = {}, False
        done, _ = self.article_coverage
        laws = sources.get(LAW_SOURCE, {}).get("stored", 0)
        articles = None
        if laws:
            counted = self._counted()
            articles = {"laws": laws, "with_vectors": done, "coverage": _ratio(done, laws),
                        "points": counted.get("article_points") if counted else None,
                        "in_use": self.searcher.has_articles}
        return {"store_reachable": error is None, "store_error": error, "points": points,
                "index_non_empty": bool(points), "docstore_readable": readable, "sources": sources,
                "articles": articles}

    def _reach(self) -> tuple[int | None, str | None]:
        now = time.monotonic()
        last = self._reached
        if last is None or now - last[0] >= REACH_TTL_S:
            try:
                last = (now, self.store.count(), None)
            except Exception as exc:  # noqa: BLE001 - a probe reports it; it must not fail with it
                last = (now, None, _said(exc))
            self._reached = last
        return last[1], last[2]

    def _sources(self) -> dict[str, dict[str, Any]]:
        """Documents stored and indexed per source, for the checks' current file states."""
        files = self._files
        cached = self._coverage
        if cached is not None and cached[0] is files:
            return cached[1]
        done = self.docstore.indexed(SPARSE_STAGE)
        out: dict[str, dict[str, Any]] = {}
        for doc in self.docstore.documents():
            entry = out.setdefault(doc.source, {"stored": 0, "indexed": 0})
            entry["stored"] += 1
            entry["indexed"] += doc.index_key in done
        for entry in out.values():
            entry["coverage"] = _ratio(entry["indexed"], entry["stored"])
        self._coverage = (files, out)
        return out

    def _counted(self) -> dict[str, object] | None:
        """`_counts` (read once per process, as health does), or None when the store cannot count now."""
        try:
            return self._counts
        except Exception:  # noqa: BLE001
            log.warning("the index cannot be counted", exc_info=True)
            return None

    def write_layers(self, plan: LayerPlan, layers: Iterable[Layer]) -> None:
        """Write layers a background builder has embedded (index/layers.py) into the served index, from the
        embedding cache (seconds), and search with them from the next request on. One writer at a time.
        The store is not optimized here (the engine would hold the GIL, 86 s on the main job's store): the
        written vectors are searched unindexed, exact and fast at a subset's size, until the next
        `govrag index build` optimizes."""
        if self._embedder is None:
            raise NotReady("the index has no dense model: rebuild it with an embedder (`govrag index build --rebuild`)")
        with self._write_lock, EmbeddingCache(self.settings.embedding_cache) as cache:
            for layer in layers:
                if layer == "dense":
                    build_dense(self.docstore, self.store, self._embedder, cache, plan.dense_doc_ids, optimize=False)
                else:
                    build_descriptors(self.docstore, self.descriptors, self._embedder, cache, optimize=False)
            self._open_search(self.settings, self.meta, self._embedder)
            self.__dict__.pop("_counts", None)
            self._files = {p: _FileState.of(p) for p in self._watched()}  # our own write, not a change under us

    def layers_in_use(self) -> dict[Layer, bool]:
        """Which background-built layers the searches use now."""
        router = self.searcher.router
        return {"dense": self.searcher.has_dense, "outlines": router is not None and router.using != ARTICLE}

    def close(self) -> None:
        if "history" in self.__dict__:
            self.history.close()
        self.store.close()
        self.descriptors.close()
        self.docstore.close()

    @contextmanager
    def recording(self, *, asks_store: bool = True) -> Iterator[None]:
        """A damaged row or segment met while serving is recorded (health turns "degraded") and re-raised;
        nothing runs once the data is known to have failed. Around a search another process makes too.
        A block that `asks_store` and succeeds shows the store answers: a store that did not is forgotten."""
        try:
            self._refuse_if_failed()
            yield
        except (DataError, StoreError) as exc:
            self.report(exc)
            raise
        if asks_store and self.unanswered() is not None:
            self._reached = None  # the next probe counts again

    def search(self, query: str, options: SearchOptions = SearchOptions(), *, rewrite: bool | None = None,
               caller: Caller | None = None, confidentiality: int = 1) -> SearchResult:
        """`rewrite` (default: the `query_rewrite` setting) adds the LLM's rewrites of the query, fused, when
        the question may go to the model (`confidentiality`, masked for an external one); a `caller` makes
        it an audited request."""
        level = caller.confidentiality if caller else confidentiality
        with self.recording():
            wanted = self.settings.query_rewrite if rewrite is None else rewrite
            if wanted and self.llm is not None and self._may_send(level):
                sent = pii.mask(query).text if masks(self.settings) else query
                result = rewriting.fused_search(self.searcher.search, query, options, self.llm, sent=sent)
            else:
                result = self.searcher.search(query, options)
                if wanted and self.llm is not None:
                    result = replace(result, warnings=(*result.warnings, "機密性の指定により、検索語の書き換え（生成モデル）は行いませんでした。"))
        if caller is not None:
            self._audit("search", caller, query, options, result, None, None)
        return result

    def _may_send(self, level: int) -> bool:
        """Whether a question of this 機密性 level may go to the configured model (the routing rule, with no
        sources yet)."""
        return routing.route({}, question_level=level, external=self.settings.llm_external,
                             max_external=self.settings.external_max_confidentiality).allowed

    def ask(self, question: str, options: SearchOptions = SearchOptions(k=5), *, caller: Caller | None = None,
            rewrite: bool | None = None) -> Answer:
        return last_answer(self.ask_events(question, options, caller=caller, rewrite=rewrite, streaming=False))

    def ask_events(self, question: str, options: SearchOptions = SearchOptions(k=5), *, caller: Caller | None = None,
                   rewrite: bool | None = None, streaming: bool = True) -> Iterator[Event]:
        """("delta", text) while a model writes, then ("answer", Answer) once: the authoritative answer,
        which replaces the streamed text (it may be the extractive one, if verification refused it)."""
        level = caller.confidentiality if caller else 1
        result = self.search(question, options, rewrite=rewrite, confidentiality=level)
        answer: Answer | None = None
        trace: Trace | None = None
        unfinished = "client_disconnected"  # unless the answer comes, or an error does
        try:
            if self.generator is None:
                answer, trace = self.extractive(result), Trace()
            else:
                for kind, value in self.generator.events(result, question_level=level, streaming=streaming):
                    if kind == "answer":
                        answer, trace = value
                    else:
                        yield kind, value
        except Exception:
            unfinished = "error"
            raise
        finally:  # a client that leaves mid-stream still leaves a record: the prompt may already have gone
            if caller is not None:
                self._audit("ask", caller, question, options, result, answer, trace,
                            unfinished=None if answer is not None else unfinished)
        yield "answer", answer

    def answer(self, result: SearchResult) -> Answer:
        """The answer to a search already made (the eval scores search and answer from one search)."""
        return self.answer_traced(result)[0]

    def answer_traced(self, result: SearchResult, *, confidentiality: int = 1) -> tuple[Answer, Trace]:
        """The answer and what the audit log keeps about it (the prompt, the raw reply, masked spans, routing)."""
        if self.generator is None:
            return self.extractive(result), Trace()
        return self.generator.answer(result, question_level=confidentiality)

    def extractive(self, result: SearchResult) -> Answer:
        coverage = self.coverage if result.expanded else self.plain_coverage
        return extractive_answer(result, coverage, min_coverage=self.settings.answer_min_coverage)

    def coverage(self, asked: str, text: str) -> float:
        """Share of what a question asks (`SearchResult.asked`: less the names its hints matched) that
        occurs in a text, in words less those that only phrase a request, a word also found through the
        statute terms the search expanded it to (`word_coverage`, `Searcher.bridges`)."""
        return word_coverage(asked, text, self.encoder.tokens, self.searcher.bridges)

    def plain_coverage(self, asked: str, text: str) -> float:
        """`coverage` for a search made without expansion: the question's own words only."""
        return word_coverage(asked, text, self.encoder.tokens)

    @cached_property
    def generator(self) -> Generator | None:
        """The LLM answerer, when a model is configured and answers are not forced to be extractive."""
        if self.llm is None or self.settings.answer_mode == "extractive":
            return None
        return Generator(self.llm, self.settings, self.extractive, self.encoder.tokens, self.absent_in)

    def absent_in(self, text: str) -> tuple[list[str], list[str]]:
        """Provisions a text cites that do not exist and names no known document has, read by every
        source's hint reader (the verifier runs this over a generated answer)."""
        missing: list[str] = []
        unknown: list[str] = []
        for hinter in self.searcher.hinters.values():
            hints = hinter(text)
            missing += hints.missing
            unknown += hints.unknown
        return missing, unknown

    @cached_property
    def history(self) -> History:
        """The research history (research/history.py), opened on first use."""
        return History(self.settings.research_db)

    @cached_property
    def researcher(self) -> Researcher:
        return Researcher(self)

    @cached_property
    def audit(self) -> AuditLog | None:
        if not self.settings.audit_enabled:
            return None
        return AuditLog.from_settings(self.settings)

    def _audit(self, kind: str, caller: Caller, question: str, options: SearchOptions, result: SearchResult,
               answer: Answer | None, trace: Trace | None, unfinished: str | None = None) -> None:
        """One record per request: what was asked, what was found, what the model was sent and said."""
        if self.audit is None:
            return
        record = audit_record(kind, caller, question, options, result, answer, trace)
        if unfinished:
            record["flags"] = [unfinished]
        self.audit.write(record)

    def document(self, chunk_id: str, neighbours: int = 2) -> DocumentView | None:
        with self.recording(asks_store=False):
            return self._document(chunk_id, neighbours)

    def _document(self, chunk_id: str, neighbours: int) -> DocumentView | None:
        chunk = self.docstore.chunk(chunk_id)
        if chunk is None:
            return None
        i = chunk.seq
        around = self.docstore.chunks_of(chunk.source, chunk.doc_id, chunk.version, seqs=(i - neighbours, i + neighbours))
        links = list(chunk.attrs.get("links") or ())
        return DocumentView(chunk, [c for c in around if c.seq < i], [c for c in around if c.seq > i],
                            self.docstore.linked_from(chunk.source, chunk.doc_id),
                            self.docstore.chunks_by_id(links) if links else [])

    @cached_property
    def glossaries(self) -> list[Glossary]:
        """The terms each source's documents define (the laws' 定義規定), read on first use."""
        return [g for source in registry.sources() if (g := source.glossary(self.docstore)) is not None]

    def define(self, term: str) -> list[Definition]:
        """What the stored documents say a term means: each definition with its provision and URL."""
        with self.recording(asks_store=False):
            return [d for glossary in self.glossaries for d in glossary.lookup(term)]

    def not_defined(self, term: str) -> str:
        """One line for a term nothing defines (or for a store without the definitions table)."""
        return next((g.not_found(term) for g in self.glossaries), "定義を収録したソースがありません。")

    def health(self) -> dict[str, object]:
        """Status ("ok" only when no problem is known), the problems with their repairs, what is being
        served and live query-cache counters. The counts are read once: a served index does not change
        under the process, and counting 573k points is not a probe's job (a store that cannot count yet
        leaves them out: liveness still answers, its problem says why)."""
        embedder = self.searcher.embedder
        cache = {"hits": embedder.hits, "misses": embedder.misses, "size": len(embedder)} if isinstance(
            embedder, QueryCachedEmbedder) else None
        try:
            counts = self._counts
        except StoreError as exc:
            self.report(exc)
            counts = {}
        return {"status": self.status(), "problems": [p.as_dict() for p in self.problems], **counts,
                "query_cache": cache, "process": {"pid": os.getpid(), "index": str(self.settings.index_dir)}}

    def warnings(self) -> list[str]:
        """One line per known problem: what /search, /ask and the CLI print next to every result."""
        return [f"degraded: {p.line()}" for p in self.problems]

    @cached_property
    def _counts(self) -> dict[str, object]:
        return {
            "documents": self.docstore.counts(),
            "points": self.store.count(),
            "dense_points": self.store.count(with_vector="dense") if self.meta.dense_model else 0,
            "dense_model": self.meta.dense_model,
            "descriptor_points": self.descriptors.count(),
            "article_points": self.store.count(with_vector=ARTICLE) if self.meta.dense_model else 0,
            "articles": _article_layer(*self.article_coverage, used=self.searcher.has_articles),
            "router": None if (router := self.searcher.router) is None else ("articles" if router.using == ARTICLE else "outlines"),
        }


def audit_record(kind: str, caller: Caller, question: str, options: SearchOptions, result: SearchResult,
                 answer: Answer | None, trace: Trace | None) -> dict[str, object]:
    verification = asdict(answer.verification) if answer is not None and answer.verification is not None else None
    return {
        "kind": kind, "key_id": caller.key_id, "endpoint": caller.endpoint, "confidentiality": caller.confidentiality,
        "question": question, "filters": asdict(options.filters), "mode": answer.mode if answer else None,
        "source_ids": [h.chunk.id for h in result.hits], "sources": [h.chunk.label for h in result.hits],
        "prompt": trace.prompt if trace else None, "raw": trace.raw if trace else None,
        "answer": answer.text if answer else None, "sufficient": answer.sufficient if answer else None,
        "verification": verification, "model": trace.model if trace else None,
        "pii": list(trace.pii) if trace else [], "routing": trace.routing if trace else None,
        "injection": list(trace.injections) if trace else [], "llm_error": trace.error if trace else None,
        "flags": list(answer.flags) if answer else [],
        "warnings": list(answer.warnings if answer else result.warnings),
    }


def store_problem(exc: StoreError, where: Path | str, failed: str) -> Problem:
    """What a store that could not be opened or read means: held by another process (not damage:
    stop that process), or damaged files (`--rebuild`)."""
    if held(exc):
        return Problem("index", str(where), "is held by another process",
                       "stop `govrag serve` (or the running build) and try again", fatal=True)
    return Problem("index", str(where), f"{failed} ({exc})", REBUILD, fatal=True)


def open_service(settings: Settings, **kwargs: Any) -> Service:
    """The service on the first copy of the index no other process holds: `index_dir`, then each of
    `index_replicas` (the workers of `govrag serve --workers N` start this way, index/replicas.py)."""
    candidates = [settings.index_dir, *settings.index_replicas]
    return first_free(candidates, lambda folder: Service(
        settings if folder == settings.index_dir else settings.model_copy(update={"index_path": folder}), **kwargs))


def _does_not_answer(where: str, said: str) -> Problem:
    return Problem("index", where, f"does not answer ({said})",
                   "check that the vector store is up (store_url); govrag reconnects by itself", fatal=True)


def _said(exc: Exception) -> str:
    """An error in one short line (Qdrant's messages span lines)."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def held(exc: StoreError) -> bool:
    return isinstance(exc, StoreBusy)


def smoke_read(store: VectorStore, encoder: Bm25Encoder, dense_dim: int | None = None) -> None:
    """One real BM25 query, and one per dense vector the index holds (they live in a collection of their
    own: store/split.py): damaged payload or vector files fail here (a `StoreError`), not on a user."""
    store.query([Leg(SPARSE, encoder.encode_query(SMOKE_QUERY), 10)], limit=10)
    if dense_dim:
        probe = [1.0] + [0.0] * (dense_dim - 1)
        for name in (DENSE, ARTICLE):
            if store.count(with_vector=name):
                store.query([Leg(name, probe, 10)], limit=10)


def _opened(opener: Callable[[], VectorStore], where: Path | str) -> VectorStore:
    """A store, or a `DataError` naming it and the repair when its files are damaged (a store held by
    another process is not damage: that `StoreError`, with its own advice, passes through)."""
    try:
        return opener()
    except StoreError as exc:
        if held(exc):
            raise
        raise DataError(store_problem(exc, where, "cannot be opened")) from None


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _article_layer(done: int, laws: int, *, used: bool) -> str:
    if used:
        return "complete, in use"
    if done == 0:
        return "none"
    if done == laws:
        return "complete, not used: no query embedder"
    return f"partial: {done:,} of {laws:,} laws (`govrag index build --articles` resumes); not used until complete"
