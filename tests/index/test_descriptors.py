"""Law outlines (router windows) and per-article descriptors, on the real sample laws."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govrag.index.descriptors import ARTICLE_CHARS, WINDOW_CHARS, article_descriptors, law_descriptors
from govrag.index.docstore import DocStore, DocumentRecord
from govrag.index.indexer import IndexReport, pending_steps
from govrag.sources.laws.ingest import ingest_laws
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.lawid import LawIdResolver


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, egov_sample: Path, shared_data: Path) -> Iterator[DocStore]:
    with DocStore(tmp_path_factory.mktemp("desc") / "chunks.sqlite", create=True) as s:
        ingest_laws(s, egov_sample, LawIdResolver.from_dir(shared_data / "egov"), ChunkOptions(version="2020-11-18"), workers=1)
        yield s


def law(store: DocStore, title: str) -> DocumentRecord:
    return next(d for d in store.documents("law") if d.title == title)


def test_outline_windows_carry_the_title_and_the_captions(store: DocStore) -> None:
    windows = law_descriptors(store, law(store, "民法"))
    assert len(windows) > 5
    assert all(w.text.startswith("民法：") and len(w.text) <= WINDOW_CHARS + 1 for w in windows)
    joined = "".join(w.text for w in windows)
    assert "不法行為による損害賠償" in joined and "第五章 不法行為" in joined
    assert len({w.id for w in windows}) == len(windows)
    assert [w.id for w in law_descriptors(store, law(store, "民法"))] == [w.id for w in windows]  # stable


def test_article_descriptors_one_per_main_article_not_deleted(store: DocStore) -> None:
    doc = law(store, "民法")
    arts = article_descriptors(store, doc)
    chunks = [c for c in store.chunks_of("law", doc.doc_id) if c.attrs.get("provision") == "本則"]
    deleted = {c.attrs["article_num"] for c in chunks if c.body.strip() == "削除"}
    main = {c.attrs["article_num"] for c in chunks} - deleted
    assert len(arts) == len(main) and "155" in deleted  # 第百五十五条　削除
    assert not any(a.text.endswith("：削除") for a in arts)
    tort = next(a for a in arts if "第七百九条（" in a.text)
    assert tort.text == "民法 第五章 不法行為 第七百九条（不法行為による損害賠償）：故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う"[:ARTICLE_CHARS]
    assert all(len(a.text) <= ARTICLE_CHARS for a in arts)
    assert len({a.id for a in arts}) == len(arts)


def test_pending_steps_record_a_step_only_once_its_work_is_done(store: DocStore) -> None:
    """The resume rule every embedding stage shares: a crash mid-step redoes that step, never a finished one."""
    docs = list(store.documents("law"))
    assert len(docs) == 5
    report = IndexReport()
    with pytest.raises(RuntimeError):
        for i, _ in enumerate(pending_steps(store, "test-stage", docs, 2, report)):
            if i == 1:
                raise RuntimeError("crash in the second step")
    assert len(store.indexed("test-stage")) == 2 and report.documents == 2
    resumed = IndexReport()
    steps = list(pending_steps(store, "test-stage", docs, 2, resumed))
    assert [len(s) for s in steps] == [2, 1] and (resumed.skipped_documents, resumed.documents) == (2, 3)
    assert list(pending_steps(store, "test-stage", docs, 2, IndexReport())) == []
    store.clear_indexed("test-stage")
