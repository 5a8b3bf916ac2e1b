"""Law sources: folders, archives and single files, including the broken ones."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from govrag.sources.laws.archive import LawFile, Skipped, SourceError, iter_law_files

MINPO = "明治29年/明治二十九年法律第八十九号.xml"


def _tar_xz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:xz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_folder_tree_in_stable_order(egov_sample: Path) -> None:
    items = list(iter_law_files(egov_sample))
    assert all(isinstance(i, LawFile) for i in items)
    names = [i.name for i in items]
    assert len(names) == 5 and names == sorted(names)
    assert MINPO in names


def test_single_file(egov_sample: Path) -> None:
    (item,) = iter_law_files(egov_sample / MINPO)
    assert isinstance(item, LawFile) and item.data.startswith(b"<?xml")


def test_tar_xz_skips_non_xml_members(tmp_path: Path, egov_sample: Path) -> None:
    data = (egov_sample / MINPO).read_bytes()
    archive = _tar_xz(tmp_path / "laws.tar.xz", {"index.tsv": b"fp\tLawNum\n", MINPO: data})
    (item,) = iter_law_files(archive)
    assert isinstance(item, LawFile) and item.name == MINPO and item.data == data


def test_truncated_archive_keeps_what_came_before(tmp_path: Path, egov_sample: Path) -> None:
    members = {str(p.relative_to(egov_sample)): p.read_bytes() for p in sorted(egov_sample.rglob("*.xml"))}
    whole = _tar_xz(tmp_path / "whole.tar.xz", members).read_bytes()
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(whole[: int(len(whole) * 0.8)])
    items = list(iter_law_files(cut))
    good = [i for i in items if isinstance(i, LawFile)]
    bad = [i for i in items if isinstance(i, Skipped)]
    assert 1 <= len(good) < len(members)
    for item in good:
        assert members[item.name] == item.data  # what was read is whole, not cut
    (broken,) = bad
    assert "truncated or corrupt" in broken.reason and f"after {len(good)} law files" in broken.reason


def test_empty_archive_yields_nothing(tmp_path: Path) -> None:
    assert list(iter_law_files(_tar_xz(tmp_path / "empty.tar.xz", {}))) == []
    empty_zip = tmp_path / "empty.zip"
    zipfile.ZipFile(empty_zip, "w").close()
    assert list(iter_law_files(empty_zip)) == []


def test_zip_in_egov_bulk_layout_gives_law_id_and_version(tmp_path: Path, egov_sample: Path) -> None:
    name = "129AC0000000089_20200401_429AC0000000044/129AC0000000089_20200401_429AC0000000044.xml"
    path = tmp_path / "all_xml.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name, (egov_sample / MINPO).read_bytes())
        zf.writestr("readme.txt", "not a law")
    (item,) = iter_law_files(path)
    assert isinstance(item, LawFile)
    assert (item.law_id_hint, item.version_hint) == ("129AC0000000089", "2020-04-01")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.tar.xz", None, "no such file or directory"),
        ("garbage.tar.xz", b"this is not xz", "not a readable tar archive"),
        ("cut.zip", b"PK\x03\x04 truncated", "not a readable zip archive"),
        ("notes.txt", b"hello", "not a law source"),
    ],
)
def test_unreadable_sources_raise_a_clear_error(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        list(iter_law_files(path))

