"""Read law XML from a file, a folder tree, or a .tar(.xz/.gz/.bz2)/.zip archive.

Readers stream members one at a time and never stop a corpus run on one bad
member: a file that cannot be read comes out as `Skipped` with the reason, and
a truncated archive yields every member before the damage, then one `Skipped`
that says where it broke. Folder names in e-Gov's bulk-download layout
(`<LawId>_<施行日>_<改正法令ID>/…xml`) give the LawId and version date.
"""

from __future__ import annotations

import lzma
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from govrag.sources.archives import is_tar, members
from govrag.sources.base import Skipped, SourceError

__all__ = ["LawFile", "Skipped", "SourceError", "iter_law_files", "listed_laws"]

_EGOV_REVISION = re.compile(r"(?P<law_id>\d{3}[0-9A-Z]{12})_(?P<date>\d{8})_(?P<amend>[0-9A-Z]{15})")


@dataclass(frozen=True, slots=True)
class LawFile:
    name: str
    data: bytes
    law_id_hint: str | None = None
    version_hint: str | None = None


def iter_law_files(path: Path) -> Iterator[LawFile | Skipped]:
    """Every law XML under `path`, in a stable order, with unreadable members reported."""
    for member in members(path, (".xml",), "law files", "law source"):
        yield member if isinstance(member, Skipped) else _law_file(*member)


def _is_xml(name: str) -> bool:
    return name.lower().endswith(".xml")


def _law_file(name: str, data: bytes) -> LawFile:
    m = _EGOV_REVISION.search(name)
    if not m:
        return LawFile(name, data)
    date = m.group("date")
    return LawFile(name, data, m.group("law_id"), f"{date[:4]}-{date[4:6]}-{date[6:]}")


LISTING = "index.tsv"


def listed_laws(path: Path) -> list[tuple[str, str]]:
    """(LawNum, LawTitle) rows of the source's own `index.tsv`, when it has one (the e-Gov bulk layout):
    it also names laws whose files the source lacks (13 in the 2020 archive, 金融商品取引法 among them).

    In a tar archive only members before the first law file are read, so this never scans the archive.
    """
    try:
        if path.is_dir():
            data = (path / LISTING).read_bytes() if (path / LISTING).is_file() else None
        elif is_tar(path):
            data = None
            with tarfile.open(path, "r:*") as tf:
                for member in tf:
                    if member.name.rsplit("/", 1)[-1] == LISTING and (handle := tf.extractfile(member)):
                        data = handle.read()
                        break
                    if member.name.lower().endswith(".xml"):
                        break
        elif path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == LISTING]
                data = zf.read(names[0]) if names else None
        else:
            data = None
    except (OSError, tarfile.TarError, zipfile.BadZipFile, lzma.LZMAError, zlib.error, EOFError):
        return []  # the law files themselves report the damage; a listing is only a bonus
    if data is None:
        return []
    rows = data.decode("utf-8", "replace").splitlines()
    header = rows[0].split("\t") if rows else []
    if "LawNum" not in header or "LawTitle" not in header:
        return []
    num, title = header.index("LawNum"), header.index("LawTitle")
    return [(cells[num], cells[title]) for line in rows[1:] if len(cells := line.split("\t")) > max(num, title)]
