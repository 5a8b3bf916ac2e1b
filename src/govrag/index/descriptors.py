"""Law descriptors: a cheap dense layer that covers every article of every law.

Embedding the full text of 570k chunks costs ~35 CPU-hours here, but what BM25
misses on paraphrased questions is mostly *which law* to look in. A law's
title, its 編・章・節 titles and its 条見出し (「不法行為による損害賠償」) say
what it is about in a few hundred characters. Each law becomes one or more
windows of that outline (title repeated in every window), ~40× fewer tokens
than the full text; their vectors route a question to candidate laws, and
BM25 then ranks articles inside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govrag.index.docstore import DocStore, DocumentRecord
from govrag.index.embed import EmbeddingCache, Embedder, embed_with_cache
from govrag.index.indexer import ARTICLE, DENSE, IndexReport, article_stage, pending_steps
from govrag.index.integrity import Problem
from govrag.index.store.base import Filters, Point, Schema, VectorStore
from govrag.models import Chunk, chunk_id, content_hash

WINDOW_CHARS = 400
#: Laws embedded and upserted per step; a crash loses at most one step (the cache keeps its vectors).
LAWS_PER_STEP = 200
#: Bound for clearing windows a re-indexed law no longer has (the largest law in the 2020 archive has far fewer).
MAX_WINDOWS = 512


@dataclass(frozen=True, slots=True)
class Descriptor:
    id: str
    doc_id: str
    version: str
    law_title: str
    law_type: str
    window: int
    text: str
    hash: str


def law_descriptors(store: DocStore, doc: DocumentRecord, window_chars: int = WINDOW_CHARS) -> list[Descriptor]:
    """The outline of one law, cut into windows that each start with the law's title."""
    head = doc.title
    parts = list(_outline(store, doc))
    windows: list[str] = []
    current = ""
    for part in parts:
        if current and len(head) + len(current) + len(part) + 1 > window_chars:
            windows.append(current)
            current = ""
        current = f"{current}、{part}" if current else part
    if current or not windows:
        windows.append(current)
    return [
        Descriptor(
            id=chunk_id("descriptor", doc.doc_id, "any", f"w{i}"),
            doc_id=doc.doc_id,
            version=doc.version,
            law_title=doc.title,
            law_type=str(doc.meta.get("law_type", "")),
            window=i,
            text=f"{head}：{text}" if text else head,
            hash=content_hash(f"{head}：{text}" if text else head),
        )
        for i, text in enumerate(windows)
    ]


def _outline(store: DocStore, doc: DocumentRecord) -> Iterator[str]:
    """Division titles as they change, then each 本則 article's caption (or its first words)."""
    path: tuple[str, ...] = ()
    for chunk in store.chunks_of(doc.source, doc.doc_id, doc.version):
        attrs = chunk.attrs
        if attrs.get("provision") != "本則" or attrs.get("part") != 1:
            continue
        chunk_path = tuple(chunk.heading.split(" › ")[1:-1])
        for title in chunk_path:
            if title not in path:
                yield title.replace("\u3000", " ")
        path = chunk_path
        caption = str(attrs.get("article_caption") or "").strip("（）()")
        yield caption or chunk.body[:24].split("\n")[0]


#: An article descriptor's length cap: about 64 e5 tokens of Japanese statute text.
ARTICLE_CHARS = 96


def is_deleted(chunk: Chunk) -> bool:
    """An article repealed in place (「第十七条　削除」): nothing to find it by, and 8,213 of them."""
    return chunk.body.strip() == "削除"


def article_descriptors(store: DocStore, doc: DocumentRecord) -> list[Descriptor]:
    """One short text per 本則 article (not a deleted one): law title, nearest division, 条 and 条見出し, first sentence.

    The per-article layer the outline windows lead to (docs/retrieval.md): cheap enough to
    embed for all ~216k live 本則 articles in a background build, precise enough to rank articles.
    """
    out = []
    for chunk in store.chunks_of(doc.source, doc.doc_id, doc.version):
        if chunk.attrs.get("provision") != "本則" or chunk.attrs.get("part") != 1 or is_deleted(chunk):
            continue
        path = chunk.heading.replace("\u3000", " ").split(" › ")
        division = f" {path[-2]}" if len(path) > 2 else ""  # the nearest 章・節 title; the rest of the path is noise here
        first = chunk.body.split("\n", 1)[0].split("。", 1)[0]
        text = f"{path[0]}{division} {path[-1]}：{first}"[:ARTICLE_CHARS]
        out.append(Descriptor(
            id=chunk.id,  # the article's first chunk carries its descriptor vector
            doc_id=doc.doc_id, version=doc.version, law_title=doc.title, law_type=str(doc.meta.get("law_type", "")),
            window=chunk.seq, text=text, hash=content_hash(text),
        ))
    return out


def descriptor_stage(model_id: str) -> str:
    return f"descriptors:{model_id}"


def descriptor_schema(dim: int) -> Schema:
    return Schema(dense={DENSE: dim}, sparse=())


def descriptor_payload(d: Descriptor, doc: DocumentRecord) -> dict[str, Any]:
    """The fields query filters use (source, doc_id, law_id, law_type), so routing honours them too."""
    return {
        "source": doc.source, "doc_id": d.doc_id, "law_id": doc.meta.get("law_id"), "law_type": d.law_type,
        "law_title": d.law_title, "window": d.window,
    }


def build_descriptors(
    docstore: DocStore,
    store: VectorStore,
    embedder: Embedder,
    cache: EmbeddingCache,
    *,
    batch_size: int = 32,
    on_batch: Callable[[int], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    optimize: bool = True,
) -> IndexReport:
    """Embed every law's outline windows into `store` (resumable per law, vectors cached by content hash);
    `optimize=False` leaves the store's indexing to a later flush (a serving process: see EdgeStore.flush)."""
    store.ensure_schema(descriptor_schema(embedder.dim))
    stage = descriptor_stage(embedder.model_id)
    seen_before = {doc_id for _, doc_id, _, _ in docstore.indexed(stage)}
    report = IndexReport()
    report.deleted = _delete_superseded(docstore, store, stage)
    for step in pending_steps(docstore, stage, docstore.documents("law"), LAWS_PER_STEP, report):
        pairs = [(doc, d) for doc in step for d in law_descriptors(docstore, doc)]
        if on_plan:
            on_plan(len(pairs))
        vectors = embed_with_cache(
            embedder, cache, [(d.hash, d.text) for _, d in pairs], batch_size=batch_size, on_batch=on_batch
        )
        store.upsert([
            Point(d.id, descriptor_payload(d, doc), dense={DENSE: v.tolist()}) for (doc, d), v in zip(pairs, vectors)
        ])
        store.delete(_stale_windows([d for d in step if d.doc_id in seen_before], pairs))
        report.points += len(pairs)
    store.flush(optimize=optimize)
    return report


def _outlined_laws(docstore: DocStore, model_id: str) -> list[DocumentRecord]:
    done = docstore.indexed(descriptor_stage(model_id))
    return [d for d in docstore.documents("law") if d.index_key in done]


def verify_descriptors(docstore: DocStore, store: VectorStore, model_id: str, where: Path | str) -> list[Problem]:
    """Every law the build outlined has at least one window in the store."""
    laws, have = _outlined_laws(docstore, model_id), store.count()
    if have >= len(laws):
        return []
    return [Problem("descriptors", str(where), f"holds {have:,} windows for {len(laws):,} laws (at least one each)",
                    "`govrag index build` (re-embeds from the cache)")]


def repair_descriptors(docstore: DocStore, store: VectorStore, model_id: str) -> list[str]:
    """Laws marked done whose outline windows the store lost (a cut or damaged shard): forget their
    marks so the next `build_descriptors` embeds them again (from the cache). One count per law,
    only when there are fewer windows than laws."""
    stage = descriptor_stage(model_id)
    laws = _outlined_laws(docstore, model_id)
    if store.count() >= len(laws):
        return []
    lost = [d for d in laws if store.count(Filters(doc_id=(d.doc_id,))) == 0]
    for doc in lost:
        docstore.forget_indexed(doc, (stage,))
    return [d.doc_id for d in lost]


def _delete_superseded(docstore: DocStore, store: VectorStore, stage: str) -> int:
    """Windows of laws the store no longer holds under that id (their LawId became known): deleted."""
    orphans = docstore.orphans(stage)
    live = {d.doc_id for d in docstore.documents("law")}
    ids = [chunk_id("descriptor", doc_id, "any", f"w{i}") for _, doc_id, _ in orphans if doc_id not in live
           for i in range(MAX_WINDOWS)]
    store.delete(ids)
    docstore.forget_orphans(stage, orphans)
    return len(ids)


def _stale_windows(docs: Sequence[DocumentRecord], pairs: Sequence[tuple[DocumentRecord, Descriptor]]) -> list[str]:
    """Ids of windows a law no longer has (its new outline is shorter than an earlier version's)."""
    count: dict[str, int] = {}
    for doc, _ in pairs:
        count[doc.doc_id] = count.get(doc.doc_id, 0) + 1
    return [chunk_id("descriptor", doc.doc_id, "any", f"w{i}") for doc in docs for i in range(count.get(doc.doc_id, 0), MAX_WINDOWS)]


def article_coverage(docstore: DocStore, model_id: str) -> tuple[int, int]:
    """(laws whose articles have descriptor vectors, laws in the store).

    A partial layer would favour the laws it covers, so search uses it only when complete.
    """
    done = docstore.indexed(article_stage(model_id))
    laws = [d.index_key for d in docstore.documents("law")]
    return sum(1 for key in laws if key in done), len(laws)


def build_articles(
    docstore: DocStore,
    store: VectorStore,
    embedder: Embedder,
    cache: EmbeddingCache,
    *,
    batch_size: int = 32,
    on_batch: Callable[[int], None] | None = None,
) -> IndexReport:
    """Give every 本則 article's first chunk its descriptor vector (resumable per law, cached).

    About 216k articles for the 2020 archive: hours on 2 CPU cores, so it is opt-in
    (`govrag index build --articles`) and meant to run in the background; the search uses
    the vectors once every law has them (`article_coverage`).
    """
    report = IndexReport()
    for step in pending_steps(docstore, article_stage(embedder.model_id), docstore.documents("law"), LAWS_PER_STEP, report):
        descs = [d for doc in step for d in article_descriptors(docstore, doc)]
        vectors = embed_with_cache(embedder, cache, [(d.hash, d.text) for d in descs], batch_size=batch_size,
                                   on_batch=on_batch)
        store.update_vectors([(d.id, {ARTICLE: v.tolist()}) for d, v in zip(descs, vectors)])
        report.points += len(descs)
    store.flush()
    return report
