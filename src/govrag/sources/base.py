"""The contract every source meets: what the layers below `sources/` may ask of one.

A source reads its documents (file, folder, archive or API), chunks them,
declares the payload fields its filters need, reads what a query says about it
(`QueryHints`), and names the unit an eval gold points at. Index, retrieval,
answer, API, CLI and eval reach a source only through `registry.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import typer

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.models import Chunk, Definition, QueryHints

if TYPE_CHECKING:
    from govrag.index.indexer import IndexReport


class SourceError(Exception):
    """The source as a whole cannot be read (missing path, not an archive); the message says why."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """One member a reader could not use, and why: reported, never fatal to the run."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class FilterField:
    """One filter a source offers: the request field, the payload key it tests and how.

    A keyword field takes a list of values (any of them matches; on a list payload,
    any element); an integer field takes `<name>_from` / `<name>_to`, inclusive.
    """

    name: str
    kind: Literal["keyword", "integer"]
    description: str
    low: int | None = None
    high: int | None = None
    max_items: int = 100
    #: The payload field it tests, when not `name` (the `position` filter tests `positions`).
    key: str | None = None
    #: Values are compared without spaces (a name typed 石破 茂 is the stored 石破茂).
    compact: bool = False

    @property
    def payload_key(self) -> str:
        return self.key or self.name


@dataclass
class IngestReport:
    """What one source's ingest did, as rows a CLI prints and a benchmark records."""

    source: str
    stored: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    rows: dict[str, Any] = field(default_factory=dict)


Hinter = Callable[[str], QueryHints]
Tick = Callable[[], None]


class Glossary(Protocol):
    """The terms a source's documents define (the laws' 定義規定), read from the document store."""

    def lookup(self, term: str) -> list[Definition]: ...

    def count(self) -> int: ...

    def not_found(self, term: str) -> str:
        """One line for a user whose term nothing defines (or why nothing could be looked up)."""


class Source(Protocol):
    #: The `source` value of its chunks: "law", "diet", "gazette".
    name: str
    #: The job file's table that lists its inputs (`[[laws]]`, `[[diet]]`).
    job_table: str
    #: What users call it, for messages: 法令, 国会会議録.
    title: str
    #: What a quote of one of its units is: 条文, 発言 (「資料に基づく回答（条文の抜粋）」).
    excerpt: str
    #: Several of its units from one document may answer a question together (a law's rule spans
    #: articles); a speech or a gazette entry stands alone: two speakers do not make one answer.
    units_combine: bool
    #: Filters it offers (the API and CLI publish them; the index keeps their payload fields).
    filter_fields: tuple[FilterField, ...]
    #: Payload fields the vector store keeps beyond the core (chunk_id, source, doc_id, date, seq).
    payload_fields: tuple[str, ...]
    #: The first part of its unit keys ("speech"), or None when a key starts with the document's title (laws).
    unit_kind: str | None
    #: What the eval calls its documents and units: ("law", "article"), ("meeting", "speech").
    eval_levels: tuple[str, str]

    def job_spec(self, table: Mapping[str, Any], resolve: Callable[[str], Path], where: str) -> Any:
        """One job-file table, checked: a `JobError`-style ValueError says what to fix."""

    def ingest(self, store: DocStore, spec: Any, settings: Settings, tick: Tick | None = None) -> IngestReport:
        """Read, chunk and store; resumable: what is stored unchanged is skipped."""

    def quote_pieces(self, body: str) -> list[str]:
        """A unit's body in the pieces a quote may stop between (they concatenate back to it): 項 for a
        provision, so a ただし書 stays with its 項; sentences for a speech."""

    def hinter(self, docstore: DocStore) -> Hinter:
        """What queries say about this source, resolved against what the store holds (read once)."""

    def unit_key(self, chunk: Chunk) -> tuple[str, str | None]:
        """The unit an eval gold names: (law title, article), ("speech", speechID)."""

    def document_of(self, key: tuple[str, str]) -> str:
        """The document one of its unit keys belongs to: the law's title, the speech's meeting (issueID)."""

    def held_units(self, docstore: DocStore, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those of its unit keys the store holds: an eval gold it lacks is reported, never scored as a miss."""

    def derive(self, docstore: DocStore, tick: Tick | None = None) -> IndexReport | None:
        """Build what the source derives from its stored units beside the search index (the laws'
        definitions), resumably; None when it derives nothing. `govrag index build` runs it first."""

    def glossary(self, docstore: DocStore) -> Glossary | None:
        """The terms its documents define, or None when it keeps no such table."""

    def commands(self, app: typer.Typer, ingest: typer.Typer) -> None:
        """Add the source's own commands (`govrag ingest diet`, `govrag laws show`)."""
