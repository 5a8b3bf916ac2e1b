"""govrag's search as a llama-index retriever.

`GovragRetriever` lets any llama-index pipeline (`RetrieverQueryEngine`,
`CondensePlusContextChatEngine`, node postprocessors, …) use the same search
the CLI and API use: exact citations first, then BM25 and dense legs fused in
the store, then the optional reranker. Each hit becomes a `TextNode` whose id
is the chunk id and whose metadata carries the citation label and e-Gov URL,
so an answer pipeline can cite the provision and link to it. Only the label
and URL are shown to the LLM and nothing to an embedder: the heading in the
node text already names the law and article, and the rest (ids, ranks, the
source's attributes) is for code, not for the prompt.
"""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.core.callbacks import CallbackManager
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode

from govrag.retrieval.search import Searcher, SearchHit, SearchOptions

__all__ = ["LLM_METADATA_KEYS", "GovragRetriever", "hit_to_node"]

#: Metadata the LLM sees next to each node's text: what it needs to cite the provision.
LLM_METADATA_KEYS: tuple[str, ...] = ("label", "url")


def hit_to_node(hit: SearchHit) -> NodeWithScore:
    """One search hit as a scored llama-index node (id = chunk id, text = heading + body)."""
    chunk = hit.chunk
    metadata: dict[str, Any] = {
        **chunk.attrs,
        "label": chunk.label,
        "url": chunk.url,
        "source": chunk.source,
        "doc_id": chunk.doc_id,
        "doc_title": chunk.doc_title,
        "version": chunk.version,
        "unit": chunk.unit,
        "seq": chunk.seq,
        "via": hit.via,
        "rank": hit.rank,
    }
    node = TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=metadata,
        excluded_llm_metadata_keys=[k for k in metadata if k not in LLM_METADATA_KEYS],
        excluded_embed_metadata_keys=list(metadata),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)},
    )
    return NodeWithScore(node=node, score=hit.score)


class GovragRetriever(BaseRetriever):
    """A govrag `Searcher` as a llama-index `BaseRetriever`.

    Every query runs `Searcher.search(query, options)`: `options` fixes k, mode,
    filters and fusion weights for the retriever's lifetime. An empty query
    raises `ValueError`, as the searcher does.
    """

    def __init__(
        self,
        searcher: Searcher,
        options: SearchOptions = SearchOptions(),
        *,
        callback_manager: CallbackManager | None = None,
        verbose: bool = False,
    ) -> None:
        super().__init__(callback_manager=callback_manager, verbose=verbose)
        self.searcher = searcher
        self.options = options

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        result = self.searcher.search(query_bundle.query_str, self.options)
        return [hit_to_node(hit) for hit in result.hits]

    # Search is CPU/IO bound and synchronous: run it in a thread, not on the event loop.
    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return await asyncio.to_thread(self._retrieve, query_bundle)
