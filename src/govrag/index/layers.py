"""The dense layers a service builds in the background while it already serves.

Embedding is what costs: on 2 cores about an hour for every law's outline windows (the router) and
half an hour for a dense subset of laws; writing vectors that are already in the embedding cache takes
seconds. So `embed_layers` runs in a process of its own, at a lower CPU priority than the searches
beside it, and only fills the embedding cache, writing its progress to `data_dir/layers.json`; the
serving process, which owns the embedded index, then writes each layer from the cache
(`Service.write_layers`) and starts using it. The cache is keyed by content hash, so an interrupted
build resumes where it stopped, and `govrag index build` with the same layers later embeds nothing.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from govrag.index.descriptors import descriptor_stage, law_descriptors
from govrag.index.docstore import DocStore, DocumentRecord
from govrag.index.embed import EmbeddingCache, embed_with_cache, make_embedder
from govrag.index.indexer import dense_stage

LAYERS_FILE = "layers.json"
NICE = 10  # the builder's niceness: the searches beside it keep the cores they need

Layer = Literal["dense", "outlines"]
State = Literal["waiting", "embedding", "embedded", "failed"]


@dataclass(frozen=True, slots=True)
class LayerPlan:
    """What to build: dense vectors for the chunks of `dense_doc_ids`, and the outline router."""

    dense_doc_ids: tuple[str, ...] = ()
    outlines: bool = False

    @property
    def layers(self) -> list[Layer]:
        """In build order: the dense subset first (half the time, and the larger gain on lawqa_jp)."""
        return [*(["dense"] if self.dense_doc_ids else []), *(["outlines"] if self.outlines else [])]  # type: ignore[list-item]


@dataclass(slots=True)
class LayerProgress:
    """One layer's texts embedded (or found in the cache) so far, of `total`."""

    done: int = 0
    total: int = 0
    state: State = "waiting"


@dataclass(slots=True)
class BuildProgress:
    """What the builder process writes to `layers.json` (and `/healthz` shows)."""

    pid: int
    model: str
    device: str = "cpu"  # where the embedder runs: a GPU when a sentence-transformers model sees one
    layers: dict[str, LayerProgress] = field(default_factory=dict)
    error: str | None = None

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)  # readers never see half a file

    @classmethod
    def load(cls, path: Path) -> BuildProgress | None:
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        layers = {name: LayerProgress(**value) for name, value in raw.get("layers", {}).items()}
        return cls(pid=raw["pid"], model=raw["model"], device=raw.get("device", "cpu"), layers=layers,
                   error=raw.get("error"))


def resolve_laws(docstore: DocStore, wanted: list[str]) -> list[str]:
    """LawIds or titles → document ids; 'all' means every law. An unknown name is a `KeyError` that
    names the missing ones, not a silent skip."""
    docs = list(docstore.documents("law"))
    if wanted == ["all"]:
        return [d.doc_id for d in docs]
    by_key = {d.doc_id: d.doc_id for d in docs} | {d.title: d.doc_id for d in docs}
    if missing := [w for w in wanted if w not in by_key]:
        raise KeyError(f"not in the store: {', '.join(missing[:10])}" + (" …" if len(missing) > 10 else ""))
    return [by_key[w] for w in wanted]


@dataclass(frozen=True, slots=True)
class LayerTexts:
    """A layer's (content hash, text) pairs still to embed, and how many its documents already hold."""

    pending: list[tuple[str, str]]
    done: int


def layer_texts(docstore: DocStore, plan: LayerPlan, model_id: str) -> dict[Layer, LayerTexts]:
    """What each planned layer embeds: the same texts `build_dense` and `build_descriptors` take, so their
    cache lookups all hit once these are embedded. A document its stage already holds counts as done
    (a restart, or a layer built before) and is not embedded again, even with the cache gone."""
    out: dict[Layer, LayerTexts] = {}
    if plan.dense_doc_ids:
        wanted = set(plan.dense_doc_ids)
        docs = [d for d in docstore.documents() if d.doc_id in wanted]
        out["dense"] = _split(docstore, dense_stage(model_id), docs, lambda d: [
            (c.hash, c.text) for c in docstore.chunks_of(d.source, d.doc_id, d.version)])
    if plan.outlines:
        out["outlines"] = _split(docstore, descriptor_stage(model_id), docstore.documents("law"), lambda d: [
            (w.hash, w.text) for w in law_descriptors(docstore, d)])
    return out


def _split(docstore: DocStore, stage: str, docs: Iterable[DocumentRecord],
           texts: Callable[[DocumentRecord], list[tuple[str, str]]]) -> LayerTexts:
    indexed = docstore.indexed(stage)
    pending: list[tuple[str, str]] = []
    done = 0
    for doc in docs:
        items = texts(doc)
        if doc.index_key in indexed:
            done += len(items)
        else:
            pending += items
    return LayerTexts(pending, done)


def embed_layers(chunk_db: Path, cache_path: Path, embedder_spec: str, plan: LayerPlan, progress_path: Path,
                 *, nice: int = NICE, every_s: float = 1.0) -> None:
    """Embed every planned layer's texts into the cache, writing progress to `progress_path` (at most
    every `every_s` seconds, and at each layer's end). Meant for a process of its own: it lowers its
    own CPU priority by `nice`. A failure is written to the progress file before it is raised."""
    if nice:
        os.nice(nice)
    progress = BuildProgress(pid=os.getpid(), model=embedder_spec)
    try:
        embedder = make_embedder(embedder_spec)
        progress.model = embedder.model_id
        with DocStore(chunk_db) as docstore, EmbeddingCache(cache_path) as cache:
            work = layer_texts(docstore, plan, embedder.model_id)
            progress.layers = {name: LayerProgress(done=texts.done, total=texts.done + len(texts.pending))
                               for name, texts in work.items()}
            progress.save(progress_path)
            for name, texts in work.items():
                layer = progress.layers[name]
                layer.state = "embedding"
                progress.save(progress_path)
                embed_with_cache(embedder, cache, texts.pending,
                                 on_batch=_throttled(layer, progress, progress_path, every_s))
                progress.device = str(getattr(embedder, "device", None) or "cpu")  # known once the model loaded
                layer.state = "embedded"
                progress.save(progress_path)
    except BaseException as exc:
        for layer in progress.layers.values():
            if layer.state != "embedded":
                layer.state = "failed"
        progress.error = f"{type(exc).__name__}: {exc}" if str(exc) else traceback.format_exc(limit=1).strip()
        progress.save(progress_path)
        raise


def _throttled(layer: LayerProgress, progress: BuildProgress, path: Path, every_s: float) -> Callable[[int], None]:
    last = [0.0]

    def on_batch(n: int) -> None:
        layer.done += n
        if time.monotonic() - last[0] >= every_s:
            last[0] = time.monotonic()
            progress.save(path)

    return on_batch
