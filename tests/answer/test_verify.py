"""The verifier on real provisions: markers, verbatim quotes, stated provisions and sentence support."""

from __future__ import annotations

from collections.abc import Sequence

from govrag.answer.verify import Evidence, sentences, verify
from govrag.index.sparse import Bm25Encoder

MINPO_709 = ("民法 第五編 相続 … 第七百九条（不法行為による損害賠償）\n"
             "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。")
SHAKUCHI_3 = ("借地借家法 第三条（借地権の存続期間）\n借地権の存続期間は、三十年とする。ただし、契約でこれより長い期間を"
              "定めたときは、その期間とする。")
EVIDENCE = Evidence(sources={1: MINPO_709, 2: SHAKUCHI_3}, question="他人の物を壊したときの責任と借地権の期間は？")
TOKENS = Bm25Encoder().tokens


def no_names(text: str) -> tuple[Sequence[str], Sequence[str]]:
    return (), ()


def names_of(missing: Sequence[str] = (), unknown: Sequence[str] = ()):  # type: ignore[no-untyped-def]
    return lambda text: ([m for m in missing if m in text], [u for u in unknown if u in text])


def test_sentences_keep_quotes_whole_and_markers_with_their_sentence() -> None:
    text = "第三条は「借地権の存続期間は、三十年とする。ただし、…」と定めます。[2] 以上です。"
    assert sentences(text) == ["第三条は「借地権の存続期間は、三十年とする。ただし、…」と定めます。[2]", "以上です。"]


def test_a_faithful_answer_passes() -> None:
    text = ("故意又は過失によって他人の権利を侵害した者は、損害を賠償する責任を負います[1]。"
            "借地権の存続期間は「三十年とする」とされています[2]。")
    v = verify(text, EVIDENCE, TOKENS, no_names)
    assert v.passed, v.failures
    assert [s.cites for s in v.sentences] == [(1,), (2,)]
    assert v.unsupported == 0


def test_a_fabricated_citation_number_is_caught() -> None:
    v = verify("損害を賠償する責任を負います[1][7]。", EVIDENCE, TOKENS, no_names)
    assert not v.passed and v.unknown_markers == (7,)
    assert "[7] は提示した資料にありません" in v.failures


def test_a_forged_quote_is_caught_even_when_the_words_are_close() -> None:
    v = verify("借地権の存続期間は「二十年とする」と定められています[2]。", EVIDENCE, TOKENS, no_names)
    assert not v.passed and v.forged_quotes == ("二十年とする",)


def test_a_quote_from_another_source_than_the_one_cited_is_forged() -> None:
    v = verify("借地権について「損害を賠償する責任を負う」とされます[2]。", EVIDENCE, TOKENS, no_names)
    assert v.forged_quotes == ("損害を賠償する責任を負う",)


def test_quoting_the_question_is_not_forging() -> None:
    v = verify("ご質問の「他人の物を壊したとき」は、損害を賠償する責任の問題です[1]。", EVIDENCE, TOKENS, no_names)
    assert v.forged_quotes == ()


def test_an_unsupported_sentence_is_flagged_with_why() -> None:
    text = "故意又は過失により他人の権利を侵害した者は賠償責任を負います[1]。宇宙旅行には国土交通大臣の免許が必要です[1]。"
    v = verify(text, EVIDENCE, TOKENS, no_names)
    assert not v.passed and v.unsupported == 1
    bad = next(s for s in v.sentences if not s.supported)
    assert bad.text.startswith("宇宙旅行") and bad.support < 0.6


def test_a_number_the_source_does_not_state_fails_the_sentence() -> None:
    """三十年 in the source reads as 30; 二十年 is a different number, however similar the words."""
    assert verify("借地権の存続期間は30年です[2]。", EVIDENCE, TOKENS, no_names).passed
    v = verify("借地権の存続期間は20年です[2]。", EVIDENCE, TOKENS, no_names)
    assert not v.passed and "数値 20 は出典にありません" in v.sentences[0].problems


def test_a_claim_without_a_marker_is_unsupported_unless_the_notes_carry_it() -> None:
    claim = "民法第千五百条は存在しない条文です。"
    assert not verify(claim, EVIDENCE, TOKENS, no_names).passed
    told = Evidence(EVIDENCE.sources, notes=("民法 第千五百条 は収録された法令にありません（存在しない条項です）。",),
                    absent=frozenset({"民法 第千五百条"}))
    v = verify(claim, told, TOKENS, names_of(missing=["民法第千五百条"]))
    assert v.passed, v.failures


def test_a_provision_the_answer_invents_is_missing_but_one_the_search_reported_is_not() -> None:
    check = names_of(missing=["民法第千五百条"], unknown=["スパイ防止法"])
    v = verify("損害を賠償する責任を負います（民法第千五百条）[1]。", EVIDENCE, TOKENS, check)
    assert v.missing_provisions == ("民法第千五百条",) and not v.passed
    v = verify("スパイ防止法によれば、損害を賠償する責任を負います[1]。", EVIDENCE, TOKENS, check)
    assert v.unknown_names == ("スパイ防止法",)
    told = Evidence(EVIDENCE.sources, absent=frozenset({"民法 第千五百条"}))
    assert verify("損害を賠償する責任を負います（民法第千五百条）[1]。", told, TOKENS, check).missing_provisions == ()


def test_a_name_the_sources_write_is_no_invention() -> None:
    # Seen with the local model: a 附則's heading names its amending law, which the law directory does not list.
    suppl = ("個人情報の保護に関する法律 › 附則（平成二七年九月九日法律第六五号） › 第三条\n"
             "施行日前になされた本人の個人情報の取扱いに関する同意がある場合において…同意があったものとみなす。")
    check = names_of(unknown=["平成二七年九月九日法律第六五号"])
    evidence = Evidence(sources={1: suppl})
    v = verify("平成二七年九月九日法律第六五号の附則は、施行日前の同意を同意があったものとみなす[1]。", evidence, TOKENS, check)
    assert v.unknown_names == ()
    v = verify("平成二七年九月九日法律第六五号は、損害を賠償する責任を定める[1]。", EVIDENCE, TOKENS, check)
    assert v.unknown_names == ("平成二七年九月九日法律第六五号",), "absent from the sources: still flagged"


def test_the_honest_refusal_and_declared_outside_knowledge_are_not_claims() -> None:
    v = verify("資料からは分かりません。", EVIDENCE, TOKENS, no_names)
    assert v.passed and v.sentences == ()
    outside = "一般に、不法行為の時効は別の条文で定められます［資料外］。"
    v = verify(f"損害を賠償する責任を負います[1]。{outside}", EVIDENCE, TOKENS, no_names)
    assert v.passed and v.outside == (outside,)


def test_an_answer_made_only_of_outside_knowledge_is_not_grounded() -> None:
    v = verify("一般に、不法行為の時効は三年です［資料外］。", EVIDENCE, TOKENS, no_names)
    assert not v.passed and not v.grounded
    assert v.failures[0].startswith("資料に基づく文がありません")


def test_the_refusal_phrase_does_not_shelter_a_claim_in_the_same_sentence() -> None:
    text = "借地権の存続期間は三十年です[2]。ただし更新後は百年となりますが、詳細は資料からは分かりません。"
    v = verify(text, EVIDENCE, TOKENS, no_names)
    assert not v.passed and len(v.sentences) == 2 and not v.sentences[1].supported


def test_full_width_markers_are_read() -> None:
    v = verify("借地権の存続期間は三十年です［２］。", EVIDENCE, TOKENS, no_names)
    assert v.passed and v.sentences[0].cites == (2,)


def test_a_wrong_premise_must_be_corrected_first() -> None:
    told = Evidence(EVIDENCE.sources, notes=("民法 第七百九条の二 は収録された法令にありません（存在しない条項です）。",),
                    question="民法第709条の2の内容は", absent=frozenset({"民法 第七百九条の二"}))
    quoted = f"「{MINPO_709.splitlines()[1]}」と定められています[1]。"
    v = verify(quoted, told, TOKENS, no_names)
    assert not v.passed and v.uncorrected_premise == ("民法 第七百九条の二",)
    assert verify(f"民法第709条の2は存在しません。第709条は{quoted}", told, TOKENS, no_names).passed


def test_restating_the_question_is_not_support() -> None:
    """The words of the question, tagged [1], are not in the source: the sentence is unsupported."""
    v = verify("法律でいう「インフルエンサー」とは、フォロワーが何人以上いる人のことを指すのです[1]。", EVIDENCE, TOKENS,
               no_names)
    assert not v.passed and not v.sentences[0].supported


def test_a_claim_that_negates_what_its_source_affirms_is_unsupported() -> None:
    source = ("医薬品、医療機器等の品質、有効性及び安全性の確保等に関する法律 第二十三条の三十三（承継）\n"
              "再生医療等製品承認取得者について合併があつたときは、合併後存続する法人は、当該再生医療等製品承認取得者の地位を承継する。")
    evidence = Evidence({1: source})
    v = verify("合併後存続する法人は、再生医療等製品承認取得者の地位を承継できない[1]。", evidence, TOKENS, no_names)
    assert not v.passed and v.sentences[0].problems == ("否定「承継できない」は出典にありません",)
    assert verify("合併後存続する法人は、再生医療等製品承認取得者の地位を承継します[1]。", evidence, TOKENS, no_names).passed
    backed = Evidence({1: "建物の賃貸人は、その終了を建物の転借人に対抗することができない。"})
    assert verify("建物の賃貸人は、終了を建物の転借人に対抗できない[1]。", backed, TOKENS, no_names).passed
