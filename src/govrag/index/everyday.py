"""Everyday words → the statute's words (クビ → 解雇, 遺産 → 相続財産), for BM25 query expansion.

The Sudachi synonym dictionary links ordinary synonyms (給料 / 賃金, 結婚 / 婚姻) but few
bridges between how people talk and how statutes are drafted: 弁償 and 埋め合わせ are
not 損害賠償 there, クビ is not 解雇, 大家 is not 賃貸人. `everyday.tsv` (in the
package, reviewed by hand, one domain at a time) holds those bridges. Spellings are
matched in the question with one trie pass over its NFKC form; a spelling may be a
stem (盗ん, だまさ) so conjugated forms match. Expansion runs one way, from
the spellings to the terms; a spelling may itself be a statute word (相続 → 相続財産, 離婚 →
協議上の離婚), adding the terms a question about it needs.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Final

from govrag.trie import Trie

LEXICON: Final = "everyday.tsv"


class Everyday:
    def __init__(self, entries: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
        self.entries = entries
        self._trie: Trie[int] = Trie(
            (unicodedata.normalize("NFKC", spelling), i) for i, (spellings, _) in enumerate(entries)
            for spelling in spellings
        )

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def parse(cls, text: str, where: str = LEXICON) -> Everyday:
        entries = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            left, sep, right = line.partition("\t")
            spellings = tuple(s.strip() for s in left.split("|") if s.strip())
            terms = tuple(right.split())
            if not sep or not spellings or not terms:
                raise ValueError(f"{where}:{n}: expected 'spelling|spelling<TAB>term term', got {line!r}")
            entries.append((spellings, terms))
        return cls(entries)

    def terms(self, text: str) -> list[str]:
        """Statute terms for the everyday words in `text`, each once, in the order the words occur."""
        out: list[str] = []
        for _, _, found in self._trie.matches(unicodedata.normalize("NFKC", text)):
            for i in found:
                out += [t for t in self.entries[i][1] if t not in out]
        return out


@lru_cache(maxsize=1)
def packaged() -> Everyday:
    return Everyday.parse(resources.files("govrag.index").joinpath(LEXICON).read_text(encoding="utf-8"))
