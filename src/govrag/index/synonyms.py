"""Query expansion for BM25 from the Sudachi synonym dictionary (同義語辞書, Apache-2.0).

People ask in everyday words (大人, 給料, 大家, 結婚); statutes say 成年者, 賃金, 家主,
婚姻. Sudachi's core dictionary already tags each word with the synonym groups it
belongs to (`Morpheme.synonym_group_ids()`); the group members come from the
dictionary's source, `synonyms.txt`, compiled once into `synonyms.tsv.gz` inside
the package (`python -m govrag.index.synonyms SOURCE` rebuilds it; a test checks
it against the bundle's source).

The source's flags are respected:

* 展開制御フラグ 0 — the word triggers expansion and is added; 1 — it is added when
  another member triggers, but never triggers itself (有給 does not expand); 2 —
  never used (a deletion record);
* spellings no statute uses are left out at compile time: alphabetic forms
  (表記揺れ 1, and any all-ASCII word: adult, Japan), misspellings (3: 誤表記) and
  misuses (語形種別 4: 誤用).

Expansion terms weigh less than the query's own words (`Bm25Encoder.encode_query`); a
hand-written lexicon adds the bridges this dictionary lacks (`everyday.py`).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final

#: The compiled groups shipped in the package: one line per group, `id<TAB>flag:word<TAB>flag:word…`.
COMPILED: Final = "synonyms.tsv.gz"
#: Bumped when the compiled form or the rules that pick words change; part of the search configuration.
SYNONYMS_VERSION: Final = "sudachi-synonyms/v1"

_TRIGGER, _TARGET_ONLY, _UNUSED = "0", "1", "2"
_ALPHABET, _MISSPELLED = "1", "3"
_MISUSE = "4"


@dataclass(frozen=True, slots=True)
class Member:
    word: str
    triggers: bool


def parse_source(lines: Iterable[str]) -> Iterator[tuple[int, Member]]:
    """(group id, member) for every usable line of `synonyms.txt`; see the module docstring for what is kept."""
    for row in csv.reader(lines):
        if len(row) < 9 or not row[0].strip():
            continue
        group, expand, form, spelling, word = row[0], row[2] or _TRIGGER, row[4], row[6], row[8].strip()
        if not word or expand == _UNUSED or form == _MISUSE or spelling in (_ALPHABET, _MISSPELLED) or word.isascii():
            continue
        try:
            gid = int(group)
        except ValueError as exc:
            raise ValueError(f"synonyms source: bad group number {group!r} in {row}") from exc
        yield gid, Member(word, expand == _TRIGGER)


def compile_source(source: Path) -> bytes:
    """The compiled, gzipped form of a `synonyms.txt` (deterministic: same source, same bytes)."""
    groups: dict[int, list[Member]] = {}
    with source.open(encoding="utf-8") as f:
        for gid, member in parse_source(f):
            members = groups.setdefault(gid, [])
            if all(m.word != member.word for m in members):
                members.append(member)
    out = io.StringIO()
    for gid in sorted(groups):
        if len(groups[gid]) > 1:  # a group of one expands to nothing
            out.write("\t".join([str(gid), *(f"{int(not m.triggers)}:{m.word}" for m in groups[gid])]) + "\n")
    return gzip.compress(out.getvalue().encode("utf-8"), mtime=0)


class Synonyms:
    """Group id → members, as Sudachi's dictionary numbers the groups."""

    def __init__(self, groups: dict[int, tuple[Member, ...]]) -> None:
        self.groups = groups

    def __len__(self) -> int:
        return len(self.groups)

    @classmethod
    def from_compiled(cls, data: bytes) -> Synonyms:
        groups: dict[int, tuple[Member, ...]] = {}
        for line in gzip.decompress(data).decode("utf-8").splitlines():
            gid, *members = line.split("\t")
            groups[int(gid)] = tuple(Member(m[2:], m[0] == "0") for m in members)
        return cls(groups)

    def expansions(self, forms: Iterable[str], group_ids: Iterable[int]) -> list[str]:
        """Words a query word expands to: the other members of its groups, if the word may trigger.

        `forms` are the word's spellings (surface, normalised and dictionary forms); a word the
        group lists only as a target (flag 1) expands nothing, one the group does not list by any
        of its spellings is taken as a trigger (Sudachi found the group by the word's entry).
        """
        own = set(forms)
        out: list[str] = []
        for gid in group_ids:
            members = self.groups.get(gid, ())
            listed = [m for m in members if m.word in own]
            if listed and not any(m.triggers for m in listed):
                continue
            out += [m.word for m in members if m.word not in own and m.word not in out]
        return out


@lru_cache(maxsize=1)
def packaged() -> Synonyms:
    """The groups compiled into the package (loaded once per process: ~1 MB)."""
    return Synonyms.from_compiled(resources.files("govrag.index").joinpath(COMPILED).read_bytes())


def main(argv: list[str]) -> int:
    """`python -m govrag.index.synonyms SOURCE [OUT]`: compile `synonyms.txt` into the package file."""
    if not argv:
        print("usage: python -m govrag.index.synonyms SOURCE/synonyms.txt [OUT]", file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) > 1 else Path(str(resources.files("govrag.index").joinpath(COMPILED)))
    data = compile_source(Path(argv[0]))
    out.write_bytes(data)
    print(f"{out}: {len(Synonyms.from_compiled(data)):,} groups, {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
