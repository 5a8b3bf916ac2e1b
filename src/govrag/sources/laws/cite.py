"""Law citations in free text (民法第七百九条, 個情法27条1項2号) and the law directory.

A citation is only useful to a researcher if it lands on exactly one law and
one provision, so names are resolved against the real e-Gov titles, law
numbers and reviewed abbreviations, and anything ambiguous or unknown is
reported as such (``law=None``) instead of being guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from govrag.sources.laws.aliases import IMPLEMENTING_SUFFIXES, LAW_ALIASES, expand_alias, law_name_key, merge_aliases
from govrag.sources.laws.numbers import ProvisionRef, kanji_to_int
from govrag.trie import Trie, folded


_ERAS = ("明治", "大正", "昭和", "平成", "令和")
_ERA_FIRST = frozenset(era[0] for era in _ERAS)
# Numerals in a law number; 元年 is year 1.
_LAW_NUM_NUMERAL = re.compile(r"[〇一二三四五六七八九十百千万]+|\d+|元(?=年)")
# The promulgation date inside an AmendLawNum: 平成一五年五月三〇日法律第六一号.
_LAW_NUM_DATE = re.compile(r"(?<=年)[0-9〇一二三四五六七八九十]+月[0-9〇一二三四五六七八九十]+日")
_DIRECTORY_FORMAT = "govrag.law_directory/1"


@dataclass(frozen=True, slots=True)
class LawEntry:
    """One law as the directory knows it; law_id is None where no id is known."""

    law_id: str | None
    law_num: str
    title: str
    law_type: str
    abbrevs: tuple[str, ...] = ()


def law_num_key(law_num: str) -> str:
    """One key for 平成十五年法律第五十七号, 平成15年法律第57号 and 平成一五年五月三〇日法律第五七号.

    Law numbers are written with kanji, positional kanji (AmendLawNum, which
    also carries the date) or arabic digits; all must find the same law.
    """
    return _LAW_NUM_NUMERAL.sub(_arabic, _LAW_NUM_DATE.sub("", law_name_key(law_num)))


def _arabic(m: re.Match[str]) -> str:
    try:
        return str(kanji_to_int(m.group()))
    except ValueError:
        return m.group()


def _untitled_subject(entry: LawEntry) -> str | None:
    """The subject of a 題名のない法律: e-Gov titles it "<LawNum>（<subject>）"."""
    title, num = law_name_key(entry.title), law_name_key(entry.law_num)
    if title.startswith(num + "(") and title.endswith(")"):
        return law_name_key(title[len(num) + 1 : -1]) or None
    return None


def _group(pairs: Iterable[tuple[str | None, LawEntry]]) -> dict[str, tuple[LawEntry, ...]]:
    groups: dict[str, tuple[LawEntry, ...]] = {}
    for key, entry in pairs:
        if key and entry not in groups.get(key, ()):
            groups[key] = (*groups.get(key, ()), entry)
    return groups


_SHORT_LAW_NAME = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ff・ー]+?法(?![\u4e00-\u9fff])")
_NAME_PREFIX = re.compile(r"^(?:旧|新|改正|現行)")
#: Endings of words that end in 法 but name no law (実施方法, 違法, 立法 …).
_NOT_LAW_ENDINGS = tuple(
    "方法 手法 違法 合法 不法 適法 用法 寸法 作法 療法 工法 製法 技法 論法 解法 算法 文法 司法 立法 話法 戦法 兵法 魔法 便法".split()
)
#: Names of fields and kinds of law, not of a law: 「労働法では」 is no premise to refuse.
_GENERIC_LAW_WORDS = frozenset(
    """民事法 刑事法 行政法 手続法 実体法 特別法 一般法 基本法 国際法 成文法 慣習法 判例法 国内法 外国法 現行法 改正法
    労働法 経済法 環境法 社会法 知財法 刑罰法 規制法 関係法 関連法 根拠法 上位法 下位法 個別法 特措法 各種法 事業法
    消費者法 情報法 医事法 教育法 租税法 税務法 金融法 商事法 家族法 財産法 会社関係法 憲法論 比較法 法令法""".split()
)


class LawDirectory:
    """Every known law, looked up by title, abbreviation, law number or law id.

    Lookups are dictionary hits on normalised keys, so resolving names while
    scanning text stays cheap with all ~8,500 laws loaded.
    """

    def __init__(self, entries: Iterable[LawEntry], aliases: Mapping[str, str] = LAW_ALIASES) -> None:
        self._entries = tuple(entries)
        self._by_title = _group((law_name_key(e.title), e) for e in self._entries)
        self._by_subject = _group((_untitled_subject(e), e) for e in self._entries)
        self._by_num = _group((law_num_key(e.law_num), e) for e in self._entries)
        self._by_id = _group((e.law_id.upper() if e.law_id else None, e) for e in self._entries)
        self._aliases = merge_aliases(((a, e.title) for e in self._entries for a in e.abbrevs), aliases)
        names = [e.title for e in self._entries] + [e.law_num for e in self._entries]
        names += [a + suffix for a in self._aliases for suffix in ("", *IMPLEMENTING_SUFFIXES)]
        keys = {k for k in map(law_name_key, names) if k} | set(self._by_subject)
        # Every name's key, forwards and backwards: a scan walks each from every place of a text once,
        # instead of resolving every start × end substring (~126 ms for a 960-character question).
        self._names: Trie[None] = Trie((k, None) for k in keys)
        self._names_reversed: Trie[None] = Trie((k[::-1], None) for k in keys)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LawEntry]:
        return iter(self._entries)

    def resolve(self, name: str) -> list[LawEntry]:
        """All laws `name` may mean: title, abbreviation, law number or law id.

        The first kind that matches wins, in that order, so the official title
        刑法 is not made ambiguous by the bracketed subject of an old untitled
        decree. More than one entry means the name is ambiguous.
        """
        key = law_name_key(name)
        if not key:
            return []
        found = self._titled(key) or self._from_aliases(key)
        if not found and key.startswith(_ERAS):
            found = self._by_num.get(law_num_key(key), ())
        return list(found or self._by_id.get(key.upper(), ()))

    def _titled(self, key: str) -> tuple[LawEntry, ...]:
        return self._by_title.get(key) or self._by_subject.get(key, ())

    def _from_aliases(self, key: str) -> tuple[LawEntry, ...]:
        found: list[LawEntry] = []
        for title in expand_alias(key, self._aliases):
            found += [e for e in self._titled(law_name_key(title)) if e not in found]
        return tuple(found)

    def longest_name_before(self, text: str, end: int, start: int = 0) -> tuple[int, list[LawEntry]] | None:
        """The longest known law name in text[start:end] that ends exactly at `end`.

        Longest first, so 金融商品取引法施行令 is never read as 金融商品取引法.
        Returns (where the name starts, its laws) or None.
        """
        keyed, spans = folded(text[start:end])  # keyed forwards, then read backwards: NFKC may expand a character
        backwards = keyed[::-1]
        begins = [start + spans[len(keyed) - n][0] for n, _ in self._names_reversed.prefixes_at(backwards, 0)]
        for begin in sorted(begins):
            if found := self.resolve(text[begin:end]):
                return begin, found
        return self._numbered_before(keyed, spans, start)

    def names_in(self, text: str) -> list[tuple[int, int, list[LawEntry]]]:
        """Law names mentioned anywhere in `text` (longest at each place, left to right, no overlaps).

        For a question that names a law without citing a provision: 「民法の不法行為」. One trie walk
        from each place of the text's key form; a law number in arabic digits (平成15年法律第57号)
        is read by its pattern.
        """
        keyed, spans = folded(text)
        starts = {a: i for i, (a, _) in reversed(list(enumerate(spans)))}  # raw place → first key char
        found: list[tuple[int, int, list[LawEntry]]] = []
        begin = 0
        while begin < len(text):
            hit = None
            if begin in starts:
                for n, _ in reversed(list(self._names.prefixes_at(keyed, starts[begin]))):
                    if laws := self.resolve(text[begin : spans[n - 1][1]]):
                        hit = (begin, spans[n - 1][1], laws)
                        break
            if hit is None and begin in starts and keyed[starts[begin]] in _ERA_FIRST and (
                    number := _LAW_NUMBER.match(keyed, starts[begin])) and (laws := self.resolve(number.group())):
                hit = (begin, spans[number.end() - 1][1], laws)
            if hit is None:
                begin += 1
                continue
            found.append(hit)
            begin = hit[1]
        return found

    def _numbered_before(self, keyed: str, spans: list[tuple[int, int]], start: int) -> tuple[int, list[LawEntry]] | None:
        """A law number in arabic digits that ends where `keyed` (a text's key form) ends: the names' trie
        holds the kanji forms; spaces and full-width digits are gone from the key form."""
        for m in _LAW_NUMBER.finditer(keyed, max(0, len(keyed) - 40)):
            if m.end() == len(keyed) and (laws := self.resolve(m.group())):
                return start + spans[m.start()][0], laws
        return None

    def unknown_names_in(self, text: str, names: list[tuple[int, int, list[LawEntry]]] | None = None) -> list[str]:
        """Short law names in `text` (「証券取引法」「スパイ防止法」) that are no law this directory knows.

        A candidate is a run of kanji or katakana of at least three characters ending in 法 (薬事法,
        renamed in 2014), minus a leading 旧/新/改正 and the names of fields (労働法, 行政法); full titles
        (…に関する法律) are left to `names_in` (pass its result as `names` when it is at hand). A
        question built on a repealed or invented law must be told so, not answered from whatever else matches.
        """
        known = [(a, b) for a, b, _ in (self.names_in(text) if names is None else names)]
        out: list[str] = []
        for m in _SHORT_LAW_NAME.finditer(text):
            name = _NAME_PREFIX.sub("", m.group(0))
            start = m.end() - len(name)
            if len(name) < 3 or name.endswith(_NOT_LAW_ENDINGS) or name in _GENERIC_LAW_WORDS or any(
                    a <= start and m.end() <= b for a, b in known):
                continue
            if not self.resolve(name) and name not in out:
                out.append(name)
        return out

    def save(self, path: str | Path) -> None:
        """Write the entries as JSON; aliases stay in code so that fixes reach old files."""
        data = {"format": _DIRECTORY_FORMAT, "entries": [asdict(e) for e in self._entries]}
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, aliases: Mapping[str, str] = LAW_ALIASES) -> LawDirectory:
        """Read a directory written by `save`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != _DIRECTORY_FORMAT:
            raise ValueError(f"{path}: not a law directory file ({_DIRECTORY_FORMAT})")
        entries = (LawEntry(**{**e, "abbrevs": tuple(e["abbrevs"])}) for e in data["entries"])
        return cls(entries, aliases)


@dataclass(frozen=True, slots=True)
class Citation:
    """One provision cited in text.

    `law_name` is the name as written (民法, 個情法, 同法; the bracketed law
    number when only that identifies the law), or "" when the text names no
    law and the law carries over from context (民法第709条及び第710条).
    `candidates` holds every law the name may mean; `law` is set only when
    there is exactly one. `ref` is None when the text is shaped like a
    provision but no provision can have its number (民法第0条,
    民法第1000000000000条): a premise to report, not a place to look.
    """

    raw: str
    span: tuple[int, int]
    law: LawEntry | None
    law_name: str
    ref: ProvisionRef | None
    candidates: tuple[LawEntry, ...] = ()

    @property
    def provision_text(self) -> str:
        """The provision as cited: law style when it can exist, else as written (第1000000000000条)."""
        if self.ref is not None:
            return self.ref.to_kanji()
        if not self.raw.startswith(self.law_name):
            return self.raw
        return self.raw[len(self.law_name):].strip().removeprefix("の").strip()  # 民法の第0条


_KANJI_N = "[〇一二三四五六七八九十百千]+"
_ARABIC_N = "[0-9０-９]+"
_N = f"(?:{_KANJI_N}|{_ARABIC_N})"
# A branch number (の二) must end where a word ends, so 第三条の一部 stays 第三条.
_BRANCH_END = r"(?=$|[第、，,。．.・（(）)\s」』]|[ぁ-ん]|及び|並びに|又は|若しくは|項|号)"
_BRANCH = f"(?:[のノ]{_N}{_BRANCH_END})*"
_ARTICLE = f"第?{_N}条{_BRANCH}"
_PARAGRAPH = f"第?{_N}項"
_ITEM = f"第?{_N}号{_BRANCH}"
# Without an article before them, 項/号 need 第 or digits: 一号 alone is prose.
_LONE_PARAGRAPH = f"(?:第{_N}|{_ARABIC_N})項"
_LONE_ITEM = f"(?:第{_N}|{_ARABIC_N})号{_BRANCH}"
_REF = re.compile(
    f"(?P<ref>(?:附則)?{_ARTICLE}(?:{_PARAGRAPH})?(?:{_ITEM})?)"
    f"|(?P<same>同条(?!例)(?:{_PARAGRAPH})?(?:{_ITEM})?)"
    f"|(?P<cont>{_LONE_PARAGRAPH}(?:{_ITEM})?|{_LONE_ITEM})"
)
# What joins a citation to the previous one in a list (第709条第1項及び第2項,
# 附則第二十五条第二項但書、第二十六条): the later one continues the earlier.
_CONNECTOR = re.compile(r"\s*(?:ただし書|但書|本文|前段|後段|柱書)?\s*(?:及び|並びに|又は|若しくは|から|、|，|,|・|と)\s*")
# 同法 (the law cited last) and 同法施行令 (its implementing order), longest first.
_SAME_LAW = {"同法施行規則": "施行規則", "同法施行令": "施行令", "同法": "", "同令": "", "同規則": ""}
# Words that may stand right before a law name without being part of it
# (改正民法, 当該法律, 平成29年民法).
_MODIFIERS = ("改正", "現行", "新", "上記", "前記", "前掲", "当該", "年")
_NAME_CHARS = "一-鿿々〆ァ-ヺーA-Za-zＡ-Ｚａ-ｚ"
_NAME_RUN_END = re.compile(f"[{_NAME_CHARS}]+$")
_LAW_NUMBER = re.compile(r"\s*(?:明治|大正|昭和|平成|令和)[元〇一二三四五六七八九十百千0-9０-９]+年[^。、（）()]*?(?:号|憲法)")
_UNKNOWN_NAME_MAX = 64  # longer runs are prose, not a name
_UNKNOWN_NAME = re.compile(f"[{_NAME_CHARS}・]+(?:法律?|令|規則|憲法|条約|規程|条例)$")


@dataclass(frozen=True, slots=True)
class _Named:
    start: int
    name: str
    candidates: tuple[LawEntry, ...]
    # Not None for 同法-style names: what to append to the previous law's title.
    same_law_suffix: str | None = None


def parse_citations(text: str, directory: LawDirectory, home: LawEntry | None = None) -> list[Citation]:
    """Every provision cited in `text`, in order.

    A citation that names no law takes the law of the one before it, as in
    民法第709条及び第710条 or 同法第3条. In a law's own text, though, a bare
    第五条 means that law unless 及び, 、 and the like join it to the previous
    citation: pass the law as `home` to read such text.

    A law name that itself contains 第N条 (…法律第九条から第十六条までの規定
    による…規則) replaces the citations read inside it. A range (第3条から
    第5条まで) gives its two ends.
    """
    found: list[Citation] = []
    for m in _REF.finditer(text):
        citation = _citation(text, m, found[-1] if found else None, directory, home)
        if citation is None:
            continue
        while found and found[-1].span[1] > citation.span[0]:
            found.pop()
        found.append(citation)
    return found


def parse_citation(text: str, directory: LawDirectory, home: LawEntry | None = None) -> Citation | None:
    """The first citation in `text`, or None."""
    citations = parse_citations(text, directory, home)
    return citations[0] if citations else None


def _citation(
    text: str, m: re.Match[str], prev: Citation | None, directory: LawDirectory, home: LawEntry | None
) -> Citation | None:
    if m["ref"] is None:
        return _continuation(text, m, prev)
    ref = _provision(m["ref"])
    floor = prev.span[1] if prev else 0
    named = _named_law(text, m.start(), floor, directory) or _named_before_no(text, m.start(), floor, directory)
    if named is None:
        return None if ref is None else _unnamed(text, m, ref, prev, home)
    candidates = named.candidates
    if named.same_law_suffix is not None:
        candidates = _same_law(prev, named.same_law_suffix, directory)
    return _make(text, (named.start, m.end()), named.name, candidates, ref)


def _unnamed(
    text: str, m: re.Match[str], ref: ProvisionRef, prev: Citation | None, home: LawEntry | None
) -> Citation | None:
    """A provision with no law written before it: the law comes from context."""
    article = m["ref"].removeprefix("附則")
    if not article.startswith("第") and not article[0].isdigit():
        return None  # 一条 in prose; 民法七百九条 is fine because it names a law
    if prev is None or not _joined(text, prev, m.start()):
        return _make(text, m.span(), "", (home,) if home else _candidates(prev), ref)
    if prev.ref is not None and prev.ref.suppl:
        ref = replace(ref, suppl=True)  # 附則第二条及び第三条: both in 附則
    return _make(text, m.span(), "", prev.candidates, ref)


def _continuation(text: str, m: re.Match[str], prev: Citation | None) -> Citation | None:
    """同条第2項, or 第2項 right after 第709条第1項及び: the article comes from before."""
    if prev is None or prev.ref is None or prev.ref.article is None:
        return None
    if m["same"] is not None:
        written, paragraph = m["same"].removeprefix("同条"), None
    elif _joined(text, prev, m.start()):
        written, paragraph = m["cont"], prev.ref.paragraph
    else:
        return None
    own = _provision(written) if written else None
    if written and own is None:
        return None
    ref = ProvisionRef(
        article=prev.ref.article,
        paragraph=own.paragraph if own and own.paragraph is not None else paragraph,
        item=own.item if own else None,
        suppl=prev.ref.suppl,
    )
    return _make(text, m.span(), "", prev.candidates, ref)


def _joined(text: str, prev: Citation, start: int) -> bool:
    """Whether only a list connector (及び, 、, から …) separates `prev` from `start`."""
    return _CONNECTOR.fullmatch(text, prev.span[1], start) is not None


def _candidates(prev: Citation | None) -> tuple[LawEntry, ...]:
    return prev.candidates if prev else ()


def _provision(written: str) -> ProvisionRef | None:
    """The ref in a matched span; None for impossible numbers (第〇条, beyond `MAX_PROVISION_NUMBER`)."""
    try:
        return ProvisionRef.parse(written)
    except ValueError:
        return None


def _same_law(prev: Citation | None, suffix: str, directory: LawDirectory) -> tuple[LawEntry, ...]:
    """The laws 同法 (suffix "") or 同法施行令 (suffix "施行令") point at."""
    if prev is None or not suffix:
        return _candidates(prev)
    return tuple(e for law in prev.candidates for e in directory.resolve(law.title + suffix))


def _make(
    text: str, span: tuple[int, int], name: str, candidates: tuple[LawEntry, ...], ref: ProvisionRef | None
) -> Citation:
    law = candidates[0] if len(candidates) == 1 else None
    return Citation(text[span[0] : span[1]], span, law, name, ref, candidates)


def _named_law(text: str, end: int, floor: int, directory: LawDirectory) -> _Named | None:
    """The law named right before `end`, allowing a bracket after the name.

    A bracketed law number (個人情報の保護に関する法律（平成十五年法律第五十七号）)
    settles an ambiguous name, and marks a law citation even where the name
    itself is unknown (民法の一部を改正する法律（昭和二十二年法律第二百二十二号）).
    """
    end = _skip_space_back(text, end)
    if not end or text[end - 1] not in "）)":
        return _name_ending_at(text, end, floor, directory)
    opening = _opening_bracket(text, end - 1)
    if opening is None:
        return None
    named = _name_ending_at(text, _skip_space_back(text, opening), floor, directory)
    number = _LAW_NUMBER.match(text, opening + 1, end - 1)
    if number is None or (named is not None and named.same_law_suffix is not None):
        return named
    by_number = tuple(directory.resolve(number.group()))
    if named is None:
        return _Named(opening, number.group(), by_number)
    agreed = tuple(e for e in named.candidates if e in by_number)
    return replace(named, candidates=agreed or named.candidates or by_number)


def _named_before_no(text: str, end: int, floor: int, directory: LawDirectory) -> _Named | None:
    """A law named before の and the provision: 民法の709条, 個人情報保護法の第200条, 同法の第3条.

    Only a name the directory knows (or 同法) counts: an unknown run of kanji before の is as
    likely prose as a name, and absent laws are found by name anyway (`unknown_names_in`).
    """
    end = _skip_space_back(text, end)
    if end <= floor or text[end - 1] != "の":
        return None
    named = _named_law(text, end - 1, floor, directory)
    if named is None or not (named.candidates or named.same_law_suffix is not None):
        return None
    return named


def _name_ending_at(text: str, end: int, floor: int, directory: LawDirectory) -> _Named | None:
    sentence = max(text.rfind("。", 0, end), text.rfind("\n", 0, end)) + 1
    for same, suffix in _SAME_LAW.items():
        start = end - len(same)
        if start >= sentence and text.startswith(same, start) and _stands_alone(text, start, floor):
            return _Named(start, same, (), same_law_suffix=suffix)
    known = directory.longest_name_before(text, end, sentence)
    if known is not None and _stands_alone(text, known[0], floor):
        return _Named(known[0], text[known[0] : end], tuple(known[1]))
    unknown = _UNKNOWN_NAME.search(text, max(floor, sentence, end - _UNKNOWN_NAME_MAX), end)
    if unknown is not None:
        return _Named(unknown.start(), unknown.group(), ())
    return None


def _stands_alone(text: str, start: int, floor: int) -> bool:
    """False when the name is the tail of a longer word (憲法 in 大日本帝国憲法).

    A run of kanji/katakana right before the name is allowed only when it
    ends in a modifier such as 改正 or 当該; text up to `floor` belongs to the
    previous citation and counts as a boundary.
    """
    run = _NAME_RUN_END.search(text, max(floor, start - 16), start) if start > floor else None
    return run is None or run.group().endswith(_MODIFIERS)


def _skip_space_back(text: str, end: int) -> int:
    while end and text[end - 1].isspace():
        end -= 1
    return end


def _opening_bracket(text: str, closing: int) -> int | None:
    depth = 0
    for i in range(closing, -1, -1):
        if text[i] in "）)":
            depth += 1
        elif text[i] in "（(":
            depth -= 1
            if depth == 0:
                return i
    return None
