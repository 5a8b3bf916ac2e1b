"""The character trie that scans questions for law names, synonyms and defined terms in one pass."""

from __future__ import annotations

import pytest

from govrag.trie import Trie


def names() -> Trie[str]:
    return Trie([("民法", "civil"), ("民法施行法", "civil-enforcement"), ("刑法", "penal"), ("刑法", "penal-2")])


def test_scan_takes_the_longest_name_at_each_place_left_to_right() -> None:
    text = "民法施行法と民法、刑法の関係"
    assert names().scan(text) == [
        (0, 5, ("civil-enforcement",)), (6, 8, ("civil",)), (9, 11, ("penal", "penal-2")),
    ]


def test_matches_keep_overlaps_and_prefixes() -> None:
    assert names().matches("民法施行法") == [(0, 2, ("civil",)), (0, 5, ("civil-enforcement",))]


def test_get_and_prefixes_at() -> None:
    trie = names()
    assert trie.get("刑法") == ("penal", "penal-2")
    assert trie.get("刑") == ()
    assert list(trie.prefixes_at("xx民法施行法", 2)) == [(4, ("civil",)), (7, ("civil-enforcement",))]
    assert trie.longest_at("民法施行", 0) == (2, ("civil",))
    assert trie.longest_at("憲法", 0) is None
    assert len(trie) == 4


def test_a_value_is_kept_once_and_an_empty_key_is_refused() -> None:
    trie = Trie([("民法", 1), ("民法", 1)])
    assert trie.get("民法") == (1,) and len(trie) == 1
    with pytest.raises(ValueError):
        trie.add("", 2)
