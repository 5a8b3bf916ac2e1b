"""The `govrag` command line: ingest sources, look up provisions, inspect the store."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import click
import typer
from typer.core import TyperGroup
from rich.progress import Progress, TaskID
from rich.table import Table

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.embed import EmbeddingCache, make_embedder
from govrag.index.indexer import (
    IndexMeta, IndexReport, StaleIndex, build_dense, build_sparse, check_tokenizer, forget_index, new_meta, repair_index,
)
from govrag.index import replicas
from govrag.index.integrity import DataError
from govrag.index.ingest import JobError, load_job
from govrag.index.store.base import Filters, StoreError
from govrag.retrieval.search import SearchOptions
from govrag.research import export as research_export
from govrag.research.history import History, HistoryError
from govrag.research.pipeline import ResearchOptions
from govrag.index.descriptors import build_articles, build_descriptors, repair_descriptors
from govrag.index.layers import resolve_laws
from govrag.service import META_FILE, Caller, NotReady, Service, open_descriptors, open_index
from govrag.clikit import DataDir, console, err, fail, ingest_with_progress, progress, settings_for
from govrag.safeguards import cli as safeguards_cli
from govrag.sources import registry

class _Commands(TyperGroup):
    """Every command: damaged data, and a write the disk refused, is one line naming the file and the
    repair, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (DataError, StoreError) as exc:
            refused = _refused_write(exc)
            fail(f"{exc}; {REFUSED_WRITE}" if refused is not None else str(exc))
        except (OSError, sqlite3.OperationalError) as exc:
            refused = _refused_write(exc)
            fail(f"a write was refused ({_said(refused)}): {REFUSED_WRITE}" if refused is not None else _said(exc))


#: What a full disk (or a file size limit, a quota) makes a write fail with, in the OS and in SQLite.
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
_DISK_SQLITE = frozenset({sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR_WRITE, sqlite3.SQLITE_IOERR_FSYNC,
                          sqlite3.SQLITE_IOERR_TRUNCATE})  # extended result codes
#: Every stage commits as it goes and records its progress after, so the same command resumes.
REFUSED_WRITE = ("the disk may be full or a file size limit reached; free space and run the same command again "
                 "(what was committed is kept, the rerun resumes)")


def _refused_write(exc: BaseException) -> OSError | sqlite3.OperationalError | None:
    """The write the disk refused behind an error, if one is: in the error or its causes (a failed commit
    that SQLite rolled back itself makes `with connection:`'s own rollback fail as well, "cannot rollback -
    no transaction is active", which hides it; a store wraps its engine's error in a StoreError)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _DISK_ERRNOS:
            return seen
        if isinstance(seen, sqlite3.OperationalError) and getattr(seen, "sqlite_errorcode", None) in _DISK_SQLITE:
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _said(exc: BaseException) -> str:
    name = getattr(exc, "sqlite_errorname", None)
    return f"{type(exc).__name__}: {exc}" + (f", {name}" if name else "")


app = typer.Typer(help="govrag: cited answers over Japanese laws, the official gazette and Diet minutes.",
                  no_args_is_help=True, cls=_Commands)
ingest_app = typer.Typer(help="Read sources into the document store (resumable).", no_args_is_help=True)
index_app = typer.Typer(help="Build and inspect the search index.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.add_typer(index_app, name="index")

for _source in registry.sources():  # each source adds its own commands (ingest laws, laws show, ingest diet, …)
    _source.commands(app, ingest_app)
safeguards_cli.commands(app)  # keys, audit export/verify, risk report


@ingest_app.command("run")
def ingest_run_cmd(
    job: Annotated[Path, typer.Argument(help="Job definition (TOML), e.g. ingest/laws-sample.toml.")],
    workers: Annotated[int, typer.Option(help="Parser processes (0 = one per core).")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Run every source named in a job file."""
    settings = settings_for(data_dir)
    try:
        spec = load_job(job, settings.shared_data)
    except JobError as exc:
        fail(str(exc))
    if workers:
        settings = settings.model_copy(update={"workers": workers})
    console.print(f"[bold]job[/] {spec.name}")
    for source, part in spec.parts:
        ingest_with_progress(settings, source, part, str(getattr(part, "path", part)))


@index_app.command("build")
def index_build_cmd(
    dense_laws: Annotated[
        Optional[str], typer.Option(help="Comma-separated LawIds or titles whose chunks get dense vectors, or 'all'.")
    ] = None,
    dense_laws_file: Annotated[Optional[Path], typer.Option(help="File with one LawId or title per line.")] = None,
    dense_source: Annotated[Optional[list[str]], typer.Option(
        "--dense-source", help="Dense vectors for every chunk of this source (repeatable), e.g. diet.")] = None,
    workers: Annotated[int, typer.Option(help="Tokeniser processes (0 = one per core).")] = 0,
    descriptors: Annotated[
        bool, typer.Option(help="Embed every law's outline for routing (about 1 CPU-hour for the whole 2020 archive).")
    ] = True,
    articles: Annotated[
        bool, typer.Option(help="Embed a short descriptor of every 本則 article (hours on 2 CPU cores; resumable).")
    ] = False,
    rebuild: Annotated[
        bool, typer.Option(help="Remove the embedded index and build it again (embeddings come from the cache).")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Every law's definitions (seconds), BM25 for every stored chunk, outline vectors for every law,
    dense vectors for the laws you choose.

    Every stage is resumable: rerun the command after an interruption and it skips what is done.
    """
    settings = settings_for(data_dir)
    if not settings.chunk_db.exists():
        fail(f"no document store at {settings.chunk_db}: run `govrag ingest` first")
    wanted = _dense_selection(dense_laws, dense_laws_file)
    unknown = [name for name in dense_source or () if name not in registry.names()]
    if unknown:
        fail(f"--dense-source {unknown[0]!r}: no such source ({', '.join(registry.names())})")
    with DocStore(settings.chunk_db) as docstore:
        if not any(True for _ in docstore.documents()):
            fail(f"the document store at {settings.chunk_db} is empty: run `govrag ingest` first")
        embedder = make_embedder(settings.embedder)
        if rebuild:
            if settings.store_url:
                fail("--rebuild removes the embedded index only: drop the collections on the Qdrant server instead")
            forget_index(docstore, settings.index_dir)
        meta = IndexMeta.load(settings.index_dir / META_FILE)
        if meta is None:
            meta = new_meta(docstore, embedder)
            settings.index_dir.mkdir(parents=True, exist_ok=True)
            meta.save(settings.index_dir / META_FILE)
        try:
            check_tokenizer(meta)
        except StaleIndex as exc:
            fail(str(exc))
        derived_by: list[tuple[str, IndexReport]] = []
        with progress() as bar:  # what sources derive beside the index (the laws' definitions): seconds
            for source in registry.sources():
                tasks: list[TaskID] = []  # a bar only for a source that derives something

                def tick(bar: Progress = bar, tasks: list[TaskID] = tasks, title: str = source.title) -> None:
                    if not tasks:
                        tasks.append(bar.add_task(f"{title}: derived tables → document store", total=None))
                    bar.advance(tasks[0])

                if (derived := source.derive(docstore, tick)) is not None:
                    derived_by.append((source.name, derived))
        for name, derived in derived_by:
            console.print(f"{name} derived: {derived.documents} documents read, {derived.points} rows stored, "
                          f"{derived.skipped_documents} unchanged documents skipped")
        store = open_index(settings)
        try:
            repaired = repair_index(docstore, store, meta)
            if repaired:
                console.print(f"repair: {len(repaired)} documents had lost points or vectors "
                              f"({', '.join(repaired[:5])}{' …' if len(repaired) > 5 else ''}); indexing them again")
            with progress() as bar:
                task = bar.add_task("BM25 (Sudachi) → store", total=None)
                sparse = build_sparse(
                    docstore, store, meta, workers=workers or settings.workers or None,
                    on_document=lambda n: bar.advance(task, n),
                )
            console.print(f"sparse: {sparse.documents} documents, {sparse.points} points written, "
                          f"{sparse.skipped_documents} unchanged documents skipped")
            cache = EmbeddingCache(settings.embedding_cache)
            if descriptors:
                outline_store = open_descriptors(settings)
                try:
                    if lost := repair_descriptors(docstore, outline_store, embedder.model_id):
                        console.print(f"repair: {len(lost)} laws had lost their outline windows; embedding them again")
                    with progress() as bar:
                        task = bar.add_task(f"law outlines ({embedder.model_id}) → router", total=None)
                        routed = build_descriptors(
                            docstore, outline_store, embedder, cache, on_batch=lambda n: bar.advance(task, n)
                        )
                finally:
                    outline_store.close()
                console.print(f"outlines: {routed.documents} laws, {routed.points} windows embedded or cached, "
                              f"{routed.skipped_documents} unchanged laws skipped")
            if wanted or dense_source:
                doc_ids = _resolve_laws(docstore, wanted) if wanted else []
                doc_ids += [d.doc_id for name in dense_source or () for d in docstore.documents(name)]
                with progress() as bar:
                    task = bar.add_task(f"dense ({embedder.model_id}) → store", total=None)
                    dense = build_dense(docstore, store, embedder, cache, doc_ids,
                                        on_batch=lambda n: bar.advance(task, n))
                console.print(f"dense: {dense.documents} documents, {dense.points} chunks embedded or cached, "
                              f"{dense.skipped_documents} unchanged documents skipped")
            if articles:  # last: hours for a whole archive, and an interrupted run keeps every earlier stage
                with progress() as bar:
                    task = bar.add_task(f"article descriptors ({embedder.model_id}) → index", total=None)
                    report = build_articles(docstore, store, embedder, cache,
                                            on_batch=lambda n: bar.advance(task, n))
                console.print(f"articles: {report.documents} laws, {report.points} articles embedded or cached, "
                              f"{report.skipped_documents} unchanged laws skipped")
        finally:
            store.close()


def _dense_selection(laws: str | None, laws_file: Path | None) -> list[str]:
    wanted = [w.strip() for w in (laws or "").split(",") if w.strip()]
    if laws_file is not None:
        if not laws_file.is_file():
            fail(f"{laws_file}: no such file")
        wanted += [line.strip() for line in laws_file.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    return wanted


def _resolve_laws(docstore: DocStore, wanted: list[str]) -> list[str]:
    try:
        return resolve_laws(docstore, wanted)
    except KeyError as exc:
        fail(exc.args[0])


@index_app.command("status")
def index_status_cmd(data_dir: DataDir = None) -> None:
    """What the index holds: points, dense coverage, the model and BM25 parameters."""
    service = _service(data_dir)
    try:
        health = service.health()
        table = Table(show_header=False)
        table.add_row("store", service.settings.store_url or str(service.settings.index_dir / "qdrant"))
        table.add_row("points (BM25)", f"{health['points']:,}")
        table.add_row("points with dense vectors", f"{health['dense_points']:,}")
        table.add_row("articles with descriptor vectors", f"{health['article_points']:,} ({health['articles']})")
        table.add_row("law-outline windows", f"{health['descriptor_points']:,}")
        table.add_row("router", str(health["router"] or "off (no embedder)"))
        table.add_row("dense model", str(health["dense_model"]))
        table.add_row("BM25 k1 / b / avg_len", f"{service.meta.bm25_k1} / {service.meta.bm25_b} / {service.meta.bm25_avg_len:.1f}")
        table.add_row("status", str(health["status"]))
        console.print(table)
    finally:
        service.close()


Source = Annotated[Optional[list[str]], typer.Option("--source", help="Only these sources (repeatable): "
                                                                   + ", ".join(registry.names()))]
Where = Annotated[Optional[list[str]], typer.Option("--where", help=(
    "A filter FIELD=VALUE (repeatable; one field given twice means either value): "
    + ", ".join(f.name + ("=N..M" if f.kind == "integer" else "") for f in registry.filter_fields())))]
DateFrom = Annotated[Optional[str], typer.Option("--date-from", help="First day, YYYY-MM-DD (dated sources only).")]
DateTo = Annotated[Optional[str], typer.Option("--date-to", help="Last day, YYYY-MM-DD.")]
Hints = Annotated[bool, typer.Option("--hints/--no-hints", help=(
    "Read the query for hints: cited provisions, speakers, houses, dates (--no-hints: rank the words only)."))]


def _filters(source: list[str] | None, where: list[str] | None, date_from: str | None, date_to: str | None) -> Filters:
    """The command line's filters through the API's own validation, so both accept and refuse the same."""
    from pydantic import ValidationError

    from govrag.api_models import FiltersIn

    fields = {f.name: f for f in registry.filter_fields()}
    raw: dict[str, object] = {"source": source or [], "date_from": date_from, "date_to": date_to}
    for item in where or []:
        name, sep, value = item.partition("=")
        field = fields.get(name.strip())
        if not sep or field is None:
            fail(f"--where {item!r}: expected FIELD=VALUE with FIELD one of {', '.join(fields)}")
        if field.kind == "keyword":
            raw.setdefault(field.name, [])
            raw[field.name].append(value.strip())  # type: ignore[attr-defined]
        else:
            low, dots, high = value.partition("..")
            try:
                first = int(low) if low.strip() else None
                last = int(high) if high.strip() else (None if dots else first)
            except ValueError:
                fail(f"--where {item!r}: {field.name} takes a whole number or a range N..M")
            if f"{field.name}_from" in raw or f"{field.name}_to" in raw:  # given twice: either value, so the span
                seen = (raw[f"{field.name}_from"], raw[f"{field.name}_to"])
                first = None if first is None or seen[0] is None else min(first, seen[0])  # type: ignore[type-var]
                last = None if last is None or seen[1] is None else max(last, seen[1])  # type: ignore[type-var]
            raw[f"{field.name}_from"], raw[f"{field.name}_to"] = first, last
    try:
        checked = FiltersIn.model_validate({k: v for k, v in raw.items() if v not in (None, [])})
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    _warn(checked.notes)
    return checked.to_filters()


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Question or keywords, e.g. 不法行為の損害賠償")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many results (1-50).")] = 10,
    source: Source = None,
    where: Where = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    hints: Hints = True,
    mode: Annotated[str, typer.Option(help="hybrid | bm25 | dense")] = "hybrid",
    data_dir: DataDir = None,
) -> None:
    """Ranked results, each with its citation label and URL."""
    if mode not in ("hybrid", "bm25", "dense"):
        fail(f"unknown mode {mode!r}: use hybrid, bm25 or dense")
    options = SearchOptions(k=k, mode=mode, filters=_filters(source, where, date_from, date_to),  # type: ignore[arg-type]
                            use_hints=hints)
    service = _service(data_dir)
    try:
        result = service.search(query, options)
    except ValueError as exc:
        fail(str(exc))
    finally:
        service.close()
    _applied(result.applied_filters)
    for line in result.definitions:
        err.print(line, style="cyan", markup=False, soft_wrap=True)
    _warn([*result.warnings, *_absent_lines(result.missing, result.unknown_laws, result.not_stored)])
    if not result.hits:
        console.print("no results")
    for hit in result.hits:
        console.print(f"{hit.rank:>2}. {hit.chunk.label}  {hit.chunk.url}  [{hit.via} {hit.score:.4f}]",
                      markup=False, highlight=False, soft_wrap=True)
        console.print(f"    {hit.chunk.body[:120]}", markup=False, highlight=False, soft_wrap=True)
        for linked in hit.linked:
            console.print(f"    ↔ {linked.label}  {linked.url}", markup=False, highlight=False, soft_wrap=True)


@app.command("ask")
def ask_cmd(
    question: Annotated[str, typer.Argument(help="A question in Japanese, e.g. 他人に損害を与えたときの責任は？")],
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="How many provisions or speeches to consider (1-20).")] = 5,
    source: Source = None,
    where: Where = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    hints: Hints = True,
    extractive: Annotated[bool, typer.Option("--extractive", help="Quote the sources even when an LLM is configured.")] = False,
    rewrite: Annotated[Optional[bool], typer.Option(
        "--rewrite/--no-rewrite", help="Add the LLM's statute-vocabulary rewrites to the search (default: setting).")] = None,
    confidentiality: Annotated[int, typer.Option(
        min=1, max=3, help="機密性 level of the question: 2 or 3 never goes to an external model.")] = 1,
    data_dir: DataDir = None,
) -> None:
    """A cited answer: quoted provisions and speeches, or a generated, verified one when an LLM is configured.

    With GOVRAG_LLM_BASE_URL set, the model's words stream to stderr as they come; the answer printed
    after them is the verified one (the quotes instead, if verification refused the model's answer)."""
    options = SearchOptions(k=k, filters=_filters(source, where, date_from, date_to), use_hints=hints)
    settings = settings_for(data_dir)
    if extractive:  # no model at all: neither the answer nor the search's rewrites
        settings = settings.model_copy(update={"answer_mode": "extractive", "query_rewrite": False})
        rewrite = False
    service = _service_for(settings)
    streamed = False
    try:
        events = service.ask_events(question, options, caller=Caller(_cli_user(), "cli", confidentiality),
                                    rewrite=rewrite)
        for kind, value in events:
            if kind == "delta":
                if not streamed:
                    err.print("生成中（検証前）:", style="dim")
                streamed = True
                err.print(value, end="", markup=False, highlight=False, soft_wrap=True, style="dim")
            else:
                answer = value
    except ValueError as exc:
        fail(str(exc))
    finally:
        service.close()
    if streamed:
        err.print("\n")
    _applied(answer.applied_filters)
    _warn(answer.warnings)
    console.print(answer.text, markup=False, highlight=False, soft_wrap=True)
    console.print()
    for c in answer.citations:
        console.print(f"[{c.n}] {c.label}  {c.url}", markup=False, highlight=False, soft_wrap=True)
    if answer.verification is not None:
        v = answer.verification
        verdict = "passed" if v.passed else f"FAILED ({len(v.failures)} problems)"
        err.print(f"verification: {verdict}; {len(v.sentences)} sentences checked, {v.unsupported} unsupported; "
                  f"mode {answer.mode}, model {answer.model}", style="green" if v.passed else "yellow",
                  markup=False, soft_wrap=True)


def _cli_user() -> str:
    """The audit log's key id for a CLI call: the OS user, as no API key is involved."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _applied(lines: Iterable[str]) -> None:
    for line in lines:
        err.print(f"filter from the query: {line} (--no-hints to drop)", style="cyan", markup=False, soft_wrap=True)


research_app = typer.Typer(help="Lawsy-style research reports: run one, list the history, export.", no_args_is_help=True)
app.add_typer(research_app, name="research")
ReportId = Annotated[str, typer.Argument(help="A report id (govrag research list).")]


@research_app.command("run")
def research_run(
    question: Annotated[str, typer.Argument(help="A research question, e.g. 個人情報の第三者提供の要件と国会での議論")],
    source: Source = None,
    where: Where = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    subqueries: Annotated[int, typer.Option(min=1, max=10, help="Sub-queries searched, the question included.")] = 6,
    sources: Annotated[int, typer.Option(min=1, max=40, help="Numbered sources in the report.")] = 15,
    generate: Annotated[Optional[bool], typer.Option(
        "--generate/--extractive", help="Let the configured LLM write (default: when one is configured).")] = None,
    confidentiality: Annotated[int, typer.Option(
        min=1, max=3, help="機密性 level of the question: 2 or 3 never goes to an external model.")] = 1,
    data_dir: DataDir = None,
) -> None:
    """Research a question: the steps print to stderr as they finish, the report (Markdown) to stdout."""
    options = ResearchOptions(filters=_filters(source, where, date_from, date_to), max_subqueries=subqueries,
                              max_sources=sources, generate=generate)
    service = _service(data_dir)
    report = None
    try:
        for kind, value in service.researcher.events(question, options, caller=Caller(_cli_user(), "cli", confidentiality)):
            if kind == "step" and value["status"] == "done":
                err.print(f"{value['label']}: {value['ms']:.0f} ms {value['detail']}", style="dim", markup=False)
            elif kind == "report":
                report = value
    except (ValueError, HistoryError) as exc:
        fail(str(exc))
    finally:
        service.close()
    assert report is not None
    console.print(research_export.markdown(report), markup=False, highlight=False, soft_wrap=True)
    err.print(f"report {report.id}: {len(report.sources)} sources, {len(report.sections)} sections, "
              f"{report.timings_ms.get('total', 0):.0f} ms", style="green", markup=False)


@research_app.command("list")
def research_list(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50, data_dir: DataDir = None) -> None:
    """The research history, newest first."""
    with _history(data_dir) as history:
        entries, total = history.list(limit=limit)
    table = Table("id", "created", "type", "mode", "sources", "question")
    for e in entries:
        table.add_row(e.id, e.created, e.question_type, e.mode, str(e.sources), e.question)
    console.print(table)
    err.print(f"{len(entries)} of {total} reports")


@research_app.command("show")
def research_show(
    report_id: ReportId,
    format: Annotated[str, typer.Option("--format", help="md, html (print page) or json.")] = "md",
    data_dir: DataDir = None,
) -> None:
    """One report from the history, as Markdown, the print page's HTML, or JSON."""
    if format not in ("md", "html", "json"):
        fail("--format is md, html or json")
    with _history(data_dir) as history:
        report = history.get(report_id)
    if report is None:
        fail(f"no report with id {report_id} (govrag research list)")
    text = {"md": research_export.markdown, "html": research_export.print_html,
            "json": lambda r: json.dumps(r.as_dict(), ensure_ascii=False, indent=1)}[format](report)
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@research_app.command("delete")
def research_delete(report_id: ReportId, data_dir: DataDir = None) -> None:
    """Delete a report from the history."""
    with _history(data_dir) as history:
        deleted = history.delete(report_id)
    if not deleted:
        fail(f"no report with id {report_id}")
    err.print(f"deleted {report_id}")


@contextmanager
def _history(data_dir: Path | None) -> Iterator[History]:
    """The research history, closed after use; a file that cannot be opened, read or written is one clear line."""
    try:
        history = History(settings_for(data_dir).research_db)
    except HistoryError as exc:
        fail(str(exc))
    try:
        yield history
    except HistoryError as exc:
        fail(str(exc))
    finally:
        history.close()


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help=(
        "Processes that answer /search (one process uses about one core). With the embedded index each gets "
        "its own copy under data_dir/index-replicas, made once and kept while the index is unchanged.")
    )] = 1,
    build_outlines: Annotated[bool, typer.Option(help=(
        "Embed every law's outline in the background while serving (about 1 CPU-hour for the 2020 archive); "
        "the router is used once it is done. Progress: /healthz and the UI."))] = False,
    build_dense_laws: Annotated[Optional[str], typer.Option(help=(
        "Comma-separated LawIds or titles (or 'all') whose chunks get dense vectors in the background."))] = None,
    build_dense_laws_file: Annotated[Optional[Path], typer.Option(help=(
        "File with one LawId or title per line, for dense vectors built in the background."))] = None,
    data_dir: DataDir = None,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs), optionally building dense layers in the background."""
    import uvicorn

    from govrag.api import create_app
    from govrag.background import layer_plan

    settings = settings_for(data_dir).model_copy(update={"search_workers": workers})
    if build_outlines or build_dense_laws or build_dense_laws_file:
        settings = settings.model_copy(update={
            "build_outlines": build_outlines or settings.build_outlines,
            "build_dense_laws": _dense_selection(build_dense_laws, build_dense_laws_file) or settings.build_dense_laws})
    if (settings.build_outlines or settings.build_dense_laws) and settings.chunk_db.exists():  # else the service says
        with DocStore(settings.chunk_db) as docstore:
            try:
                layer_plan(settings, docstore)
            except ValueError as exc:
                fail(str(exc))
    if workers > 1 and settings.store_url is None:
        try:
            copies = replicas.prepare(settings.index_dir, settings.data_dir / "index-replicas", workers,
                                      say=lambda line: err.print(line, markup=False))
        except StoreError as exc:
            fail(str(exc))
        settings = settings.model_copy(update={"index_replicas": copies})
    uvicorn.run(create_app(_service_for(settings, check_pages=True)), host=host, port=port, log_level="info")


def _service(data_dir: Path | None, *, check_pages: bool = False) -> Service:
    """The service, or one line saying why not; a degraded one is opened with its problems printed.

    One-shot commands leave SQLite's page check to `govrag doctor` (seconds to half a minute on the
    whole archive); `govrag serve` runs it in the background."""
    return _service_for(settings_for(data_dir), check_pages=check_pages)


def _service_for(settings: Settings, *, check_pages: bool = False, llm: Any = None) -> Service:
    try:
        service = Service(settings, check_pages=check_pages, llm=llm)
    except (NotReady, StoreError, DataError) as exc:
        fail(str(exc))
    _warn(service.warnings())
    return service


def _warn(lines: Iterable[str]) -> None:
    for line in lines:
        err.print(f"warning: {line}", style="yellow", markup=False, soft_wrap=True)


def _absent_lines(missing: Iterable[str], unknown: Iterable[str], not_stored: Iterable[str]) -> list[str]:
    return ([f"not in the store: {m}" for m in missing] + [f"no law is named {u!r}" for u in unknown]
            + [f"a known law this store does not hold: {n}" for n in not_stored])


@app.command("doctor")
def doctor_cmd(
    full: Annotated[bool, typer.Option(help="Also decode every stored row (slower on a whole archive).")] = False,
    data_dir: DataDir = None,
) -> None:
    """Check the data dir (document store, index files, counts) and name the command that repairs each fault."""
    from govrag.doctor import diagnose

    checks = diagnose(settings_for(data_dir), full=full)
    for check in checks:
        mark = "[green]ok[/]  " if check.ok else "[red]FAIL[/]"
        console.print(f"{mark} {check.name}" + (f" ({check.detail})" if check.detail else ""), highlight=False)
        for problem in check.problems:
            console.print(f"      {problem.path}: {problem.message}", markup=False, highlight=False, soft_wrap=True)
            console.print(f"      repair: {problem.repair}", markup=False, highlight=False, soft_wrap=True)
    if not all(c.ok for c in checks):
        raise typer.Exit(code=1)


@app.command("eval")
def eval_cmd(
    suite: Annotated[Path, typer.Option(help="Question sets and search configurations.")] = Path("eval/suite.toml"),
    kpi: Annotated[Path, typer.Option(help="KPI targets; a missed one makes the exit status 1.")] = Path("eval/kpi.toml"),
    out: Annotated[Path, typer.Option(help="Folder for report.json, report.md and report.html.")] = Path("eval/reports/latest"),
    datasets: Annotated[Optional[str], typer.Option(help="Comma-separated dataset names (default: all).")] = None,
    runs: Annotated[Optional[str], typer.Option(help="Comma-separated run names (default: all).")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Only the first N questions of each dataset.")] = None,
    sample: Annotated[Optional[int], typer.Option(
        help="Only N questions of each dataset, spread evenly over it (every kind of question).")] = None,
    title: Annotated[str, typer.Option(help="Report title.")] = "govrag eval",
    llm: Annotated[Optional[str], typer.Option(
        help="An LLM for generated answers and multiple-choice accuracy: 'endpoint' (the configured "
             "GOVRAG_LLM_BASE_URL) or a llama-index LLM as 'package.module:factory' (default: none; never send "
             "機密性2以上 material to an external model)."
    )] = None,
    data_dir: DataDir = None,
) -> None:
    """Score every run on every dataset, write the reports, and judge the KPIs."""
    import datetime as dt
    import platform

    from govrag.eval.report import EvalReport
    from govrag.eval.runner import run_suite, spread
    from govrag.answer.llm import make_llm, model_name
    from govrag.eval.choice import load_llm
    from govrag.eval.suite import SuiteError, load_kpis, load_suite

    settings = settings_for(data_dir)
    try:
        chosen = load_suite(suite, settings.shared_data).select(_names(datasets), _names(runs))
        targets = load_kpis(kpi)
        model = (make_llm(settings) if llm == "endpoint" else load_llm(llm)) if llm else None
        if llm == "endpoint" and model is None:
            raise ValueError("--llm endpoint: no endpoint configured (set GOVRAG_LLM_BASE_URL)")
    except (SuiteError, ValueError) as exc:
        fail(str(exc))
    service = _service_for(settings, llm=model)
    try:
        total = sum(len(spread(d.load(), sample)[:limit]) for d in chosen.datasets.values()) * len(chosen.runs)
        with progress() as bar:
            task = bar.add_task("eval", total=total)
            records, sizes = run_suite(service, chosen, limit=limit, on_question=lambda: bar.advance(task),
                                       llm=model, sample=sample)
        health = service.health()
    except (SuiteError, ValueError) as exc:
        fail(str(exc))
    finally:
        service.close()
    report = EvalReport(title, {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "suite": str(suite),
        "index": f"{health['points']:,} chunks (BM25), {health['dense_points']:,} with dense vectors, "
                 f"{health['descriptor_points']:,} outline windows",
        "embedder": str(health["dense_model"]),
        "answerer": (f"generated by {model_name(model)} ({llm}), verification policy {settings.verify_policy}; "
                     f"multiple choice by the same model") if model is not None and service.generator is not None
                    else "extractive" + (f"; multiple choice by {llm}" if llm else " (no LLM configured: mc_accuracy not measured)"),
        "rewriting": ", ".join(sorted(chosen.rewrites)) or "none",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "limit": (f"{sample} questions spread over each set" if sample else "")
                 + (f"{', ' if sample else ''}the first {limit}" if limit else "") or "all questions",
    }, sizes, records)
    report.judge(targets)
    for path in report.write(out):
        console.print(f"wrote {path}")
    for k in report.kpis:
        verdict = "PASS" if k.passed else "MISS"
        value = "–" if k.value is None else f"{k.value:.3f}"
        console.print(f"{verdict}  {k.kpi.name}: {value} (target {k.kpi.target})", markup=False)
    if not report.passed:
        raise typer.Exit(code=1)


def _names(value: str | None) -> list[str] | None:
    return [n.strip() for n in value.split(",") if n.strip()] if value else None


@app.command("status")
def status_cmd(data_dir: DataDir = None) -> None:
    """Counts of documents, chunks and skipped files in the store."""
    settings = settings_for(data_dir)
    if not settings.chunk_db.exists():
        fail(f"no store at {settings.chunk_db}: run `govrag ingest` first")
    with DocStore(settings.chunk_db) as store:
        counts = store.counts()
        skipped = store.skipped()
    table = Table("source", "documents", "chunks", "skipped")
    for source, c in sorted(counts.items()):
        table.add_row(source, str(c.get("documents", 0)), str(c.get("chunks", 0)), str(c.get("skipped", 0)))
    console.print(table)
    for source, name, reason in skipped:
        err.print(f"skipped {source} {name}: {reason}", style="red", markup=False, soft_wrap=True)


def main() -> None:
    """The `govrag` console script."""
    os.environ.setdefault("RUST_BACKTRACE", "0")  # a panic in the Qdrant engine: its message, not 50 frames
    app()


if __name__ == "__main__":  # `python -m govrag.cli`, e.g. from benchmarks
    main()
