"""`GovragRetriever` on a real BM25 index of the five sample laws, and the searcher's reranker hook.

The index is BM25 only (no outline vectors, no dense vectors), so nothing is
embedded and every query runs with mode="bm25": the module builds in seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import MetadataMode, NodeWithScore
from typer.testing import CliRunner

from govrag.cli import app as cli
from govrag.config import Settings
from govrag.retrieval.llama import GovragRetriever
from govrag.retrieval.search import Reranker, Searcher, SearchHit, SearchOptions
from govrag.service import Service

LEASE_QUERY = "建物の賃貸借の解約の申入れ 正当の事由"
BM25 = SearchOptions(k=5, mode="bm25")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, egov_sample: Path, shared_data: Path) -> Iterator[Service]:
    data = tmp_path_factory.mktemp("llama")
    job = data / "job.toml"
    job.write_text(
        f'[[laws]]\npath = "{egov_sample}"\nversion = "2020-11-18"\nlaw_ids = "{shared_data / "egov"}"\n', encoding="utf-8"
    )
    runner = CliRunner()
    for args in (["ingest", "run", str(job), "--workers", "1"], ["index", "build", "--no-descriptors", "--workers", "1"]):
        result = runner.invoke(cli, [*args, "--data-dir", str(data)])
        assert result.exit_code == 0, result.output
    svc = Service(Settings(data_dir=data))
    yield svc
    svc.close()


def labels(nodes: list[NodeWithScore]) -> list[str]:
    return [n.node.metadata["label"] for n in nodes]


def ids(nodes: list[NodeWithScore]) -> list[str]:
    return [n.node.node_id for n in nodes]


def test_bm25_nodes_carry_citation_metadata(service: Service) -> None:
    assert not service.searcher.has_dense and service.searcher.router is None  # nothing was embedded
    retriever = GovragRetriever(service.searcher, SearchOptions(k=10, mode="bm25"))
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve(LEASE_QUERY)
    assert 0 < len(nodes) <= 10
    assert "借地借家法 第二十八条" in labels(nodes)
    for i, n in enumerate(nodes, start=1):
        meta = n.node.metadata
        assert meta["url"].startswith("https://laws.e-gov.go.jp/law/")
        assert meta["via"] == "bm25" and meta["rank"] == i and meta["source"] == "law"
        assert meta["doc_title"] and meta["doc_id"] and n.node.ref_doc_id == meta["doc_id"]
        assert n.score is not None and n.score > 0
    assert [n.score for n in nodes] == sorted((n.score for n in nodes), reverse=True)
    chunk = service.docstore.chunk(nodes[0].node.node_id)  # node id is the chunk id, node text heading + body
    assert chunk is not None and nodes[0].node.get_content() == chunk.text


def test_llm_sees_label_and_url_only(service: Service) -> None:
    node = GovragRetriever(service.searcher, BM25).retrieve(LEASE_QUERY)[0].node
    llm = node.get_content(metadata_mode=MetadataMode.LLM)
    assert f"label: {node.metadata['label']}" in llm and f"url: {node.metadata['url']}" in llm
    assert "law_id" not in llm and "doc_id" not in llm and "rank" not in llm
    assert node.get_content(metadata_mode=MetadataMode.EMBED) == node.get_content()


def test_citation_query_puts_the_provision_first(service: Service) -> None:
    nodes = GovragRetriever(service.searcher, BM25).retrieve("民法709条")
    assert nodes[0].node.metadata["label"] == "民法 第七百九条"
    assert nodes[0].node.metadata["via"] == "citation"
    assert nodes[0].node.metadata["url"] == "https://laws.e-gov.go.jp/law/129AC0000000089#Mp-At_709"
    assert all(n.node.metadata["doc_title"] == "民法" for n in nodes)  # a cited law scopes the search


def test_async_retrieve_matches_sync(service: Service) -> None:
    retriever = GovragRetriever(service.searcher, BM25)
    assert ids(asyncio.run(retriever.aretrieve(LEASE_QUERY))) == ids(retriever.retrieve(LEASE_QUERY))


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_raises(service: Service, query: str) -> None:
    with pytest.raises(ValueError, match="empty query"):
        GovragRetriever(service.searcher, BM25).retrieve(query)


def _reranked(service: Service, reranker: Reranker) -> GovragRetriever:
    searcher = Searcher(service.docstore, service.store, service.encoder, None, reranker=reranker)
    return GovragRetriever(searcher, BM25)


def test_reranker_reverses_the_order(service: Service) -> None:
    seen: list[str] = []

    def reverse(query: str, hits: list[SearchHit]) -> list[SearchHit]:
        seen.append(query)
        return hits[::-1]

    baseline = GovragRetriever(service.searcher, BM25).retrieve(LEASE_QUERY)
    assert len(baseline) == BM25.k
    reranked = _reranked(service, reverse).retrieve(LEASE_QUERY)
    assert seen == [LEASE_QUERY]
    assert ids(reranked) == ids(baseline)[::-1]
    assert [n.node.metadata["rank"] for n in reranked] == list(range(1, BM25.k + 1))  # ranks follow the new order


def test_reranker_boosts_a_law(service: Service) -> None:
    baseline = GovragRetriever(service.searcher, BM25).retrieve(LEASE_QUERY)
    top = baseline[0].node.metadata["doc_id"]
    others = [n.node.metadata["doc_id"] for n in baseline if n.node.metadata["doc_id"] != top]
    assert others, "the baseline should span at least two laws"
    boosted = others[-1]

    def boost(query: str, hits: list[SearchHit]) -> list[SearchHit]:
        return sorted(hits, key=lambda h: h.chunk.doc_id != boosted)  # stable: the law's hits first, in order

    reranked = _reranked(service, boost).retrieve(LEASE_QUERY)
    first = [n for n in reranked if n.node.metadata["doc_id"] == boosted]
    assert reranked[0].node.metadata["doc_id"] == boosted
    assert ids(reranked[: len(first)]) == ids(first)
    assert set(ids(reranked)) == set(ids(baseline))
