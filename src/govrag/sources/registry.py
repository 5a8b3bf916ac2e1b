"""name → Source: the only place that lists the sources.

Built-in sources are listed here; a package can add one through the
`govrag.sources` entry-point group (a class meeting `base.Source`), the way
datasette plugins add data sources. Every layer below `sources/` asks this
module, never a source package, what a source offers.
"""

from __future__ import annotations

import importlib
import warnings
from functools import cache
from importlib.metadata import entry_points

from govrag.models import Chunk
from govrag.sources.base import FilterField, Source

_BUILTIN = (
    "govrag.sources.laws.source:LawSource",
    "govrag.sources.diet.source:DietSource",
    "govrag.sources.gazette.source:GazetteSource",
)
CORE_PAYLOAD = ("chunk_id", "source", "doc_id", "date", "seq")


#: Filter names every source shares: a source may not declare them again.
RESERVED_FILTERS = frozenset({"source", "doc_id", "date"})


def _load(target: str) -> Source:
    module, _, name = target.partition(":")
    source: Source = getattr(importlib.import_module(module), name)()
    return source


@cache
def sources() -> tuple[Source, ...]:
    """Every source, built-in first, each once (by name). A plug-in that cannot be loaded is left out
    with a warning: one broken package must not stop every command."""
    found: dict[str, Source] = {}
    for target in _BUILTIN:
        source = _load(target)
        found.setdefault(source.name, source)
    for ep in entry_points(group="govrag.sources"):
        try:
            source = _load(ep.value)
        except Exception as exc:  # noqa: BLE001 - any failure of a third-party package
            warnings.warn(f"govrag source plug-in {ep.name} ({ep.value}) not loaded: {exc}", stacklevel=2)
            continue
        found.setdefault(source.name, source)
    return tuple(found.values())


def names() -> tuple[str, ...]:
    return tuple(s.name for s in sources())


def get(name: str) -> Source:
    for source in sources():
        if source.name == name:
            return source
    raise KeyError(f"no source {name!r} (sources: {', '.join(names())})")


def filter_fields() -> tuple[FilterField, ...]:
    """Every source's filters, each name once: two sources may share one only if they declare it alike."""
    fields: dict[str, FilterField] = {}
    for source in sources():
        for f in source.filter_fields:
            if f.name in RESERVED_FILTERS or {f"{f.name}_from", f"{f.name}_to"} & {"date_from", "date_to"}:
                raise ValueError(f"source {source.name}: the filter name {f.name!r} is reserved")
            if fields.setdefault(f.name, f) != f:
                raise ValueError(f"source {source.name}: filter {f.name!r} differs from another source's")
    return tuple(fields.values())


def payload_fields() -> tuple[str, ...]:
    """What a vector store keeps of a chunk: the core and every source's filter and ranking fields."""
    return tuple(dict.fromkeys((*CORE_PAYLOAD, *(f for s in sources() for f in s.payload_fields))))


def unit_key(chunk: Chunk) -> tuple[str, str | None]:
    """What an eval gold names of a chunk (see `Source.unit_key`)."""
    return get(chunk.source).unit_key(chunk)


def owner(key: tuple[str, str]) -> Source:
    """The source a unit key belongs to: the one whose unit kind starts it, else the one keyed by title."""
    by_kind = {s.unit_kind: s for s in sources()}
    found = by_kind.get(key[0]) or by_kind.get(None)
    if found is None:
        raise KeyError(f"no source owns the unit key {key!r}")
    return found


def eval_levels() -> tuple[tuple[str, str], ...]:
    """(document level, unit) of every source, in registry order: ("law", "article"), ("meeting", "speech")."""
    return tuple(dict.fromkeys(s.eval_levels for s in sources()))
