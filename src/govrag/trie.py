"""A character trie: every known string that occurs in a text, found in one left-to-right pass.

Law names, the everyday lexicon's spellings and defined terms are looked up in questions of
any length. Trying every start × end substring against a dictionary costs
O(n · window) lookups per query (~126 ms for a 960-character question against
the law names); walking a trie from each start stops at the first character no
key continues with, so a scan costs about one step per character of the text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

V = TypeVar("V")

_END = ""  # the key under which a node keeps the values of the string that ends there (no character is "")


class Trie(Generic[V]):
    """String → values, where several values may share a string (a name two laws use)."""

    def __init__(self, items: Iterable[tuple[str, V]] = ()) -> None:
        self._root: dict[str, dict] = {}
        self._size = 0
        for key, value in items:
            self.add(key, value)

    def __len__(self) -> int:
        return self._size

    def add(self, key: str, value: V) -> None:
        if not key:
            raise ValueError("a trie key must not be empty")
        node = self._root
        for char in key:
            node = node.setdefault(char, {})
        values = node.setdefault(_END, [])
        if value not in values:
            values.append(value)
            self._size += 1

    def get(self, key: str) -> tuple[V, ...]:
        node: dict | None = self._root
        for char in key:
            node = node.get(char) if node is not None else None
            if node is None:
                return ()
        return tuple(node.get(_END, ())) if node is not None else ()

    def prefixes_at(self, text: str, start: int) -> Iterator[tuple[int, tuple[V, ...]]]:
        """(end, values) of every key that `text[start:]` begins with, shortest first."""
        node = self._root
        for i in range(start, len(text)):
            node = node.get(text[i])  # type: ignore[assignment]
            if node is None:
                return
            if _END in node:
                yield i + 1, tuple(node[_END])

    def longest_at(self, text: str, start: int) -> tuple[int, tuple[V, ...]] | None:
        """The longest key `text[start:]` begins with, as (end, values)."""
        found = None
        for found in self.prefixes_at(text, start):
            pass
        return found

    def matches(self, text: str) -> list[tuple[int, int, tuple[V, ...]]]:
        """Every occurrence of every key, overlapping ones included, by start then length."""
        return [(start, end, values) for start in range(len(text)) for end, values in self.prefixes_at(text, start)]

    def scan(self, text: str) -> list[tuple[int, int, tuple[V, ...]]]:
        """Longest keys left to right, without overlaps (the usual dictionary-segmentation reading)."""
        out: list[tuple[int, int, tuple[V, ...]]] = []
        start = 0
        while start < len(text):
            hit = self.longest_at(text, start)
            if hit is None:
                start += 1
                continue
            out.append((start, hit[0], hit[1]))
            start = hit[0]
        return out


def folded(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text in the form names and terms are keyed in (NFKC, no spaces: `models.term_key`, the laws'
    `law_name_key`) and, for each of its characters, the span of `text` it came from, so a scan of the
    key form reports places in the text as written. A base character and the marks after it fold
    together (ｶﾞ → ガ)."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and (unicodedata.combining(text[j]) or text[j] in "\uff9e\uff9f"):
            j += 1
        for ch in unicodedata.normalize("NFKC", text[i:j]):
            if not ch.isspace():
                out.append(ch)
                spans.append((i, j))
        i = j
    return "".join(out), spans
