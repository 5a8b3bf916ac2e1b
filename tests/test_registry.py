"""The source registry: what it lists, what it refuses, and that the layers below sources/ use only it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from govrag.sources import registry
from govrag.sources.base import FilterField

SRC = Path(__file__).resolve().parents[1] / "src" / "govrag"


def test_builtin_sources_and_their_filters() -> None:
    assert registry.names() == ("law", "diet", "gazette")
    assert [f.name for f in registry.filter_fields()] == [
        "law_id", "law_type", "year", "speaker", "position", "house", "meeting", "side", "session",
        "edition", "kind", "issuer", "issue_number"]
    assert registry.get("diet").filter_fields[1].payload_key == "positions"
    assert registry.get("gazette").filter_fields[2].payload_key == "issuers"
    assert registry.eval_levels() == (("law", "article"), ("meeting", "speech"), ("issue", "page"))
    assert registry.owner(("speech", "121303815X01320240730_005")).name == "diet"
    assert registry.owner(("page", "20250714c00129:2")).name == "gazette"
    assert registry.owner(("民法", "709")).name == "law"
    with pytest.raises(KeyError, match="no source 'whitepaper'"):
        registry.get("whitepaper")


@dataclass
class _Fake:
    name: str
    filter_fields: tuple[FilterField, ...]


@pytest.mark.parametrize(("fields", "message"), [
    ((FilterField("date", "integer", "x"),), "reserved"),
    ((FilterField("source", "keyword", "x"),), "reserved"),
    ((FilterField("year", "keyword", "a year as a word"),), "differs from another source's"),
])
def test_a_source_may_not_redefine_a_shared_filter(monkeypatch: pytest.MonkeyPatch, fields: tuple[FilterField, ...],
                                                   message: str) -> None:
    real = registry.sources()
    monkeypatch.setattr(registry, "sources", lambda: (*real, _Fake("white", fields)))
    with pytest.raises(ValueError, match=message):
        registry.filter_fields()


def test_a_shared_filter_declared_alike_is_listed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    year = registry.get("law").filter_fields[2]
    real = registry.sources()
    monkeypatch.setattr(registry, "sources", lambda: (*real, _Fake("white", (year,))))
    assert [f.name for f in registry.filter_fields()].count("year") == 1


def test_no_layer_below_sources_imports_a_source_package() -> None:
    """Index, retrieval, answer, eval, API, CLI and service reach a source only through the registry."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if "sources" in path.relative_to(SRC).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("govrag.sources.laws",
                                                                                       "govrag.sources.diet")):
                offenders.append(f"{path.relative_to(SRC)}: {node.module}")
    assert offenders == ["eval/datasets.py: govrag.sources.laws.numbers"]  # lawqa_jp's 第N条 headings; see docs
