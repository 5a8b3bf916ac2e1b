"""Diet speeches as gold: loading {"speech_id"} gold, keying minutes chunks, scoring a search, reporting it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from govrag.answer.records import Answer, AnswerCitation
from govrag.eval.datasets import Gold, load_jsonl
from govrag.eval.report import EvalReport
from govrag.eval.retrieval import doc_key, gold_keys, unit_key
from govrag.eval.runner import Record, by_tag, evaluate_question, metrics, present_keys
from govrag.eval.suite import load_suite
from govrag.models import Chunk
from govrag.retrieval.search import SearchHit, SearchResult

MEETING = "121703815X00120250214"  # one meeting's minutes (issueID)
OTHER_MEETING = "121705261X00320250203"
GOLD = f"{MEETING}_012"


def speech(speech_id: str, part: int = 0) -> Chunk:
    """A minutes chunk as the diet source makes it: the document is the meeting, the unit a speech part."""
    issue_id, _, order = speech_id.rpartition("_")
    return Chunk(
        id=f"{speech_id}-{part}", source="diet", doc_id=issue_id, doc_title="衆議院 安全保障委員会 第1号", version="v",
        unit=f"{order}-{part}", seq=int(order), heading=f"speaker {order}", body="…", label=f"speaker {order}",
        url=f"https://kokkai.ndl.go.jp/txt/{issue_id}/{int(order)}", hash="",
        attrs={"speech_id": speech_id, "issue_id": issue_id, "part": part},
    )


def law(title: str, article: str) -> Chunk:
    return Chunk(
        id=f"{title}-{article}", source="law", doc_id=title, doc_title=title, version="v", unit=article, seq=0,
        heading=title, body="", label=f"{title} {article}", url="", hash="", attrs={"article_num": article},
    )


def result(*chunks: Chunk) -> SearchResult:
    return SearchResult("q", [SearchHit(c, 1.0, i, "hybrid") for i, c in enumerate(chunks, start=1)], {"search": 5.0})


@dataclass
class FakeDocStore:
    """What the runner reads of a store: documents by source, a meeting's chunks filtered by speech_id."""

    chunks: list[Chunk] = field(default_factory=list)
    lookups: list[tuple[str, str, Any]] = field(default_factory=list)

    def documents(self, source: str | None = None) -> list[Any]:
        ids = sorted({c.doc_id for c in self.chunks if c.source == source})
        return [type("Doc", (), {"source": source, "doc_id": d, "title": d, "version": "v"})() for d in ids]

    def chunks_of(self, source: str, doc_id: str, version: str | None = None, *,
                  where: dict[str, Any] | None = None) -> list[Chunk]:
        self.lookups.append((source, doc_id, where))
        return [c for c in self.chunks if c.source == source and c.doc_id == doc_id
                and all(c.attrs.get(k) == v for k, v in (where or {}).items())]

    def chunks_by_id(self, ids: list[str]) -> list[Chunk]:
        return [c for i in ids for c in self.chunks if c.id == i]


class FakeService:
    """Answers with one citation of the top hit, so citation scoring runs on the unit key too."""

    def __init__(self, store: FakeDocStore) -> None:
        self.docstore = store

    def answer_traced(self, res: SearchResult) -> tuple[Answer, None]:
        top = res.hits[0].chunk
        cite = AnswerCitation(1, top.label, top.url, top.id, top.source, "…")
        return Answer("q", f"[1] {top.label}：「…」", True, [cite], 1.0), None


def question_file(tmp_path: Path, *rows: dict[str, Any]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def one_question(tmp_path: Path, speech_id: str = GOLD) -> Any:
    path = question_file(tmp_path, {"qid": "d1", "question": "石破総理は何と答えたか", "gold": [{"speech_id": speech_id}],
                                    "answerable": True, "tags": ["diet", "speaker"]})
    return load_jsonl(path)[0]


# ---- loading --------------------------------------------------------------------------------------


def test_speech_gold_loads_next_to_law_gold(tmp_path: Path) -> None:
    path = question_file(
        tmp_path,
        {"qid": "d1", "question": "q", "gold": [{"speech_id": f" {GOLD} "}], "tags": ["diet"]},
        {"qid": "l1", "question": "q", "gold": [{"law_title": "民法", "article": "709"}, {"law_title": "指針"}]},
    )
    d1, l1 = load_jsonl(path)
    assert d1.gold == (Gold("", None, GOLD),) and d1.gold[0].key == ("speech", GOLD) and d1.answerable
    assert [g.key for g in l1.gold] == [("民法", "709"), None]  # law gold unchanged; a whole document has no key
    assert Gold.speech(GOLD) == d1.gold[0]


@pytest.mark.parametrize("gold", [[{"speech_id": ""}], [{"article": "1"}], [{"speech_id": None}]])
def test_a_gold_without_a_speech_id_or_law_is_refused_with_its_line(tmp_path: Path, gold: list[dict[str, Any]]) -> None:
    path = question_file(tmp_path, {"qid": "x", "question": "q", "gold": gold})
    with pytest.raises(ValueError, match=r"q\.jsonl:1: not a question record"):
        load_jsonl(path)


def test_minutes_chunks_key_by_speech_and_laws_as_before() -> None:
    assert unit_key(speech(GOLD, part=1)) == ("speech", GOLD)
    assert unit_key(law("民法", "709")) == ("民法", "709")
    no_article = law("民法", "")
    assert unit_key(no_article) == ("民法", "")  # a law chunk without an article keys as it always has
    assert doc_key(("speech", GOLD)) == MEETING and doc_key(("民法", "709")) == "民法"


# ---- present keys ---------------------------------------------------------------------------------


def test_present_keys_find_gold_speeches_in_their_meeting_only(tmp_path: Path) -> None:
    store = FakeDocStore([speech(GOLD), speech(GOLD, part=1), speech(f"{MEETING}_013"), speech(f"{OTHER_MEETING}_001"),
                          law("民法", "709")])
    present_q = one_question(tmp_path)
    lost_speech = one_question(tmp_path, f"{MEETING}_099")  # meeting held, speech not
    lost_meeting = one_question(tmp_path, "121799999X00120250101_001")  # meeting not held at all
    keys = present_keys(store, [present_q, lost_speech, lost_meeting])  # type: ignore[arg-type]
    assert keys == {("speech", GOLD)}
    assert {d for _, d, _ in store.lookups} == {MEETING}  # no lookup into a meeting the store lacks
    assert gold_keys(present_q, keys) == {("speech", GOLD)} and gold_keys(lost_speech, keys) == set()


# ---- scoring --------------------------------------------------------------------------------------


def score(tmp_path: Path, res: SearchResult, present: set[tuple[str, str]], speech_id: str = GOLD) -> Record:
    service: Any = FakeService(FakeDocStore([h.chunk for h in res.hits]))
    return evaluate_question(service, "diet", "hybrid", one_question(tmp_path, speech_id), res, present)


def test_gold_speech_found_after_a_split_neighbour(tmp_path: Path) -> None:
    res = result(speech(f"{MEETING}_011"), speech(f"{MEETING}_011", part=1), law("民法", "709"), speech(GOLD))
    r = score(tmp_path, res, {("speech", GOLD)})
    assert r.retrieved == [f"speech {MEETING}_011", "民法 709", f"speech {GOLD}"]  # a split speech counts once
    assert (r.article_rank, r.law_rank, r.doc_level) == (3, 1, "meeting")  # the meeting is found at rank 1
    assert r.gold == r.gold_in_index == [f"speech {GOLD}"] and r.scored and r.miss_reason() is None
    assert r.citations and r.citation_hits == 0  # the cited top hit is the neighbour, not the gold speech


def test_gold_speech_not_found_names_the_meeting(tmp_path: Path) -> None:
    neighbours = [speech(f"{MEETING}_{n:03d}") for n in range(20, 31)]  # 11 other speeches of the gold's meeting
    r = score(tmp_path, result(*neighbours, speech(GOLD)), {("speech", GOLD)})
    assert (r.article_rank, r.law_rank) == (12, 1)
    assert r.miss_reason() == "gold meeting found (rank 1), gold speech not in the top 10"
    r = score(tmp_path, result(speech(f"{OTHER_MEETING}_001"), law("民法", "709")), {("speech", GOLD)})
    assert (r.article_rank, r.law_rank) == (None, None)
    assert r.miss_reason() == "gold meeting not among the meetings of the top results"


def test_gold_speech_absent_from_the_index_is_unscored(tmp_path: Path) -> None:
    r = score(tmp_path, result(speech(GOLD)), set())
    assert r.gold == [f"speech {GOLD}"] and r.gold_in_index == [] and not r.scored
    assert (r.article_rank, r.law_rank, r.citation_hits) == (None, None, 0)
    assert r.miss_reason() == f"gold not in the index: speech {GOLD}"
    assert metrics([r])["unscored"] == 1


def test_citations_of_the_gold_speech_count_as_gold(tmp_path: Path) -> None:
    r = score(tmp_path, result(speech(GOLD, part=1), speech(f"{MEETING}_013")), {("speech", GOLD)})
    assert (r.article_rank, r.citation_hits, r.hallucinated) == (1, 1, False)


# ---- metrics and report -----------------------------------------------------------------------------


def rec(qid: str, gold: str, article_rank: int | None, law_rank: int | None, dataset: str = "diet") -> Record:
    return Record(dataset=dataset, run="hybrid", qid=qid, question="q", tags=["diet"], answerable=True, gold=[gold],
                  gold_in_index=[gold], retrieved=[gold], article_rank=article_rank, law_rank=law_rank,
                  refused=False, citations=[], timings_ms={"search": 1.0})


SPEECH_RECORDS = [rec("1", f"speech {GOLD}", 1, 1), rec("2", f"speech {MEETING}_020", 12, 2),
                  rec("3", f"speech {MEETING}_030", None, None)]


def test_speech_gold_is_scored_at_speech_and_meeting_level_never_law() -> None:
    m = metrics(SPEECH_RECORDS)
    assert m["article.hit@1"] == pytest.approx(1 / 3) and m["article.hit@10"] == pytest.approx(1 / 3)
    assert m["meeting.hit@1"] == pytest.approx(1 / 3) and m["meeting.hit@10"] == pytest.approx(2 / 3)
    assert m["meeting.mrr"] == pytest.approx((1 + 1 / 2) / 3)
    assert m["law.hit@10"] is None and m["law.mrr"] is None  # a meeting is not a law
    law_only = metrics([rec("4", "民法 709", 2, 1, dataset="laws")])
    assert "meeting.hit@10" not in law_only and law_only["law.hit@1"] == 1.0  # law datasets keep their keys
    pooled = metrics([*SPEECH_RECORDS, rec("4", "民法 709", 2, 1, dataset="laws")])
    assert pooled["law.hit@1"] == 1.0 and pooled["meeting.hit@1"] == pytest.approx(1 / 3)
    assert by_tag(SPEECH_RECORDS)["diet"]["meeting.hit@10"] == pytest.approx(2 / 3)


def test_report_names_the_meeting_column_for_speech_datasets(tmp_path: Path) -> None:
    records = [*SPEECH_RECORDS, rec("4", "民法 709", 2, 1, dataset="laws")]
    report = EvalReport("t", {}, {"diet": 3, "laws": 1}, records, primary="hybrid")
    assert "meeting.hit@10" in report.headline("diet") and "law.hit@10" not in report.headline("diet")
    assert "law.hit@10" in report.headline("laws") and "meeting.hit@10" not in report.headline("laws")
    md = report.to_markdown()
    diet_section = md.split("## diet")[1].split("## laws")[0]
    assert "| meeting.hit@10 |" in diet_section and "Gold unit: a Diet speech" in diet_section
    laws_section = md.split("## laws")[1].split("## Failures")[0]
    assert "| law.hit@10 |" in laws_section and "Gold unit" not in laws_section
    assert "gold meeting not among the meetings of the top results" in md
    data = report.to_json()
    assert data["metrics"]["diet"]["hybrid"]["meeting.hit@10"] == pytest.approx(2 / 3)
    assert "meeting.hit@10" not in data["metrics"]["laws"]["hybrid"]


# ---- the committed question set -------------------------------------------------------------------------


def test_the_diet_question_set_is_in_the_suite_and_well_formed() -> None:
    suite = load_suite(Path("eval/suite.toml"), Path("/nonexistent"))
    questions = suite.datasets["diet_who_said"].load()
    assert len(questions) >= 48 and len({q.qid for q in questions}) == len(questions)
    assert all(q.answerable and len(q.gold) == 1 and q.gold[0].speech_id for q in questions)
    assert all(q.gold[0].speech_id.rpartition("_")[2].isdigit() and int(q.gold[0].speech_id.rpartition("_")[2]) > 0
               for q in questions)  # a speech, never the minutes' header (order 0)
    tags = [set(q.tags) for q in questions]
    assert sum("no-speaker" in t for t in tags) >= 12 and sum("speaker" in t for t in tags) >= 12
    assert all("diet" in t and len(t & {"wareki", "seireki", "no-date"}) == 1 for t in tags)
    assert all(len(t & {"speaker", "no-speaker", "position"}) == 1 for t in tags)
