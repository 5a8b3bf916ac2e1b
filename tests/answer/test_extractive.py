"""The extractive answer: quotes with numbered citations, and honest refusals."""

from __future__ import annotations

from govrag.answer.extractive import extractive_answer
from govrag.answer.records import NO_EVIDENCE
from govrag.models import Chunk
from govrag.retrieval.search import SearchHit, SearchResult, Via


def hit(label: str, body: str, via: Via = "hybrid", rank: int = 1) -> SearchHit:
    chunk = Chunk(
        id=label, source="law", doc_id="d", doc_title=label.split()[0], version="v", unit="1", seq=0,
        heading=label, body=body, label=label, url=f"https://laws.e-gov.go.jp/law/x#{rank}", hash="",
    )
    return SearchHit(chunk, 1.0, rank, via)


def share_of_words(query: str, text: str) -> float:
    words = query.split()
    return sum(w in text for w in words) / len(words)


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
    result = SearchResult("刑法200条", [hit("刑法 第二百条", "削除", via="citation")], {})
    answer = extractive_answer(result, share_of_words)
    assert answer.sufficient and "（[1] 刑法 第二百条 は削除されています。）" in answer.text


def test_an_unknown_law_name_is_refused_and_named() -> None:
    """「証券取引法」 (renamed in 2007) is not a law of the sources: say so rather than answer from lookalikes."""
    near = hit("金融商品取引法施行令 第一条", "インサイダー取引 罰則")
    result = SearchResult("証券取引法 インサイダー取引 罰則", [near], {}, unknown_laws=("証券取引法",))
    answer = extractive_answer(result, share_of_words, min_coverage=0.0)
    assert not answer.sufficient
    assert "「証券取引法」という名前の法令は資料（収録法令）に見当たりません" in answer.text
    # Also naming a law the store has (scoped) keeps the answer: the unknown name may be a side remark.
    scoped = SearchResult("x", [near], {}, scoped_to=("340CO0000000321",), unknown_laws=("証券取引法",))
    assert extractive_answer(scoped, share_of_words, min_coverage=0.0).sufficient
