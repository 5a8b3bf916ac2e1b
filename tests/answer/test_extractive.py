"""The extractive answer: quotes with numbered citations, and honest refusals."""

from __future__ import annotations

import re

from govrag.answer.coverage import asked_words, is_request_term, word_coverage
from govrag.answer.extractive import MAX_QUOTE_CHARS, alternatives, extractive_answer
from govrag.index.sparse import Bm25Encoder
from govrag.answer.records import NO_EVIDENCE
from govrag.models import Chunk, SourceName
from govrag.retrieval.search import SearchHit, SearchResult, Via


def hit(label: str, body: str, via: Via = "hybrid", rank: int = 1, heading: str | None = None,
        source: SourceName = "law") -> SearchHit:
    chunk = Chunk(
        id=label, source=source, doc_id="d", doc_title=label.split()[0], version="v", unit="1", seq=0,
        heading=heading or label, body=body, label=label, url=f"https://laws.e-gov.go.jp/law/x#{rank}", hash="",
    )
    return SearchHit(chunk, 1.0, rank, via)


# The coverage contract, with words for terms: what the query asks less the names it cites
# (law names, 第N条) and request words; 1.0 when nothing is left.
NAMES = {"民法", "刑法", "借地借家法"}
CITED = re.compile(r"第?[0-9]+条")


def share_of_words(query: str, text: str) -> float:
    words = [w for w in query.split() if w not in NAMES and not CITED.fullmatch(w) and not is_request_term(w)]
    return sum(w in text for w in words) / len(words) if words else 1.0


# 民法 第七百九条 and 借地借家法 第六条 and 第十一条 (2020 text); 第六条's heading names 第一節 借地権の存続期間等.
MINPO_709 = "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。"
SHAKUCHI_6 = ("前条の異議は、借地権設定者及び借地権者（転借地権者を含む。以下この条において同じ。）が土地の使用を必要とする事情のほか、"
              "借地に関する従前の経過及び土地の利用状況並びに借地権設定者が土地の明渡しの条件として又は土地の明渡しと引換えに"
              "借地権者に対して財産上の給付をする旨の申出をした場合におけるその申出を考慮して、正当の事由があると認められる場合で"
              "なければ、述べることができない。")
SHAKUCHI_6_HEADING = "借地借家法 › 第二章 借地 › 第一節 借地権の存続期間等 › 第六条（借地契約の更新拒絶の要件）"
SHAKUCHI_11 = [
    "地代又は土地の借賃（以下この条及び次条において「地代等」という。）が、土地に対する租税その他の公課の増減により、"
    "土地の価格の上昇若しくは低下その他の経済事情の変動により、又は近傍類似の土地の地代等に比較して不相当となったときは、"
    "契約の条件にかかわらず、当事者は、将来に向かって地代等の額の増減を請求することができる。ただし、一定の期間地代等を"
    "増額しない旨の特約がある場合には、その定めに従う。",
    "２　地代等の増額について当事者間に協議が調わないときは、その請求を受けた者は、増額を正当とする裁判が確定するまでは、"
    "相当と認める額の地代等を支払うことをもって足りる。ただし、その裁判が確定した場合において、既に支払った額に不足がある"
    "ときは、その不足額に年一割の割合による支払期後の利息を付してこれを支払わなければならない。",
    "３　地代等の減額について当事者間に協議が調わないときは、その請求を受けた者は、減額を正当とする裁判が確定するまでは、"
    "相当と認める額の地代等の支払を請求することができる。ただし、その裁判が確定した場合において、既に支払を受けた額が正当と"
    "された地代等の額を超えるときは、その超過額に年一割の割合による受領の時からの利息を付してこれを返還しなければならない。",
]
# 民法 第千三十七条: the first 項 (with its ただし書 and 号) alone is longer than a quote may be.
MINPO_1037 = [
    "配偶者は、被相続人の財産に属した建物に相続開始の時に無償で居住していた場合には、次の各号に掲げる区分に応じてそれぞれ"
    "当該各号に定める日までの間、その居住していた建物（以下この節において「居住建物」という。）の所有権を相続又は遺贈により"
    "取得した者（以下この節において「居住建物取得者」という。）に対し、居住建物について無償で使用する権利（居住建物の一部のみを"
    "無償で使用していた場合にあっては、その部分について無償で使用する権利。以下この節において「配偶者短期居住権」という。）を"
    "有する。ただし、配偶者が、相続開始の時において居住建物に係る配偶者居住権を取得したとき、又は第八百九十一条の規定に該当し"
    "若しくは廃除によってその相続権を失ったときは、この限りでない。\n"
    "一　居住建物について配偶者を含む共同相続人間で遺産の分割をすべき場合　遺産の分割により居住建物の帰属が確定した日又は"
    "相続開始の時から六箇月を経過する日のいずれか遅い日\n"
    "二　前号に掲げる場合以外の場合　第三項の申入れの日から六箇月を経過する日",
    "２　前項本文の場合においては、居住建物取得者は、第三者に対する居住建物の譲渡その他の方法により配偶者の居住建物の使用を"
    "妨げてはならない。",
]


def test_quotes_with_numbered_citations_when_a_hit_covers_the_question() -> None:
    result = SearchResult("借地権 存続期間", [hit("借地借家法 第三条", "借地権の存続期間は、三十年とする。"),
                                              hit("借地借家法 第四条", "更新の期間", rank=2)], {})
    answer = extractive_answer(result, share_of_words)
    assert answer.sufficient and answer.evidence == 1.0
    assert answer.text.splitlines()[1] == "[1] 借地借家法 第三条：「借地権の存続期間は、三十年とする。」"
    assert [c.n for c in answer.citations] == [1, 2]


def test_thin_evidence_is_refused_with_references_only() -> None:
    result = SearchResult("宇宙船 免許", [hit("道路交通法 第八十四条", "自動車等を運転しようとする者は…免許")], {})
    answer = extractive_answer(result, share_of_words, min_coverage=0.6)
    assert not answer.sufficient and answer.evidence == 0.5
    assert answer.text.startswith(NO_EVIDENCE) and "「" not in answer.text  # nothing quoted as if it answered


def test_no_hits_is_a_refusal() -> None:
    answer = extractive_answer(SearchResult("何か", [], {}), share_of_words)
    assert not answer.sufficient and answer.citations == [] and answer.text == NO_EVIDENCE


def test_a_missing_provision_is_named_and_neighbours_do_not_answer() -> None:
    near = hit("民法 第千五十条", "相続人でない者の特別の寄与")
    result = SearchResult("民法 第千五百条", [near], {}, missing=("民法 第千五百条",))
    answer = extractive_answer(result, share_of_words, min_coverage=0.0)
    assert not answer.sufficient
    assert "民法 第千五百条 は資料の法令にありません" in answer.text


def test_a_deleted_article_says_so() -> None:
    result = SearchResult("刑法 200条", [hit("刑法 第二百条", "削除", via="citation")], {})
    answer = extractive_answer(result, share_of_words)
    assert answer.sufficient and "（[1] 刑法 第二百条 は削除されています。）" in answer.text
    # Asked about what it said (尊属殺人), the deleted article answers nothing, and the refusal says it is deleted.
    asked = extractive_answer(SearchResult("刑法 200条 尊属殺人 法定刑", result.hits, {}), share_of_words)
    assert not asked.sufficient and "（刑法 第二百条 は削除されています。）" in asked.text


def test_an_unknown_law_name_is_refused_and_named() -> None:
    """「証券取引法」 (renamed in 2007) is not a law of the sources: say so rather than answer from lookalikes."""
    near = hit("金融商品取引法施行令 第一条", "インサイダー取引 罰則")
    result = SearchResult("証券取引法 インサイダー取引 罰則", [near], {}, unknown_laws=("証券取引法",))
    answer = extractive_answer(result, share_of_words, min_coverage=0.0)
    assert not answer.sufficient
    assert "「証券取引法」という名前の法令は資料（収録法令）に見当たりません" in answer.text
    # Also naming a law the store has (scoped) keeps the answer: the unknown name may be a side remark.
    scoped = SearchResult("インサイダー取引 罰則", [near], {}, scoped_to=("340CO0000000321",), unknown_laws=("証券取引法",))
    assert extractive_answer(scoped, share_of_words, min_coverage=0.0).sufficient


def test_a_bare_citation_is_answered_by_quoting_it() -> None:
    """「民法709条」「民法第709条はどういう規定か」 ask for the provision and nothing else."""
    cited = [hit("民法 第七百九条", MINPO_709, via="citation")]
    for query in ("民法 709条", "民法 第709条 どう 内容"):
        answer = extractive_answer(SearchResult(query, cited, {}), share_of_words)
        assert answer.sufficient and answer.evidence == 1.0, query
        assert f"[1] 民法 第七百九条：「{MINPO_709}」" in answer.text


def test_a_cited_provision_must_say_what_is_asked_of_it() -> None:
    cited = hit("民法 第七百九条", MINPO_709, via="citation")
    supported = extractive_answer(SearchResult("民法 709条 損害 賠償 過失 時効", [cited], {}), share_of_words)
    assert supported.sufficient and supported.evidence == 0.75  # 時効 is not in 709: three of four
    # 「民法709条に定める宇宙旅行の免許は」: 709 exists but says nothing of it; an uncited hit that
    # happens to hold the words does not stand in for the provision the question is about.
    other = hit("道路交通法 第八十四条", "宇宙旅行 免許", rank=2)
    refused = extractive_answer(SearchResult("民法 709条 宇宙旅行 免許", [cited, other], {}), share_of_words)
    assert not refused.sufficient and refused.evidence == 0.0
    assert refused.text.startswith(NO_EVIDENCE) and "「" not in refused.text
    assert "お尋ねの 民法 第七百九条 には、質問の内容に当たる記述が見つかりませんでした" in refused.text


def test_parts_of_a_cited_provision_count_together() -> None:
    parts = [hit("借地借家法 第十一条第一項", SHAKUCHI_11[0], via="citation"),
             hit("借地借家法 第十一条第二項", SHAKUCHI_11[1], via="citation", rank=2)]
    answer = extractive_answer(SearchResult("借地借家法 11条 特約 裁判", parts, {}), share_of_words)
    assert answer.sufficient and answer.evidence == 1.0  # 特約 in the first part, 裁判 in the second


def test_the_heading_is_no_evidence() -> None:
    """The heading (第一節 借地権の存続期間等 › 第六条（借地契約の更新拒絶の要件）) holds the words; the article's
    own text does not."""
    near = hit("借地借家法 第六条", SHAKUCHI_6, heading=SHAKUCHI_6_HEADING)
    assert all(w in near.chunk.text for w in ("存続期間", "更新"))
    answer = extractive_answer(SearchResult("存続期間 更新", [near], {}), share_of_words)
    assert not answer.sufficient and answer.evidence == 0.0


def test_a_law_name_alone_asks_nothing_to_answer() -> None:
    """「借地借家法」 with nothing asked (no citation): no hit is an answer, whatever it holds."""
    near = hit("借地借家法 第六条", SHAKUCHI_6)
    answer = extractive_answer(SearchResult("借地借家法 教える", [near], {}), share_of_words)
    assert not answer.sufficient and answer.evidence == 0.0


def test_quotes_are_cut_after_whole_paragraphs() -> None:
    body = "\n".join(SHAKUCHI_11)
    assert len(body) > MAX_QUOTE_CHARS
    answer = extractive_answer(SearchResult("地代等 増減", [hit("借地借家法 第十一条", body)], {}), share_of_words)
    quote = answer.citations[0].quote
    assert quote == f"{SHAKUCHI_11[0]}\n{SHAKUCHI_11[1]}…"  # 項 2 with its ただし書; 項 3 left out, not cut
    assert len(quote) <= MAX_QUOTE_CHARS + 1


def test_a_first_paragraph_longer_than_a_quote_is_quoted_whole() -> None:
    body = "\n".join(MINPO_1037)
    assert len(MINPO_1037[0]) > MAX_QUOTE_CHARS
    answer = extractive_answer(SearchResult("配偶者短期居住権", [hit("民法 第千三十七条", body)], {}), share_of_words)
    assert answer.citations[0].quote == MINPO_1037[0] + "…"  # the ただし書 and both 号 kept


def test_speeches_are_cut_at_a_sentence_end() -> None:
    body = ("自由民主党の黄川田仁志でございます。よろしくお願いいたします。\n"
            "　七月十八日に、一連の不祥事を受けまして、安全保障委員会の理事懇が開かれました。"
            "その中で、潜水手当不正受給事案について逮捕者がいたという説明は一切ありませんでした。" * 4)
    assert len(body) > MAX_QUOTE_CHARS
    speech = hit("衆議院 安全保障委員会 2024-07-30 黄川田仁志", body, source="diet")
    answer = extractive_answer(SearchResult("潜水手当 不正受給", [speech], {}), share_of_words)
    quote = answer.citations[0].quote
    assert quote.endswith("。…") and len(quote) <= MAX_QUOTE_CHARS + 1
    assert body.startswith(quote.removesuffix("…"))


TOKENS = Bm25Encoder().tokens  # the index's own tokenizer: what the service's coverage uses
# 民法 第九十五条第一項 (2020 text, the lead sentence): 錯誤, not 詐欺.
MINPO_95 = ("意思表示は、次に掲げる錯誤に基づくものであって、その錯誤が法律行為の目的及び取引上の社会通念に照らして"
            "重要なものであるときは、取り消すことができる。")
# 刑法 第二百三十六条第一項: 強盗, not 窃盗.
KEIHO_236 = "暴行又は脅迫を用いて他人の財物を強取した者は、強盗の罪とし、五年以上の有期懲役に処する。"


def test_coverage_counts_words_not_their_parts() -> None:
    """取り消す is one word asked, not three tokens (取り消す, 取る, 消す): 95 holds 1 of the 4 words asked."""
    asked = "、によると、詐欺によって結ばされた契約はどのような場合に取り消すことができますか。"
    assert list(asked_words(asked, TOKENS)) == ["詐欺", "結ぶ", "契約", "取り消す"]
    assert word_coverage(asked, MINPO_95, TOKENS) == 0.25


def test_a_compound_is_found_in_all_its_parts_only() -> None:
    assert word_coverage("、の損害賠償の時効は", MINPO_709, TOKENS) == 0.5  # 損害賠償 in 「損害を賠償」; no 時効
    # 窃盗罪 is not found in 「強盗の罪」 (only its part 罪); 何年以下 asks for the form of the answer.
    asked = "窃盗罪を定めている、では、法定刑は何年以下の懲役とされていますか。"
    assert list(asked_words(asked, TOKENS)) == ["窃盗罪", "法定刑", "懲役"]
    assert word_coverage(asked, KEIHO_236, TOKENS) == 1 / 3


def test_request_words_ask_nothing() -> None:
    """「民法第709条はどういう規定か」 with the citation taken out asks nothing: any text covers it."""
    for asked in ("、はどういう規定か", "、にはどういったことが書かれているのでしょうか。", "、の内容を詳しく教えてください"):
        assert asked_words(asked, TOKENS) == {}, asked
        assert word_coverage(asked, "", TOKENS) == 1.0
    assert word_coverage("、の損害賠償の要件は", "", TOKENS) == 0.0  # something asked, nothing found


def test_a_quoted_term_must_be_in_the_text() -> None:
    """「終活」 is what the question asks about; a text with the other words (言葉, 定義) does not answer it."""
    text = "この法律において使用する言葉の定義は、次のとおりとする。"
    asked = "「終活」という言葉は、どのように定義されているのでしょうか。"
    assert word_coverage(asked.replace("「終活」", "終活"), text, TOKENS) == 2 / 3
    assert word_coverage(asked, text, TOKENS) == 0.0


LAWQA_LIKE = (
    "次のうち、借地権について誤っているものを教えてください。\n"
    "a 建物の所有を目的とする土地の賃借権の存続期間は、40年となることはない\n"
    "b 借地借家法第3条で、借地権の存続期間は原則として30年とされている\n"
    "c 当事者が土地の賃借権を設定し、20年の存続期間を定めた場合は、30年の存続期間となる\n"
    "d 建物の所有を目的とする地上権の存続期間について、地上権を有する者に不利な契約は無効である"
)


def test_a_question_with_choices_is_read_once_per_choice() -> None:
    readings = alternatives(LAWQA_LIKE)
    assert len(readings) == 4
    assert readings[1] == "次のうち、借地権について誤っているものを教えてください。\n借地借家法第3条で、借地権の存続期間は原則として30年とされている"
    assert alternatives("民法709条の要件は") == ["民法709条の要件は"]
    assert alternatives("第一に、\nア　意見を述べる") == ["第一に、\nア　意見を述べる"]  # one labelled line is no list


def test_choices_are_answered_when_one_is_borne_out() -> None:
    """A choice may be false on purpose: the quote answers when it holds one choice, not all of them."""
    def share(query: str, text: str) -> float:
        words = [w for w in re.split(r"[\s、。]+", query) if w]
        return sum(w in text for w in words) / len(words)

    query = "借地権\na 存続期間\nb 建物買取請求 更新拒絶"
    body = "借地権の存続期間は、三十年とする。ただし、契約でこれより長い期間を定めたときは、その期間とする。"  # 第三条
    answer = extractive_answer(SearchResult(query, [hit("借地借家法 第三条", body)], {}), share)
    assert answer.sufficient and answer.evidence == 1.0
    whole = extractive_answer(SearchResult(query.replace("\nb", " b"), [hit("借地借家法 第三条", body)], {}), share)
    assert not whole.sufficient  # read as one question, half of it is missing


def test_quoted_provisions_of_one_law_count_together_but_speeches_do_not() -> None:
    query = "特約 裁判"
    parts = [hit("借地借家法 第十一条第一項", SHAKUCHI_11[0]), hit("借地借家法 第十一条第二項", SHAKUCHI_11[1], rank=2)]
    assert extractive_answer(SearchResult(query, parts, {}), share_of_words, min_coverage=0.9).sufficient
    speeches = [hit("衆議院 法務委員会 A", "特約", source="diet"), hit("衆議院 法務委員会 B", "裁判", source="diet", rank=2)]
    assert not extractive_answer(SearchResult(query, speeches, {}), share_of_words, min_coverage=0.9).sufficient


def test_asking_for_a_cited_provisions_requirements_asks_for_the_provision() -> None:
    """「民法の709条の要件は」: 要件, 趣旨 and 規定 of a cited provision are the provision itself, so what is
    left to ask is nothing, and the provision is quoted; a topic beside them still has to be in the text."""
    tort = "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。"
    assert word_coverage("、の要件は", tort, TOKENS) == 1.0
    assert word_coverage("、の趣旨と規定を教えて", tort, TOKENS) == 1.0
    assert word_coverage("、の宇宙旅行の要件は", tort, TOKENS) == 0.0


def test_a_word_counts_when_the_text_holds_the_statute_term_it_was_expanded_to() -> None:
    """日本では何歳で大人になるのか: 民法第四条 says 成年, never 大人. Through the bridge the search expanded the
    word with (大人 → 成年), the provision holds what was asked; without it, only 日本 is missing too."""
    minpo_4 = "年齢二十歳をもって、成年とする。"
    asked = "日本では何歳で大人になるのか"
    assert word_coverage(asked, minpo_4, TOKENS) == 0.0
    bridges = {"大人": ("成年", "成年者")}.get
    assert word_coverage(asked, minpo_4, TOKENS, lambda w: bridges(w, ())) == 0.5  # 大人 held; 日本 is not
    assert word_coverage(asked, "婚姻は、両性の合意のみに基いて成立する。", TOKENS, lambda w: bridges(w, ())) == 0.0


def test_a_bridge_counts_only_when_the_text_holds_all_of_it() -> None:
    """離婚 bridged to 協議上の離婚: a text with 協議 alone (協議会) does not hold it; one with the whole term does."""
    bridges = {"離婚": ("協議上の離婚",)}.get
    assert word_coverage("離婚", "協議会を置く。", TOKENS, lambda w: bridges(w, ())) == 0.0
    assert word_coverage("離婚", "夫婦は、その協議で、離婚をすることができる。", TOKENS) == 1.0
    assert word_coverage("別れ", "協議上の離婚をした者", TOKENS, lambda w: {"別れ": ("協議上の離婚",)}.get(w, ())) == 1.0
