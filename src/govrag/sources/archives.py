"""Read a source's files from a folder, a tar (.xz/.gz/.bz2) or a zip archive, reporting bad members.

Every source reads the same containers the same way: members stream one at a
time in a stable order, an unreadable member comes out as `Skipped` with the
reason, and a truncated tar yields every member before the damage, then one
`Skipped` that says where it broke. Only which members count, and what they
are called in messages, differ by source.
"""

from __future__ import annotations

import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from govrag.sources.base import Skipped, SourceError

TAR_SUFFIXES = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2")
Member = tuple[str, bytes]
Wanted = Callable[[str], bool]

_ARCHIVE_ERRORS = (tarfile.TarError, lzma.LZMAError, zlib.error, EOFError, OSError)


def is_tar(path: Path) -> bool:
    return path.name.lower().endswith(TAR_SUFFIXES)


def file_member(path: Path) -> Iterator[Member | Skipped]:
    try:
        yield path.name, path.read_bytes()
    except OSError as exc:
        yield Skipped(path.name, f"unreadable file ({exc.strerror or exc})")


def dir_members(root: Path, wanted: Wanted) -> Iterator[Member | Skipped]:
    """Files under `root` whose name `wanted` accepts, sorted by path, named relative to `root`."""
    for file in sorted(p for p in root.rglob("*") if p.is_file() and wanted(p.name)):
        name = file.relative_to(root).as_posix()
        try:
            yield name, file.read_bytes()
        except OSError as exc:
            yield Skipped(name, f"unreadable file ({exc.strerror or exc})")


def tar_members(path: Path, wanted: Wanted, what: str) -> Iterator[Member | Skipped]:
    """Members in archive order, streamed (a .tar.xz is never unpacked); `what` names them in the
    message of a truncated archive ("law files", "response files")."""
    try:
        tf = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by the `with` below; open errors differ from read errors
    except _ARCHIVE_ERRORS as exc:
        raise SourceError(f"{path}: not a readable tar archive ({exc})") from None
    count = 0
    with tf:
        try:
            for member in tf:
                if not member.isfile() or not wanted(member.name):
                    continue
                handle = tf.extractfile(member)
                if handle is None:
                    continue
                data = handle.read()
                count += 1
                yield member.name, data
        except _ARCHIVE_ERRORS as exc:
            yield Skipped(
                f"{path.name}!<after member {count}>",
                f"archive truncated or corrupt after {count} {what} ({type(exc).__name__}: {exc}); "
                "everything before this point was read",
            )


def zip_members(path: Path, wanted: Wanted) -> Iterator[Member | Skipped]:
    """Members sorted by name; a corrupt member is skipped, a zip without its index cannot be read at all."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{path}: not a readable zip archive ({exc}); a truncated zip loses its index, "
                          "re-download it") from None
    with zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not wanted(info.filename):
                continue
            try:
                yield info.filename, zf.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                yield Skipped(info.filename, f"corrupt zip member ({exc})")


def members(
    path: Path, suffixes: tuple[str, ...], what: str, source: str, *, ignore: frozenset[str] = frozenset(),
) -> Iterator[Member | Skipped]:
    """The members of a source path, whatever it is: a file with one of `suffixes`, a folder, or a
    tar/zip archive of such files. Inside folders and archives, hidden files (a harvest's temporaries)
    and the names in `ignore` (its state file) are passed over. A missing path or another kind of file
    is a `SourceError` at once, naming `source` (「not a law source」) and what it takes; `what` names
    the members in messages."""
    def wanted(name: str) -> bool:
        base = name.rsplit("/", 1)[-1]
        return base.lower().endswith(suffixes) and not base.startswith(".") and base not in ignore

    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_dir():
        return dir_members(path, wanted)
    if is_tar(path):
        return tar_members(path, wanted, what)
    if path.name.lower().endswith(".zip"):
        return zip_members(path, wanted)
    if path.name.lower().endswith(suffixes):
        return file_member(path)
    raise SourceError(f"{path}: not a {source} (expected {'/'.join(suffixes)} files, a folder, "
                      f"a .tar.xz/.tar.gz/.zip archive of them)")
