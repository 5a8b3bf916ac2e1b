"""Japanese numerals in both directions: 七百九 ↔ 709, full-width digits, 元年.

Shared by every source (law provision numbers, Diet session numbers and 和暦
dates) and by the tokenizer, so one reading of a numeral holds everywhere.
"""

from __future__ import annotations

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_LARGE_UNITS = {"万": 10**4, "億": 10**8}
_KANJI_FOR = "〇一二三四五六七八九"
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

def to_halfwidth_digits(s: str) -> str:
    """Turn full-width digits (１２) into ASCII so one pattern reads both."""
    return s.translate(_FULLWIDTH)


def kanji_to_int(s: str) -> int:
    """Read a Japanese numeral: 七百九, positional 一〇四, 元 (first year), ０-９ or 0-9.

    Raises ValueError for anything that is not exactly one numeral, so that a
    misparse never turns into a citation of the wrong provision.
    """
    text = to_halfwidth_digits(s.strip())
    if not text:
        raise ValueError("not a Japanese numeral: empty string")
    if text == "元":
        return 1
    if text.isascii() and text.isdigit():
        return int(text)
    if all(ch in _DIGITS for ch in text):
        # Positional form used in AmendLawNum: 一五 = 15, 一〇四 = 104.
        return int("".join(str(_DIGITS[ch]) for ch in text))
    return _read_with_units(text, s)


def _read_with_units(text: str, original: str) -> int:
    """Read the 十百千/万億 form, rejecting disordered units such as 十百 or 二三十."""
    error = ValueError(f"not a Japanese numeral: {original!r}")
    total = section = 0
    digit: int | None = None
    last_small = last_large = 10**13
    for ch in text:
        if ch in _DIGITS:
            if digit is not None:
                raise error
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_small or digit == 0:
                raise error
            section += (1 if digit is None else digit) * unit
            last_small, digit = unit, None
        elif ch in _LARGE_UNITS:
            unit = _LARGE_UNITS[ch]
            section += digit or 0
            if unit >= last_large or section == 0:
                raise error
            total += section * unit
            section, digit, last_small, last_large = 0, None, 10**13, unit
        else:
            raise error
    return total + section + (digit or 0)


def int_to_kanji(n: int) -> str:
    """Write n in law style: 709 → 七百九, 10 → 十, 1000 → 千 (no 一 before 十百千)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < 10**12:
        raise ValueError(f"cannot write {n!r} as a kanji numeral (0 <= n < 10**12)")
    if n == 0:
        return "〇"
    out = []
    for unit, value in (("億", 10**8), ("万", 10**4)):
        count, n = divmod(n, value)
        if count:
            out.append(_below_10000(count) + unit)
    if n:
        out.append(_below_10000(n))
    return "".join(out)


def _below_10000(n: int) -> str:
    out = []
    for unit, value in (("千", 1000), ("百", 100), ("十", 10)):
        count, n = divmod(n, value)
        if count:
            out.append(("" if count == 1 else _KANJI_FOR[count]) + unit)
    if n:
        out.append(_KANJI_FOR[n])
    return "".join(out)
