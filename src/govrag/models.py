"""The one definition of each record that flows through govrag.

Sources turn raw documents into `Chunk`s; everything downstream (index,
retrieval, answer, API) reads chunks and never reaches back into a source.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from typing import Any, Literal

SourceName = Literal["law", "diet", "gazette"]

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
