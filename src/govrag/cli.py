"""The `govrag` command line: ingest sources, look up provisions, inspect the store."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import click
import typer
from typer.core import TyperGroup
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.embed import EmbeddingCache, make_embedder
from govrag.index.indexer import (
    IndexMeta, StaleIndex, build_dense, build_sparse, check_tokenizer, forget_index, new_meta, repair_index,
)
from govrag.index.integrity import DataError
from govrag.index.ingest import JobError, ingest_laws, load_job
from govrag.index.store.base import Filters, StoreError
from govrag.retrieval.search import SearchOptions
from govrag.index.descriptors import build_articles, build_descriptors, repair_descriptors
from govrag.service import META_FILE, NotReady, Service, open_descriptors, open_index
from govrag.retrieval.citation import CitationLookup
from govrag.sources.laws.api import DEFAULT_BASE_URL, EgovApiClient, iter_api_laws
from govrag.sources.laws.archive import LawFile, Skipped, SourceError
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.corpus import CorpusReport, LawSummary
from govrag.sources.laws.lawid import LawIdResolver

class _Commands(TyperGroup):
    """Every command: damaged data is one line naming the file and the repair, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (DataError, StoreError) as exc:
            _fail(str(exc))


app = typer.Typer(help="govrag: cited answers over Japanese laws, the official gazette and Diet minutes.",
                  no_args_is_help=True, cls=_Commands)
ingest_app = typer.Typer(help="Read sources into the document store (resumable).", no_args_is_help=True)
laws_app = typer.Typer(help="Look up law provisions.", no_args_is_help=True)
index_app = typer.Typer(help="Build and inspect the search index.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.add_typer(laws_app, name="laws")
app.add_typer(index_app, name="index")

console = Console()
err = Console(stderr=True)

DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="Data folder (default ./data or GOVRAG_DATA_DIR).")]


def _settings(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


@ingest_app.command("laws")
def ingest_laws_cmd(
    source: Annotated[Path, typer.Option("--source", "-s", help="Law XML file, folder, or .tar.xz/.zip archive.")],
    version: Annotated[str, typer.Option(help="Version date of the text (e.g. the snapshot date 2020-11-18).")] = "",
    law_ids: Annotated[Optional[Path], typer.Option(help="Folder with law_ids.tsv / law_ids_derived.tsv.")] = None,
    workers: Annotated[int, typer.Option(help="Parser processes (0 = one per core).")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Parse and chunk e-Gov law XML into the document store."""
    settings = _settings(data_dir)
    _run_law_ingest(settings, source, version, law_ids or settings.egov_dir, workers or settings.workers)


@ingest_app.command("egov-api")
def ingest_api_cmd(
    law_ids: Annotated[list[str], typer.Argument(help="LawIds (or 法令番号) to fetch, e.g. 129AC0000000089.")],
    asof: Annotated[Optional[str], typer.Option(help="Text as in force on this date (YYYY-MM-DD).")] = None,
    base_url: Annotated[str, typer.Option(help="e-Gov 法令API v2 base URL.")] = DEFAULT_BASE_URL,
    data_dir: DataDir = None,
) -> None:
    """Fetch laws from the e-Gov 法令API v2 and ingest them (polite rate limit, retries)."""
    settings = _settings(data_dir)
    with EgovApiClient(base_url=base_url) as client:
        try:
            files = iter_api_laws(client, law_ids, asof=asof)
        except ValueError as exc:
            _fail(str(exc))
        _run_law_ingest(settings, files, "", settings.egov_dir, 1, label="e-Gov API")


@ingest_app.command("run")
def ingest_run_cmd(
    job: Annotated[Path, typer.Argument(help="Job definition (TOML), e.g. ingest/laws-sample.toml.")],
    workers: Annotated[int, typer.Option(help="Parser processes (0 = one per core).")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Run every source named in a job file."""
    settings = _settings(data_dir)
    try:
        spec = load_job(job, settings.shared_data)
    except JobError as exc:
        _fail(str(exc))
    console.print(f"[bold]job[/] {spec.name}")
    for law_source in spec.laws:
        _run_law_ingest(settings, law_source.path, law_source.version, law_source.law_ids or settings.egov_dir,
                        workers or settings.workers, catalog=law_source.catalog)


def _run_law_ingest(
    settings: Settings,
    source: Path | Iterable[LawFile | Skipped],
    version: str,
    law_ids: Path | None,
    workers: int,
    label: str | None = None,
    catalog: tuple[Path, ...] = (),
) -> None:
    resolver = LawIdResolver.from_dir(law_ids)
    if law_ids is None:
        err.print("[yellow]no LawId tables found (law_ids.tsv): ids come from the XML or the safe rules only[/]")
    options = ChunkOptions(max_chars=settings.chunk_max_chars, version=version)
    with DocStore(settings.chunk_db, create=True) as store, _progress() as progress:
        name = label or (source.name if isinstance(source, Path) else "laws")
        task = progress.add_task(f"laws ← {name}", total=None)

        def tick(result: LawSummary | Skipped) -> None:
            progress.advance(task)

        try:
            report, unchanged = ingest_laws(store, source, resolver, options, workers=workers or None, on_result=tick,
                                            catalog=catalog)
        except SourceError as exc:
            _fail(str(exc))
    _print_report(report, unchanged, settings.chunk_db)
    if report.laws == 0 and unchanged == 0:
        _fail(f"{name}: no law could be read" if report.skipped else f"{name}: no law XML found")


def _print_report(report: CorpusReport, unchanged: int, db: Path) -> None:
    table = Table(title="law ingest", show_header=False)
    for key, value in (
        ("files read", report.files),
        ("laws stored", report.laws),
        ("articles", report.articles),
        ("units (条, 項-only provisions, 別表)", report.units),
        ("chunks", report.chunks),
        ("unchanged, skipped", unchanged),
        ("skipped with errors", len(report.skipped)),
        ("LawId", ", ".join(f"{k} {v}" for k, v in sorted(report.law_id_status.items()))),
        ("store", str(db)),
    ):
        table.add_row(key, str(value))
    console.print(table)
    for skipped in report.skipped:
        err.print(f"skipped {skipped.name}: {skipped.reason}", style="red", markup=False, soft_wrap=True)


@laws_app.command("show")
def laws_show_cmd(
    citation: Annotated[str, typer.Argument(help="e.g. 民法709条, 個人情報保護法27条1項2号, 憲法第九条")],
    data_dir: DataDir = None,
) -> None:
    """Print the provision a citation names, with its e-Gov link."""
    settings = _settings(data_dir)
    if not citation.strip():
        _fail("empty citation: give a law name and article, e.g. 民法709条")
    with DocStore(settings.chunk_db) as store:
        lookup = CitationLookup.from_store(store)
        result = lookup.find(citation)
    if result.law is None:
        _fail(f"no law in the store matches {result.law_name or citation!r}")
    if not result.chunks:
        _fail(f"{result.law.title} has no provision {result.wanted} in the store")
    for chunk in result.chunks:
        console.print(f"{chunk.label}  {chunk.url}", style="bold", markup=False, highlight=False, soft_wrap=True)
        console.print(chunk.text, markup=False, highlight=False, soft_wrap=True)
        console.print()


@index_app.command("build")
def index_build_cmd(
    dense_laws: Annotated[
        Optional[str], typer.Option(help="Comma-separated LawIds or titles whose chunks get dense vectors, or 'all'.")
    ] = None,
    dense_laws_file: Annotated[Optional[Path], typer.Option(help="File with one LawId or title per line.")] = None,
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
    """BM25 for every stored chunk, outline vectors for every law, dense vectors for the laws you choose.

    Every stage is resumable: rerun the command after an interruption and it skips what is done.
    """
    settings = _settings(data_dir)
    if not settings.chunk_db.exists():
        _fail(f"no document store at {settings.chunk_db}: run `govrag ingest` first")
    wanted = _dense_selection(dense_laws, dense_laws_file)
    with DocStore(settings.chunk_db) as docstore:
        if not any(True for _ in docstore.documents()):
            _fail(f"the document store at {settings.chunk_db} is empty: run `govrag ingest` first")
        embedder = make_embedder(settings.embedder)
        if rebuild:
            if settings.store_url:
                _fail("--rebuild removes the embedded index only: drop the collections on the Qdrant server instead")
            forget_index(docstore, settings.index_dir)
        meta = IndexMeta.load(settings.index_dir / META_FILE)
        if meta is None:
            meta = new_meta(docstore, embedder)
            settings.index_dir.mkdir(parents=True, exist_ok=True)
            meta.save(settings.index_dir / META_FILE)
        try:
            check_tokenizer(meta)
        except StaleIndex as exc:
            _fail(str(exc))
        store = open_index(settings)
        try:
            repaired = repair_index(docstore, store, meta)
            if repaired:
                console.print(f"repair: {len(repaired)} documents had lost points or vectors "
                              f"({', '.join(repaired[:5])}{' …' if len(repaired) > 5 else ''}); indexing them again")
            with _progress() as progress:
                task = progress.add_task("BM25 (Sudachi) → store", total=None)
                sparse = build_sparse(
                    docstore, store, meta, workers=workers or settings.workers or None,
                    on_document=lambda n: progress.advance(task, n),
                )
            console.print(f"sparse: {sparse.documents} documents, {sparse.points} points written, "
                          f"{sparse.skipped_documents} unchanged documents skipped")
            cache = EmbeddingCache(settings.embedding_cache)
            if descriptors:
                outline_store = open_descriptors(settings)
                try:
                    if lost := repair_descriptors(docstore, outline_store, embedder.model_id):
                        console.print(f"repair: {len(lost)} laws had lost their outline windows; embedding them again")
                    with _progress() as progress:
                        task = progress.add_task(f"law outlines ({embedder.model_id}) → router", total=None)
                        routed = build_descriptors(
                            docstore, outline_store, embedder, cache, on_batch=lambda n: progress.advance(task, n)
                        )
                finally:
                    outline_store.close()
                console.print(f"outlines: {routed.documents} laws, {routed.points} windows embedded or cached, "
                              f"{routed.skipped_documents} unchanged laws skipped")
            if wanted:
                doc_ids = _resolve_laws(docstore, wanted)
                with _progress() as progress:
                    task = progress.add_task(f"dense ({embedder.model_id}) → store", total=None)
                    dense = build_dense(docstore, store, embedder, cache, doc_ids,
                                        on_batch=lambda n: progress.advance(task, n))
                console.print(f"dense: {dense.documents} documents, {dense.points} chunks embedded or cached, "
                              f"{dense.skipped_documents} unchanged documents skipped")
            if articles:  # last: hours for a whole archive, and an interrupted run keeps every earlier stage
                with _progress() as progress:
                    task = progress.add_task(f"article descriptors ({embedder.model_id}) → index", total=None)
                    report = build_articles(docstore, store, embedder, cache,
                                            on_batch=lambda n: progress.advance(task, n))
                console.print(f"articles: {report.documents} laws, {report.points} articles embedded or cached, "
                              f"{report.skipped_documents} unchanged laws skipped")
        finally:
            store.close()


def _dense_selection(laws: str | None, laws_file: Path | None) -> list[str]:
    wanted = [w.strip() for w in (laws or "").split(",") if w.strip()]
    if laws_file is not None:
        if not laws_file.is_file():
            _fail(f"{laws_file}: no such file")
        wanted += [line.strip() for line in laws_file.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    return wanted


def _resolve_laws(docstore: DocStore, wanted: list[str]) -> list[str]:
    """LawIds or titles → document ids; 'all' means every law. Unknown names are an error, not a silent skip."""
    docs = list(docstore.documents("law"))
    if wanted == ["all"]:
        return [d.doc_id for d in docs]
    by_key = {d.doc_id: d.doc_id for d in docs} | {d.title: d.doc_id for d in docs}
    missing = [w for w in wanted if w not in by_key]
    if missing:
        _fail(f"not in the store: {', '.join(missing[:10])}" + (" …" if len(missing) > 10 else ""))
    return [by_key[w] for w in wanted]


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


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Question or keywords, e.g. 不法行為の損害賠償")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many results (1-50).")] = 10,
    source: Annotated[Optional[str], typer.Option(help="law | diet | gazette")] = None,
    mode: Annotated[str, typer.Option(help="hybrid | bm25 | dense")] = "hybrid",
    data_dir: DataDir = None,
) -> None:
    """Ranked results, each with its citation label and URL."""
    if mode not in ("hybrid", "bm25", "dense"):
        _fail(f"unknown mode {mode!r}: use hybrid, bm25 or dense")
    filters = Filters(source=(source,)) if source else Filters()
    service = _service(data_dir)
    try:
        result = service.search(query, SearchOptions(k=k, mode=mode, filters=filters))  # type: ignore[arg-type]
    except ValueError as exc:
        _fail(str(exc))
    finally:
        service.close()
    _warn([*result.warnings, *_absent_lines(result.missing, result.unknown_laws, result.not_stored)])
    if not result.hits:
        console.print("no results")
    for hit in result.hits:
        console.print(f"{hit.rank:>2}. {hit.chunk.label}  {hit.chunk.url}  [{hit.via} {hit.score:.4f}]",
                      markup=False, highlight=False, soft_wrap=True)
        console.print(f"    {hit.chunk.body[:120]}", markup=False, highlight=False, soft_wrap=True)


@app.command("ask")
def ask_cmd(
    question: Annotated[str, typer.Argument(help="A question in Japanese, e.g. 他人に損害を与えたときの責任は？")],
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="How many provisions to consider (1-20).")] = 5,
    data_dir: DataDir = None,
) -> None:
    """An answer quoting the relevant provisions, with numbered citations and URLs."""
    service = _service(data_dir)
    try:
        answer = service.ask(question, SearchOptions(k=k))
    except ValueError as exc:
        _fail(str(exc))
    finally:
        service.close()
    _warn(answer.warnings)
    console.print(answer.text, markup=False, highlight=False, soft_wrap=True)
    console.print()
    for c in answer.citations:
        console.print(f"[{c.n}] {c.label}  {c.url}", markup=False, highlight=False, soft_wrap=True)


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    data_dir: DataDir = None,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from govrag.api import create_app

    service = _service(data_dir, check_pages=True)
    uvicorn.run(create_app(service), host=host, port=port, log_level="info")


def _service(data_dir: Path | None, *, check_pages: bool = False) -> Service:
    """The service, or one line saying why not; a degraded one is opened with its problems printed.

    One-shot commands leave SQLite's page check to `govrag doctor` (seconds to half a minute on the
    whole archive); `govrag serve` runs it in the background."""
    try:
        service = Service(_settings(data_dir), check_pages=check_pages)
    except (NotReady, StoreError, DataError) as exc:
        _fail(str(exc))
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

    checks = diagnose(_settings(data_dir), full=full)
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
    title: Annotated[str, typer.Option(help="Report title.")] = "govrag eval",
    llm: Annotated[Optional[str], typer.Option(
        help="A llama-index LLM as 'package.module:factory' for multiple-choice accuracy (default: none; "
             "never send 機密性2以上 material to an external model)."
    )] = None,
    data_dir: DataDir = None,
) -> None:
    """Score every run on every dataset, write the reports, and judge the KPIs."""
    import datetime as dt
    import platform

    from govrag.eval.report import EvalReport
    from govrag.eval.runner import run_suite
    from govrag.eval.choice import load_llm
    from govrag.eval.suite import SuiteError, load_kpis, load_suite

    settings = _settings(data_dir)
    try:
        chosen = load_suite(suite, settings.shared_data).select(_names(datasets), _names(runs))
        targets = load_kpis(kpi)
        model = load_llm(llm) if llm else None
    except (SuiteError, ValueError) as exc:
        _fail(str(exc))
    service = _service(data_dir)
    try:
        total = sum(len(d.load()[:limit]) for d in chosen.datasets.values()) * len(chosen.runs)
        with _progress() as progress:
            task = progress.add_task("eval", total=total)
            records, sizes = run_suite(service, chosen, limit=limit, on_question=lambda: progress.advance(task),
                                       llm=model)
        health = service.health()
    except (SuiteError, ValueError) as exc:
        _fail(str(exc))
    finally:
        service.close()
    report = EvalReport(title, {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "suite": str(suite),
        "index": f"{health['points']:,} chunks (BM25), {health['dense_points']:,} with dense vectors, "
                 f"{health['descriptor_points']:,} outline windows",
        "embedder": str(health["dense_model"]),
        "answerer": "extractive" + (f"; multiple choice by {llm}" if llm else " (no LLM configured: mc_accuracy not measured)"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "limit": limit or "all questions",
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
    settings = _settings(data_dir)
    if not settings.chunk_db.exists():
        _fail(f"no store at {settings.chunk_db}: run `govrag ingest` first")
    with DocStore(settings.chunk_db) as store:
        counts = store.counts()
        skipped = store.skipped()
    table = Table("source", "documents", "chunks", "skipped")
    for source, c in sorted(counts.items()):
        table.add_row(source, str(c.get("documents", 0)), str(c.get("chunks", 0)), str(c.get("skipped", 0)))
    console.print(table)
    for source, name, reason in skipped:
        err.print(f"skipped {source} {name}: {reason}", style="red", markup=False, soft_wrap=True)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=False,
    )


def _fail(message: str) -> NoReturn:
    err.print(f"error: {message}", style="red", markup=False, soft_wrap=True)
    raise typer.Exit(code=2)


def main() -> None:
    """The `govrag` console script."""
    os.environ.setdefault("RUST_BACKTRACE", "0")  # a panic in the Qdrant engine: its message, not 50 frames
    app()


if __name__ == "__main__":  # `python -m govrag.cli`, e.g. from benchmarks
    main()
