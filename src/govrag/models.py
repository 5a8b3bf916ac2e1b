"""The one definition of each record that flows through govrag.

Sources turn raw documents into `Chunk`s; everything downstream (index,
retrieval, answer, API) reads chunks and never reaches back into a source.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from collections.abc import Mapping, Sequence
from typing import Any, Literal

#: A source name the registry lists ("law", "diet", a plug-in's own).
SourceName = str

@dataclass(frozen=True, slots=True)
class Filters:
    """Conjunction of conditions on the points' payload; a tuple of values means "any of these".

    `source`, `doc_id` and the date range hold for every source; the fields a
    source adds (a law's `law_type`, a speech's `speaker`) come as `any_of` and
    `ranges`, named by the payload field, so this layer never names a source's field.
    """

    source: tuple[str, ...] = ()
    doc_id: tuple[str, ...] = ()
    #: (payload field, values): the field holds one of the values (a list field: any of its elements).
    any_of: tuple[tuple[str, tuple[str | int, ...]], ...] = ()
    #: (payload field, lowest, highest), inclusive; None leaves that side open.
    ranges: tuple[tuple[str, int | None, int | None], ...] = ()
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None

    @property
    def empty(self) -> bool:
        return self == Filters()

    @property
    def constrains_source(self) -> bool:
        return bool(self.source) or any(k == "source" for k, _ in self.any_of)

    def values(self, name: str) -> tuple[str | int, ...]:
        """The values every any-of condition on `name` allows together (empty: no condition on it);
        `source` and `doc_id` count their own field too."""
        conditions = [tuple(v) for k, v in self.any_of if k == name]
        if name in ("source", "doc_id") and getattr(self, name):
            conditions.append(tuple(getattr(self, name)))
        if not conditions:
            return ()
        return tuple(v for v in conditions[0] if all(v in c for c in conditions[1:]))

    def matches(self, payload: Mapping[str, Any]) -> bool:
        """The same conditions checked on one payload here, for units found without the store
        (a cited provision): a request's filters bind every path."""
        def any_of(key: str, values: Sequence[Any]) -> bool:
            value = payload.get(key)
            held = value if isinstance(value, list) else [value]
            return not values or any(v in values for v in held)

        if not all(any_of(k, v) for k, v in (("source", self.source), ("doc_id", self.doc_id), *self.any_of)):
            return False
        for key, low, high in self.ranges:
            value = payload.get(key)
            if not isinstance(value, int) or (low is not None and value < low) or (high is not None and value > high):
                return False
        if self.date_from is not None or self.date_to is not None:
            day = str(payload.get("date") or "")[:10]
            if not day or (self.date_from and day < self.date_from) or (self.date_to and day > self.date_to[:10]):
                return False
        return True

    def also(self, other: Filters) -> Filters:
        """Both sets of conditions at once: date ranges intersect, and the other's `source` and `doc_id`
        become any-of conditions (read them back with `values`)."""
        froms = [d for d in (self.date_from, other.date_from) if d]
        tos = [d for d in (self.date_to, other.date_to) if d]
        moved = tuple((key, values) for key, values in (("source", other.source), ("doc_id", other.doc_id)) if values)
        return Filters(
            source=self.source, doc_id=self.doc_id, any_of=(*self.any_of, *moved, *other.any_of),
            ranges=(*self.ranges, *other.ranges),
            date_from=max(froms) if froms else None, date_to=min(tos) if tos else None,
        )


def chunk_id(source: str, doc_id: str, version: str, unit: str) -> str:
    """Stable UUID-formatted id for (source, document, version, unit path).

    Qdrant accepts UUID strings as point ids, and the same inputs always give the
    same id, so re-ingesting a document overwrites its points instead of
    duplicating. A 128-bit BLAKE2b digest is 4× cheaper than uuid5 here, which
    matters at 570k chunks.
    """
    h = hashlib.blake2b(f"{source}\x1f{doc_id}\x1f{version}\x1f{unit}".encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def content_hash(text: str) -> str:
    """Short hash of a chunk's text: the embedding-cache key and change detector."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Chunk:
    """One citable unit of a source document.

    `heading` is the path that lets the chunk stand alone (法令名 › 章 › 節 ›
    条見出し 第N条); `body` is the unit's own text. `text` (heading + body) is
    what gets embedded and indexed. `attrs` holds the source-specific payload
    (for laws: law_id, law_num, article numbers, …), flat and JSON-safe so it
    can go straight into a vector store payload.
    """

    id: str
    source: SourceName
    doc_id: str
    doc_title: str
    version: str
    unit: str
    seq: int
    heading: str
    body: str
    label: str
    url: str
    hash: str
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"{self.heading}\n{self.body}"

    def payload(self) -> dict[str, Any]:
        """Flat, JSON-safe dict: what a vector store keeps next to the vectors."""
        return {_PAYLOAD_KEY.get(name, name): getattr(self, name) for name in _CORE_FIELDS} | self.attrs

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Chunk:
        core = {name: payload[_PAYLOAD_KEY.get(name, name)] for name in _CORE_FIELDS}
        attrs = {k: v for k, v in payload.items() if k not in _CORE_KEYS}
        return cls(**core, attrs=attrs)


# `id` is stored as `chunk_id`: stores keep their own point id, the payload keeps ours.
_PAYLOAD_KEY = {"id": "chunk_id"}
_CORE_FIELDS = tuple(f.name for f in fields(Chunk) if f.name != "attrs")
_CORE_KEYS = frozenset(_PAYLOAD_KEY.get(name, name) for name in _CORE_FIELDS)


@dataclass(frozen=True, slots=True)
class QueryHints:
    """What a query itself says, read by one source (`Source.hints`), in terms every layer understands.

    Laws: 「民法709条」 is an exact unit put first, a cited law a scope, a law named
    in passing a document searched first, a provision or law that does not exist
    a problem to report. Minutes: 「石破総理」「令和7年2月」 become filters. The
    searcher applies `filters` to this source's chunks only (they are guesses, not
    the user's own filters) and shows `applied`, so the user can turn them off.
    """

    exact: tuple[Chunk, ...] = ()
    #: Documents the query confines itself to (a cited law): applied as a filter on this source.
    scope: tuple[str, ...] = ()
    #: Documents it names in passing: searched first, not exclusively.
    named: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)
    #: One line per filter taken from the query, in the user's language.
    applied: tuple[str, ...] = ()
    #: Units the query cites that the store does not hold (「民法第1500条」).
    missing: tuple[str, ...] = ()
    #: Names no known document has (a repealed law, a speaker not in the minutes).
    unknown: tuple[str, ...] = ()
    #: Known documents the store does not hold (金融商品取引法 in the 2020 archive).
    not_stored: tuple[str, ...] = ()
    #: What the user should know that does not change the premise (「岸田総理」: no such speaker here).
    notes: tuple[str, ...] = ()
    #: Documents that define a term the query uses (「個人情報取扱事業者」 → 個人情報保護法): searched by a leg of
    #: their own (`SearchOptions.definition_weight`), not exclusively.
    defining: tuple[str, ...] = ()
    #: Where those terms are defined, one line each (「個人情報取扱事業者」: 個人情報の保護に関する法律 第二条第五項).
    definitions: tuple[str, ...] = ()
    #: Spans of the query this source read as names (law names, citations): what the question asks about
    #: them is the rest (`SearchResult.asks`), so a law's title never counts as evidence of an answer.
    matched: tuple[tuple[int, int], ...] = ()


#: A definition's form: 「X」とは…をいう, a 号 of a 定義 article, （以下「X」という。）.
Kind = Literal["とは", "号", "以下"]
#: Longer "terms" are clauses a pattern caught by accident, not words anyone defines.
MAX_TERM = 40
_TERM_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Definition:
    """One term as one provision of one document defines it (the laws' 定義規定: sources/laws/definitions.py)."""

    term: str  # as written in the law
    kind: Kind
    #: The defining sentence (or the 号's own text), cut to a few hundred characters.
    text: str
    #: Where it applies as the law says it (この法律, この章, 以下, 次条 …); None when the law does not say.
    scope: str | None
    doc_id: str
    version: str
    law_title: str
    law_id: str | None
    #: The provision in law style: 第二条第一項, 第二条第五号 (a one-項 article is cited without 第一項).
    provision: str
    chunk_id: str
    #: e-Gov, opened at that 項/号 where the chunk's anchor allows it.
    url: str

    @property
    def label(self) -> str:
        """How search results name a provision: 個人情報の保護に関する法律 第二条第五項."""
        return f"{self.law_title} {self.provision}"

    @property
    def key(self) -> str:
        return term_key(self.term)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Definition:
        return cls(**data)


def term_key(term: str) -> str:
    """The form terms are compared in: NFKC (full-width letters and digits) without any space."""
    return _TERM_SPACES.sub("", unicodedata.normalize("NFKC", term))
