"""Gazette PDFs → page text in reading order, with pypdfium2 (BSD/Apache; no AGPL extractor).

Why not the text as PDFium hands it over: the gazette's pages are set in
columns, and on table pages (落札) the content stream jumps between them, so
the stream order reads the bottom of one column before its top. Here each
character's box is turned into reading coordinates (along the line, down the
lines) from the page's text angle, characters become line segments, and the
segments are put in order by recursive cuts along the widest gaps: column
gutters first, then horizontal gaps. Text printed at another angle (the
running header 「令和7年7月11日 金曜日 (号外政府調達第128号) 官報」 and the
page number in the margin) is kept apart as the page's header.

The gazette's fonts put digits, ⑴⑵…, ①②…, the thousands comma and the
hyphen of phone numbers in the Private Use Area; `GLYPHS` maps the ones seen
in the 2025 procurement issues, and any other one becomes 〓 (the usual mark
for a missing glyph) and is counted, so a new font shows up in the report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

MISSING_GLYPH = "〓"

GLYPHS: dict[str, str] = {
    "\ue0a8": "",  # rule under the running header
    "\ue61c": "-",  # hyphen in postal codes, phone numbers, addresses (〒100-8974)
    "\uea75": ",",  # thousands separator (1,412式)
    "\uea74": ".",  # decimal point (33.65ｍ)
    "\ue68d": "㎡",
    "\ue690": "㎥",
    "\ue692": "kℓ",
    "\ue200": "'",
    "\ue209": "”",
    "\ue20a": "“",
    **{chr(0xE88A + d): str(d) for d in range(10)},  # digits of the header and page numbers
    **{chr(0xE7B2 + i): chr(0x2474 + i) for i in range(12)},  # ⑴ … ⑿
    **{chr(0xE7D1 + i): chr(0x2460 + i) for i in range(10)},  # ① … ⑩
    **{chr(0xE94F + i): chr(0x249C + i) for i in range(7)},  # ⒜ … ⒢ (English summaries)
    **{chr(0xE9E5 + i): f"({k})" for i, k in enumerate("アイウエオカ")},
    # Two-digit ⒀…: the tens half "(1" and the units half "3)" are separate glyphs.
    **{chr(0xEAC1 + i): f"({i + 1}" for i in range(3)},
    **{chr(0xEACB + i): f"{(i + 1) % 10})" for i in range(10)},
}
_PUA = re.compile("[\ue000-\uf8ff]")
# A page whose margin text is set like its body (no text but the running head) prints the head as a line.
_RUNNING_HEAD = re.compile(r"^\d{0,4}(?:令和|平成|昭和)\S{0,3}年\S{0,2}月\S{0,3}日.曜日.*官報.{0,20}$")
_SOFT_HYPHEN = "\u2011"  # the summaries break English words with a non-breaking hyphen
_PARAGRAPH_START = re.compile(r"^(?:[⑴-⒇①-⑳⒜-⒵○〇◎□■◆・※]|\(\d+\)|\([ア-ン]\)|[０-９0-9]{1,2}[ 　](?!\d)|第[0-9０-９]+号)")


class PdfError(ValueError):
    """A file that is not a readable PDF (corrupt, truncated, encrypted): the message says which and why."""


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line in reading order; `ends_short` when it stops before its column's right edge
    (a paragraph ends there), so wrapped lines can be joined back."""

    text: str
    ends_short: bool = False


@dataclass(frozen=True, slots=True)
class PageText:
    """One page: its number in the issue (1-based), its lines in reading order, the header text beside them."""

    page: int
    lines: tuple[Line, ...]
    header: str = ""
    #: Private-use glyphs no entry of `GLYPHS` covers (printed as 〓).
    unknown_glyphs: int = 0
    #: Why PDFium could not read the page (a damaged page in a file that opens): reported, never fatal.
    error: str | None = None

    @property
    def text(self) -> str:
        """Lines joined back into paragraphs: wrapped Japanese lines join without a space."""
        return unwrap(self.lines)

    @property
    def empty(self) -> bool:
        return not any(line.text.strip() for line in self.lines)


def unwrap(lines: Sequence[Line]) -> str:
    out: list[str] = []
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        if out and not out[-1].endswith("\n") and _PARAGRAPH_START.match(text):
            out[-1] += "\n"
        if out and not out[-1].endswith("\n"):
            prev = out[-1]
            if prev.endswith(_SOFT_HYPHEN) and text[:1].isascii() and text[:1].isalpha():
                out[-1] = prev[:-1]
            elif prev[-1:].isascii() and prev[-1:].isalnum() and text[:1].isascii() and text[:1].isalnum():
                out[-1] = prev + " "
        out.append(text + ("\n" if line.ends_short else ""))
    return "".join(out).strip()


def read_pdf(data: bytes, name: str, first_page: int = 1) -> Iterator[PageText]:
    """Every page of one PDF, numbered from `first_page` (a full issue starts at 1)."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PdfError(f"{name}: not a readable PDF ({exc})") from None
    try:
        for index in range(len(pdf)):
            yield _read_page(pdf, index, first_page + index)
    finally:
        pdf.close()


def _read_page(pdf: pdfium.PdfDocument, index: int, number: int) -> PageText:
    """One page; a page PDFium cannot load comes back empty with the reason, the rest of the file is read."""
    try:
        page = pdf[index]
    except pdfium.PdfiumError as exc:
        return PageText(number, (), error=str(exc))
    try:
        return page_text(page, number)
    except pdfium.PdfiumError as exc:
        return PageText(number, (), error=str(exc))
    finally:
        page.close()


def page_text(page: pdfium.PdfPage, number: int) -> PageText:
    textpage = page.get_textpage()
    try:
        chars = _chars(textpage)
    finally:
        textpage.close()
    body_angle = _dominant_angle(chars)
    body = [c for c in chars if c.generated or _same_angle(c.angle, body_angle)]
    margin = [c for c in chars if not c.generated and not _same_angle(c.angle, body_angle)]
    unknown = 0
    lines: list[Line] = []
    running: list[str] = []
    for text, short in _read_order(_segments(body, body_angle)):
        mapped, missing = _glyphs(text)
        if _RUNNING_HEAD.match(re.sub(r"\s", "", mapped)):
            running.append(mapped)  # a page with nothing else on it prints its head like the body
            continue
        unknown += missing
        lines.append(Line(mapped, short))
    header = " ".join([*running, _glyphs("".join(c.text for c in margin))[0]])
    return PageText(number, tuple(lines), " ".join(header.split()), unknown)


def _glyphs(text: str) -> tuple[str, int]:
    missing = 0

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        if m.group() in GLYPHS:
            return GLYPHS[m.group()]
        missing += 1
        return MISSING_GLYPH

    return _PUA.sub(one, text), missing


# --- characters and their geometry ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Char:
    text: str
    box: tuple[float, float, float, float]  # left, bottom, right, top in PDF units
    angle: float
    generated: bool  # a space or line break PDFium inserted


def _chars(textpage: pdfium.PdfTextPage) -> list[_Char]:
    out: list[_Char] = []
    raw = textpage.raw
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        ch = chr(code) if code else ""
        generated = bool(pdfium_c.FPDFText_IsGenerated(raw, i)) or ch in "\r\n"
        box = textpage.get_charbox(i)
        angle = pdfium_c.FPDFText_GetCharAngle(raw, i)
        out.append(_Char(ch, box, angle, generated))
    return out


def _dominant_angle(chars: Sequence[_Char]) -> float:
    counts: dict[float, int] = {}
    for c in chars:
        if not c.generated and c.text.strip():
            key = round(c.angle, 1)
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return 0.0
    best = max(counts, key=lambda k: counts[k])
    return next(c.angle for c in chars if not c.generated and c.text.strip() and round(c.angle, 1) == best)


def _same_angle(a: float, b: float) -> bool:
    return abs(math.remainder(a - b, 2 * math.pi)) < 0.2


@dataclass
class _Segment:
    """Characters printed together on one line: extent along the line (u) and down the page (v)."""

    text: str
    u0: float
    u1: float
    v0: float
    v1: float

    @property
    def v(self) -> float:
        return (self.v0 + self.v1) / 2

    @property
    def height(self) -> float:
        return self.v1 - self.v0


def _project(box: tuple[float, float, float, float], angle: float) -> tuple[float, float, float, float]:
    """A box in reading coordinates: u grows along the text, v grows down the lines."""
    dx, dy = math.cos(angle), -math.sin(angle)  # PDFium measures the angle clockwise
    nx, ny = dy, -dx
    left, bottom, right, top = box
    corners = ((left, bottom), (left, top), (right, bottom), (right, top))
    us = [x * dx + y * dy for x, y in corners]
    vs = [x * nx + y * ny for x, y in corners]
    return min(us), max(us), min(vs), max(vs)


def _segments(chars: Sequence[_Char], angle: float) -> list[_Segment]:
    """Stream-order characters cut into segments wherever the stream breaks the line or jumps."""
    segments: list[_Segment] = []
    current: _Segment | None = None
    for c in chars:
        if c.generated:
            if c.text in "\r\n":
                current = None
            elif current is not None and c.text == " ":
                current.text += " "
            continue
        if not c.text.strip() and c.text != "\u3000":
            continue
        u0, u1, v0, v1 = _project(c.box, angle)
        if current is not None:
            h = max(current.height, v1 - v0, 1.0)
            same_line = abs((v0 + v1) / 2 - current.v) < 0.5 * h
            if not same_line or u0 < current.u1 - 0.5 * h or u0 > current.u1 + 3 * h:
                current = None
        if current is None:
            current = _Segment("", u0, u1, v0, v1)
            segments.append(current)
        current.text += c.text
        current.u0, current.u1 = min(current.u0, u0), max(current.u1, u1)
        current.v0, current.v1 = min(current.v0, v0), max(current.v1, v1)
    for s in segments:
        s.text = s.text.rstrip()
    return [s for s in segments if s.text]


def _read_order(segments: list[_Segment]) -> list[tuple[str, bool]]:
    """Lines in reading order with their `ends_short` flag."""
    if not segments:
        return []
    heights = sorted(s.height for s in segments)
    h = max(heights[len(heights) // 2], 1.0)
    out: list[tuple[str, bool]] = []
    for block, right in _cut(segments, h, max(s.u1 for s in segments)):
        out.extend(_block_lines(block, h, right))
    return out


def _cut(segments: list[_Segment], h: float, right: float) -> list[tuple[list[_Segment], float]]:
    """Recursive XY-cut: columns (gaps along the line) left to right, else the widest horizontal gap.
    Each block comes with its column's right edge: a line that stops well before it ends a paragraph."""
    if len(segments) <= 1:
        return [(segments, right)]
    columns = _split(segments, h, along_u=True)
    if len(columns) > 1 and all(_lines_in(col, h) >= 3 for col in columns):
        return [block for col in columns for block in _cut(col, h, max(s.u1 for s in col))]
    rows = _split(segments, h, along_u=False, widest_only=True)
    if len(rows) > 1:
        return [block for row in rows for block in _cut(row, h, right)]
    return [(segments, right)]


def _split(segments: list[_Segment], h: float, *, along_u: bool, widest_only: bool = False) -> list[list[_Segment]]:
    lo = (lambda s: s.u0) if along_u else (lambda s: s.v0)
    hi = (lambda s: s.u1) if along_u else (lambda s: s.v1)
    min_gap = 0.8 * h if along_u else 0.15 * h
    ordered = sorted(segments, key=lo)
    groups: list[list[_Segment]] = [[ordered[0]]]
    gaps: list[float] = []
    reach = hi(ordered[0])
    for s in ordered[1:]:
        if lo(s) - reach >= min_gap:
            gaps.append(lo(s) - reach)
            groups.append([])
        groups[-1].append(s)
        reach = max(reach, hi(s))
    if widest_only and len(groups) > 2:
        at = max(range(len(gaps)), key=lambda i: gaps[i]) + 1
        groups = [[s for g in groups[:at] for s in g], [s for g in groups[at:] for s in g]]
    return groups


def _lines_in(segments: list[_Segment], h: float) -> int:
    return len({round(s.v / h) for s in segments})


def _block_lines(block: list[_Segment], h: float, right: float) -> list[tuple[str, bool]]:
    """A block's segments as lines: top to bottom, segments on the same line left to right."""
    rows: list[list[_Segment]] = []
    for s in sorted(block, key=lambda s: (s.v, s.u0)):
        if rows and abs(s.v - rows[-1][0].v) < 0.5 * h:
            rows[-1].append(s)
        else:
            rows.append([s])
    out: list[tuple[str, bool]] = []
    for row in rows:
        row.sort(key=lambda s: s.u0)
        text = row[0].text
        for prev, s in zip(row, row[1:]):
            text += (" " if s.u0 - prev.u1 > 0.3 * h else "") + s.text
        out.append((text, max(s.u1 for s in row) < right - 1.5 * h))
    return out
