"""Eval reports: JSON for machines, Markdown for the repo, one self-contained HTML page for people.

All three are written from the same `EvalReport`, so they cannot disagree.
Plots (matplotlib, Agg backend) are embedded as PNG data URIs: the HTML page
travels as one file.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govrag.sources import registry
from govrag.eval.runner import KS, Record, by_tag, metrics, record_dict
from govrag.eval.suite import Kpi

HEADLINE = ("scored", "article.hit@1", "article.hit@5", "article.hit@10", "article.mrr", "article.ndcg@10",
            "law.hit@10", "answer.false_abstention", "answer.correct_refusal", "answer.hallucination_rate",
            "answer.citation_precision", "answer.mc_accuracy", "latency.total.p50_ms", "latency.total.p95_ms")

#: Said under a dataset's table when its gold is Diet speeches: what the columns then measure.
SPEECH_NOTE = ("Gold unit: a Diet speech. `article.*` scores the gold speech (speechID); the document level is "
               "`meeting.*`, the meeting's minutes (issueID) the speech belongs to, not a law.")

#: Said under a dataset's table when its gold is gazette pages.
PAGE_NOTE = ("Gold unit: a gazette page. `article.*` scores the gold page (issue_id:page); the document level is "
             "`issue.*`, the issue the page belongs to.")

#: Document level → the note under a dataset whose gold is at that level.
LEVEL_NOTES = {"meeting": SPEECH_NOTE, "issue": PAGE_NOTE}


@dataclass
class KpiResult:
    kpi: Kpi
    value: float | None
    passed: bool


@dataclass
class EvalReport:
    title: str
    context: dict[str, Any]
    sizes: dict[str, int]
    records: list[Record]
    kpis: list[KpiResult] = field(default_factory=list)
    #: The run whose failures are listed (default: the suite's last, the full configuration).
    primary: str | None = None

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(r.dataset for r in self.records))

    @property
    def runs(self) -> list[str]:
        return list(dict.fromkeys(r.run for r in self.records))

    @property
    def main_run(self) -> str:
        return self.primary or self.runs[-1]

    def cell(self, dataset: str, run: str) -> dict[str, float | int | None]:
        return metrics([r for r in self.records if (dataset == "*" or r.dataset == dataset) and r.run == run])

    def judge(self, kpis: Sequence[Kpi]) -> None:
        self.kpis = []
        for kpi in kpis:
            value = self.cell(kpi.dataset, kpi.run).get(kpi.metric) if kpi.run in self.runs else None
            self.kpis.append(KpiResult(kpi, None if value is None else float(value), kpi.verdict(
                None if value is None else float(value))))

    @property
    def passed(self) -> bool:
        return all(k.passed for k in self.kpis)

    def doc_levels(self, dataset: str) -> list[str]:
        """Document levels of the dataset's questions: ["law"], ["meeting"] (speech gold) or both."""
        levels = {r.doc_level for r in self.records if r.dataset == dataset and r.gold}
        order = [doc for doc, _ in registry.eval_levels()]
        return [lvl for lvl in order if lvl in levels] or order[:1]

    def level_notes(self, dataset: str) -> list[str]:
        """What the columns measure when the dataset's gold is not law articles (speeches, gazette pages)."""
        return [LEVEL_NOTES[lvl] for lvl in self.doc_levels(dataset) if lvl in LEVEL_NOTES]

    def headline(self, dataset: str) -> tuple[str, ...]:
        """HEADLINE, with the document-level column named for what it is (law.hit@10 / meeting.hit@10)."""
        doc_cols = tuple(f"{lvl}.hit@10" for lvl in self.doc_levels(dataset))
        i = HEADLINE.index("law.hit@10")
        return HEADLINE[:i] + doc_cols + HEADLINE[i + 1:]

    def excluded_gold(self, dataset: str) -> dict[str, int]:
        """Gold sources the index does not hold (guideline PDFs, laws missing from the archive), by title:
        questions citing them are scored only on the gold that is present."""
        counts: dict[str, int] = {}
        for r in self.records:
            if r.dataset == dataset and r.run == self.main_run:
                for g in sorted(set(r.gold) - set(r.gold_in_index)):
                    whole = g.endswith(" (whole document)")
                    title = g.removesuffix(" (whole document)") if whole else g.rpartition(" ")[0]
                    counts[title] = counts.get(title, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))

    # -- outputs ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title, "context": self.context, "sizes": self.sizes,
            "metrics": {d: {run: self.cell(d, run) for run in self.runs} for d in self.datasets},
            "by_tag": {d: {run: by_tag([r for r in self.records if r.dataset == d and r.run == run])
                           for run in self.runs} for d in self.datasets},
            "kpis": [{"name": k.kpi.name, "dataset": k.kpi.dataset, "run": k.kpi.run, "metric": k.kpi.metric,
                      "target": k.kpi.target, "value": k.value, "passed": k.passed} for k in self.kpis],
            "excluded_gold": {d: self.excluded_gold(d) for d in self.datasets},
            "passed": self.passed,
            "records": [record_dict(r) for r in self.records],
        }

    def to_markdown(self, failures: int = 30) -> str:
        out = [f"# {self.title}", ""]
        out += [f"- {k}: {v}" for k, v in self.context.items()]
        out += ["", "## KPI verdicts", "", "| KPI | dataset | run | metric | target | value | verdict |",
                "|---|---|---|---|---|---|---|"]
        for k in self.kpis:
            out.append(f"| {k.kpi.name} | {k.kpi.dataset} | {k.kpi.run} | {k.kpi.metric} | {k.kpi.target} | "
                       f"{_fmt(k.value)} | {'PASS' if k.passed else '**MISS**'} |")
        for d in self.datasets:
            out += ["", f"## {d} ({self.sizes.get(d, 0)} questions)", ""]
            out += _table(self, d)
            out += [line for note in self.level_notes(d) for line in ("", note)]
            if excluded := self.excluded_gold(d):
                out += ["", "Gold references not in the index (excluded from retrieval scoring): "
                        + "; ".join(f"{t} ×{n}" for t, n in excluded.items())]
        out += ["", f"## Failures (first {failures} per dataset, run `{self.main_run}`)", ""]
        for d in self.datasets:
            misses = [r for r in self.records if r.dataset == d and r.run == self.main_run and r.miss_reason()]
            out += [f"### {d}: {len(misses)} of {self.sizes.get(d, 0)}", "",
                    "| qid | question | gold | retrieved (top 3) | why |", "|---|---|---|---|---|"]
            for r in misses[:failures]:
                out.append(f"| {r.qid} | {_cell(r.question, 60)} | {_cell('; '.join(r.gold), 50)} | "
                           f"{_cell('; '.join(r.retrieved[:3]), 70)} | {r.miss_reason()} |")
            out.append("")
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        md_tables = "".join(_html_table(self, d) for d in self.datasets)
        kpis = "".join(
            f"<tr class={'pass' if k.passed else 'miss'}><td>{_e(k.kpi.name)}</td><td>{_e(k.kpi.dataset)}</td>"
            f"<td>{_e(k.kpi.run)}</td><td>{_e(k.kpi.metric)}</td><td>{_e(k.kpi.target)}</td>"
            f"<td>{_fmt(k.value)}</td><td>{'PASS' if k.passed else 'MISS'}</td></tr>" for k in self.kpis)
        failures = "".join(
            f"<tr><td>{_e(r.dataset)}</td><td>{_e(r.qid)}</td><td>{_e(r.question[:120])}</td><td>{_e('; '.join(r.gold))}</td>"
            f"<td>{_e('; '.join(r.retrieved[:5]))}</td><td>{_e(r.miss_reason() or '')}</td></tr>"
            for r in self.records if r.run == self.main_run and r.miss_reason())
        context = "".join(f"<li>{_e(k)}: {_e(str(v))}</li>" for k, v in self.context.items())
        return f"""<!doctype html><html lang="ja"><meta charset="utf-8"><title>{_e(self.title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px;vertical-align:top}}tr.miss td{{background:#fdd}}
tr.pass td{{background:#dfd}}img{{max-width:100%}}</style>
<h1>{_e(self.title)}</h1><ul>{context}</ul>
<h2>KPI verdicts: {'all met' if self.passed else 'missed'}</h2>
<table><tr><th>KPI</th><th>dataset</th><th>run</th><th>metric</th><th>target</th><th>value</th><th>verdict</th></tr>{kpis}</table>
<h2>Metrics</h2>{md_tables}
<h2>hit@k curves</h2><img alt="hit@k" src="{_plot_hits(self)}">
<h2>Per tag (hit@10, run {_e(self.main_run)})</h2><img alt="per tag" src="{_plot_tags(self)}">
<h2>Latency per request</h2><img alt="latency" src="{_plot_latency(self)}">
<h2>Failures (run {_e(self.main_run)})</h2>
<table><tr><th>dataset</th><th>qid</th><th>question</th><th>gold</th><th>retrieved (top 5)</th><th>why</th></tr>{failures}</table>
</html>
"""

    def write(self, out_dir: Path) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"]
        paths[0].write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        paths[1].write_text(self.to_markdown(), encoding="utf-8")
        paths[2].write_text(self.to_html(), encoding="utf-8")
        return paths


def _table(report: EvalReport, dataset: str) -> list[str]:
    cells = {run: report.cell(dataset, run) for run in report.runs}
    best = {m: max((v for c in cells.values() if isinstance(v := c.get(m), (int, float))), default=None)
            for m in ("article.hit@10", "article.mrr")}
    headline = report.headline(dataset)
    lines = ["| run | " + " | ".join(headline) + " | hit@10 / best |", "|---|" + "---|" * (len(headline) + 1)]
    for run, c in cells.items():
        hit, top = c.get("article.hit@10"), best["article.hit@10"]
        ratio = f"{hit / top:.2f}" if isinstance(hit, (int, float)) and top else "–"
        lines.append(f"| {run} | " + " | ".join(_fmt(c.get(m)) for m in headline) + f" | {ratio} |")
    return lines


def _html_table(report: EvalReport, dataset: str) -> str:
    headline = report.headline(dataset)
    rows = "".join(
        "<tr><td>" + _e(run) + "</td>" + "".join(f"<td>{_fmt(report.cell(dataset, run).get(m))}</td>" for m in headline)
        + "</tr>" for run in report.runs)
    head = "".join(f"<th>{_e(m)}</th>" for m in headline)
    note = "".join(f"<p>{_e(n)}</p>" for n in report.level_notes(dataset))
    return (f"<h3>{_e(dataset)} ({report.sizes.get(dataset, 0)} questions)</h3><table><tr><th>run</th>{head}</tr>"
            f"{rows}</table>{note}")


def _fmt(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}" if v < 10 else f"{v:.0f}"
    return str(v)


def _cell(text: str, n: int) -> str:
    text = text.replace("|", "｜").replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def _e(text: str) -> str:
    return html.escape(text)


# ---- plots ---------------------------------------------------------------------------------------


def _figure() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib_fontja  # noqa: F401  # sets IPAex Gothic: tags and law names are Japanese

    return plt


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    _figure().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _plot_hits(report: EvalReport) -> str:
    plt = _figure()
    datasets = [d for d in report.datasets if any(r.scored for r in report.records if r.dataset == d)] or report.datasets
    fig, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 3.5), squeeze=False)
    ks = list(range(1, 21))
    for ax, d in zip(axes[0], datasets):
        for run in report.runs:
            ranks = [r.article_rank for r in report.records if r.dataset == d and r.run == run and r.scored]
            if ranks:
                ax.plot(ks, [sum(1 for x in ranks if x is not None and x <= k) / len(ranks) for k in ks], label=run)
        ax.set_title(d)
        ax.set_xlabel("k (distinct articles or speeches)")
        ax.set_ylabel("hit@k")
        ax.set_ylim(0, 1)
        ax.axvline(max(KS), color="#999", lw=0.5)
        ax.legend(fontsize=8)
    return _png(fig)


def _plot_tags(report: EvalReport) -> str:
    plt = _figure()
    run = report.main_run
    rows = []
    for d in report.datasets:
        for tag, m in by_tag([r for r in report.records if r.dataset == d and r.run == run]).items():
            if m["article.hit@10"] is not None and m["scored"]:
                rows.append((f"{d}:{tag}"[:40], float(m["article.hit@10"]), m["scored"]))
    fig, ax = plt.subplots(figsize=(8, 0.3 * max(3, len(rows)) + 1))
    ax.barh([f"{name} (n={n})" for name, _, n in rows], [v for _, v, _ in rows])
    ax.set_xlim(0, 1)
    ax.set_xlabel("article (or speech) hit@10")
    ax.invert_yaxis()
    return _png(fig)


def _plot_latency(report: EvalReport) -> str:
    plt = _figure()
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for run in report.runs:
        totals = [sum(r.timings_ms.values()) for r in report.records if r.run == run]
        if totals:
            ax.hist(totals, bins=30, alpha=0.5, label=run)
    ax.set_xlabel("search time per request (ms, server side)")
    ax.legend(fontsize=8)
    return _png(fig)
