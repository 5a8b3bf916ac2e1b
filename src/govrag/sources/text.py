"""Cutting a long text into parts a chunk can hold: every source packs its own units (sentences of a
speech, paragraphs of a gazette notice) the same way."""

from __future__ import annotations

import re
from collections.abc import Sequence

_SENTENCE_END = re.compile(r"(?<=[。？！])")


def pack(units: Sequence[str], max_chars: int, overlap: int = 1) -> list[str]:
    """Consecutive units joined into parts of at most about `max_chars`, each starting with the
    `overlap` last units of the part before. A unit longer than `max_chars` stays whole."""
    parts: list[list[str]] = [[]]
    for unit in units:
        current = parts[-1]
        if current and sum(map(len, current)) + len(unit) > max_chars:
            parts.append(current[-overlap:] if overlap else [])
            current = parts[-1]
            if sum(map(len, current)) + len(unit) > max_chars:
                current.clear()
        current.append(unit)
    return ["".join(p).strip() for p in parts if p]


def split_text(text: str, max_chars: int, overlap: int = 1) -> list[str]:
    """Cut at sentence ends (。？！) into parts of at most about `max_chars`, overlapping by `overlap` sentences."""
    sentences = [s for s in _SENTENCE_END.split(text) if s]
    if len(text) <= max_chars or len(sentences) < 2:
        return [text]
    return pack(sentences, max_chars, overlap)


_QUOTE_STOP = re.compile(r"(?<=[。\n])")


def sentence_pieces(body: str) -> list[str]:
    """`body` cut after each 。 and line end: the places a quote of a speech or a notice may stop."""
    return [piece for piece in _QUOTE_STOP.split(body) if piece]
