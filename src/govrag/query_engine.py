"""govrag's search and answerer as one llama-index query engine.

`GovragQueryEngine(service).query("…")` returns a llama-index `Response` whose text is govrag's
answer (generated and verified when a model is configured, else quoted), whose source nodes are
the cited hits (`retrieval/llama.py` makes them: id = chunk id, metadata = citation label and URL)
and whose metadata carries what a caller must check: citations, verification report, warnings and
risk flags. The retriever half is `GovragRetriever` over the same searcher, for pipelines that
bring their own synthesiser.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from llama_index.core.base.response.schema import Response
from llama_index.core.query_engine import CustomQueryEngine
from pydantic import ConfigDict, Field

from govrag.retrieval.llama import GovragRetriever, hit_to_node
from govrag.retrieval.search import SearchOptions
from govrag.service import Service


class GovragQueryEngine(CustomQueryEngine):
    """Search → answer (→ verification) for one query string."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    service: Service
    options: SearchOptions = Field(default_factory=lambda: SearchOptions(k=5))

    @property
    def retriever(self) -> GovragRetriever:
        return GovragRetriever(self.service.searcher, self.options)

    def custom_query(self, query_str: str) -> Response:
        result = self.service.search(query_str, self.options)
        answer = self.service.answer(result)
        by_id = {h.chunk.id: h for h in result.hits}
        nodes = [hit_to_node(by_id[c.chunk_id]) for c in answer.citations if c.chunk_id in by_id]
        metadata: dict[str, Any] = {
            "mode": answer.mode, "sufficient": answer.sufficient, "model": answer.model,
            "citations": [asdict(c) for c in answer.citations], "warnings": list(answer.warnings),
            "flags": list(answer.flags),
            "verification": asdict(answer.verification) if answer.verification is not None else None,
        }
        return Response(response=answer.text, source_nodes=nodes, metadata=metadata)
