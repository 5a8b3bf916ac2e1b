"""Verification of a generated answer against the sources it was given.

Four checks, each cheap and each one a user would otherwise make by hand:

* every [n] names a source that was given;
* every 「…」 span appears verbatim in a source the sentence cites (or in the question: quoting the
  user's own words is not a forged quote);
* every provision and name the answer states exists (the sources' own hint readers, run over the
  answer: 「民法第1500条」 is a missing provision, 「スパイ防止法」 an unknown law) — except those
  the search already found absent, which the answer is expected to correct;
* each sentence is supported: its words (the extractive answer's own measure, answer/coverage.py;
  Sudachi's normalised forms, so 三十年 and 30年 agree) are mostly found in the sources it cites, and
  so is every number it states and every negation it makes (「承継できない」 against 「承継する」).
  A sentence without a marker is supported only by the search's premise notes; one marked
  ［資料外］ is declared outside the sources and listed, not counted; an answer needs at least one
  checked sentence (or to be the refusal), and a premise the search found wrong corrected first.

Checked against a hand-labelled sample of a real model's sentences (docs/answers.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from govrag.answer.coverage import asked_words, word_coverage
from govrag.answer.prompt import NOT_IN_SOURCES, OUTSIDE
from govrag.answer.records import SentenceCheck, Verification
from govrag.numerals import to_halfwidth_digits

MARKER = re.compile(r"[\[［]([0-9０-９]{1,3})[\]］]")  # [1] or ［１］: models write either
QUOTE = re.compile(r"「([^「」]{2,})」")
_LEADING_MARKERS = re.compile(rf"\s*((?:{MARKER.pattern})+)")  # markers written after the 。
MIN_SUPPORT = 0.6
MIN_TERMS = 2  # a sentence with fewer content words makes no claim to check (「以上です。」)
#: A first sentence that says the premise is wrong: the answer corrects the question instead of answering it.
_CORRECTION = re.compile(r"存在しません|見当たりません|ではなく|誤り|誤っ|前提|定義されていません|定義はありません|規定されていません")
#: A negated predicate with a kanji stem of two or more characters: 承継できない, 適用しない, 認定されない.
_NEGATED = re.compile(r"([一-龥々]{2,})(?:することが|することは)?(?:でき|し|され|さ)(?:ない|ません|ず)")
#: What backs it in the source: a negation within a few characters after the same stem.
_NEGATION_AFTER = re.compile(r"[^。、\n]{0,10}?(?:ない|ません|ず)")
#: Weaker: a plain negation counts only when the search itself found the premise absent.
_NEGATION = re.compile(r"ありません|ない")
_ENDS = "。！？!?\n"
_DIGITS = re.compile(r"^\d+$")
_SPACE = re.compile(r"\s+")

Tokens = Callable[[str], Sequence[str]]
#: (provisions the text cites that do not exist, names in it that no known document has)
NameCheck = Callable[[str], tuple[Sequence[str], Sequence[str]]]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the answer may rest on: the numbered sources' stored text, the search's notes, the question."""

    sources: Mapping[int, str]
    notes: Sequence[str] = ()
    question: str = ""
    #: Provisions and names the search already reported absent: the answer may (must) mention them.
    absent: frozenset[str] = frozenset()


def sentences(text: str) -> list[str]:
    """Sentences, never split inside 「」, with [n] markers written after the 。 joined to the sentence before."""
    out: list[str] = []
    buf: list[str] = []
    depth = 0
    for ch in text:
        buf.append(ch)
        if ch == "「":
            depth += 1
        elif ch == "」":
            depth = max(0, depth - 1)
        elif ch in _ENDS and depth == 0:
            out.append("".join(buf))
            buf = []
    if "".join(buf).strip():
        out.append("".join(buf))
    merged: list[str] = []
    for piece in out:
        lead = _LEADING_MARKERS.match(piece)
        if lead and merged:
            merged[-1] = merged[-1].rstrip() + lead.group(1)
            piece = piece[lead.end():]
        if piece.strip():
            merged.append(piece.strip())
    return merged


def verify(text: str, evidence: Evidence, tokens: Tokens, names: NameCheck, *, policy: str = "refuse",
           min_support: float = MIN_SUPPORT) -> Verification:
    given = set(evidence.sources)
    source_terms = {n: set(tokens(t)) for n, t in evidence.sources.items()}
    note_terms = set(tokens("\n".join(evidence.notes)))
    checks: list[SentenceCheck] = []
    refused = False
    outside: list[str] = []
    unknown_markers: list[int] = []
    forged: list[str] = []
    for sentence in sentences(text):
        cites = tuple(dict.fromkeys(int(to_halfwidth_digits(n)) for n in MARKER.findall(sentence)))
        unknown_markers += [n for n in cites if n not in given and n not in unknown_markers]
        cited = [n for n in cites if n in given]
        forged += [q for q in _forged(sentence, cited, evidence) if q not in forged]
        if OUTSIDE in sentence or "[資料外]" in sentence:
            outside.append(sentence)
            continue
        claim = MARKER.sub("", sentence)
        if _refusal_only(claim):  # the refusal itself claims nothing; a sentence that also says more is checked
            refused = True
            continue
        if len(asked_words(claim, tokens)) < MIN_TERMS:
            continue
        pool = set().union(*(source_terms[n] for n in cited)) if cited else note_terms
        backing = "\n".join(evidence.sources[n] for n in cited) if cited else "\n".join(evidence.notes)
        problems = []
        support = word_coverage(claim, backing, tokens)
        numbers = sorted(t for t in set(tokens(claim)) if _DIGITS.match(t) and t not in pool)
        if numbers:
            problems.append(f"数値 {'、'.join(numbers)} は出典にありません")
        if support < min_support:
            problems.append(f"出典の語句との一致 {support:.0%}" if cited else "出典番号 [n] がなく、確認事項にもありません")
        problems += [f"否定「{neg}」は出典にありません" for neg in unbacked_negations(claim, backing)]
        checks.append(SentenceCheck(sentence, cites, round(support, 3), not problems, tuple(problems)))
    missing, unknown = names(text)
    # A name the sources themselves write (an amending law's number in a 附則's heading) is no invention.
    given_text = _squash("\n".join(evidence.sources.values()))
    missing = tuple(m for m in dict.fromkeys(missing) if not _told(m, evidence.absent) and _squash(m) not in given_text)
    unknown = tuple(u for u in dict.fromkeys(unknown) if not _told(u, evidence.absent) and _squash(u) not in given_text)
    # An answer must rest on something checked: one made only of ［資料外］ sentences (or of nothing the
    # verifier can read as a claim) is not grounded, unless it is the honest refusal.
    grounded = bool(checks) or refused
    # A premise the search found wrong (a missing provision, an unknown or unstored law) must be corrected
    # first, or the sources declared not to answer: quoting the nearest provision as if it were the one
    # asked about is the answer a user must never get.
    if evidence.absent and not refused and not corrects_premise(text, absent=True):
        problems_premise: tuple[str, ...] = tuple(sorted(evidence.absent))
    else:
        problems_premise = ()
    passed = (grounded and not (unknown_markers or forged or missing or unknown or problems_premise)
              and all(c.supported for c in checks))
    return Verification(passed, policy, tuple(checks), tuple(unknown_markers), tuple(forged), unknown, missing,
                        tuple(outside), grounded, problems_premise)


def corrects_premise(text: str, absent: bool = False) -> bool:
    """The answer opens by saying the question's premise is wrong (`absent`: the search found a cited
    provision or law missing, so a plain negation in the first sentence is that correction)."""
    first = sentences(text)[:1]
    if not first or NOT_IN_SOURCES in first[0]:
        return False
    claim = MARKER.sub("", first[0])
    return bool(_CORRECTION.search(claim) or (absent and _NEGATION.search(claim)))


def unbacked_negations(claim: str, backing: str) -> list[str]:
    """Negated predicates of a claim (「承継できない」) whose stem the backing text never negates.

    Word overlap cannot see a reversed meaning: 「地位を承継できない」 shares every word with 「地位を
    承継する」. A claim that negates what its source affirms is the commonest way a small model gets a
    provision backwards, so each negation must be found in the source too (within a few characters of
    its stem: 「対抗できない」 is backed by 「対抗することができない」)."""
    found = []
    for m in _NEGATED.finditer(claim):
        stem = m.group(1)
        if not any(_NEGATION_AFTER.match(backing, i + len(stem)) for i in _positions(backing, stem)):
            found.append(m.group(0))
    return found


def _positions(text: str, part: str) -> list[int]:
    out, i = [], text.find(part)
    while i >= 0:
        out.append(i)
        i = text.find(part, i + 1)
    return out


def _refusal_only(claim: str) -> bool:
    return claim.strip().rstrip("。．.").strip() == NOT_IN_SOURCES


def _forged(sentence: str, cited: Sequence[int], evidence: Evidence) -> list[str]:
    """Quoted spans found neither in the cited sources (every source, when none is cited) nor in the question."""
    where = [evidence.sources[n] for n in cited] or list(evidence.sources.values())
    haystacks = [_squash(t) for t in (*where, evidence.question, *evidence.notes)]
    out = []
    for quote in QUOTE.findall(sentence):
        q = _squash(quote).removesuffix("…").removesuffix("（略）")
        if not q or NOT_IN_SOURCES in q:
            continue
        if not any(q in h for h in haystacks):
            out.append(quote)
    return out


def _told(item: str, absent: frozenset[str]) -> bool:
    squashed = _squash(item)
    return any(squashed in _squash(a) or _squash(a) in squashed for a in absent)


def _squash(text: str) -> str:
    return _SPACE.sub("", text)
