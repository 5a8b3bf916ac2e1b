"""The stored definitions of every law: the build stage that writes them and the lookup that reads them.

Extraction is a regex pass over chunk text (definitions.py), seconds for the sample and about
half a minute for the whole 2020 archive, so `govrag index build` runs it by default and keeps
the result in the document store. The lookup keeps only the terms in memory (a trie for
finding them in a question in one pass) and reads the records of the few terms asked for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import cached_property
from weakref import WeakKeyDictionary

from govrag.index.docstore import DefinitionRow, DocStore
from govrag.index.indexer import IndexReport, pending_steps
from govrag.models import Definition, term_key
from govrag.sources.laws.definitions import RULES_VERSION, law_definitions
from govrag.trie import Trie, folded

SOURCE = "law"
#: The stage a build records laws under; new rules (RULES_VERSION) read every law again.
DEFINITIONS_STAGE = f"definitions:v{RULES_VERSION}"
#: Laws read and written per transaction: a crash loses at most one step.
LAWS_PER_STEP = 200
#: The `Definitions` of each open document store (`Definitions.from_store`).
_OPEN: WeakKeyDictionary[DocStore, Definitions] = WeakKeyDictionary()
_OPEN_LOCK = threading.Lock()
#: Formal definitions before abbreviations made in passing.
_KIND_ORDER = {"とは": 0, "号": 1, "以下": 2}


def definition_row(d: Definition) -> DefinitionRow:
    return d.term, d.key, json.dumps(d.as_dict(), ensure_ascii=False)


def build_definitions(docstore: DocStore, *, on_law: Callable[[], None] | None = None) -> IndexReport:
    """Read every law's definitions into the store, from its latest version (resumable per step of laws;
    a law whose text changed is read again and its rows, of any version, replaced). `points` counts the
    definitions written."""
    report = IndexReport()
    latest = {doc.doc_id: doc for doc in docstore.documents(SOURCE)}  # by doc_id, then version: the last is current
    for step in pending_steps(docstore, DEFINITIONS_STAGE, latest.values(), LAWS_PER_STEP, report):
        found = []
        for doc in step:
            found.append((doc, [definition_row(d) for d in
                                law_definitions(docstore.chunks_of(doc.source, doc.doc_id, doc.version))]))
            if on_law:
                on_law()
        docstore.replace_definitions(found)
        report.points += sum(len(rows) for _, rows in found)
    with _OPEN_LOCK:
        _OPEN.pop(docstore, None)  # the next lookup reads the table as it is now
    return report


class Definitions:
    """The terms the stored laws define: `lookup` one, or find those a text uses (`in_text`)."""

    def __init__(self, docstore: DocStore) -> None:
        self._docstore = docstore
        self._written: dict[str, list[str]] = {}
        self._laws: dict[str, int] = {}
        self._count = 0
        for key, term, n, laws in docstore.definition_terms(SOURCE):
            self._written.setdefault(key, []).append(term)
            self._laws[key] = max(laws, self._laws.get(key, 0))
            self._count += n

    @classmethod
    def from_store(cls, docstore: DocStore) -> Definitions:
        """The store's definitions, read once per open store: the laws' hinter and the service's glossary
        share them (the terms and their trie are tens of MB for the whole archive)."""
        with _OPEN_LOCK:
            found = _OPEN.get(docstore)
            if found is None:
                found = _OPEN[docstore] = cls(docstore)
            return found

    def count(self) -> int:
        """Definitions stored (a term several laws define counts once per definition)."""
        return self._count

    def not_found(self, term: str) -> str:
        """What to tell someone whose term no stored law defines (or why nothing could be looked up)."""
        if self._count == 0:
            return "定義の索引がありません: `govrag index build` で作成してください。"
        return f"「{term.strip()}」を定義する規定は、収録されている法令の本則に見つかりませんでした。"

    def terms(self) -> list[str]:
        """Every term as written, once each, sorted."""
        return sorted({term for terms in self._written.values() for term in terms})

    def lookup(self, term: str) -> list[Definition]:
        """The definitions of a term, compared without width or spaces (「個人情報　取扱事業者」 finds
        個人情報取扱事業者): those written exactly so first, then formal definitions before abbreviations."""
        key = term_key(term)
        if key not in self._written:
            return []
        found = self._records([key])[key]
        return sorted(found, key=lambda d: (d.term != term.strip(), _KIND_ORDER[d.kind]))

    def in_text(self, text: str, max_laws: int | None = None) -> list[tuple[int, int, list[Definition]]]:
        """(start, end, definitions) of every defined term a text uses, longest first and without
        overlaps, found in one pass; offsets index `text` itself. One-character terms (「法」「物」)
        are left out: they match everywhere; so are terms more than `max_laws` laws define (事業者, in
        hundreds), whose records are never read."""
        keyed, spans = folded(text)
        hits = [h for h in self._trie.scan(keyed) if max_laws is None or self._laws[h[2][0]] <= max_laws]
        if not hits:
            return []
        records = self._records(list(dict.fromkeys(values[0] for _, _, values in hits)))
        return [(spans[start][0], spans[end - 1][1], records[values[0]]) for start, end, values in hits]

    @cached_property
    def _trie(self) -> Trie[str]:
        return Trie((key, key) for key in self._written if len(key) > 1)

    def _records(self, keys: list[str]) -> dict[str, list[Definition]]:
        out: dict[str, list[Definition]] = {key: [] for key in keys}
        for payload in self._docstore.definitions(SOURCE, keys):
            d = Definition.from_dict(json.loads(payload))
            out.setdefault(d.key, []).append(d)
        return out
