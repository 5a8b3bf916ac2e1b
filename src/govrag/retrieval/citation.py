"""Exact-citation lookup: 「民法709条」 goes straight to that provision, no search needed.

Researchers often know the provision they want; answering them from the
citation parser is both faster and more reliable than ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govrag.index.docstore import DocStore
from govrag.models import Chunk
from govrag.sources.laws.cite import LawDirectory, LawEntry, parse_citation
from govrag.sources.laws.lawid import law_doc_id
from govrag.sources.laws.numbers import ProvisionRef


@dataclass(frozen=True, slots=True)
class CitationResult:
    law: LawEntry | None
    law_name: str
    wanted: str
    chunks: list[Chunk] = field(default_factory=list)


class CitationLookup:
    """Resolve a citation against the laws in the document store."""

    def __init__(self, store: DocStore, directory: LawDirectory) -> None:
        self.store = store
        self.directory = directory

    @classmethod
    def from_store(cls, store: DocStore) -> CitationLookup:
        entries = [
            LawEntry(
                law_id=doc.meta.get("law_id"),
                law_num=doc.meta.get("law_num", ""),
                title=doc.title,
                law_type=doc.meta.get("law_type", ""),
                abbrevs=tuple(doc.meta.get("abbrevs", ())),
            )
            for doc in store.documents("law")
        ]
        return cls(store, LawDirectory(entries))

    def find(self, text: str) -> CitationResult:
        citation = parse_citation(text, self.directory)
        if citation is None or citation.law is None:
            return CitationResult(None, citation.law_name if citation else "", "")
        law, ref = citation.law, citation.ref
        return CitationResult(law, citation.law_name, ref.to_kanji(), self.provision(law_doc_id(law.law_id, law.law_num), ref))

    def provision(self, doc_id: str, ref: ProvisionRef) -> list[Chunk]:
        """The chunks of one stored law that hold the referenced 条 (and 項), read from the store by article."""
        if ref.article is None:
            return []
        where = {"provision": "附則" if ref.suppl else "本則", "article_num": ref.article}
        return select_provision(self.store.chunks_of("law", doc_id, where=where), ref)


def select_provision(chunks: list[Chunk], ref: ProvisionRef) -> list[Chunk]:
    """The chunks of one law that hold the referenced 条 (and 項, when given).

    With no article, the whole law is not what anyone wants: nothing is returned.
    For 附則 the law's original 附則 wins over those of amending laws.
    """
    if ref.article is None:
        return []
    provision = "附則" if ref.suppl else "本則"
    hits = [
        c for c in chunks
        if c.attrs.get("provision") == provision and c.attrs.get("article_num") == ref.article
    ]
    if ref.suppl:
        original = [c for c in hits if c.attrs.get("suppl_amend_law_num") is None]
        hits = original or hits
    if ref.paragraph is not None and len(hits) > 1:
        narrowed = [c for c in hits if _covers(c, ref.paragraph)]
        hits = narrowed or hits
    return hits


def _covers(chunk: Chunk, paragraph: int) -> bool:
    first, last = chunk.attrs.get("paragraph_from"), chunk.attrs.get("paragraph_to")
    if first is None or last is None:
        return True
    return first <= paragraph <= last
