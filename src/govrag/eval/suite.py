"""An eval suite: named question sets and named search configurations (eval/suite.toml), and KPI targets.

Every run answers every dataset in one process, so baselines are compared on the
same index, the same questions and the same machine state.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, TypeVar

from govrag.eval.datasets import EvalQuestion, load_jsonl, load_lawqa
from govrag.retrieval.search import SearchOptions
from govrag.sources import registry

_T = TypeVar("_T")
_OPTION_FIELDS = {f.name for f in fields(SearchOptions)} - {"filters", "k"}


class SuiteError(ValueError):
    """The suite or KPI file is not usable; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    kind: Literal["lawqa", "jsonl"]
    path: Path
    #: Sources its questions are asked of (the request's `source` filter); empty: every source.
    source: tuple[str, ...] = ()
    #: false: answers are always extractive (the shuffled multiple-choice copies need only the model's letter).
    generate: bool = True
    #: false: the model is not asked the multiple-choice letter (a run that measures the search only).
    choose: bool = True

    def load(self) -> list[EvalQuestion]:
        if not self.path.is_file():
            raise SuiteError(f"dataset {self.name}: no such file {self.path}")
        return load_lawqa(self.path) if self.kind == "lawqa" else load_jsonl(self.path)


@dataclass(frozen=True, slots=True)
class Kpi:
    name: str
    dataset: str  # a dataset name, or "*" for all of them pooled
    run: str
    metric: str
    min: float | None = None
    max: float | None = None

    def verdict(self, value: float | None) -> bool:
        """A KPI with no value (nothing to measure) is missed: a gap is never a pass."""
        if value is None:
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    @property
    def target(self) -> str:
        return " and ".join(x for x in (f"≥ {self.min}" if self.min is not None else "",
                                        f"≤ {self.max}" if self.max is not None else "") if x)


@dataclass(frozen=True, slots=True)
class Suite:
    datasets: dict[str, Dataset]
    runs: dict[str, SearchOptions]
    #: Runs whose questions the LLM rewrites first (`rewrite = true`: statute vocabulary + sub-queries, fused).
    rewrites: frozenset[str] = frozenset()

    def select(self, datasets: list[str] | None, runs: list[str] | None) -> Suite:
        picked = _pick(self.runs, runs, "run")
        return Suite(_pick(self.datasets, datasets, "dataset"), picked, self.rewrites & set(picked))


def load_suite(path: Path, shared_data: Path | None) -> Suite:
    raw = _read_toml(path)
    datasets: dict[str, Dataset] = {}
    for name, entry in raw.get("datasets", {}).items():
        kind = entry.get("kind")
        if kind not in ("lawqa", "jsonl"):
            raise SuiteError(f"{path}: dataset {name}: kind must be 'lawqa' or 'jsonl', not {kind!r}")
        where = str(entry.get("path", ""))
        if "{shared}" in where:
            if shared_data is None:
                raise SuiteError(f"{path}: dataset {name} needs the data bundle: set GOVRAG_SHARED_DATA")
            where = where.replace("{shared}", str(shared_data))
        source = entry.get("source", [])
        source = [source] if isinstance(source, str) else source
        unknown_sources = [s for s in source if s not in registry.names()]
        if unknown_sources:
            raise SuiteError(f"{path}: dataset {name}: unknown source(s) {unknown_sources}; use {list(registry.names())}")
        flags = {flag: entry.get(flag, True) for flag in ("generate", "choose")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise SuiteError(f"{path}: dataset {name}: generate and choose must be true or false")
        datasets[name] = Dataset(name, kind, (path.parent / where).resolve(), tuple(source), **flags)
    runs: dict[str, SearchOptions] = {}
    rewrites = set()
    for name, entry in raw.get("runs", {}).items():
        entry = dict(entry)
        if entry.pop("rewrite", False):
            rewrites.add(name)
        unknown = set(entry) - _OPTION_FIELDS
        if unknown:
            raise SuiteError(f"{path}: run {name}: unknown option(s) {sorted(unknown)}; use {sorted(_OPTION_FIELDS)}")
        runs[name] = SearchOptions(k=EVAL_DEPTH, **entry)
    if not datasets or not runs:
        raise SuiteError(f"{path}: a suite needs at least one [datasets.*] and one [runs.*]")
    return Suite(datasets, runs, frozenset(rewrites))


#: Chunks fetched per search: enough for hit@10 over distinct articles after split articles collapse.
EVAL_DEPTH = 30


def load_kpis(path: Path) -> list[Kpi]:
    raw = _read_toml(path)
    kpis = []
    for i, entry in enumerate(raw.get("kpi", []), start=1):
        try:
            kpi = Kpi(**entry)
        except TypeError as exc:
            raise SuiteError(f"{path}: kpi #{i}: {exc}") from None
        if kpi.min is None and kpi.max is None:
            raise SuiteError(f"{path}: kpi #{i} ({kpi.name}) has neither min nor max")
        kpis.append(kpi)
    return kpis


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SuiteError(f"no such file: {path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: not valid TOML: {exc}") from None


def _pick(items: dict[str, _T], names: list[str] | None, what: str) -> dict[str, _T]:
    if not names:
        return items
    missing = [n for n in names if n not in items]
    if missing:
        raise SuiteError(f"unknown {what}(s) {missing}; the suite has {list(items)}")
    return {n: items[n] for n in names}
