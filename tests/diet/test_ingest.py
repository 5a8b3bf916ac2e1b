"""A diet ingest killed half-way resumes without duplicates; re-reading the same speeches changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from govrag.index.docstore import DocStore
from govrag.sources.diet import ingest
from govrag.sources.diet.ingest import ingest_speeches
from govrag.sources.diet.parse import iter_speeches


class Killed(Exception):
    pass


def test_a_killed_ingest_resumes_without_duplicates(
    tmp_path: Path, diet_pages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "BATCH_MEETINGS", 1)
    store = DocStore(tmp_path / "chunks.sqlite", create=True)
    real_write = store.write
    calls = 0

    def dies_on_the_third_batch(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Killed
        real_write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "write", dies_on_the_third_batch)
    with pytest.raises(Killed):
        ingest_speeches(store, iter_speeches(diet_pages))
    monkeypatch.setattr(store, "write", real_write)
    half = store.counts()["diet"]["documents"]
    assert half == 2  # two batches of one meeting made it before the kill

    report = ingest_speeches(store, iter_speeches(diet_pages))
    assert report.unchanged == 2 and report.stored > 0
    ids = [c.id for c in store.iter_chunks("diet")]
    speeches = {(c.attrs["speech_id"], c.attrs["part"]) for c in store.iter_chunks("diet")}
    assert len(ids) == len(set(ids)) == len(speeches)

    clean = DocStore(tmp_path / "clean.sqlite", create=True)
    ingest_speeches(clean, iter_speeches(diet_pages))
    assert sorted(c.id for c in clean.iter_chunks("diet")) == sorted(ids)
    assert clean.counts()["diet"] == store.counts()["diet"]
    again = ingest_speeches(store, iter_speeches(diet_pages))
    assert again.stored == 0 and again.unchanged == report.unchanged + report.stored
    store.close()
    clean.close()


def test_a_meeting_completed_by_a_later_page_replaces_its_chunks(tmp_path: Path, diet_pages: Path) -> None:
    """Pages 1 and 2 share the meeting of 2024-07-30: read alone, page 1 stores part of it; with page 2, all."""
    store = DocStore(tmp_path / "chunks.sqlite", create=True)
    first = tmp_path / "first"
    first.mkdir()
    (first / "page-00001.json").write_bytes((diet_pages / "page-00001.json").read_bytes())
    ingest_speeches(store, iter_speeches(first))
    partial = len(store.chunks_of("diet", "121303815X01320240730"))
    (first / "page-00002.json").write_bytes((diet_pages / "page-00002.json").read_bytes())
    ingest_speeches(store, iter_speeches(first))
    whole = store.chunks_of("diet", "121303815X01320240730")
    assert len(whole) > partial
    assert len({c.id for c in whole}) == len(whole)
    store.close()
