"""The answer records every answerer returns (extractive or generated) and the API serialises.

One definition, so the eval, the API, the audit log and the verifier read the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
NO_EVIDENCE = "資料からは分かりません。検索した資料の中に、この質問に十分に答える記述が見つかりませんでした。"


@dataclass(frozen=True, slots=True)
class AnswerCitation:
    n: int
    label: str
    url: str
    chunk_id: str
    source: str
    quote: str


@dataclass(frozen=True, slots=True)
class SentenceCheck:
    """One sentence of a generated answer and whether its cited sources carry it."""

    text: str
    cites: tuple[int, ...]
    #: Share of the sentence's content words (and every number) found in the sources it cites.
    support: float
    supported: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Verification:
    """The machine-readable check of a generated answer against the sources it was given."""

    passed: bool
    #: "refuse" (a failed answer is replaced by the extractive one) or "warn" (returned, with warnings).
    policy: str
    sentences: tuple[SentenceCheck, ...] = ()
    #: [n] markers that name no source given to the model.
    unknown_markers: tuple[int, ...] = ()
    #: 「…」 spans not found verbatim in the source they cite.
    forged_quotes: tuple[str, ...] = ()
    #: Names the answer states that no stored or known document has (a law, a speaker).
    unknown_names: tuple[str, ...] = ()
    #: Provisions the answer states (law + 条) that the store does not hold.
    missing_provisions: tuple[str, ...] = ()

    #: Sentences marked ［資料外］: declared as not taken from the sources (shown, not counted as unsupported).
    outside: tuple[str, ...] = ()
    #: Some sentence was checked against the sources (or the answer is the refusal): an answer made only
    #: of ［資料外］ sentences is not grounded, and fails.
    grounded: bool = True
    #: What the search found wrong with the question (a missing provision, an absent law) that the answer
    #: neither corrected first nor declined for.
    uncorrected_premise: tuple[str, ...] = ()

    @property
    def unsupported(self) -> int:
        return sum(1 for s in self.sentences if not s.supported)

    @property
    def failures(self) -> tuple[str, ...]:
        """One line per failure, in the user's language."""
        return (
            *(() if self.grounded else ("資料に基づく文がありません（出典番号のある文がありません）",)),
            *(f"質問の前提の誤り（{p}）を最初に指摘していません" for p in self.uncorrected_premise),
            *(f"[{n}] は提示した資料にありません" for n in self.unknown_markers),
            *(f"引用「{q}」は引用元の資料にありません" for q in self.forged_quotes),
            *(f"「{name}」は資料（収録法令・発言者）にありません" for name in self.unknown_names),
            *(f"{p} は資料の法令にありません" for p in self.missing_provisions),
            *(f"根拠のない文: {s.text}" for s in self.sentences if not s.supported),
        )


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    text: str
    sufficient: bool
    citations: list[AnswerCitation]
    evidence: float
    mode: str = "extractive"
    timings_ms: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: Filters read from the question itself (see `SearchResult.applied_filters`).
    applied_filters: tuple[str, ...] = ()
    #: The check of a generated answer (None for an extractive one: quotes are verbatim by construction).
    verification: Verification | None = None
    #: The model that wrote it ("extractive" answers have none).
    model: str | None = None
    #: Risk cases this answer raised ("verification_failed", "injection", "routing_blocked", "llm_error", …).
    flags: tuple[str, ...] = ()
