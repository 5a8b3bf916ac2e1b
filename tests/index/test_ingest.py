"""Ingest into the document store: counts, resume after a crash, re-ingest, bad files, the API path."""

from __future__ import annotations

import base64
import shutil
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from govrag.sources.laws import ingest
from govrag.index.docstore import DocStore
from govrag.index.ingest import JobError, load_job
from govrag.sources.laws.ingest import ingest_laws
from govrag.sources.laws.api import EgovApiClient, iter_api_laws
from govrag.sources.laws.archive import LawFile, Skipped, iter_law_files
from govrag.sources.laws.chunk import ChunkOptions
from govrag.sources.laws.lawid import LawIdResolver

OPTIONS = ChunkOptions(version="2020-11-18")
SAMPLE_CHUNKS = 1810  # 民法 + 日本国憲法 + 行政手続法 + 個人情報保護法 + 借地借家法 at 600 chars


@pytest.fixture()
def resolver(shared_data: Path) -> LawIdResolver:
    return LawIdResolver.from_dir(shared_data / "egov")


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[DocStore]:
    with DocStore(tmp_path / "chunks.sqlite", create=True) as s:
        yield s


def test_ingest_sample_then_rerun_is_a_no_op(store: DocStore, egov_sample: Path, resolver: LawIdResolver) -> None:
    report, unchanged = ingest_laws(store, egov_sample, resolver, OPTIONS, workers=1)
    assert (report.laws, report.chunks, unchanged, report.skipped) == (5, SAMPLE_CHUNKS, 0, [])
    report, unchanged = ingest_laws(store, egov_sample, resolver, OPTIONS, workers=1)
    assert (report.files, unchanged) == (0, 5)
    assert store.counts() == {"law": {"documents": 5, "chunks": SAMPLE_CHUNKS}}


def test_crash_mid_ingest_resumes_without_duplicates(
    store: DocStore, egov_sample: Path, resolver: LawIdResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "BATCH_DOCUMENTS", 2)

    def crashing() -> Iterator[LawFile | Skipped]:
        for i, item in enumerate(iter_law_files(egov_sample)):
            if i == 3:
                raise RuntimeError("power cut")
            yield item

    with pytest.raises(RuntimeError, match="power cut"):
        ingest_laws(store, crashing(), resolver, OPTIONS, workers=1)
    committed = store.counts()["law"]["documents"]
    assert committed == 2  # the first full batch; the third law was in the batch that never committed

    report, unchanged = ingest_laws(store, egov_sample, resolver, OPTIONS, workers=1)
    assert (unchanged, report.laws) == (2, 3)
    assert store.counts() == {"law": {"documents": 5, "chunks": SAMPLE_CHUNKS}}
    ids = [c.id for c in store.iter_chunks("law")]
    assert len(ids) == len(set(ids)) == SAMPLE_CHUNKS


def test_changed_file_replaces_its_chunks(store: DocStore, egov_sample: Path, resolver: LawIdResolver, tmp_path: Path) -> None:
    folder = tmp_path / "laws"
    shutil.copytree(egov_sample, folder)
    ingest_laws(store, folder, resolver, OPTIONS, workers=1)
    kenpo = next(folder.rglob("昭和二十一年憲法.xml"))
    kenpo.write_bytes(kenpo.read_bytes().replace("陸海空軍その他の戦力".encode(), "陸海空軍".encode()))
    report, unchanged = ingest_laws(store, folder, resolver, OPTIONS, workers=1)
    assert (report.laws, unchanged) == (1, 4)
    (art9,) = [c for c in store.chunks_of("law", "321CONSTITUTION") if c.attrs["article_num"] == "9" and c.attrs["provision"] == "本則"]
    assert "陸海空軍その他の戦力" not in art9.body and "陸海空軍は" in art9.body
    assert store.counts()["law"]["chunks"] == SAMPLE_CHUNKS


def test_bad_files_are_listed_and_the_rest_is_stored(store: DocStore, egov_sample: Path, resolver: LawIdResolver, tmp_path: Path) -> None:
    folder = tmp_path / "laws"
    shutil.copytree(egov_sample, folder)
    (folder / "broken.xml").write_bytes(b"<Law><LawNum>x</LawNum><LawBody>")
    (folder / "feed.xml").write_bytes(b"<rss><channel/></rss>")
    report, _ = ingest_laws(store, folder, resolver, OPTIONS, workers=2)
    assert report.laws == 5
    reasons = {name: reason for _, name, reason in store.skipped("law")}
    assert set(reasons) == {"broken.xml", "feed.xml"}
    assert "malformed XML" in reasons["broken.xml"]
    assert "root element is <rss>" in reasons["feed.xml"]


def test_neighbours_come_back_in_order(store: DocStore, egov_sample: Path, resolver: LawIdResolver) -> None:
    ingest_laws(store, egov_sample, resolver, OPTIONS, workers=1)
    chunks = store.chunks_of("law", "129AC0000000089")
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    i = next(i for i, c in enumerate(chunks) if c.unit == "Mp-At_709")
    assert [chunks[i - 1].unit, chunks[i + 1].unit] == ["Mp-At_708", "Mp-At_710"]
    assert store.chunk(chunks[i].id) == chunks[i]


def test_chunks_of_filters_by_payload_fields_and_positions(store: DocStore, egov_sample: Path, resolver: LawIdResolver) -> None:
    ingest_laws(store, egov_sample, resolver, OPTIONS, workers=1)
    chunks = store.chunks_of("law", "129AC0000000089")
    (art709,) = store.chunks_of("law", "129AC0000000089", where={"provision": "本則", "article_num": "709"})
    assert art709.unit == "Mp-At_709"
    suppl = store.chunks_of("law", "129AC0000000089", where={"provision": "附則", "article_num": "2"})
    assert suppl and all(c.attrs["provision"] == "附則" and c.attrs["article_num"] == "2" for c in suppl)
    assert store.chunks_of("law", "129AC0000000089", where={"article_num": "9999"}) == []
    assert store.chunks_of("law", "129AC0000000089", seqs=(art709.seq - 1, art709.seq + 1)) == chunks[art709.seq - 1 : art709.seq + 2]
    assert store.chunks_of("law", "129AC0000000089", seqs=(-3, 1)) == chunks[:2]
    with pytest.raises(ValueError, match="not a payload field"):
        store.chunks_of("law", "129AC0000000089", where={"x') OR 1=1 --": "1"})


def test_reads_from_many_threads_at_once(store: DocStore, egov_sample: Path, resolver: LawIdResolver) -> None:
    """The API reads from a thread pool; each thread gets its own connection and the same answers."""
    ingest_laws(store, egov_sample, resolver, OPTIONS, workers=1)
    chunks = store.chunks_of("law", "129AC0000000089")
    ids = [c.id for c in chunks[::50]]
    expected = store.chunks_by_id(ids)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: store.chunks_by_id(ids), range(64)))
    assert all(r == expected for r in results) and len(expected) == len(ids)
    assert len(store._readers) > 1  # not one shared connection


def test_api_laws_go_through_the_same_pipeline(store: DocStore, egov_sample: Path, resolver: LawIdResolver) -> None:
    xml = next(egov_sample.rglob("昭和二十一年憲法.xml")).read_bytes()
    body = {
        "law_info": {"law_type": "Constitution", "law_id": "321CONSTITUTION", "law_num": "昭和二十一年憲法",
                     "promulgation_date": "1946-11-03"},
        "revision_info": {"law_revision_id": "321CONSTITUTION_19470503_000000000000000", "law_title": "日本国憲法",
                          "amendment_enforcement_date": "1947-05-03"},
        "law_full_text": base64.b64encode(xml).decode(),
    }
    with respx.mock(assert_all_called=False) as mock:
        mock.get("https://laws.e-gov.go.jp/api/2/law_data/321CONSTITUTION").respond(200, json=body)
        mock.get("https://laws.e-gov.go.jp/api/2/law_data/999AC0000000999").respond(
            404, json={"code": "404001", "message": "指定された法令が存在しません。"}
        )
        with EgovApiClient(http_client=httpx.Client(), min_interval=0) as client:
            files = iter_api_laws(client, ["321CONSTITUTION", "999AC0000000999"], asof="2020-11-18")
            report, _ = ingest_laws(store, files, resolver, ChunkOptions(), workers=1)
    assert report.laws == 1
    (doc,) = store.documents("law")
    assert (doc.doc_id, doc.version, doc.meta["law_id_status"]) == ("321CONSTITUTION", "2020-11-18", "xml")
    assert [name for _, name, _ in store.skipped()] == ["e-Gov API 999AC0000000999 asof 2020-11-18"]


def test_job_files(tmp_path: Path, shared_data: Path) -> None:
    sample = Path(__file__).resolve().parents[2] / "ingest" / "laws-sample.toml"
    job = load_job(sample, shared_data)
    assert job.name == "laws-sample"
    ((source, spec),) = job.parts
    assert source.name == "law"
    assert spec.path == (shared_data / "egov" / "sample").resolve() and spec.path.is_dir()
    assert spec.law_ids == (shared_data / "egov").resolve()
    assert spec.version == "2020-11-18"
    assert load_job(sample, tmp_path).parts[0][1].path == tmp_path / "egov" / "sample"  # wherever the bundle is
    with pytest.raises(JobError, match="GOVRAG_SHARED_DATA"):
        load_job(sample, None)
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n", encoding="utf-8")
    with pytest.raises(JobError, match="names no sources"):
        load_job(bad)
    bad.write_text("[[laws]]\nversion = '2020'\n", encoding="utf-8")
    with pytest.raises(JobError, match="has no 'path'"):
        load_job(bad)
    with pytest.raises(JobError, match="no such job file"):
        load_job(tmp_path / "missing.toml")
    bad.write_text("[[gazettes]]\npath = 'x'\n", encoding="utf-8")
    with pytest.raises(JobError, match=r"unknown table \[\[gazettes\]\] \(sources: \[\[laws\]\], \[\[diet\]\], \[\[gazette\]\]\)"):
        load_job(bad)


def test_main_job_names_laws_minutes_and_gazette(shared_data: Path) -> None:
    main = load_job(Path(__file__).resolve().parents[2] / "ingest" / "main.toml", shared_data)
    assert [source.name for source, _ in main.parts] == ["law", "diet", "gazette"]
    assert [(source.name, spec.path.name) for source, spec in main.parts[:2]] == [
        ("law", "laws-20201118.tar.xz"), ("diet", "speeches.tar.xz")]
    assert [p.name for p in main.parts[2][1].paths] == ["issues.json", "html", "pdf"]
