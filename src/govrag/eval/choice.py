"""Multiple-choice answering for lawqa_jp with any llama-index LLM, and reading its choice back.

The LLM sees the question, the options and the retrieved provisions (numbered, with
citation labels), and must reply with one letter. Accuracy is that letter against
`output`; order consistency compares the *content* of the chosen option across the
shuffled copies in `selection_randomized*` (the same question, options reordered).
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from govrag.models import Chunk

_OPTION = re.compile(r"^\s*([a-dａ-ｄ])[\s\.．:：、)）]\s*(.*)$")
_ANSWER = re.compile(r"(?:回答|答え|正解|answer)\s*[:：は]?\s*[（(]?\s*([a-dａ-ｄ])\b", re.I)
_LONE = re.compile(r"(?<![A-Za-z])([a-d])(?![A-Za-z])")
_FULLWIDTH = str.maketrans("ａｂｃｄ", "abcd")
MAX_EVIDENCE_CHARS = 6_000


def parse_choices(text: str) -> dict[str, str]:
    """'a …\\nb …' → {'a': '…', 'b': '…'}; continuation lines join the option above."""
    out: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        m = _OPTION.match(line)
        if m:
            last = m.group(1).translate(_FULLWIDTH)
            out[last] = m.group(2).strip()
        elif last and line.strip():
            out[last] += " " + line.strip()
    return out


def choice_prompt(question: str, choices: str, evidence: Sequence[Chunk], max_chars: int = MAX_EVIDENCE_CHARS) -> str:
    """`max_chars` bounds the provisions' text (a small local model reads a few hundred characters a second)."""
    provisions, used = [], 0
    for i, c in enumerate(evidence, start=1):
        room = max_chars - used
        if room <= 0:
            break
        block = f"[{i}] {c.label}\n{c.body}"[:room]
        provisions.append(block)
        used += len(block)
    return (
        "次の条文だけを根拠に、問題に対する正しい選択肢を一つ選んでください。\n"
        "回答は「回答: a」のように、選択肢の記号 a〜d を一つだけ書いてください。\n\n"
        "## 条文\n" + "\n\n".join(provisions) + f"\n\n## 問題\n{question}\n\n## 選択肢\n{choices}\n"
    )


def read_choice(reply: str) -> str | None:
    """The letter the reply chose: after 回答/答え/answer if present, else a lone a–d; None if unclear."""
    text = reply.translate(_FULLWIDTH)
    if m := _ANSWER.search(text):
        return m.group(1).lower()
    letters = set(_LONE.findall(text))
    return letters.pop() if len(letters) == 1 else None


def answer_choice(llm: Any, question: str, choices: str, evidence: Sequence[Chunk],
                  max_chars: int = MAX_EVIDENCE_CHARS) -> tuple[str | None, str]:
    """Ask a llama-index LLM (anything with `complete(prompt).text`); returns (letter or None, raw reply)."""
    reply = str(llm.complete(choice_prompt(question, choices, evidence, max_chars)).text)
    return read_choice(reply), reply


def load_llm(spec: str) -> Any:
    """'package.module:factory' → factory(): how users plug in their own llama-index LLM."""
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"LLM spec must look like 'package.module:factory', not {spec!r}")
    if os.getcwd() not in sys.path:  # like uvicorn's 'module:app': a module in the working directory loads
        sys.path.insert(0, os.getcwd())
    try:
        factory = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load the LLM {spec!r}: {exc}") from None
    return factory()
