"""Find a law's e-Gov LawId and build the URL that opens a provision on e-Gov.

The 2020 bulk XML carries no LawId, yet every citation link needs one. Order of
trust: the XML's own attribute; a published LawNum↔LawId pair (law_ids.tsv);
an unambiguous rule (憲法, 政令, 勅令, 人事院規則); the computed table
(law_ids_derived.tsv, ids that are likely but not observed); else unknown, and the
link falls back to e-Gov's search page. The status travels with every chunk so a
user can tell a published id from a computed one.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from govrag.sources.laws.numbers import kanji_to_int

LawIdStatus = Literal["xml", "published", "rule", "derived", "unknown"]

EGOV_LAW_URL = "https://laws.e-gov.go.jp/law/{law_id}"
EGOV_SEARCH_URL = "https://laws.e-gov.go.jp/search/"
ERA_DIGIT = {"明治": 1, "大正": 2, "昭和": 3, "平成": 4, "令和": 5}

_NUMBERED = re.compile(r"^(明治|大正|昭和|平成|令和)(元|[〇一二三四五六七八九十百]+)年(政令|勅令)第([〇一二三四五六七八九十百千]+)号$")
_JINJIIN = re.compile(r"^(明治|大正|昭和|平成|令和)(元|[〇一二三四五六七八九十百]+)年人事院規則([〇一二三四五六七八九十]+)―([〇一二三四五六七八九十百]+)$")
_RULE_CODES = {"政令": "CO0000000", "勅令": "IO0000000"}


@dataclass(frozen=True, slots=True)
class LawIdMatch:
    law_id: str | None
    status: LawIdStatus


class LawIdResolver:
    """LawNum (+ title) → LawId, from the published and computed tables and the safe rules."""

    def __init__(
        self,
        published: dict[str, list[tuple[str, str]]] | None = None,
        derived: dict[str, list[tuple[str, str]]] | None = None,
    ) -> None:
        self._published = published or {}
        self._derived = derived or {}

    @classmethod
    def from_dir(cls, egov_dir: Path | None) -> LawIdResolver:
        """Load `law_ids.tsv` and `law_ids_derived.tsv` from a folder (a newer data bundle); a table the
        folder lacks, or no folder, falls back to the copy packaged with govrag, so links work on an
        installed govrag with no data bundle beside it."""
        return cls(
            published=_read_table(_table(egov_dir, "law_ids.tsv")),
            derived=_read_table(_table(egov_dir, "law_ids_derived.tsv")),
        )

    @property
    def size(self) -> int:
        return sum(len(v) for v in self._published.values()) + sum(len(v) for v in self._derived.values())

    def resolve(self, law_num: str, title: str, xml_law_id: str | None = None) -> LawIdMatch:
        if xml_law_id:
            return LawIdMatch(xml_law_id, "xml")
        found = _pick(self._published.get(law_num), title)
        if found:
            return LawIdMatch(found, "published")
        ruled = derive_law_id(law_num)
        if ruled:
            return LawIdMatch(ruled, "rule")
        found = _pick(self._derived.get(law_num), title)
        if found:
            return LawIdMatch(found, "derived")
        return LawIdMatch(None, "unknown")


    def known_laws(self) -> Iterator[tuple[str, str, str]]:
        """(law_num, title, law_id) of every law the tables name, stored or not: the catalog that lets
        a question about a law outside the store be told so (index/docstore.py keeps it)."""
        for table in (self._published, self._derived):
            for law_num, rows in table.items():
                for law_id, title in rows:
                    yield law_num, title, law_id


def derive_law_id(law_num: str) -> str | None:
    """LawId from the LawNum where the id rule has no free parts (see the data README)."""
    if law_num == "昭和二十一年憲法":
        return "321CONSTITUTION"
    m = _NUMBERED.match(law_num)
    if m:
        era, year, kind, num = m.groups()
        return _compose(era, year, _RULE_CODES[kind], kanji_to_int(num))
    m = _JINJIIN.match(law_num)
    if m:
        era, year, major, minor = m.groups()
        head = _compose(era, year, "RJNJ", 0)
        if head is None:
            return None
        x, y = kanji_to_int(major), kanji_to_int(minor)
        if x > 99 or y > 999:
            return None
        return f"{head[:3]}RJNJ{x:02d}{y:03d}000"
    return None


def law_doc_id(law_id: str | None, law_num: str) -> str:
    """Document id of a law in the store: its LawId, or its LawNum while the id is unknown."""
    return law_id or f"lawnum:{law_num}"


def law_url(law_id: str | None, anchor: str | None = None) -> str:
    """e-Gov page for a law (and provision); the search page when the id is unknown."""
    if not law_id:
        return EGOV_SEARCH_URL
    base = EGOV_LAW_URL.format(law_id=law_id)
    return f"{base}#{anchor}" if anchor else base


def _compose(era: str, year: str, code: str, num: int) -> str | None:
    y = 1 if year == "元" else kanji_to_int(year)
    if y > 99 or num > 999:
        return None
    return f"{ERA_DIGIT[era]}{y:02d}{code}{num:03d}"


def _pick(rows: list[tuple[str, str]] | None, title: str) -> str | None:
    """One id for a LawNum; where a LawNum is shared (早期の勅令), the title decides."""
    if not rows:
        return None
    if len(rows) == 1:
        return rows[0][0]
    same_title = [law_id for law_id, t in rows if t == title or title in t or t in title]
    return same_title[0] if len(same_title) == 1 else None


#: The data bundle's tables (2020-11 snapshot; law_id, law_num, title columns only), gzipped: ~190 KB.
PACKAGED_TABLES = Path(__file__).parent


def _table(folder: Path | None, name: str) -> Path:
    """The folder's table if it has one, else the packaged copy."""
    if folder is not None and (folder / name).is_file():
        return folder / name
    return PACKAGED_TABLES / f"{name}.gz"


def _read_table(path: Path) -> dict[str, list[tuple[str, str]]]:
    table: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if not path.is_file():
        return table
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            table[row["law_num"]].append((row["law_id"], row["title"]))
    return table
