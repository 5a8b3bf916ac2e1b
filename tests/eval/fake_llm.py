"""A deterministic llama-index LLM for tests: picks the option sharing most characters with the provisions.

No network, no model: it exercises the multiple-choice path (prompt → complete → letter)
with an answerer whose choices follow the evidence, so accuracy is neither 0 nor 1 by design.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata

from govrag.eval.choice import parse_choices


class OverlapLLM(CustomLLM):
    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="overlap-test")

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        provisions = prompt.split("## 条文", 1)[1].split("## 問題", 1)[0]
        options = parse_choices(prompt.split("## 選択肢", 1)[1])
        best = max(sorted(options), key=lambda k: len(set(options[k]) & set(provisions)))
        return CompletionResponse(text=f"回答: {best}")

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        yield self.complete(prompt)


def make() -> OverlapLLM:
    return OverlapLLM()
