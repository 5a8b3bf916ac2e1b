"""govrag as a llama-index query engine: the answer, its cited nodes and what must be checked, in one Response."""

from __future__ import annotations

from pathlib import Path

from govrag.config import Settings
from govrag.query_engine import GovragQueryEngine
from govrag.service import Service
from tests.llm.fake_openai import Reply, scripted_openai

TORT = "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。"


def test_the_query_engine_answers_with_cited_nodes_and_the_verification(sample_index: Path, tmp_path: Path) -> None:
    with scripted_openai([Reply(f"民法第七百九条は「{TORT}」と定めています[1]。")]) as server:
        settings = Settings(data_dir=sample_index, audit_dir=tmp_path, llm_base_url=server.base_url, llm_timeout_s=1.0)
        service = Service(settings, check_pages=False)
        try:
            engine = GovragQueryEngine(service=service)
            response = engine.query("民法709条")
            retrieved = engine.retriever.retrieve("民法709条")
        finally:
            service.close()
    assert str(response).startswith("民法第七百九条は「故意又は過失")
    assert response.metadata["mode"] == "generated" and response.metadata["verification"]["passed"] is True
    assert response.source_nodes[0].node.metadata["label"] == "民法 第七百九条"
    assert response.source_nodes[0].node.node_id == response.metadata["citations"][0]["chunk_id"]
    assert retrieved[0].node.metadata["label"] == "民法 第七百九条"
