"""Question sets with gold units: the Digital Agency's lawqa_jp, and govrag's own JSONL.

lawqa_jp gives its evidence as Markdown in `コンテキスト`: a heading with the law
title (any level), then headings 第N条, 第M項, 第K号. Those headings are the
gold (law, article) pairs a retriever must find. govrag's JSONL may also name a
Diet speech (`{"speech_id": ...}`) as gold: the unit a minutes chunk belongs to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from govrag.sources.laws.numbers import article_title_to_num, to_halfwidth_digits

_HEADING = re.compile(r"^#+\s*(.+?)\s*$")
_ARTICLE = re.compile(r"^(?:附則)?第[0-9０-９〇一二三四五六七八九十百千]+条(?:の[0-9０-９〇一二三四五六七八九十百]+)*$")
_NOT_A_LAW = re.compile(r"^(?:第|別表|\(|（|附則$|[0-9A-Za-z.\-\s]+$)")


#: The first part of a speech's unit key, as `govrag.sources.registry.unit_key` gives it for minutes chunks.
SPEECH = "speech"
PAGE = "page"


@dataclass(frozen=True, slots=True)
class Gold:
    """One gold unit: a law article, a whole law-like document, a Diet speech or a gazette page.

    A speech gold has `speech_id` set ("121703815X00120250214_012") and an empty
    `law_title`; its key is ("speech", speech_id), the key minutes chunks carry.
    A page gold has `page` set ("20250714c00129:2"), keyed ("page", "issue_id:page").
    """

    law_title: str
    article_num: str | None  # "709_2"; None when the gold is a whole document (a guideline, a 告示)
    speech_id: str | None = None
    page: str | None = None

    @classmethod
    def speech(cls, speech_id: str) -> Gold:
        return cls("", None, speech_id)

    @classmethod
    def gazette_page(cls, issue_id: str, page: int) -> Gold:
        return cls("", None, None, f"{issue_id}:{page}")

    @property
    def key(self) -> tuple[str, str] | None:
        """What retrieved chunks are compared with: (law title, article), ("speech", speech_id) or
        ("page", "issue_id:page"); None for a whole document, which no single chunk stands for."""
        if self.speech_id:
            return SPEECH, self.speech_id
        if self.page:
            return PAGE, self.page
        return (self.law_title, self.article_num) if self.article_num else None


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    qid: str
    question: str
    choices: str
    answer: str
    gold: tuple[Gold, ...]
    tags: tuple[str, ...] = field(default_factory=tuple)
    answerable: bool = True

    @property
    def query(self) -> str:
        """What a retriever is given: the question and, for multiple choice, the options (they carry the content)."""
        return f"{self.question}\n{self.choices}" if self.choices else self.question


def load_lawqa(path: Path) -> list[EvalQuestion]:
    """Read `selection*.json` ({"samples": [...]}) with gold from the context headings."""
    samples = json.loads(path.read_text(encoding="utf-8"))["samples"]
    questions = []
    for i, s in enumerate(samples):
        name = s.get("ファイル名", f"q{i}")
        questions.append(
            EvalQuestion(
                qid=name,
                question=s["問題文"].strip(),
                choices=s.get("選択肢", "").strip(),
                answer=s.get("output", "").strip(),
                gold=parse_context_gold(s.get("コンテキスト", "")),
                tags=tuple(t for t in name.split("_")[:4] if not t.startswith("問題番号")),
            )
        )
    return questions


def parse_context_gold(context: str) -> tuple[Gold, ...]:
    """(law, article) pairs in order of first mention; a law heading with no article under it is kept whole."""
    gold: list[Gold] = []
    law: str | None = None
    law_has_article = False
    for line in context.splitlines():
        m = _HEADING.match(line)
        if not m:
            continue
        text = to_halfwidth_digits(m.group(1))
        if _ARTICLE.match(text):
            if law is not None:
                g = Gold(law, article_title_to_num(text.removeprefix("附則")))
                if g not in gold:
                    gold.append(g)
                law_has_article = True
        elif not _NOT_A_LAW.match(text) and not text.endswith(("項", "号")):
            if law is not None and not law_has_article:
                gold.append(Gold(law, None))
            law, law_has_article = text, False
    if law is not None and not law_has_article:
        gold.append(Gold(law, None))
    return tuple(gold)


def load_jsonl(path: Path) -> list[EvalQuestion]:
    """govrag's own format, one question per line:
    {"qid", "question", "gold": [{"law_title", "article"} | {"speech_id"} | {"issue_id", "page"}],
    "answerable": true, "tags": [...],
    "answer": "..."}"""
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            gold = tuple(_gold(g) for g in row.get("gold", []))
            questions.append(
                EvalQuestion(
                    qid=row["qid"],
                    question=row["question"],
                    choices="",
                    answer=row.get("answer", ""),
                    gold=gold,
                    tags=tuple(row.get("tags", ())),
                    answerable=bool(row.get("answerable", True)),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{n}: not a question record ({exc})") from None
    return questions


def _gold(entry: dict[str, str]) -> Gold:
    """{"speech_id": ...} names a Diet speech; {"issue_id", "page"} a gazette page; {"law_title", "article"}
    a law article (or the whole law)."""
    if "issue_id" in entry:
        page = entry.get("page")
        if not isinstance(page, int) or page < 1 or not str(entry["issue_id"]).strip():
            raise ValueError(f"a gazette gold needs an issue_id and a page number ≥ 1: {entry}")
        return Gold.gazette_page(str(entry["issue_id"]).strip(), page)
    if "speech_id" in entry:
        speech_id = entry["speech_id"]
        if not isinstance(speech_id, str) or not speech_id.strip():
            raise ValueError(f"empty speech_id in {entry}")
        return Gold.speech(speech_id.strip())
    return Gold(entry["law_title"], entry.get("article"))
