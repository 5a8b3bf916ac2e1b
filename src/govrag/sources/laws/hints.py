"""What a query says about laws: citations, law names, absent laws → `QueryHints`.

Researchers often know the provision they want: 「民法709条」 goes straight to
that provision from the citation parser, faster and more reliable than ranking.
A cited law scopes the search, a law named in passing is searched first, and a
provision or law the store does not hold is reported, never guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from govrag.index.docstore import DocStore
from govrag.models import Chunk, QueryHints
from govrag.sources.laws.aliases import law_name_key
from govrag.sources.laws.glossary import Definitions
from govrag.sources.laws.cite import Citation, LawDirectory, LawEntry, law_num_key, parse_citation, parse_citations
from govrag.sources.laws.lawid import law_doc_id
from govrag.sources.laws.numbers import ProvisionRef


@dataclass(frozen=True, slots=True)
class CitationResult:
    law: LawEntry | None
    law_name: str
    wanted: str
    chunks: list[Chunk] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AbsentLaws:
    """Laws a text names that the store does not hold, by the one rule for absent laws:

    * `not_stored`: laws the catalog knows (the source's listing, the LawId tables) but the store
      lacks: 金融商品取引法 in the 2020 archive, 会社法 on the five sample laws;
    * `unknown`: law names no known law has (repealed, renamed, invented): 証券取引法, スパイ防止法,
      or any name written right before a provision (「XX法第3条」) that resolves to nothing.

    A question that names one must say so and must never be answered from another law.
    """

    not_stored: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()


class CitationLookup:
    """Resolve citations and law names against the laws in the document store and its catalog."""

    def __init__(self, store: DocStore, directory: LawDirectory, known: LawDirectory | None = None) -> None:
        self.store = store
        self.directory = directory
        #: Laws the catalog lists that the store does not hold.
        self.known = known or LawDirectory([])

    @cached_property
    def definitions(self) -> Definitions:
        """The terms the stored laws define (read on the first question; shared with the source's glossary)."""
        return Definitions.from_store(self.store)

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
        directory = LawDirectory(entries)
        stored = {law_name_key(e.title) for e in entries} | {law_num_key(e.law_num) for e in entries}
        absent = [
            LawEntry(law_id=law_id, law_num=num, title=title, law_type="")
            for num, title, law_id in store.catalog("law")  # one row per (law_num, title)
            if law_name_key(title) not in stored and law_num_key(num) not in stored
        ]
        return cls(store, directory, LawDirectory(absent))

    def absent_laws(
        self, text: str, citations: list[Citation] | None = None, names: list[tuple[int, int, list[LawEntry]]] | None = None,
        catalogued: list[tuple[int, int, list[LawEntry]]] | None = None,
    ) -> AbsentLaws:
        """Every law `text` names that the store lacks (see `AbsentLaws`). A caller that has already
        parsed the text's citations or found its stored and catalogued law names (`directory.names_in`,
        `known.names_in`) passes them."""
        citations = parse_citations(text, self.directory) if citations is None else citations
        names = self.directory.names_in(text) if names is None else names
        catalogued = self.known.names_in(text) if catalogued is None else catalogued
        stored_spans = [(a, b) for a, b, _ in names]
        not_stored: list[str] = []
        unknown: list[str] = []

        def add(name: str) -> None:
            found = self.known.resolve(name)
            if found:
                label = f"{found[0].title}（{found[0].law_num}）"
                if label not in not_stored:
                    not_stored.append(label)
            elif name not in unknown:
                unknown.append(name)

        for begin, end, entries in catalogued:
            if not any(a <= begin and end <= b for a, b in stored_spans):  # 民法施行法 is not 民法
                add(text[begin:end])
        for c in citations:  # 「会社法第2条」: a name written before a provision is a law name, whatever its length
            if c.law is None and not c.candidates and c.law_name and not c.law_name.startswith("同"):
                add(c.law_name)
        for name in self.directory.unknown_names_in(text, names):
            add(name)
        return AbsentLaws(tuple(not_stored), tuple(unknown))

    def name_spans(self, text: str, citations: list[Citation], names: list[tuple[int, int, list[LawEntry]]],
                   catalogued: list[tuple[int, int, list[LawEntry]]] | None = None) -> list[tuple[int, int]]:
        """Where `text` names a law or cites a provision: every citation (law name and 第N条 as written:
        民法第709条, 個人情報保護法の第200条, 同法第3条, 第710条), every name of a stored or catalogued law,
        and every short name of no known law (証券取引法). `citations` and `names` are the text's, as
        `law_hints` read them, and `catalogued` the names of laws the store lacks."""
        catalogued = self.known.names_in(text) if catalogued is None else catalogued
        spans = [c.span for c in citations] + [(a, b) for a, b, _ in names] + [(a, b) for a, b, _ in catalogued]
        for name in self.directory.unknown_names_in(text, names):
            start = text.find(name)
            while start >= 0:
                spans.append((start, start + len(name)))
                start = text.find(name, start + len(name))
        return sorted(spans)

    def find(self, text: str) -> CitationResult:
        citation = parse_citation(text, self.directory)
        if citation is None or citation.law is None:
            return CitationResult(None, citation.law_name if citation else "", "")
        law, ref = citation.law, citation.ref
        if ref is None:
            return CitationResult(law, citation.law_name, citation.provision_text)
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


def law_hints(lookup: CitationLookup, query: str) -> QueryHints:
    """Chunks of the provisions the query cites, the laws those cite (a scope), laws it only names
    (「民法の不法行為」: searched first, not exclusively, since the answer may sit elsewhere), cited
    provisions the store does not hold, and named laws it does not hold."""
    exact: list[Chunk] = []
    laws: list[str] = []
    missing: list[str] = []
    citations = parse_citations(query, lookup.directory)
    for citation in citations:
        if citation.law is None:
            continue
        doc_id = law_doc_id(citation.law.law_id, citation.law.law_num)
        if doc_id not in laws:
            laws.append(doc_id)
        if citation.ref is None:  # 民法第0条, 民法第1000000000000条: no provision can have that number
            missing.append(f"{citation.law.title} {citation.provision_text}")
        elif citation.ref.article is not None:
            found = lookup.provision(doc_id, citation.ref)
            exact.extend(c for c in found if c not in exact)
            if not found:
                missing.append(f"{citation.law.title} {citation.ref.to_kanji()}")
    named: list[str] = []
    names = lookup.directory.names_in(query)
    for _, _, entries in names:
        for entry in entries[:1]:  # an ambiguous name: its first reading, as the citation parser does
            doc_id = law_doc_id(entry.law_id, entry.law_num)
            if doc_id not in laws and doc_id not in named:
                named.append(doc_id)
    catalogued = lookup.known.names_in(query)
    absent = lookup.absent_laws(query, citations, names, catalogued)
    spans = lookup.name_spans(query, citations, names, catalogued)
    defining, definitions = defined_terms(lookup.definitions, query, spans)
    return QueryHints(
        exact=tuple(exact), scope=tuple(laws), named=tuple(named), missing=tuple(dict.fromkeys(missing)),
        unknown=absent.unknown, not_stored=absent.not_stored,
        matched=tuple(spans), defining=defining, definitions=definitions,
    )


#: A term counts as a hint when so few laws define it (in any way): 「個人情報取扱事業者」 (a handful) points to
#: its law, 「事業者」 or 「行政機関」 (hundreds) point nowhere.
MAX_DEFINING_LAWS = 3
#: Formal definitions only: an abbreviation made in passing (以下「甲」という) names no subject of a law.
_FORMAL = ("とは", "号")


def defined_terms(definitions: Definitions, query: str, names: list[tuple[int, int]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(laws, lines): the laws that formally define a term the query uses, outside the law names it
    writes, when at most MAX_DEFINING_LAWS laws define it at all; and where each such term is defined,
    one line each."""
    laws: list[str] = []
    lines: list[str] = []
    for start, end, found in definitions.in_text(query, MAX_DEFINING_LAWS):
        if any(a <= start and end <= b for a, b in names):
            continue
        formal = [d for d in found if d.kind in _FORMAL]
        if not formal:
            continue
        laws += [d for d in dict.fromkeys(d.doc_id for d in formal) if d not in laws]
        lines.append(f"「{query[start:end]}」の定義: " + "、".join(dict.fromkeys(d.label for d in formal)))
    return tuple(laws), tuple(lines)
