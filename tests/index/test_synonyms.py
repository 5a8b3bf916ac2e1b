"""Query expansion from the Sudachi synonym dictionary and the everyday-words lexicon."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from govrag.index import everyday, synonyms
from govrag.index.sparse import Bm25Encoder, token_id
from govrag.index.synonyms import Member, Synonyms, compile_source, parse_source

# Real lines of the dictionary source (groups 000008 and 000127 of its format document, and 001293).
LINES = """\
000008,1,0,1,0,0,0,(),支払い,,
000008,1,0,1,0,0,2,(),支払,,
000008,2,0,2,0,0,0,(),支払う,,
000008,1,1,3,0,0,0,(),勘定,,
000127,1,0,1,0,0,0,(医療),インフルエンザ,,
000127,1,0,1,0,0,1,(医療),influenza,,
000127,1,0,1,0,2,0,(医療),インフル,,
000127,1,2,2,0,0,0,(医療),流感,,
""".splitlines()


def test_the_source_flags_decide_what_is_kept() -> None:
    kept = [(gid, m) for gid, m in parse_source(LINES)]
    words = [m.word for _, m in kept]
    assert "influenza" not in words  # an alphabetic spelling no statute uses
    assert "流感" not in words  # 展開制御フラグ 2: never used
    assert Member("勘定", triggers=False) in [m for _, m in kept]  # flag 1: expanded to, never a trigger
    assert (8, Member("支払い", triggers=True)) in kept


def test_a_target_only_word_expands_nothing_and_a_trigger_expands_its_group() -> None:
    groups = Synonyms({1293: (Member("年次有給休暇", True), Member("有給", False), Member("年休", True))})
    assert groups.expansions(["有給"], [1293]) == []
    assert groups.expansions(["年休"], [1293]) == ["年次有給休暇", "有給"]
    # Sudachi found the group by the word's entry, under a spelling the group does not list: a trigger.
    assert groups.expansions(["年次休暇"], [1293]) == ["年次有給休暇", "有給", "年休"]


def test_the_packaged_file_is_the_bundle_source_compiled(shared_data: Path) -> None:
    shipped = Path(synonyms.__file__).with_name(synonyms.COMPILED).read_bytes()
    assert gzip.decompress(compile_source(shared_data / "sudachi" / "synonyms.txt")) == gzip.decompress(shipped)


def test_everyday_question_words_reach_the_statutes_words() -> None:
    tok = Bm25Encoder().tokenizer
    words = tok.synonym_words("日本では何歳になると大人として扱われるのか", synonyms.packaged())
    assert "成年者" in words and "成人" in words
    assert tok.synonym_words("有給を取る", synonyms.packaged()) == []  # 有給 is flag 1 in its group
    assert "解雇" in everyday.packaged().terms("従業員をクビにしたい")
    assert "窃盗" in everyday.packaged().terms("店の物を盗んだ")  # a stem matches the conjugated form


def test_expansion_tokens_weigh_less_and_the_query_own_tokens_keep_1() -> None:
    enc = Bm25Encoder()
    plain = enc.encode_query("大人として扱われる")
    expanded = enc.encode_query("大人として扱われる", [(["成年者", "大人"], 0.3)])
    weights = dict(zip(expanded.indices, expanded.values))
    assert weights[token_id("大人")] == 1.0
    assert weights[token_id("成年者")] == 0.3
    assert set(plain.indices) < set(expanded.indices)
    assert enc.encode_query("大人", [(["成年者"], 0.0)]) == enc.encode_query("大人")


def test_a_malformed_lexicon_line_names_its_place() -> None:
    with pytest.raises(ValueError, match="x.tsv:2"):
        everyday.Everyday.parse("# note\nクビ 解雇\n", "x.tsv")
