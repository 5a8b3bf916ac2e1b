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

from govrag.sources.base import Skipped, SourceError

__all__ = ["LawFile", "Skipped", "SourceError", "iter_law_files", "listed_laws"]

_EGOV_REVISION = re.compile(r"(?P<law_id>\d{3}[0-9A-Z]{12})_(?P<date>\d{8})_(?P<amend>[0-9A-Z]{15})")
_TAR_SUFFIXES = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2")


@dataclass(frozen=True, slots=True)
class LawFile:
    name: str
    data: bytes
    law_id_hint: str | None = None
    version_hint: str | None = None


def iter_law_files(path: Path) -> Iterator[LawFile | Skipped]:
    """Every law XML under `path`, in a stable order, with unreadable members reported."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_dir():
        yield from _iter_dir(path)
    elif path.name.lower().endswith(_TAR_SUFFIXES):
        yield from _iter_tar(path)
    elif path.suffix.lower() == ".zip":
        yield from _iter_zip(path)
    elif path.suffix.lower() == ".xml":
        yield _law_file(path.name, path.read_bytes())
    else:
        raise SourceError(f"{path}: not a law source (expected a .xml file, a folder, a .tar.xz/.tar.gz/.zip archive)")


def _law_file(name: str, data: bytes) -> LawFile:
    m = _EGOV_REVISION.search(name)
    if not m:
        return LawFile(name, data)
    date = m.group("date")
    return LawFile(name, data, m.group("law_id"), f"{date[:4]}-{date[4:6]}-{date[6:]}")


def _iter_dir(root: Path) -> Iterator[LawFile | Skipped]:
    for file in sorted(root.rglob("*.xml")):
        name = str(file.relative_to(root))
        try:
            yield _law_file(name, file.read_bytes())
        except OSError as exc:
            yield Skipped(name, f"unreadable file ({exc.strerror or exc})")


def _iter_tar(path: Path) -> Iterator[LawFile | Skipped]:
    count = 0
    try:
        tf = tarfile.open(path, "r:*")
    except (tarfile.TarError, lzma.LZMAError, zlib.error, EOFError, OSError) as exc:
        raise SourceError(f"{path}: not a readable tar archive ({exc})") from None
    with tf:
        try:
            for member in tf:
                if not member.isfile() or not member.name.lower().endswith(".xml"):
                    continue
                handle = tf.extractfile(member)
                if handle is None:
                    continue
                yield _law_file(member.name, handle.read())
                count += 1
        except (tarfile.TarError, lzma.LZMAError, zlib.error, EOFError, OSError) as exc:
            yield Skipped(
                f"{path.name}!<after member {count}>",
                f"archive truncated or corrupt after {count} law files ({type(exc).__name__}: {exc}); "
                "everything before this point was read",
            )


def _iter_zip(path: Path) -> Iterator[LawFile | Skipped]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{path}: not a readable zip archive ({exc}); a truncated zip loses its index, re-download it") from None
    with zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not info.filename.lower().endswith(".xml"):
                continue
            try:
                yield _law_file(info.filename, zf.read(info))
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                yield Skipped(info.filename, f"corrupt zip member ({exc})")


LISTING = "index.tsv"


def listed_laws(path: Path) -> list[tuple[str, str]]:
    """(LawNum, LawTitle) rows of the source's own `index.tsv`, when it has one (the e-Gov bulk layout):
    it also names laws whose files the source lacks (13 in the 2020 archive, 金融商品取引法 among them).

    In a tar archive only members before the first law file are read, so this never scans the archive.
    """
    try:
        if path.is_dir():
            data = (path / LISTING).read_bytes() if (path / LISTING).is_file() else None
        elif path.name.lower().endswith(_TAR_SUFFIXES):
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
