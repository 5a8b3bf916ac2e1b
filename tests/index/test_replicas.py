"""Copies of the embedded index for the search processes (index/replicas.py), on the sample laws' index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govrag.config import Settings
from govrag.index.replicas import STAMP_FILE, first_free, prepare
from govrag.index.store.base import Point, StoreBusy
from govrag.index.store.edge import EdgeStore, read_generation
from govrag.retrieval.search import SearchOptions
from govrag.service import Service, open_service

QUESTION = "借地権の存続期間"


@pytest.fixture
def data(sample_index: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(sample_index, target)
    return target


def labels(settings: Settings) -> list[str]:
    svc = Service(settings, check_pages=False)
    try:
        return [h.chunk.label for h in svc.search(QUESTION, SearchOptions(mode="bm25", k=5)).hits]
    finally:
        svc.close()


def test_a_copy_answers_as_the_index_does(data: Path) -> None:
    said: list[str] = []
    [copy] = prepare(data / "index", data / "index-replicas", 1, say=said.append)
    assert copy == data / "index-replicas" / "1" and len(said) == 1
    assert (copy / "qdrant" / "edge_config.json").is_file() and (copy / "meta.json").is_file()
    original = labels(Settings(data_dir=data))
    assert original and original[0].startswith("借地借家法")
    assert labels(Settings(data_dir=data, index_path=copy)) == original


def test_an_unchanged_index_is_not_copied_again_a_changed_one_is(data: Path) -> None:
    prepare(data / "index", data / "index-replicas", 2)
    said: list[str] = []
    prepare(data / "index", data / "index-replicas", 2, say=said.append)
    assert said == []  # opening the index rewrote files inside it; its points are the same
    svc = Service(Settings(data_dir=data), check_pages=False)
    chunk_id = svc.search(QUESTION, SearchOptions(mode="bm25", k=1)).hits[0].chunk.id
    svc.close()
    before = read_generation(data / "index" / "qdrant")
    with EdgeStore(data / "index" / "qdrant") as store:
        [hit] = store.retrieve([chunk_id])
        store.upsert([Point(hit.id, {**hit.payload, "year": 1900})])
    assert before and read_generation(data / "index" / "qdrant") != before
    prepare(data / "index", data / "index-replicas", 2, say=said.append)
    assert len(said) == 2
    with EdgeStore(data / "index-replicas" / "2" / "qdrant") as copy:
        assert copy.retrieve([chunk_id])[0].payload["year"] == 1900


def test_a_copy_left_half_made_is_made_again(data: Path) -> None:
    root = data / "index-replicas"
    (root / "1.partial" / "qdrant").mkdir(parents=True)
    (root / "1.partial" / "qdrant" / "junk").write_text("x")
    [copy] = prepare(data / "index", root, 1)
    assert not (root / "1.partial").exists() and (copy / STAMP_FILE).is_file()
    assert labels(Settings(data_dir=data, index_path=copy))


def test_an_index_held_by_another_process_is_not_copied(data: Path) -> None:
    holder = EdgeStore(data / "index" / "qdrant")
    try:
        with pytest.raises(StoreBusy, match="open in another process"):
            prepare(data / "index", data / "index-replicas", 1)
    finally:
        holder.close()
    assert not (data / "index-replicas" / "1").exists()


def test_each_opener_gets_the_first_copy_no_one_holds(data: Path) -> None:
    copies = prepare(data / "index", data / "index-replicas", 2)
    settings = Settings(data_dir=data, index_replicas=copies)
    opened = [open_service(settings, check_pages=False) for _ in range(3)]
    try:
        assert [s.settings.index_dir for s in opened] == [data / "index", *copies]
        with pytest.raises(StoreBusy):
            open_service(settings, check_pages=False)  # every copy is held
    finally:
        for s in opened:
            s.close()


def test_first_free_needs_a_candidate() -> None:
    with pytest.raises(ValueError):
        first_free([], lambda folder: folder)
