"""A report's text: the matching passages of each source, and, with a model, sections written from them.

Without a model a section is its sources' matching passages, quoted verbatim with their [n]:
nothing in it can be unsupported. With one, each section is written from its own sources only
and then read by the answer verifier (answer/verify.py) sentence by sentence. A sentence its
sources do not carry stays in the report, marked (the researcher checks the report line by
line, and sees where to look); a section that cites a source it was not given, quotes what no
source says, names a law or provision that does not exist, or has no sentence its sources carry
is replaced by its quotes, with the reasons kept beside it. The model sees a section's sources numbered [1]…[k] (a small model writes
[1] whatever it is shown), and its markers are renumbered to the report's once checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from llama_index.core.llms import LLM

from govrag.answer import llm as llms
from govrag.answer.extractive import quote_pieces
from govrag.answer.prompt import PromptSource, build_prompt
from govrag.answer.verify import MARKER, Evidence, NameCheck, Tokens, verify
from govrag.numerals import to_halfwidth_digits
from govrag.research.records import ReportSource, Section
from govrag.safeguards import pii

Coverage = Callable[[str, str], float]

MAX_HIGHLIGHTS = 3
MIN_HIGHLIGHT = 0.34  # a passage holding a third of what was asked is worth reading first
PASSAGE_CHARS = 240


def highlights(text: str, source: str, asked: Sequence[str], coverage: Coverage) -> tuple[tuple[int, int], ...]:
    """The spans of `text` (whole 項 or sentences, the units a quote may stop between) that hold most of
    what any of `asked` asks: the best one when it holds anything, and up to `MAX_HIGHLIGHTS` holding at
    least `MIN_HIGHLIGHT`, in text order."""
    pieces = quote_pieces(source, text)
    asks = [a for a in asked if coverage(a, "") < 1.0]  # a query naming only a provision asks nothing more
    if not asks or not pieces:
        return ()
    spans, at = [], 0
    for piece in pieces:
        spans.append((at, at + len(piece)))
        at += len(piece)
    scores = [max(coverage(a, piece) for a in asks) for piece in pieces]
    best = max(range(len(pieces)), key=lambda i: scores[i])
    if scores[best] <= 0:
        return ()
    chosen = sorted(i for i in sorted(range(len(pieces)), key=lambda i: -scores[i])[:MAX_HIGHLIGHTS]
                    if i == best or scores[i] >= MIN_HIGHLIGHT)
    return tuple(_trimmed(text, spans[i]) for i in chosen)


def _trimmed(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The span without the white space at its ends (line breaks between 項 are no part of a passage)."""
    a, b = span
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def quoted(section: Section, sources: Sequence[ReportSource]) -> Section:
    """The section as its sources' matching passages (the start of the text when none matched), each
    quoted verbatim after its [n] and label."""
    by_n = {s.n: s for s in sources}
    lines = []
    for n in section.sources:
        s = by_n[n]
        passages = s.passages or [s.text]
        quote = "…".join(_cut(p) for p in passages)
        lines.append(f"[{n}] {s.label}：「{quote}」")
    return replace(section, text="\n".join(lines), generated=False, sentences=())


def _cut(passage: str) -> str:
    passage = passage.strip()
    return passage if len(passage) <= PASSAGE_CHARS else passage[:PASSAGE_CHARS].rstrip() + "…"


def section_prompt_question(question: str, title: str) -> str:
    return f"調査依頼「{question}」についての報告書の節「{title}」を、下の資料だけに基づいて書いてください。"


def written(
    model: LLM, question: str, section: Section, given: dict[int, PromptSource], texts: dict[int, str],
    sources: Sequence[ReportSource], *, tokens: Tokens, names: NameCheck, absent: frozenset[str],
    notes: Sequence[str], spans: Sequence[pii.PiiSpan] = (), record: Callable[[str, str], None] | None = None,
) -> Iterator[tuple[str, object]]:
    """("delta", text) while the model writes the section, then ("section", Section): the checked text,
    or its quotes when the model failed or the check found a fabrication. `given` holds the sources the
    model may see (masked, numbered as in the report), `texts` what they are checked against;
    `record(prompt, reply)` keeps both for the audit log. `LLMError` is handled here."""
    numbers = [n for n in section.sources if n in given]
    if not numbers:  # every source of the section is withheld from the model (機密性): quotes only
        yield "section", replace(quoted(section, sources), problems=("機密性の指定により生成モデルに送れない資料の節です。",))
        return
    # The model sees the section's sources as [1]…[k] (a small model writes [1] whatever it is shown);
    # its markers are renumbered to the report's after the check, which runs on what the model saw.
    report_n = dict(enumerate(numbers, start=1))
    asked = section_prompt_question(question, section.title)
    prompt = build_prompt(asked, [replace(given[n], n=i) for i, n in report_n.items()], notes)
    parts: list[str] = []
    unmask = pii.StreamUnmasker(spans)
    shown = _Renumbered(report_n)
    try:
        for piece in llms.stream(model, prompt):
            parts.append(piece)
            if visible := shown.feed(unmask.feed(piece)):
                yield "delta", visible
        if rest := shown.feed(unmask.flush()) + shown.flush():
            yield "delta", rest
    except llms.LLMError as exc:
        if record:
            record(prompt.text, "".join(parts))
        yield "section", replace(quoted(section, sources), problems=(exc.warning,))
        return
    raw = "".join(parts)
    if record:
        record(prompt.text, raw)
    text = pii.unmask(raw, spans).strip() if spans else raw.strip()
    evidence = Evidence(sources={i: texts[n] for i, n in report_n.items() if n in texts}, notes=notes,
                        question=asked, absent=absent)
    check = verify(text, evidence, tokens, names, policy="warn")
    fabricated = (*(() if check.grounded else ("資料に基づく文がありません",)),
                  *(f"[{n}] はこの節の資料（{len(report_n)}件）にない番号です" for n in check.unknown_markers),
                  *(f"引用「{q}」は引用元の資料にありません" for q in check.forged_quotes),
                  *(f"「{x}」は資料（収録法令・発言者）にありません" for x in check.unknown_names),
                  *(f"{p} は資料の法令にありません" for p in check.missing_provisions),
                  # A section none of whose sentences its sources carry (a small model echoing the prompt,
                  # copying the example) says nothing a reader can use: its quotes do.
                  *(("どの文も出典で裏付けられません",) if check.sentences and not any(c.supported for c in check.sentences)
                    else ()))
    if fabricated:
        yield "section", replace(quoted(section, sources), problems=("生成した節は検証に通らなかったため、資料の引用を示します。",
                                                                      *fabricated))
        return
    text = renumber(text, report_n)
    check = replace(check, sentences=tuple(
        replace(c, text=renumber(c.text, report_n), cites=tuple(report_n[i] for i in c.cites)) for c in check.sentences))
    problems = tuple(f"根拠のない文: {c.text}" for c in check.sentences if not c.supported)
    yield "section", replace(section, text=text, generated=True, sentences=check.sentences, problems=problems)


def renumber(text: str, numbers: dict[int, int]) -> str:
    """[i] (or ［ｉ］) → [numbers[i]]; a marker not in `numbers` is left as written."""
    def one(m: re.Match[str]) -> str:
        i = int(to_halfwidth_digits(m.group(1)))
        return f"[{numbers[i]}]" if i in numbers else m.group(0)
    return MARKER.sub(one, text)


class _Renumbered:
    """`renumber` over a stream: a piece that ends inside a marker (「[1」) waits for the rest."""

    def __init__(self, numbers: dict[int, int]) -> None:
        self.numbers = numbers
        self.held = ""

    def feed(self, piece: str) -> str:
        text = self.held + piece
        cut = max(text.rfind("["), text.rfind("［"))
        if cut >= 0 and not any(c in text[cut:] for c in "]］") and len(text) - cut <= 5:
            text, self.held = text[:cut], text[cut:]
        else:
            self.held = ""
        return renumber(text, self.numbers)

    def flush(self) -> str:
        rest, self.held = self.held, ""
        return renumber(rest, self.numbers)
