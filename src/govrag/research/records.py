"""The research report: the one definition the pipeline builds, the history stores and the API, the
UI and the exports read.

Plain dataclasses with a JSON form (`as_dict` / `from_dict`), so a report read back from the
history is the same record the pipeline returned, field for field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from govrag.answer.records import SentenceCheck

#: The report shapes of the Digital Agency's internal Lawsy sibling, picked from the question's wording.
QUESTION_TYPES = ("定義確認", "手続き確認", "比較検討", "解釈適用", "政策研究", "包括分析")


@dataclass(frozen=True, slots=True)
class SubQuery:
    text: str
    #: Why it was searched, in the user's language (質問そのもの, 質問の一部, 法令ルーター: …, 生成モデル).
    why: str
    #: Documents it was confined to (the router's laws); empty: the request's own filters only.
    doc_id: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportSource:
    """Source [n] of a report: enough to show and check it without another request."""

    n: int
    chunk_id: str
    source: str
    label: str
    url: str
    heading: str
    text: str
    doc_id: str
    doc_title: str
    date: str | None
    #: [start, end) character spans of `text` that match what was asked: the passages to read first.
    highlights: tuple[tuple[int, int], ...] = ()
    #: Indices of the sub-queries that found it.
    found_by: tuple[int, ...] = ()

    @property
    def passages(self) -> list[str]:
        return [self.text[a:b] for a, b in self.highlights]


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    sources: tuple[int, ...]
    #: The section's text with [n] markers: generated prose, or the sources' matching passages quoted.
    text: str = ""
    generated: bool = False
    #: The verifier's reading of each generated sentence (empty for a section of quotes).
    sentences: tuple[SentenceCheck, ...] = ()
    #: Why a generated section was replaced by quotes, or what its check found.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MindNode:
    label: str
    children: tuple[MindNode, ...] = ()
    #: The source a leaf stands for.
    n: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "children": [c.as_dict() for c in self.children]}
        if self.n is not None:
            out["n"] = self.n
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MindNode:
        return cls(data["label"], tuple(cls.from_dict(c) for c in data.get("children", [])), data.get("n"))


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    created: str
    question: str
    question_type: str
    mode: str  # "extractive" or "generated"
    subqueries: tuple[SubQuery, ...]
    sources: tuple[ReportSource, ...]
    sections: tuple[Section, ...]
    lead: str
    conclusion: str
    mindmap: MindNode
    #: What the search found wrong with the question (a provision or law that does not exist): said first.
    premise: tuple[str, ...] = ()
    model: str | None = None
    #: The request's settings: filters, limits, confidentiality (what a rerun needs).
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    key_id: str = "anonymous"

    @property
    def unsupported(self) -> int:
        return sum(1 for s in self.sections for c in s.sentences if not c.supported)

    def source(self, n: int) -> ReportSource | None:
        return next((s for s in self.sources if s.n == n), None)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mindmap"] = self.mindmap.as_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        def section(d: dict[str, Any]) -> Section:
            return Section(d["title"], tuple(d["sources"]), d.get("text", ""), d.get("generated", False),
                           tuple(SentenceCheck(c["text"], tuple(c["cites"]), c["support"], c["supported"],
                                               tuple(c.get("problems", ()))) for c in d.get("sentences", ())),
                           tuple(d.get("problems", ())))

        return cls(
            id=data["id"], created=data["created"], question=data["question"], question_type=data["question_type"],
            mode=data["mode"],
            subqueries=tuple(SubQuery(q["text"], q["why"], tuple(q.get("doc_id", ()))) for q in data["subqueries"]),
            sources=tuple(ReportSource(**{**s, "highlights": tuple(tuple(h) for h in s.get("highlights", ())),
                                          "found_by": tuple(s.get("found_by", ()))}) for s in data["sources"]),
            sections=tuple(section(s) for s in data["sections"]), lead=data["lead"], conclusion=data["conclusion"],
            mindmap=MindNode.from_dict(data["mindmap"]), premise=tuple(data.get("premise", ())),
            model=data.get("model"), settings=dict(data.get("settings", {})), warnings=tuple(data.get("warnings", ())),
            flags=tuple(data.get("flags", ())), timings_ms=dict(data.get("timings_ms", {})),
            key_id=data.get("key_id", "anonymous"),
        )
