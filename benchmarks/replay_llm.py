"""Replay a recorded model run: a llama-index LLM that answers each prompt with what the real model said.

    GOVRAG_REPLAY=eval/reports/local-llm/answers/report.json \\
        govrag eval --suite eval/suite-llm.toml --kpi eval/kpi-llm.toml --llm benchmarks.replay_llm:make \\
        --runs hybrid_hints --datasets unanswerable,paraphrased,lawqa_dev --sample 12 --out /tmp/rescored

A run of the local model takes an hour on 2 cores; the verifier and the answer rules change in
minutes. Replaying the recorded answers (report.json keeps the model's text for every generated
answer and the option it chose for every multiple-choice question) re-scores the same model output
with the current code, so a report can say exactly which code judged which words. A prompt the
recording does not hold gets an empty reply, which the answerer reports as an LLM error: the
report's `llm_error` count shows any mismatch.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata

from govrag.eval.choice import parse_choices

_QUESTION = re.compile(r"## 質問\n(.*?)\s*$", re.S)
_CHOICE = re.compile(r"## 問題\n(.*?)\n\n## 選択肢\n(.*)$", re.S)


class ReplayLLM(CustomLLM):
    answers: dict[str, str] = {}
    choices: dict[str, str] = {}  # question → the content of the option the model chose
    missed: int = 0

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="replay")

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        if m := _CHOICE.search(prompt):
            chosen = self.choices.get(m.group(1).strip())
            letter = next((k for k, v in parse_choices(m.group(2)).items() if v == chosen), None)
            return CompletionResponse(text=f"回答: {letter}" if letter else "")
        if m := _QUESTION.search(prompt):
            asked = m.group(1).strip()  # lawqa_jp asks 問題文 + 選択肢; the record keeps 問題文
            text = self.answers.get(asked) or next((a for q, a in self.answers.items() if asked.startswith(q)), "")
            self.missed += not text
            return CompletionResponse(text=text)
        return CompletionResponse(text="")

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        yield self.complete(prompt)


def make() -> ReplayLLM:
    llm = ReplayLLM()
    for path in os.environ["GOVRAG_REPLAY"].split(","):
        for r in json.loads(Path(path).read_text(encoding="utf-8"))["records"]:
            if r.get("raw_answer"):
                llm.answers[r["question"].strip()] = r["raw_answer"]
            if r.get("choice_text"):
                llm.choices[r["question"].strip()] = r["choice_text"]
    return llm
