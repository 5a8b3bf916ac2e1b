"""Personal data found and masked before text leaves for an external model, and put back in the answer.

Kinds and how each is found (on a copy of the text with full-width ASCII and dashes folded, so
０９０－１２３４－５６７８ is found like 090-1234-5678; positions stay those of the original):

* 個人番号 (マイナンバー) — 12 digits, optionally in groups of four, whose last digit is the check digit of
  番号法施行令第8条 (`my_number_valid`); a 12-digit number that fails it is left alone.
* 電話番号 — a leading 0 or +81, then 10 digits (11 for 050/070/080/090/020/0800), with or without
  hyphens, spaces or parentheses. Dates, amounts and postal codes never start with 0 and 10–11 digits.
* メール — the usual local@domain.tld.
* 住所 — 〒/郵便番号 with its code (and the address after it), or a 都道府県 or a run of kanji ending in
  市区町村 followed by a block number: N丁目…, N番地…, N番N号, N-N-N. Statute text (第N条, 法律第N号,
  市町村の第三号) has no such block number.
* 氏名 — Sudachi's 名詞,固有名詞,人名 (the project's shared dictionary, `govrag.index.sparse`): a 姓 of two
  or more characters, a 姓 with a 名, or any of them before さん/氏/様/君/殿…

Each distinct original gets one placeholder (〔電話番号1〕, 〔氏名2〕 …) for the whole request: pass the
previous `Masked` as `known` to mask the sources after the question with the same numbering. `unmask`
puts the originals back in the model's answer, `StreamUnmasker` in an answer streamed in pieces.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal

from govrag.index.sparse import SudachiTokenizer

Kind = Literal["my_number", "phone", "email", "address", "name"]
LABELS: Final[dict[str, str]] = {
    "my_number": "個人番号", "phone": "電話番号", "email": "メール", "address": "住所", "name": "氏名"}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    kind: Kind
    original: str
    placeholder: str

    def record(self) -> dict[str, str]:
        """What the audit log keeps: never the original, only a short hash to match it against."""
        return {"kind": self.kind, "placeholder": self.placeholder,
                "hash": hashlib.sha256(self.original.encode("utf-8")).hexdigest()[:16]}


@dataclass(frozen=True, slots=True)
class Masked:
    text: str
    #: Every placeholder of the request so far (those of `known` first), one per distinct original.
    spans: tuple[PiiSpan, ...]


# -- folding: full-width ASCII → ASCII, dashes → "-", one character for one (positions are kept) ------------
_FOLD: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20} | {
    ord(c): ord("-") for c in "‐‑‒–—―−ー－ｰ"}


def fold(text: str) -> str:
    """Full-width ASCII as ASCII and every dash as "-", one character for one (offsets stay valid)."""
    return text.translate(_FOLD)


# -- 個人番号 --------------------------------------------------------------------------------------------
def my_number_valid(digits: str) -> bool:
    """The check digit of a 12-digit 個人番号 (番号法施行令第8条): with P(n) the n-th of the first 11
    digits counted from the right and Q(n) = n+1 for n <= 6, n-5 for n >= 7, the check digit is
    0 if sum(P·Q) mod 11 <= 1, else 11 - (sum mod 11)."""
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        return False
    body = digits[:11][::-1]
    total = sum(int(p) * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(body, 1))
    rest = total % 11
    return int(digits[11]) == (0 if rest <= 1 else 11 - rest)


_MY_NUMBER = re.compile(r"(?<![\d-])(\d{4})([ -]?)(\d{4})\2(\d{4})(?![\d-])", re.ASCII)

# -- 電話番号 --------------------------------------------------------------------------------------------
_PHONE = re.compile(r"""(?<![\dA-Za-z+\-])(?:
      (?:\+81[ -]?(?:\(0\))?|0)\d{1,4}(?:-|\ |\)\ ?|\()\d{1,4}(?:-|\ |\)\ ?)\d{3,4}
    | \(0\d{1,4}\)\ ?\d{1,4}[-\ ]\d{3,4}
    | \+81\d{9,10} | 0\d{9,10}
    )(?![\d\-])""", re.VERBOSE | re.ASCII)
_LONG_PREFIXES: Final = ("020", "050", "060", "070", "080", "090", "0800")
_SHORT_ZERO_PREFIXES: Final = ("0120", "0570", "0990")


def _phone_digits(candidate: str) -> str:
    """The domestic digits of a number: +81 3-1234-5678 and +81 (0)3 1234 5678 are 0312345678."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", candidate))
    if candidate.lstrip().startswith(("+81", "＋８１")):
        digits = digits[2:]
        digits = digits if digits.startswith("0") else "0" + digits
    return digits


def _phone_valid(candidate: str) -> bool:
    digits = _phone_digits(candidate)
    if digits.startswith(_LONG_PREFIXES):
        return len(digits) == 11
    if digits[1] == "0" and not digits.startswith(_SHORT_ZERO_PREFIXES):
        return False
    return len(digits) == 10


# -- メール ----------------------------------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,}")

# -- 住所 ------------------------------------------------------------------------------------------------
_PREFS: Final = "北海道|東京都|京都府|大阪府|" + "|".join(f"{p}県" for p in (  # noqa: SIM905
    "青森 岩手 宮城 秋田 山形 福島 茨城 栃木 群馬 埼玉 千葉 神奈川 新潟 富山 石川 福井 山梨 長野 岐阜 静岡 愛知 三重 "
    "滋賀 兵庫 奈良 和歌山 鳥取 島根 岡山 広島 山口 徳島 香川 愛媛 高知 福岡 佐賀 長崎 熊本 大分 宮崎 鹿児島 沖縄").split())
_NUM = r"[0-9〇一二三四五六七八九十百千]+"
_DASH = r"\ ?-\ ?"  # the gazette's PDF layer sometimes sets a space before the hyphen
_BLOCK = (rf"(?:{_NUM}丁目(?:{_NUM}(?:番地?|{_DASH})(?:の?{_NUM}号?)?)?"
          rf"|{_NUM}番地(?:の?{_NUM}号?)?|{_NUM}番{_NUM}号|{_NUM}{_DASH}{_NUM}{_DASH}{_NUM})")
_ROOM = rf"(?:\ ?[^\s、。，,「」『』（）()【】]{{0,20}}?{_NUM}号室)?"
_PLACE = r"[^\s、。，,「」『』（）()【】［］\[\]第条項]"
_KANJI = r"[\u4e00-\u9fff々ヶケ]"
# A 都道府県 and a block number (霞が関2-1-2), or N-N after its 市区町村 (清瀬市中清戸3-235, not 北海道は3-4月);
# without a 都道府県, a run of kanji ending in 市区町村 and one of the block forms statutes never use.
_STREET = (rf"(?:(?:{_PREFS})(?:{_PLACE}{{0,20}}?{_BLOCK}"
           rf"|{_PLACE}{{0,12}}?[市区町村郡]{_PLACE}{{0,12}}?{_NUM}{_DASH}{_NUM}(?![0-9月日年表号条項]))"
           rf"|(?<!{_KANJI}){_KANJI}{{1,6}}?[市区町村]{_PLACE}{{0,12}}?{_BLOCK}){_ROOM}")
_ADDRESS = re.compile(rf"(?:(?:〒|郵便番号[:：]?)\ ?\d{{3}}-\d{{4}}(?:\s*{_STREET})?|{_STREET})")

# -- 氏名 ------------------------------------------------------------------------------------------------
_HONORIFICS: Final = ("さん", "様", "さま", "氏", "君", "くん", "殿", "ちゃん", "先生")
_NUMERALS: Final = frozenset("第〇一二三四五六七八九十百千0123456789０１２３４５６７８９")
_CONJUNCTIONS: Final = ("又は", "及び", "若しくは", "並びに")
_SUDACHI_CHARS: Final = 4_000  # well under Sudachi's 49,149-byte input limit
_TOKENIZER = SudachiTokenizer()  # its per-thread Sudachi tokenizer over the process's shared dictionary


def _role(m: Any) -> str | None:
    """姓 or 名 for a 人名 morpheme, else None."""
    pos = m.part_of_speech()
    return pos[3] if pos[:3] == ("名詞", "固有名詞", "人名") else None


def _statute_words(text: str, start: int, end: int) -> bool:
    """Sudachi reads some statute text as names: 長又(は), 国又(は), 第九百七十一条 and 次に一条を加える (一条)."""
    return (text[max(0, start - 1):start] in _NUMERALS or text[end - 1:end + 3].startswith(_CONJUNCTIONS)
            or (text[start] in _NUMERALS and text[end - 1] in "条項号章節款目編"))


def _names(text: str) -> Iterator[tuple[int, int]]:
    """Runs of 人名 morphemes (a space allowed between them) that look like a person."""
    tokenizer = _TOKENIZER._state().tokenizer
    for piece in re.finditer(rf"[^\n]{{1,{_SUDACHI_CHARS}}}", text):
        ms = list(tokenizer.tokenize(piece.group()))
        i = 0
        while i < len(ms):
            if _role(ms[i]) is None:
                i += 1
                continue
            run, j = [ms[i]], i + 1
            while j < len(ms):
                if _role(ms[j]) is not None:
                    run.append(ms[j])
                elif not (ms[j].surface().isspace() and j + 1 < len(ms) and _role(ms[j + 1]) is not None):
                    break
                j += 1
            start, end = piece.start() + run[0].begin(), piece.start() + run[-1].end()
            roles = {_role(m) for m in run}
            honoured = j < len(ms) and ms[j].surface() in _HONORIFICS
            long_surname = any(_role(m) == "姓" and len(m.surface()) >= 2 for m in run)
            if (honoured or long_surname or roles == {"姓", "名"}) and not _statute_words(text, start, end):
                yield start, end
            i = j


# -- masking ---------------------------------------------------------------------------------------------
def _find(text: str, *, names: bool) -> list[tuple[int, int, Kind]]:
    folded = fold(text)
    found: list[tuple[int, int, Kind]] = []
    found += [(m.start(), m.end(), "my_number") for m in _MY_NUMBER.finditer(folded)
              if my_number_valid(m.group(1) + m.group(3) + m.group(4))]
    found += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(folded)]
    found += [(m.start(), m.end(), "phone") for m in _PHONE.finditer(folded) if _phone_valid(m.group())]
    found += [(m.start(), m.end(), "address") for m in _ADDRESS.finditer(folded)]
    if names:
        found += [(b, e, "name") for b, e in _names(text)]
    kept: list[tuple[int, int, Kind]] = []
    for start, end, kind in sorted(found, key=lambda f: (f[0], f[0] - f[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end, kind))
    return kept


def _canonical(kind: str, original: str) -> str:
    """One key for spellings of the same value (090-1234-5678 and ０９０１２３４５６７８)."""
    if kind == "phone":
        return _phone_digits(original)
    folded = unicodedata.normalize("NFKC", original)
    return re.sub(r"\D", "", folded) if kind == "my_number" else re.sub(r"\s", "", folded).lower()


def mask(text: str, *, names: bool = True, known: Masked | None = None) -> Masked:
    """`text` with every personal datum replaced by its placeholder; `known` continues a request's
    numbering (the same value keeps its placeholder)."""
    spans = list(known.spans if known else ())
    by_value = {(s.kind, _canonical(s.kind, s.original)): s for s in spans}
    out: list[str] = []
    at = 0
    for start, end, kind in _find(text, names=names):
        original = text[start:end]
        span = by_value.get((kind, _canonical(kind, original)))
        if span is None:
            number = sum(s.kind == kind for s in spans) + 1
            span = PiiSpan(kind, original, f"〔{LABELS[kind]}{number}〕")
            spans.append(span)
            by_value[(kind, _canonical(kind, original))] = span
        out += [text[at:start], span.placeholder]
        at = end
    out.append(text[at:])
    return Masked("".join(out), tuple(spans))


def unmask(text: str, spans: Iterable[PiiSpan]) -> str:
    """Put the originals back where a model's answer kept the placeholders."""
    originals = {s.placeholder: s.original for s in spans}
    if not originals:
        return text
    pattern = re.compile("|".join(re.escape(p) for p in sorted(originals, key=len, reverse=True)))
    return pattern.sub(lambda m: originals[m.group()], text)


class StreamUnmasker:
    """`unmask` for an answer streamed in pieces: a placeholder cut between two pieces (「〔氏」「名1〕」)
    is held back until it is whole, so no piece shows half a placeholder or misses an original."""

    def __init__(self, spans: Iterable[PiiSpan]) -> None:
        self.spans = tuple(spans)
        self._longest = max((len(s.placeholder) for s in self.spans), default=0)
        self._held = ""

    def feed(self, piece: str) -> str:
        """What can be shown now, originals put back."""
        text = self._held + piece
        cut = text.rfind("〔")
        if cut >= 0 and "〕" not in text[cut:] and len(text) - cut < self._longest:
            text, self._held = text[:cut], text[cut:]
        else:
            self._held = ""
        return unmask(text, self.spans)

    def flush(self) -> str:
        """The rest, at the end of the stream."""
        text, self._held = self._held, ""
        return unmask(text, self.spans)
