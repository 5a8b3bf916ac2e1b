"""Nightly re-ingest: only what changed is redone, a rewrite replaces its old self in the index
(old points go only after the new are in), and laws follow the LawId tables when those change."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from govrag.index.docstore import DocStore
from govrag.index.indexer import IndexMeta, build_sparse, new_meta
from govrag.index.store.base import Filters
from govrag.index.store.edge import EdgeStore
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.ingest import ingest_laws
from govrag.sources.laws.lawid import LawIdResolver

OPTIONS = ChunkOptions(version="2020-11-18")
KOJIN = "415AC0000000057"  # 個人情報の保護に関する法律 (平成十五年法律第五十七号), from law_ids.tsv
KOJIN_NUM = "lawnum:平成十五年法律第五十七号"


@pytest.fixture()
def laws(tmp_path: Path, egov_sample: Path) -> Path:
    folder = tmp_path / "laws"
    shutil.copytree(egov_sample, folder)
    return folder


@pytest.fixture()
def docstore(tmp_path: Path) -> Iterator[DocStore]:
    with DocStore(tmp_path / "chunks.sqlite", create=True) as s:
        yield s


def _index(docstore: DocStore, path: Path, meta: IndexMeta) -> tuple[int, int, int]:
    """(points written, points deleted, points held) of one build."""
    with EdgeStore(path) as store:
        report = build_sparse(docstore, store, meta, workers=1)
        return report.points, report.deleted, store.count()


def test_a_law_ingested_without_tables_takes_its_lawid_when_they_arrive(
    docstore: DocStore, laws: Path, tmp_path: Path, shared_data: Path
) -> None:
    ingest_laws(docstore, laws, LawIdResolver(), OPTIONS, workers=1)  # an install that had no tables
    before = docstore.chunks_of("law", KOJIN_NUM)
    assert before and before[0].url == "https://laws.e-gov.go.jp/search/"
    meta = new_meta(docstore, None)
    _, _, held = _index(docstore, tmp_path / "index", meta)
    assert held == sum(d.n_chunks for d in docstore.documents())

    report, unchanged = ingest_laws(docstore, laws, LawIdResolver.from_dir(shared_data / "egov"), OPTIONS, workers=1)
    # Every sample law resolves differently: four get their LawId, 憲法 keeps its id but is now "published".
    assert unchanged == 0 and report.laws == 5
    assert docstore.chunks_of("law", KOJIN_NUM) == []
    after = docstore.chunks_of("law", KOJIN)
    assert len(after) == len(before) and after[0].url.startswith(f"https://laws.e-gov.go.jp/law/{KOJIN}")
    assert docstore.counts()["law"]["documents"] == 5

    written, deleted, held = _index(docstore, tmp_path / "index", meta)
    total = sum(d.n_chunks for d in docstore.documents())
    assert held == total  # no duplicate of the renamed laws is left behind
    kenpo = sum(d.n_chunks for d in docstore.documents() if d.doc_id == "321CONSTITUTION")
    assert written == total  # every rewritten law is indexed again (its chunks carry the new status)
    assert deleted == total - kenpo  # each renamed law's old points went, after its new ones were in
    with EdgeStore(tmp_path / "index") as store:
        assert store.count(Filters(doc_id=(KOJIN_NUM,))) == 0
        assert store.count(Filters(doc_id=(KOJIN,))) == len(after)
    assert docstore.retired() == []

    report, unchanged = ingest_laws(docstore, laws, LawIdResolver.from_dir(shared_data / "egov"), OPTIONS, workers=1)
    assert (report.laws, unchanged) == (0, 5)  # the nightly rerun touches nothing
    assert _index(docstore, tmp_path / "index", meta) == (0, 0, total)


def test_a_shorter_law_loses_its_old_points_only_after_the_build(
    docstore: DocStore, laws: Path, tmp_path: Path, shared_data: Path
) -> None:
    resolver = LawIdResolver.from_dir(shared_data / "egov")
    ingest_laws(docstore, laws, resolver, OPTIONS, workers=1)
    meta = new_meta(docstore, None)
    _index(docstore, tmp_path / "index", meta)
    kenpo = next(laws.rglob("昭和二十一年憲法.xml"))
    tree = etree.parse(str(kenpo))
    last = tree.xpath("//MainProvision//Article")[-1]  # 第百三条
    last.getparent().remove(last)
    kenpo.write_bytes(etree.tostring(tree, encoding="utf-8", xml_declaration=True))
    old = {c.id for c in docstore.chunks_of("law", "321CONSTITUTION")}

    report, unchanged = ingest_laws(docstore, laws, resolver, OPTIONS, workers=1)
    assert (report.laws, unchanged) == (1, 4)
    new = {c.id for c in docstore.chunks_of("law", "321CONSTITUTION")}
    gone = sorted(old - new)
    assert gone and docstore.retired() == gone
    with EdgeStore(tmp_path / "index") as store:  # until the build, search still finds the old text
        assert len(store.retrieve(gone)) == len(gone)

    written, deleted, held = _index(docstore, tmp_path / "index", meta)
    assert (written, deleted) == (len(new), len(gone))
    assert held == sum(d.n_chunks for d in docstore.documents())
    with EdgeStore(tmp_path / "index") as store:
        assert store.retrieve(gone) == []
    assert docstore.retired() == []


def test_a_chunk_id_written_again_is_not_deleted(docstore: DocStore, laws: Path, tmp_path: Path, shared_data: Path) -> None:
    """A law shortened then restored before the build: its returning chunks are live, not retired."""
    resolver = LawIdResolver.from_dir(shared_data / "egov")
    ingest_laws(docstore, laws, resolver, OPTIONS, workers=1)
    kenpo = next(laws.rglob("昭和二十一年憲法.xml"))
    original = kenpo.read_bytes()
    tree = etree.parse(str(kenpo))
    last = tree.xpath("//MainProvision//Article")[-1]
    last.getparent().remove(last)
    kenpo.write_bytes(etree.tostring(tree, encoding="utf-8", xml_declaration=True))
    ingest_laws(docstore, laws, resolver, OPTIONS, workers=1)
    assert docstore.retired() != []
    kenpo.write_bytes(original)
    ingest_laws(docstore, laws, resolver, OPTIONS, workers=1)
    assert docstore.retired() == []


def test_a_store_made_before_retirement_was_tracked_still_builds(
    docstore: DocStore, laws: Path, tmp_path: Path, shared_data: Path
) -> None:
    ingest_laws(docstore, laws, LawIdResolver.from_dir(shared_data / "egov"), OPTIONS, workers=1)
    docstore._db.execute("DROP TABLE retired")  # as in a store ingested by an earlier govrag
    assert docstore.retired() == []
    written, deleted, held = _index(docstore, tmp_path / "index", new_meta(docstore, None))
    assert (written, deleted, held) == (held, 0, sum(d.n_chunks for d in docstore.documents()))


def test_a_build_whose_writer_fails_mid_way_stops_instead_of_hanging(
    docstore: DocStore, laws: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tokeniser pool waits for the writer (backpressure); when the writer fails, leaving the pool
    must not wait for a task thread still blocked on it (a full disk mid-build once meant a hang)."""
    import threading

    from govrag.index import indexer

    ingest_laws(docstore, laws, LawIdResolver.from_dir(shared_data / "egov"), OPTIONS, workers=1)
    monkeypatch.setattr(indexer, "AHEAD_PER_WORKER", 1)
    docs = list(docstore.documents()) * 4  # 20 documents: the pool runs, and the gate fills
    outcome: list[object] = []

    def consume_one_then_fail() -> None:
        encoded = indexer._encode_documents(docstore.path, docs, new_meta(docstore, None), 2)
        try:
            next(encoded)
            encoded.throw(OSError(28, "No space left on device"))
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=consume_one_then_fail, daemon=True)
    worker.start()
    worker.join(timeout=120)  # a liveness guard, not a timing: a hang never finishes
    assert not worker.is_alive()
    assert len(outcome) == 1 and "No space" in str(outcome[0])


def test_a_shortened_law_loses_its_outline_windows_beyond_the_new_count(
    docstore: DocStore, laws: Path, tmp_path: Path, shared_data: Path
) -> None:
    """The outline router's windows of a rewritten law: the build must still know it held more."""
    from govrag.index.descriptors import build_descriptors, law_descriptors
    from govrag.index.embed import EmbeddingCache
    from tests.index.test_embed import SpyEmbedder

    resolver = LawIdResolver.from_dir(shared_data / "egov")
    ingest_laws(docstore, laws, resolver, OPTIONS, workers=1)
    embedder, cache = SpyEmbedder(), EmbeddingCache(tmp_path / "cache.sqlite")

    def windows_held(doc_id: str) -> int:
        with EdgeStore(tmp_path / "outlines") as store:
            build_descriptors(docstore, store, embedder, cache)
            return store.count(Filters(doc_id=(doc_id,)))

    minpo = next(d for d in docstore.documents("law") if d.title == "民法")
    before = windows_held(minpo.doc_id)
    assert before == len(law_descriptors(docstore, minpo)) > 10
    civil = next(laws.rglob("明治二十九年法律第八十九号.xml"))
    tree = etree.parse(str(civil))
    for article in tree.xpath("//MainProvision//Article")[50:]:
        article.getparent().remove(article)
    civil.write_bytes(etree.tostring(tree, encoding="utf-8", xml_declaration=True))
    ingest_laws(docstore, laws, resolver, OPTIONS, workers=1)
    minpo = next(d for d in docstore.documents("law") if d.title == "民法")
    after = len(law_descriptors(docstore, minpo))
    assert after < before
    assert windows_held(minpo.doc_id) == after
