"""Japanese numerals and provision numbers, in both directions.

e-Gov XML keys provisions by compact numbers (``Article Num="709_2"``) while
people and the law text itself write 第七百九条の二, 709条の2 or 第７０９条. Every
citation has to land on the exact provision, so all of those spellings are
reduced here to one canonical form and rendered back in standard law style.

Canonical forms:

* article / item number: ``"709"``, ``"709_2"`` (第七百九条の二), ``"709_2_3"``;
  a range of deleted provisions is ``"3:5"`` (第三条から第五条まで), as in the XML.
* paragraph number: a plain ``int`` (paragraphs have no branch numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govrag.numerals import int_to_kanji, kanji_to_int, to_halfwidth_digits

# One number as written in a title: arabic (after to_halfwidth_digits) or kanji.
_N = r"(?:\d+|[〇零一二三四五六七八九十百千万億]+)"
# Branch numbers (の二, の二の三); ノ appears in old laws written in katakana.
_BRANCHES = rf"(?:[のノ]{_N})*"
_RANGE = re.compile(r"(.+?)(?:から(.+)まで|[～〜~](.+))")
_NUM = re.compile(r"[1-9]\d*(?:_[1-9]\d*)*")
_WHITESPACE = re.compile(r"\s+")


def _compact(s: str) -> str:
    return _WHITESPACE.sub("", to_halfwidth_digits(s))


def _title_to_num(title: str, counter: str) -> str:
    """第七百九条の二 → 709_2 for the given counter (条 or 号); ranges become a:b."""
    text = _compact(title)
    if (rng := _RANGE.fullmatch(text)) is not None:
        end = rng.group(2) or rng.group(3)
        return f"{_title_to_num(rng.group(1), counter)}:{_title_to_num(end, counter)}"
    m = re.fullmatch(rf"第?({_N}){counter}?({_BRANCHES})", text)
    if m is None:
        raise ValueError(f"not a {counter} number: {title!r}")
    parts = [m.group(1), *re.split("[のノ]", m.group(2))[1:]]
    values = [kanji_to_int(p) for p in parts]
    if min(values) < 1:
        raise ValueError(f"provision numbers start at 1: {title!r}")
    return "_".join(str(v) for v in values)


def _num_to_title(num: str, counter: str) -> str:
    """709_2 → 第七百九条の二; a:b → 第a条から第b条まで, as the law text writes ranges."""
    first, sep, last = num.partition(":")
    if sep:
        return f"{_num_to_title(first, counter)}から{_num_to_title(last, counter)}まで"
    if not _NUM.fullmatch(num):
        raise ValueError(f"not a provision number like '709' or '709_2': {num!r}")
    head, *branches = (int(p) for p in num.split("_"))
    return f"第{int_to_kanji(head)}{counter}" + "".join(f"の{int_to_kanji(b)}" for b in branches)


def article_title_to_num(title: str) -> str:
    """第七百九条の二 / 第709条の2 / 709条の2 / 七百九 → "709_2" (the e-Gov Article Num)."""
    return _title_to_num(title, "条")


def article_num_to_title(num: str) -> str:
    """"709_2" → 第七百九条の二; "3:5" → 第三条から第五条まで."""
    return _num_to_title(num, "条")


def item_title_to_num(title: str) -> str:
    """第九号の二 / 九の二 (an ItemTitle) / 9号の2 → "9_2" (the e-Gov Item Num)."""
    return _title_to_num(title, "号")


def item_num_to_title(num: str) -> str:
    """"9_2" → 第九号の二."""
    return _num_to_title(num, "号")


def paragraph_title_to_num(title: str) -> int:
    """第二項 / 2項 / ２ or ○２ (ParagraphNum forms; ○ marks old 附則 paragraphs) → 2."""
    text = _compact(title).removeprefix("○")
    m = re.fullmatch(rf"第?({_N})項?", text)
    if m is None or (value := kanji_to_int(m.group(1))) < 1:
        raise ValueError(f"not a paragraph number: {title!r}")
    return value


def paragraph_num_to_title(num: int) -> str:
    """2 → 第二項."""
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"not a paragraph number: {num!r}")
    return f"第{int_to_kanji(num)}項"


#: The one bound on provision numbers (条, its branches, 項, 号). The longest laws stop near 1,100
#: articles and a few hundred items, so anything larger is a typo or an attack, never a provision;
#: bounding it here keeps every rendering (kanji, labels, anchors) total.
MAX_PROVISION_NUMBER = 99_999

_REF_TEXT = re.compile(
    rf"(?P<suppl>附則)?(?:(?P<article>第?{_N}条{_BRANCHES}))?"
    rf"(?:(?P<paragraph>第?{_N}項))?(?:(?P<item>第?{_N}号{_BRANCHES}))?"
)
_PATH_SEGMENT = r"(?:\d+(?:_\d+)*|-)"
_REF_PATH = re.compile(rf"(?:suppl(?:/|$))?(?:{_PATH_SEGMENT}(?:/{_PATH_SEGMENT}){{0,2}})?")


@dataclass(frozen=True, slots=True)
class ProvisionRef:
    """A point in a law's body: article, paragraph and item, in the main text or 附則.

    Any level may be missing (第二条第一号 cites an item without naming its
    paragraph; 第二項 alone is a paragraph of an article given by context),
    but a ref must point at something. Ranges are not refs: cite each end.

    Two renderings, both accepted back by `parse`:

    * `to_kanji()`: law style, 附則第十二条第三項第一号.
    * `to_path()`: ``article/paragraph/item`` with trailing missing levels
      dropped, ``-`` for a missing level in the middle and a ``suppl/`` prefix
      for 附則: ``12/3/1``, ``2/-/1``, ``suppl/3``, ``suppl`` (附則 as a whole).
    """

    article: str | None = None
    paragraph: int | None = None
    item: str | None = None
    suppl: bool = False

    def __post_init__(self) -> None:
        if self.article is None and self.paragraph is None and self.item is None and not self.suppl:
            raise ValueError("a ProvisionRef must name an article, paragraph, item or 附則")
        for name, value in (("article", self.article), ("item", self.item)):
            if value is not None and not _NUM.fullmatch(value):
                raise ValueError(f"{name} must look like '709' or '709_2', got {value!r}")
            if value is not None and any(len(p) > 5 or int(p) > MAX_PROVISION_NUMBER for p in value.split("_")):
                raise ValueError(f"{name} {value!r} is beyond any provision number (max {MAX_PROVISION_NUMBER})")
        if self.paragraph is not None and (
            isinstance(self.paragraph, bool) or not isinstance(self.paragraph, int) or self.paragraph < 1
        ):
            raise ValueError(f"paragraph must be a positive int, got {self.paragraph!r}")
        if self.paragraph is not None and self.paragraph > MAX_PROVISION_NUMBER:
            raise ValueError(f"paragraph {self.paragraph} is beyond any provision number (max {MAX_PROVISION_NUMBER})")

    def to_kanji(self) -> str:
        """Law style: 附則第十二条第三項第一号."""
        parts = ["附則" if self.suppl else ""]
        if self.article is not None:
            parts.append(article_num_to_title(self.article))
        if self.paragraph is not None:
            parts.append(paragraph_num_to_title(self.paragraph))
        if self.item is not None:
            parts.append(item_num_to_title(self.item))
        return "".join(parts)

    def to_path(self) -> str:
        """Compact key: 12/3/1, 2/-/1, suppl/3 (see the class docstring)."""
        levels = [self.article, None if self.paragraph is None else str(self.paragraph), self.item]
        while levels and levels[-1] is None:
            levels.pop()
        body = "/".join("-" if level is None else level for level in levels)
        if not self.suppl:
            return body
        return f"suppl/{body}" if body else "suppl"

    @classmethod
    def parse(cls, text: str) -> ProvisionRef:
        """Read 第十二条第三項第一号, 12条3項1号, 第１２条第３項, 附則第三条 or 12/3/1."""
        compact = _compact(text)
        if compact and _REF_PATH.fullmatch(compact):
            return cls._from_path(compact)
        m = _REF_TEXT.fullmatch(compact)
        if not compact or m is None or not any(m.groups()):
            raise ValueError(f"not a provision reference: {text!r}")
        return cls(
            article=None if m["article"] is None else article_title_to_num(m["article"]),
            paragraph=None if m["paragraph"] is None else paragraph_title_to_num(m["paragraph"]),
            item=None if m["item"] is None else item_title_to_num(m["item"]),
            suppl=m["suppl"] is not None,
        )

    @classmethod
    def _from_path(cls, path: str) -> ProvisionRef:
        suppl = path == "suppl" or path.startswith("suppl/")
        body = path.removeprefix("suppl").removeprefix("/")
        levels: list[str | None] = [None if p == "-" else p for p in body.split("/")] if body else []
        levels += [None] * (3 - len(levels))
        article, paragraph, item = levels
        if paragraph is not None and not (paragraph.isascii() and paragraph.isdigit()):
            raise ValueError(f"not a paragraph number: {paragraph!r}")
        return cls(
            article=article,
            paragraph=None if paragraph is None else int(paragraph),
            item=item,
            suppl=suppl,
        )
