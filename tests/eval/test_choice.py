"""Multiple choice: option parsing, reading the model's letter, accuracy and order consistency."""

from __future__ import annotations

import pytest

from govrag.eval.choice import answer_choice, choice_prompt, load_llm, parse_choices, read_choice
from govrag.eval.runner import metrics
from govrag.models import Chunk
from tests.eval.fake_llm import OverlapLLM
from tests.eval.test_runner import rec

CHOICES = "a 借地権の存続期間は三十年\nb 借地権の存続期間は十年\n  （更新後）\nc 建物の賃貸借は一年\nd 定めはない"


def provision(body: str) -> Chunk:
    return Chunk(id="x", source="law", doc_id="d", doc_title="借地借家法", version="v", unit="3", seq=0,
                 heading="借地借家法", body=body, label="借地借家法 第三条", url="u", hash="h")


def test_parse_choices_joins_continuation_lines() -> None:
    assert parse_choices(CHOICES) == {"a": "借地権の存続期間は三十年", "b": "借地権の存続期間は十年 （更新後）",
                                      "c": "建物の賃貸借は一年", "d": "定めはない"}


@pytest.mark.parametrize(("reply", "letter"), [
    ("回答: c", "c"), ("答えは（ｂ）です", "b"), ("a", "a"), ("正解：D", "d"), ("b か c のどちらか", None), ("", None),
])
def test_read_choice(reply: str, letter: str | None) -> None:
    assert read_choice(reply) == letter


def test_the_llm_answers_from_the_evidence_in_the_prompt() -> None:
    evidence = [provision("借地権の存続期間は、三十年とする。")]
    prompt = choice_prompt("借地権の存続期間は", CHOICES, evidence)
    assert "[1] 借地借家法 第三条" in prompt and "回答: a" in prompt
    letter, reply = answer_choice(OverlapLLM(), "借地権の存続期間は", CHOICES, evidence)
    assert (letter, reply) == ("a", "回答: a")


def test_accuracy_and_order_consistency_by_hand() -> None:
    records = []
    for qid, picks in (("q1", [("a", "X", True), ("c", "X", True)]),  # same content in two orders: consistent
                       ("q2", [("b", "Y", False), ("b", "Z", True)]),  # content changed with the order
                       ("q3", [("d", "W", True)])):  # asked once: no consistency verdict
        for letter, text, ok in picks:
            r = rec(qid)
            r.choice, r.choice_text, r.choice_correct = letter, text, ok
            records.append(r)
    m = metrics(records)
    assert m["answer.mc_accuracy"] == pytest.approx(4 / 5)
    assert m["answer.mc_order_consistency"] == pytest.approx(1 / 2)
    assert metrics([rec("q")])["answer.mc_accuracy"] is None  # no LLM ran: not measured, not 0


def test_load_llm() -> None:
    assert isinstance(load_llm("tests.eval.fake_llm:make"), OverlapLLM)
    with pytest.raises(ValueError, match="package.module:factory"):
        load_llm("no-colon")
    with pytest.raises(ValueError, match="cannot load"):
        load_llm("tests.eval.fake_llm:missing")
