"""Unit tests of govrag.index.sparse on real statute text: what SudachiTokenizer emits (compounds plus
mode-A parts, normalised spellings, article numbers, stop words), that token ids are stable across
processes, threads, pickling and worker pools, that long texts get past Sudachi's input limit, the
BM25 term-frequency formula of Bm25Encoder, and one end-to-end BM25 ranking in qdrant-client's
in-memory local mode.

Statute sentences are copied verbatim from the e-Gov 2020 sample laws (../shared/data/egov/sample);
only the long-text test reads that bundle itself.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import pickle
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sudachipy import Dictionary, SplitMode

from govrag.index.sparse import STATUTE_STOP_WORDS, Bm25Encoder, SudachiTokenizer, token_id
from govrag.index.store.base import Leg, Point, Schema, SparseVector
from govrag.index.store.server import ServerStore
from govrag.sources.laws.egov_xml import parse_law

# 民法 第七百九条 (不法行為による損害賠償)
MINPO_709 = "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。"
# 民法 第七百十条 (財産以外の損害の賠償): the same words as 709, more often, but no 権利
MINPO_710 = (
    "他人の身体、自由若しくは名誉を侵害した場合又は他人の財産権を侵害した場合のいずれであるかを問わず、"
    "前条の規定により損害賠償の責任を負う者は、財産以外の損害に対しても、その賠償をしなければならない。"
)
# 民法 第四百十五条第一項 本文 (債務不履行による損害賠償)
MINPO_415 = (
    "債務者がその債務の本旨に従った履行をしないとき又は債務の履行が不能であるときは、"
    "債権者は、これによって生じた損害の賠償を請求することができる。"
)
# 個人情報の保護に関する法律 第二十三条第一項 柱書 (第三者提供の制限; 第二十七条 since the 2022 renumbering)
KOJIN_23 = "個人情報取扱事業者は、次に掲げる場合を除くほか、あらかじめ本人の同意を得ないで、個人データを第三者に提供してはならない。"
# 借地借家法 第三条 (借地権の存続期間)
SHAKUCHI_3 = "借地権の存続期間は、三十年とする。ただし、契約でこれより長い期間を定めたときは、その期間とする。"
# 日本国憲法 第十三条
KENPO_13 = (
    "すべて国民は、個人として尊重される。生命、自由及び幸福追求に対する国民の権利については、"
    "公共の福祉に反しない限り、立法その他の国政の上で、最大の尊重を必要とする。"
)

KOJIN_JOHO_HO = "平成15年/平成十五年法律第五十七号.xml"  # 個人情報の保護に関する法律 in the sample bundle
SUDACHI_MAX_BYTES = 49_149


@pytest.fixture(scope="module")
def tok() -> SudachiTokenizer:
    return SudachiTokenizer()


@pytest.fixture(scope="module")
def c_only() -> SudachiTokenizer:
    """Mode C without the mode-A sub-tokens: the control for the "search mode" claims."""
    return SudachiTokenizer(split_sub_tokens=False)


# ---- compounds: mode C token plus its mode-A parts ------------------------------------------------


def test_compound_gives_mode_c_token_then_its_mode_a_parts(tok: SudachiTokenizer) -> None:
    assert tok.tokens("個人情報取扱事業者") == ["個人情報", "個人", "情報", "取り扱い", "事業者", "事業"]
    assert tok.tokens("損害賠償") == ["損害賠償", "損害", "賠償"]
    assert tok.tokens("地方公共団体") == ["地方公共団体", "地方", "公共", "団体"]


def test_spelled_out_query_shares_the_parts_of_the_statute_compound(tok: SudachiTokenizer) -> None:
    statute = set(tok.tokens(KOJIN_23))
    query = set(tok.tokens("個人の情報を扱う事業者"))
    assert {"個人", "情報", "事業者"} <= statute & query
    # Only the chunk that uses the exact compound gets the compound token.
    assert "個人情報" in statute and "個人情報" not in query


@pytest.mark.parametrize(
    ("statute", "query", "shared"),
    [
        ("個人情報", "個人 情報", {"個人", "情報"}),
        ("損害賠償", "損害を賠償", {"損害", "賠償"}),
        ("地方公共団体", "公共団体", {"公共", "団体"}),
    ],
)
def test_compound_and_part_matching_table(
    tok: SudachiTokenizer, c_only: SudachiTokenizer, statute: str, query: str, shared: set[str]
) -> None:
    """The docstring's "mode C / C+A: no / yes" table."""
    assert set(c_only.tokens(statute)) & set(c_only.tokens(query)) == set()
    assert set(tok.tokens(statute)) & set(tok.tokens(query)) == shared


def test_damages_compound_in_710_meets_spelled_out_709(tok: SudachiTokenizer) -> None:
    t709, t710 = tok.tokens(MINPO_709), tok.tokens(MINPO_710)
    assert "損害賠償" in t710 and "損害賠償" not in t709  # 710 says 損害賠償, 709 says 損害を賠償する
    assert {"損害", "賠償"} <= set(t709) & set(t710)


# ---- normalised spellings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        (("引渡し", "引き渡し", "引渡"), ["引き渡し"]),
        (("目的物の引渡しを受けた", "目的物の引き渡しを受けた", "目的物の引渡を受けた"), ["目的物", "目的", "引き渡し", "受ける"]),
        (("取消し", "取り消し"), ["取り消し"]),
        (("契約の取消しをする", "契約の取り消しをする"), ["契約", "取り消し"]),
        (("行なう", "行う"), ["行う"]),
        (("事務を行なわなければならない", "事務を行わなければならない"), ["事務", "行う"]),
        (("ＡＢＣ", "abc", "ABC"), ["abc"]),
        (("１２３", "123"), ["123"]),
        (("ヶ月", "ケ月", "か月"), ["箇月"]),
        (("三ヶ月以内", "三ケ月以内", "三か月以内", "三箇月以内", "３ヶ月以内"), ["3", "箇月", "以内"]),
        (("申立て", "申し立て"), ["申し立て"]),
        (("異議の申立て", "異議の申し立て"), ["異議", "申し立て"]),
        (("手続", "手続き"), ["手続き"]),
    ],
)
def test_spelling_variants_give_the_same_tokens(
    tok: SudachiTokenizer, variants: tuple[str, ...], expected: list[str]
) -> None:
    assert {v: tok.tokens(v) for v in variants} == {v: expected for v in variants}


def test_conjugated_forms_reduce_to_the_lemma(tok: SudachiTokenizer) -> None:
    assert tok.tokens("行わ") == ["行う"]
    assert "生じる" in tok.tokens(MINPO_709)  # 生じた
    assert "負う" in tok.tokens(MINPO_709)  # 負う (終止形) stays
    assert "受ける" in tok.tokens("引渡しを受けた")


def test_out_of_vocabulary_words_stay_distinct(tok: SudachiTokenizer) -> None:
    """Unknown words share one Sudachi word id per POS, so they must not be cached by id."""
    assert tok.tokens("ｘｑｚｖｔとwkjhgを提供") == ["xqzvt", "wkjhg", "提供"]
    assert tok.tokens("wkjhg") == ["wkjhg"]


# ---- article numbers ------------------------------------------------------------------------------


def test_article_numbers_are_rewritten_to_arabic(tok: SudachiTokenizer) -> None:
    assert tok.tokens("第二十七条") == ["27"]
    assert tok.tokens("第十七条") == ["17"]
    assert tok.tokens("第七百九条") == ["709"]
    assert tok.tokens("第二十七条第一項第二号") == ["27", "1", "2"]
    assert tok.tokens("第一編\u3000総則") == ["1", "総則"]
    # The same tokens as the Arabic spelling a query might use.
    assert tok.tokens("民法第七百九条") == tok.tokens("民法第709条") == ["民法", "709"]


def test_no_bogus_place_name_from_article_numbers(tok: SudachiTokenizer) -> None:
    # Without 第 nothing is rewritten, and the dictionary's proper noun 十七条 shows what the rewrite avoids.
    assert tok.tokens("二十七条") == ["2", "十七条"]
    assert all("十七条" not in tok.tokens(s) for s in ("第二十七条", "第十七条", "第百十七条第二項"))


def test_ordinal_words_that_are_not_citations_keep_their_meaning(tok: SudachiTokenizer) -> None:
    """第三者 (third party) is a dictionary word, not an article number: it must not become a bare 3."""
    statute = tok.tokens(KOJIN_23)
    assert "第三者" in statute
    assert "第三者" in set(statute) & set(tok.tokens("第三者に提供する"))
    assert "第三者" not in tok.tokens("第三条")


# ---- stop words, punctuation, empty text -----------------------------------------------------------


def test_709_keeps_only_the_words_that_carry_meaning(tok: SudachiTokenizer) -> None:
    # 又は (接続詞), によって/は/を (助詞), した/される (助動詞 + 為る), 者/これ, 、。 are all gone.
    assert tok.tokens(MINPO_709) == [
        "故意", "過失", "他人", "権利", "法律上", "法律", "上", "保護", "利益", "侵害", "生じる", "損害", "賠償", "責任", "負う",
    ]


@pytest.mark.parametrize(
    "text",
    ["こと", "もの", "場合", "前項", "同条", "次に掲げる", "する", "ある", "できる", "前項の規定により", "前条の規定を準用する"],
)
def test_statute_drafting_words_produce_no_tokens(tok: SudachiTokenizer, text: str) -> None:
    assert tok.tokens(text) == []
    # Control: they are words Sudachi emits, dropped by STATUTE_STOP_WORDS.
    assert SudachiTokenizer(stop_words=()).tokens(text) != []


@pytest.mark.parametrize("text", ["及び", "又は", "若しくは", "並びに", "その", "この", "当該"])
def test_conjunctions_and_determiners_produce_no_tokens(tok: SudachiTokenizer, text: str) -> None:
    assert tok.tokens(text) == []


def test_stop_word_list_is_in_normalised_form(tok: SudachiTokenizer) -> None:
    # する/ある/できる/もの normalise to 為る/有る/出来る/物, which is what the list holds.
    assert {"為る", "有る", "出来る", "物", "こと", "場合", "前項"} <= STATUTE_STOP_WORDS
    assert SudachiTokenizer(stop_words=()).tokens("することができる") == ["為る", "こと", "出来る"]


def test_punctuation_produces_no_tokens_even_without_stop_lists() -> None:
    bare = SudachiTokenizer(stop_pos=(), stop_words=())
    assert bare.tokens("、。›・（）「」") == []  # no letter or digit
    assert "、" not in bare.tokens(MINPO_709) and "。" not in bare.tokens(MINPO_709)
    assert "は" in bare.tokens(MINPO_709)  # control: without stop_pos the particles come back


def test_heading_separators_produce_no_tokens(tok: SudachiTokenizer) -> None:
    assert tok.tokens("第一編›第二章・第三節") == ["1", "2", "3"]


@pytest.mark.parametrize("text", ["", " ", "\u3000", "\n\t \u3000\n"])
def test_empty_or_blank_text_gives_nothing(tok: SudachiTokenizer, text: str) -> None:
    assert tok.tokens(text) == [] and tok.token_ids(text) == []
    assert Bm25Encoder(tokenizer=tok).encode_document(text) == SparseVector((), ())
    assert Bm25Encoder(tokenizer=tok).encode_query(text) == SparseVector((), ())


# ---- token ids ------------------------------------------------------------------------------------


def test_token_id_is_a_fixed_32_bit_blake2b_hash(tok: SudachiTokenizer) -> None:
    # Pinned: changing the hash silently invalidates every sparse index already built.
    assert token_id("損害") == 0x4CA25AE0
    assert token_id("個人情報") == 0xE0BE8037
    assert token_id("27") == 0xF73B7A9B
    ids = tok.token_ids(MINPO_709)
    assert ids == [token_id(t) for t in tok.tokens(MINPO_709)]
    assert all(0 <= i < 2**32 for i in ids)


def test_token_ids_are_the_same_in_another_process(tok: SudachiTokenizer) -> None:
    code = (
        "import json, sys\n"
        "from govrag.index.sparse import SudachiTokenizer, token_id\n"
        "text = sys.stdin.read()\n"
        "print(json.dumps([SudachiTokenizer().token_ids(text), token_id('損害賠償')]))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=MINPO_709 + KOJIN_23, capture_output=True, text=True, env=env, timeout=60, check=True,
    )
    ids, tid = json.loads(done.stdout)
    assert ids == tok.token_ids(MINPO_709 + KOJIN_23)
    assert tid == token_id("損害賠償")


def test_threads_get_the_same_ids(tok: SudachiTokenizer) -> None:
    texts = [MINPO_709, MINPO_710, KOJIN_23, SHAKUCHI_3, KENPO_13] * 4
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(tok.token_ids, texts))
    assert got == [tok.token_ids(t) for t in texts]


def test_pickled_tokenizer_keeps_its_settings_and_ids(tok: SudachiTokenizer) -> None:
    custom = SudachiTokenizer(split_sub_tokens=False, stop_words=())
    for t in (tok, custom):
        t.tokens(MINPO_709)  # used first: its per-process Sudachi state must not travel
        copy = pickle.loads(pickle.dumps(t))
        assert (copy.split_sub_tokens, copy.stop_words, copy.stop_pos) == (t.split_sub_tokens, t.stop_words, t.stop_pos)
        assert copy.token_ids(MINPO_710) == t.token_ids(MINPO_710)
    assert custom.tokens("損害賠償の責任を負う者") == ["損害賠償", "責任", "負う", "者"]
    assert tok.tokens("損害賠償の責任を負う者") == ["損害賠償", "損害", "賠償", "責任", "負う"]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_worker_pool_gives_the_same_ids(tok: SudachiTokenizer, method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    custom = SudachiTokenizer(split_sub_tokens=False)
    texts = [MINPO_709, KOJIN_23, SHAKUCHI_3]
    expected = [[t.token_ids(x) for x in texts] for t in (tok, custom)]  # parent state exists before forking
    with multiprocessing.get_context(method).Pool(1) as pool:
        got = [pool.map(t.token_ids, texts) for t in (tok, custom)]
        child_pid = pool.apply(os.getpid)
    assert child_pid != os.getpid()
    assert got == expected
    assert expected[0] != expected[1]  # the two settings really differ, so the settings travelled


# ---- long text --------------------------------------------------------------------------------------


def _too_long_for_sudachi(text: str) -> bool:
    try:
        Dictionary(dict="core").tokenizer(mode=SplitMode.C).tokenize(text)
    except Exception:
        return True
    return False


def test_long_single_line_is_cut_at_sentence_ends(tok: SudachiTokenizer) -> None:
    text = MINPO_709 * 400  # one line, 68,400 bytes
    assert len(text.encode("utf-8")) > SUDACHI_MAX_BYTES and _too_long_for_sudachi(text)
    assert tok.tokens(text) == tok.tokens(MINPO_709) * 400


def test_long_text_without_sentence_ends_is_cut_anywhere(tok: SudachiTokenizer) -> None:
    clause = MINPO_709.replace("。", "、")
    text = clause * 400  # one 22,800-character sentence: cut by length, possibly inside a word
    assert len(text.encode("utf-8")) > SUDACHI_MAX_BYTES and _too_long_for_sudachi(text)
    n = len(tok.tokens(text))
    cuts = math.ceil(len(text.encode("utf-8")) / 45_000)
    assert abs(n - 400 * len(tok.tokens(clause))) <= 2 * cuts


def test_long_real_law_equals_the_sum_of_its_lines(tok: SudachiTokenizer, egov_sample: Path) -> None:
    law = parse_law((egov_sample / KOJIN_JOHO_HO).read_bytes())
    text = "\n".join(u.text for u in law.units)
    assert len(text.encode("utf-8")) > SUDACHI_MAX_BYTES and _too_long_for_sudachi(text)
    tokens = tok.tokens(text)
    assert len(tokens) == sum(len(tok.tokens(line)) for line in text.splitlines())


# ---- Bm25Encoder ------------------------------------------------------------------------------------


def _by_id(vec: SparseVector) -> dict[int, float]:
    return dict(zip(vec.indices, vec.values, strict=True))


def test_document_values_follow_the_bm25_tf_formula(tok: SudachiTokenizer) -> None:
    k1, b, avg = 1.2, 0.75, 10.0
    enc = Bm25Encoder(k1=k1, b=b, avg_len=avg, tokenizer=tok)
    tokens = tok.tokens(MINPO_710)
    dl, tf = len(tokens), Counter(tokens)
    # Sub-tokens count in dl and tf: one 損害 is the mode-A part of 損害賠償, the other stands alone.
    assert dl == 21 and tf["他人"] == 2 and tf["損害"] == 2 and tf["損害賠償"] == 1 and tf["身体"] == 1
    expected = {
        token_id(t): n * (k1 + 1) / (n + k1 * (1 - b + b * dl / avg)) for t, n in tf.items()
    }
    assert _by_id(enc.encode_document(MINPO_710)) == pytest.approx(expected, rel=1e-12)
    # The same numbers worked out by hand: norm = 1.2 · (0.25 + 0.75 · 2.1) = 2.19.
    got = _by_id(enc.encode_document(MINPO_710))
    assert got[token_id("損害")] == pytest.approx(2 * 2.2 / 4.19)
    assert got[token_id("他人")] == pytest.approx(2 * 2.2 / 4.19)
    assert got[token_id("身体")] == pytest.approx(2.2 / 3.19)


def test_average_length_document_with_single_terms_gets_weight_one(tok: SudachiTokenizer) -> None:
    dl = len(tok.tokens(MINPO_709))
    assert dl == 15 and len(set(tok.tokens(MINPO_709))) == dl
    vec = Bm25Encoder(avg_len=dl, tokenizer=tok).encode_document(MINPO_709)
    assert vec.values == pytest.approx([1.0] * dl)


def test_document_indices_are_sorted_and_unique(tok: SudachiTokenizer) -> None:
    vec = Bm25Encoder(tokenizer=tok).encode_document(MINPO_710 + KOJIN_23)
    assert list(vec.indices) == sorted(set(vec.indices)) and len(vec.values) == len(vec.indices)
    assert set(vec.indices) == set(tok.token_ids(MINPO_710 + KOJIN_23))
    assert len(vec.indices) < len(tok.token_ids(MINPO_710 + KOJIN_23))  # there were duplicates to merge


def test_longer_document_with_the_same_tf_weighs_less_unless_b_is_zero(tok: SudachiTokenizer) -> None:
    short, long = MINPO_709, MINPO_709 + SHAKUCHI_3
    kept = token_id("故意")
    assert Counter(tok.token_ids(short))[kept] == Counter(tok.token_ids(long))[kept] == 1
    enc = Bm25Encoder(b=0.75, avg_len=20.0, tokenizer=tok)
    assert _by_id(enc.encode_document(long))[kept] < _by_id(enc.encode_document(short))[kept]
    flat = Bm25Encoder(b=0.0, avg_len=20.0, tokenizer=tok)
    assert _by_id(flat.encode_document(long))[kept] == _by_id(flat.encode_document(short))[kept]


def test_b_zero_makes_average_length_irrelevant(tok: SudachiTokenizer) -> None:
    a = Bm25Encoder(b=0.0, avg_len=1.0, tokenizer=tok).encode_document(MINPO_710)
    z = Bm25Encoder(b=0.0, avg_len=1000.0, tokenizer=tok).encode_document(MINPO_710)
    assert a == z
    assert Bm25Encoder(b=0.75, avg_len=1.0, tokenizer=tok).encode_document(MINPO_710) != a


def test_k1_zero_is_binary(tok: SudachiTokenizer) -> None:
    vec = Bm25Encoder(k1=0.0, tokenizer=tok).encode_document(MINPO_710)
    assert vec.values == pytest.approx([1.0] * len(vec.indices))


def test_query_is_one_per_distinct_token(tok: SudachiTokenizer) -> None:
    query = "損害賠償の責任を負い、損害を賠償する"
    ids = tok.token_ids(query)
    assert len(ids) > len(set(ids))
    vec = Bm25Encoder(avg_len=3.0, tokenizer=tok).encode_query(query)
    assert vec.indices == tuple(sorted(set(ids)))
    assert vec.values == (1.0,) * len(set(ids))


@pytest.mark.parametrize(
    "params",
    [{"k1": -0.1}, {"b": 1.01}, {"b": -0.01}, {"avg_len": 0.0}, {"avg_len": -3.0}],
)
def test_bad_parameters_are_rejected(params: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="bad BM25 parameters"):
        Bm25Encoder(**params)  # type: ignore[arg-type]


def test_boundary_parameters_are_accepted(tok: SudachiTokenizer) -> None:
    for params in ({"k1": 0.0}, {"b": 0.0}, {"b": 1.0}, {"avg_len": 0.5}):
        enc = Bm25Encoder(tokenizer=tok, **params)  # type: ignore[arg-type]
        assert enc.encode_document(MINPO_709).indices


def test_estimate_avg_len(tok: SudachiTokenizer) -> None:
    enc = Bm25Encoder(tokenizer=tok)
    assert enc.estimate_avg_len([]) == 1.0
    assert enc.estimate_avg_len(["", "、。"]) == 1.0
    texts = [MINPO_709, MINPO_710, SHAKUCHI_3]
    assert enc.estimate_avg_len(iter(texts)) == pytest.approx(sum(len(tok.tokens(t)) for t in texts) / 3)
    assert enc.estimate_avg_len([MINPO_709, ""]) == 7.5  # empty texts count as documents of length 0


# ---- end to end: BM25 ranking in Qdrant (local mode) -----------------------------------------------

PROVISIONS = {
    "民法709": MINPO_709,
    "民法710": MINPO_710,
    "民法415": MINPO_415,
    "個人情報保護法23": KOJIN_23,
    "借地借家法3": SHAKUCHI_3,
    "憲法13": KENPO_13,
}


@pytest.fixture(scope="module")
def ranked(tok: SudachiTokenizer) -> Iterator[tuple[ServerStore, Bm25Encoder]]:
    enc = Bm25Encoder(avg_len=Bm25Encoder(tokenizer=tok).estimate_avg_len(PROVISIONS.values()), tokenizer=tok)
    store = ServerStore(location=":memory:")
    store.ensure_schema(Schema(sparse=("bm25",)))
    store.upsert([
        Point(id=str(uuid.UUID(int=n + 1)), payload={"source": "law", "provision": name},
              sparse={"bm25": enc.encode_document(text)})
        for n, (name, text) in enumerate(PROVISIONS.items())
    ])
    yield store, enc
    store.close()


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("他人の権利を侵害して損害を与えた責任", "民法709"),  # 710 shares more tokens (and more often) but lacks 権利
        ("個人の情報を扱う事業者", "個人情報保護法23"),  # only through the mode-A parts of 個人情報取扱事業者
        ("借地権の存続期間は何年か", "借地借家法3"),
        ("債務の不履行による損害の賠償請求", "民法415"),
    ],
)
def test_bm25_ranks_the_right_provision_first(ranked: tuple[ServerStore, Bm25Encoder], query: str, first: str) -> None:
    store, enc = ranked
    hits = store.query([Leg("bm25", enc.encode_query(query), limit=6)], limit=6)
    order = [h.payload["provision"] for h in hits]
    assert order[0] == first, order
    assert hits[0].score > hits[1].score


def test_709_beats_710_by_the_idf_of_rights(ranked: tuple[ServerStore, Bm25Encoder]) -> None:
    store, enc = ranked
    hits = store.query([Leg("bm25", enc.encode_query("他人の権利を侵害して損害を与えた責任"), limit=6)], limit=6)
    assert [h.payload["provision"] for h in hits[:2]] == ["民法709", "民法710"]
    # Without 権利 in the query, 710 (他人 and 侵害 twice, 損害 three times) wins.
    hits = store.query([Leg("bm25", enc.encode_query("他人を侵害して損害を与えた責任"), limit=6)], limit=6)
    assert hits[0].payload["provision"] == "民法710"
