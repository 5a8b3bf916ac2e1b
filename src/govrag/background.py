"""A served index that grows its dense layers in the background (`govrag serve --build-outlines ...`).

The builder is a process of its own (index/layers.py `embed_layers`: niced, it only fills the
embedding cache and writes its progress to data_dir/layers.json); a thread here reads that progress
and, as each layer is embedded, has the service write it into the index it owns and search with it.
Until then the service answers with what it has (BM25 and the everyday-words levers), and
`/healthz` and the UI say how far the build is.
"""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

from govrag.config import Settings
from govrag.index.docstore import DocStore
from govrag.index.indexer import META_FILE, IndexMeta
from govrag.index.layers import LAYERS_FILE, BuildProgress, Layer, LayerPlan, embed_layers, resolve_laws
from govrag.service import Service

POLL_S = 1.0


def layer_plan(settings: Settings, docstore: DocStore) -> LayerPlan | None:
    """What the settings ask to build in the background (`build_outlines`, `build_dense_laws`); None if nothing.
    A `ValueError` says why it cannot be built: `govrag serve` calls this before it starts, so the user reads
    why at once instead of in the server's log."""
    if not settings.build_outlines and not settings.build_dense_laws:
        return None
    if settings.search_workers > 1:
        raise ValueError("--build-* needs the single-process server (the search processes read copies of the index "
                         "made at start): build the layers first, or serve without --workers")
    meta = IndexMeta.load(settings.index_dir / META_FILE)
    if meta is not None and meta.dense_model is None:
        raise ValueError("the index has no dense model: rebuild it with an embedder (`govrag index build --rebuild`)")
    try:
        dense = resolve_laws(docstore, settings.build_dense_laws) if settings.build_dense_laws else []
    except KeyError as exc:
        raise ValueError(exc.args[0]) from exc
    return LayerPlan(dense_doc_ids=tuple(dense), outlines=settings.build_outlines)


def start_builder(service: Service) -> LayerBuilder | None:
    """The builder the settings ask for, started; None if they ask for none (`layer_plan`)."""
    plan = layer_plan(service.settings, service.docstore)
    return LayerBuilder(service, plan).start() if plan is not None else None


class LayerBuilder:
    """Builds `plan` for `service` in the background; `status()` is what /healthz shows."""

    def __init__(self, service: Service, plan: LayerPlan, *, poll_s: float = POLL_S) -> None:
        self.service = service
        self.plan = plan
        self.path = service.settings.data_dir / LAYERS_FILE
        self.poll_s = poll_s
        self.written: set[Layer] = set()
        self.error: str | None = None
        self._stop = threading.Event()
        self._process: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> LayerBuilder:
        self.path.unlink(missing_ok=True)  # a file from an earlier run says nothing about this one
        settings = self.service.settings
        self._process = multiprocessing.get_context("spawn").Process(
            target=embed_layers, name="govrag-layers", daemon=True,
            args=(settings.chunk_db, settings.embedding_cache, settings.embedder, self.plan, self.path),
        )
        self._process.start()
        self._thread = threading.Thread(target=self._watch, name="govrag-layers-watch", daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.is_set():
            alive = self._process.is_alive()
            progress = BuildProgress.load(self.path)
            ready = [name for name in self.plan.layers if name not in self.written and progress is not None
                     and (layer := progress.layers.get(name)) is not None and layer.state == "embedded"]
            if ready:
                try:
                    self.service.write_layers(self.plan, ready)
                except Exception as exc:  # reported in /healthz; the service goes on with what it had
                    self.error = f"writing {', '.join(ready)}: {type(exc).__name__}: {exc}"
                    return
                self.written.update(ready)
            if len(self.written) == len(self.plan.layers):
                return
            if not alive:  # it ended without embedding everything: its progress file says why
                self.error = (progress.error if progress and progress.error else
                              f"the builder process exited with code {self._process.exitcode}")
                return
            self._stop.wait(self.poll_s)

    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the build to end (every layer written, or an error); True once it has."""
        assert self._thread is not None, "not started"
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def status(self) -> dict[str, object]:
        """Each layer's coverage (texts embedded of total), its state and whether searches use it."""
        progress = BuildProgress.load(self.path)
        used = self.service.layers_in_use()
        layers: dict[str, object] = {}
        for name in self.plan.layers:
            layer = progress.layers.get(name) if progress else None
            state = "written" if name in self.written else (layer.state if layer else "waiting")
            if self.error and state not in ("written", "embedded"):
                state = "failed"  # a builder killed mid-layer never wrote that
            layers[name] = {"done": layer.done if layer else 0, "total": layer.total if layer else None,
                            "state": state, "used": used[name]}
        return {"building": not self.done(), "layers": layers, "error": self.error, "pid": self._process.pid,
                "model": progress.model if progress else None, "device": progress.device if progress else None}

    def stop(self) -> None:
        """End the builder (what it embedded stays in the cache: the next start resumes there)."""
        self._stop.set()
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join(10)
        if self._thread is not None:
            self._thread.join(30)
