"""BM25 sparse vectors for Japanese statute text, tokenised with Sudachi.

Qdrant stores the sparse vectors and applies the IDF modifier itself, so a
document's value for a term is only BM25's term-frequency part
``tf·(k1+1) / (tf + k1·(1−b+b·dl/avgdl))`` and a query's value is 1.0 per
distinct term. Token ids are a 32-bit BLAKE2b hash of the normalised token, so
they are the same in every process, run and machine (Python's ``hash()`` is
salted per process and would silently break an index built by workers).

Tokenisation choices (measured on the five sample laws and on an 841-law,
55k-chunk slice of the 2020 e-Gov archive; numbers in the `SudachiTokenizer`
docstring and in tests/index/test_sparse.py):

* **Split mode C plus mode-A sub-tokens** ("search mode", as the Sudachi
  Elasticsearch plugin does). Mode C alone keeps 個人情報, 損害賠償, 地方公共団体
  whole, so a query written 「個人 情報」, 「損害を賠償」 or 「公共団体」 shares no
  token with the statute. Mode A alone matches those, but loses the compound:
  a chunk that says 「個人の…情報」 scores like one that says 個人情報. Emitting
  both lets either spelling match and gives a chunk that uses the exact
  compound the extra, high-IDF compound token.
* **Sudachi's normalised form**, lower-cased: 引渡し/引き渡し/引渡 → 引き渡し,
  取消し/取り消し → 取り消し, 行なう → 行う, ＡＢＣ/abc → abc, １２３ → 123,
  ヶ月/ケ月/か月 → 箇月, 手続 → 手続き, 申立て → 申し立て. Conjugated forms
  reduce to the lemma (行わ → 行う). The dictionary form would keep 取消し and
  引渡 apart from their okurigana variants, which statutes mix freely.
* **Article numbers** are rewritten before tokenising (第二十七条 → 第27条):
  the dictionary holds place names such as 十七条, so 第二十七条 otherwise
  becomes 二 + 十七条 and 第十七条 a bogus proper noun.
* **Stop words**: POS 助詞, 助動詞, 補助記号, 空白, 接続詞 (及び, 又は, 若しくは,
  並びに), 連体詞 (その, この, 当該 is a noun and listed below), 接頭辞 (第, 要,
  各: their content lives in the mode-C compound), 記号 and 感動詞; tokens with
  no letter or digit (the ›, ・ of headings); and `STATUTE_STOP_WORDS`, the
  drafting vocabulary in nearly every chunk (こと, もの, 場合, 規定, 前項, 同条,
  掲げる, する, ある, できる, 条, 項, 号 …). Citations such as 「前項」 are
  resolved by the citation parser, not by BM25; here they only lengthen
  posting lists (each of them occurs in 20–90 % of chunks) and, through dl,
  dilute the weight of the words that carry the meaning.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from govrag.index.store.base import SparseVector
from govrag.index.synonyms import Synonyms
from govrag.numerals import kanji_to_int

__all__ = [
    "DEFAULT_AVG_LEN",
    "STATUTE_STOP_WORDS",
    "STOP_POS",
    "TOKENIZER_VERSION",
    "Bm25Encoder",
    "SudachiTokenizer",
    "token_id",
]

#: Changes whenever a text's tokens change (dictionary, split mode, normalisation, stop words,
#: number rewriting). An index records it; a different one means the index must be rebuilt.
TOKENIZER_VERSION: Final = "sudachi-core/C+A/normalized/v2"

#: Average tokens per chunk of the sample laws at the default chunk size (600
#: characters); only a fallback: an index should pass its own estimate.
DEFAULT_AVG_LEN: Final = 60.0

#: Part-of-speech (first level) whose tokens never reach the index.
STOP_POS: Final = frozenset({"助詞", "助動詞", "補助記号", "空白", "接続詞", "連体詞", "接頭辞", "記号", "感動詞"})

#: Statute drafting words (in Sudachi's normalised form) that occur in a large
#: share of all chunks and carry no topic: formal nouns, cross-references,
#: light verbs, and the structural counters of citations.
STATUTE_STOP_WORDS: Final = frozenset(
    """
    こと 物 者 場合 時 規定 前項 同項 前条 同条 次条 前各号 各号 次 掲げる 当該 其の 此の 其れ 此れ
    為る 有る 居る 成る 言う 因る よる おく 付く つく 関する 対する 定める 限る 無い 出来る 但し 同じ
    等 第 条 項 号 編 章 節 款 目 又 準用 除く 含む
    """.split()
)

# Sudachi refuses inputs over 49,149 UTF-8 bytes; stay well below.
_MAX_BYTES: Final = 45_000
# A string of at most this many characters is under _MAX_BYTES whatever it holds (≤ 4 bytes each).
_SAFE_CHARS: Final = _MAX_BYTES // 4
# Only ordinals of citation units: 第三者, 第一線, 第三セクター are dictionary words, not numbers.
_ORDINAL = re.compile(r"第([〇一二三四五六七八九十百千]+)(?=[条項号編章節款目])")
# word_id() of an out-of-vocabulary morpheme is 0xF0000000 | pos id: its
# normalised form depends on the surface, so it cannot be cached by id.
_OOV_WORD_ID: Final = 0xF000_0000
_MASK32: Final = 0xFFFF_FFFF


def token_id(token: str) -> int:
    """Stable unsigned 32-bit id of a token: the same in every process and run."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "big")


def _arabic_ordinal(match: re.Match[str]) -> str:
    try:
        return f"第{kanji_to_int(match.group(1))}"
    except ValueError:
        return match.group(0)


def _pieces(text: str) -> Iterator[str]:
    """Cut text into pieces Sudachi accepts, at line ends, then 。, then anywhere."""
    if len(text) <= _SAFE_CHARS or len(text.encode("utf-8")) <= _MAX_BYTES:
        yield text
        return
    buf: list[str] = []
    size = 0
    for unit in _units(text):
        n = len(unit.encode("utf-8"))
        if size + n > _MAX_BYTES and buf:
            yield "".join(buf)
            buf, size = [], 0
        buf.append(unit)
        size += n
    if buf:
        yield "".join(buf)


def _units(text: str) -> Iterator[str]:
    for line in text.splitlines(keepends=True):
        if len(line.encode("utf-8")) <= _MAX_BYTES:
            yield line
            continue
        for sentence in re.split(r"(?<=。)", line):
            while len(sentence.encode("utf-8")) > _MAX_BYTES:
                yield sentence[:_SAFE_CHARS]
                sentence = sentence[_SAFE_CHARS:]
            if sentence:
                yield sentence


class SudachiTokenizer:
    """Sudachi (core dictionary) → normalised index tokens, as described in the module docstring.

    Evidence for the configuration (``tests/index/test_sparse.py`` pins the behaviour):

    * Compound/part matching — tokens shared between a query and a chunk that
      contains the compound (mode C / mode A / C+A):
      「個人 情報」 vs 個人情報: no / yes / yes; 「損害を賠償」 vs 損害賠償: no / yes / yes;
      「公共団体」 vs 地方公共団体: no / yes / yes; only C and C+A reward the exact
      compound over 「個人の…情報」.
    * Ranking on 47 hand-written questions + 26 lawqa_jp questions over 55k
      chunks (MRR@10): C 0.84/0.71, B 0.81/0.74, A 0.82/0.76, C+A 0.82/0.74;
      with stop words: see `STATUTE_STOP_WORDS`. The differences are one or two
      queries (noise); stop words shrink postings by about 40 % at no loss.
    * Throughput on sample statute text (one process): see the report in the
      test module; the per-morpheme work is cached by Sudachi word id, so a
      known word costs two calls into Sudachi and one dict lookup.

    The Sudachi tokenizer is created on first use, once per process and thread
    (Sudachi tokenizers must not be shared across threads, and a forked worker
    must not reuse its parent's) over one dictionary per process, so instances
    pickle as their settings only.
    """

    def __init__(
        self,
        *,
        split_sub_tokens: bool = True,
        stop_pos: Iterable[str] = STOP_POS,
        stop_words: Iterable[str] = STATUTE_STOP_WORDS,
        dict_name: str = "core",
    ) -> None:
        self.split_sub_tokens = split_sub_tokens
        self.stop_pos = frozenset(stop_pos)
        self.stop_words = frozenset(stop_words)
        self.dict_name = dict_name
        self._local = threading.local()

    # -- pickling: settings only; Sudachi objects are re-created lazily --------
    def __getstate__(self) -> dict[str, Any]:
        return {
            "split_sub_tokens": self.split_sub_tokens,
            "stop_pos": self.stop_pos,
            "stop_words": self.stop_words,
            "dict_name": self.dict_name,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"SudachiTokenizer(split_sub_tokens={self.split_sub_tokens}, dict_name={self.dict_name!r})"

    # -- per-process state -----------------------------------------------------
    def _state(self) -> _State:
        state: _State | None = getattr(self._local, "state", None)
        if state is None or state.pid != os.getpid():
            state = _State(self)
            self._local.state = state
        return state

    # -- public ----------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        """Index tokens of `text` in order (compound first, then its parts)."""
        return [tok for tok, _ in self._pairs(text)]

    def token_ids(self, text: str) -> list[int]:
        """Ids of `tokens(text)`, in the same order (duplicates kept: they are term frequency)."""
        return [tid for _, tid in self._pairs(text)]

    def synonym_words(self, text: str, synonyms: Synonyms) -> list[str]:
        """Words the query's own words expand to (each mode-C word and its mode-A parts, stop words skipped)."""
        if not text or text.isspace():
            return []
        return self._state().synonym_words(_ORDINAL.sub(_arabic_ordinal, text), synonyms)

    def _pairs(self, text: str) -> list[tuple[str, int]]:
        if not text or text.isspace():
            return []
        state = self._state()
        out: list[tuple[str, int]] = []
        text = _ORDINAL.sub(_arabic_ordinal, text)
        for piece in _pieces(text):
            state.add(piece, out)
        return out


class _Shared:
    """What every thread of a process can share for one tokenizer configuration: the Sudachi
    dictionary (~75 MB resident each, so one per thread made a 32-client server grow past 4 GB),
    the stop-POS ids and the word caches (plain dict reads and writes, atomic under the GIL)."""

    def __init__(self, owner: SudachiTokenizer) -> None:
        from sudachipy import Dictionary  # imported late: only workers that tokenise pay for it

        self.dictionary = Dictionary(dict=owner.dict_name)
        pos_ids: set[int] = set()
        pos_id = 0
        while (pos := _pos_of(self.dictionary, pos_id)) is not None:
            if pos[0] in owner.stop_pos:
                pos_ids.add(pos_id)
            pos_id += 1
        self.stop_pos_ids = frozenset(pos_ids)
        # word id → its tokens (compound, then sub-tokens); normalised form → token (or None if stopped).
        self.by_word: dict[int, tuple[tuple[str, int], ...]] = {}
        self.by_form: dict[str, tuple[str, int] | None] = {}


_SHARED: dict[tuple[int, str, frozenset[str], bool, frozenset[str]], _Shared] = {}
_SHARED_LOCK = threading.Lock()


def _shared(owner: SudachiTokenizer) -> _Shared:
    key = (os.getpid(), owner.dict_name, owner.stop_pos, owner.split_sub_tokens, owner.stop_words)
    with _SHARED_LOCK:
        shared = _SHARED.get(key)
        if shared is None:
            shared = _SHARED[key] = _Shared(owner)
        return shared


class _State:
    """One thread's Sudachi tokenizer (tokenizers must not be shared across threads) over the
    process's shared dictionary and caches."""

    def __init__(self, owner: SudachiTokenizer) -> None:
        from sudachipy import SplitMode

        self.pid = os.getpid()
        shared = _shared(owner)
        self.tokenizer = shared.dictionary.tokenizer(mode=SplitMode.C)
        self.mode_a = SplitMode.A
        self.split = owner.split_sub_tokens
        self.stop_pos_ids = shared.stop_pos_ids
        self.stop_words = owner.stop_words
        self.by_word = shared.by_word
        self.by_form = shared.by_form

    def add(self, text: str, out: list[tuple[str, int]]) -> None:
        stop_pos = self.stop_pos_ids
        by_word = self.by_word
        for m in self.tokenizer.tokenize(text):
            if m.part_of_speech_id() in stop_pos:
                continue
            wid = m.word_id()
            if wid < _OOV_WORD_ID:
                cached = by_word.get(wid)
                if cached is None:
                    cached = by_word[wid] = self._word(m)
                out.extend(cached)
            else:
                tok = self._form(m.normalized_form())
                if tok is not None:
                    out.append(tok)

    def synonym_words(self, text: str, synonyms: Synonyms) -> list[str]:
        out: list[str] = []
        for piece in _pieces(text):
            for m in self.tokenizer.tokenize(piece):
                if m.part_of_speech_id() in self.stop_pos_ids:
                    continue
                parts = m.split(self.mode_a) if self.split else ()
                for p in (m, *(parts if len(parts) > 1 else ())):
                    if gids := p.synonym_group_ids():
                        forms = (p.surface(), p.normalized_form(), p.dictionary_form())
                        out += [w for w in synonyms.expansions(forms, gids) if w not in out]
        return out

    def _word(self, m: Any) -> tuple[tuple[str, int], ...]:
        toks: list[tuple[str, int]] = []
        tok = self._form(m.normalized_form())
        if tok is not None:
            toks.append(tok)
        if self.split:
            parts = m.split(self.mode_a)
            if len(parts) > 1:
                for p in parts:
                    if p.part_of_speech_id() in self.stop_pos_ids:
                        continue
                    sub = self._form(p.normalized_form())
                    if sub is not None:
                        toks.append(sub)
        return tuple(toks)

    def _form(self, form: str) -> tuple[str, int] | None:
        try:
            return self.by_form[form]
        except KeyError:
            pass
        token = form.lower()
        keep = token not in self.stop_words and any(ch.isalnum() for ch in token)
        result = (token, token_id(token)) if keep else None
        self.by_form[form] = result
        return result


def _pos_of(dictionary: Any, pos_id: int) -> tuple[str, ...] | None:
    try:
        return dictionary.pos_of(pos_id)  # type: ignore[no-any-return]
    except (IndexError, ValueError, OverflowError):
        return None


class Bm25Encoder:
    """Text → BM25 sparse vectors for Qdrant (IDF applied by Qdrant, not here).

    `avg_len` must be the average document length in tokens *of this
    tokenizer* over the indexed corpus (`estimate_avg_len`); it is part of the
    index's identity, and queries need no length at all.
    """

    def __init__(
        self,
        k1: float = 1.2,
        b: float = 0.75,
        avg_len: float = DEFAULT_AVG_LEN,
        tokenizer: SudachiTokenizer | None = None,
    ) -> None:
        if k1 < 0 or not 0 <= b <= 1 or avg_len <= 0:
            raise ValueError(f"bad BM25 parameters: k1={k1}, b={b}, avg_len={avg_len}")
        self.k1 = k1
        self.b = b
        self.avg_len = avg_len
        self.tokenizer = tokenizer or SudachiTokenizer()

    def __repr__(self) -> str:
        return f"Bm25Encoder(k1={self.k1}, b={self.b}, avg_len={self.avg_len})"

    def tokens(self, text: str) -> list[str]:
        """The tokens a text is indexed under (for debugging and explanations)."""
        return self.tokenizer.tokens(text)

    def encode_document(self, text: str) -> SparseVector:
        """BM25 term-frequency part per distinct token id; dl counts every token (sub-tokens too)."""
        ids = self.tokenizer.token_ids(text)
        if not ids:
            return SparseVector((), ())
        k1 = self.k1
        norm = k1 * (1.0 - self.b + self.b * len(ids) / self.avg_len)
        counts = sorted(Counter(ids).items())
        return SparseVector(
            tuple(i for i, _ in counts),
            tuple(tf * (k1 + 1.0) / (tf + norm) for _, tf in counts),
        )

    def encode_query(self, text: str, expansions: Sequence[tuple[Sequence[str], float]] = ()) -> SparseVector:
        """1.0 per distinct token id of the query (Qdrant multiplies each by the term's IDF); each
        (words, weight) of `expansions` adds the words' tokens the query lacks at that weight (a
        synonym: 大人 → 成年者), so the asker's own words count most and a token counts once."""
        weights = dict.fromkeys(self.tokenizer.token_ids(text), 1.0)
        for words, weight in expansions:
            if weight > 0 and words:
                for tid in self.tokenizer.token_ids("、".join(words)):
                    weights[tid] = max(weights.get(tid, 0.0), weight)
        ids = sorted(weights)
        return SparseVector(tuple(ids), tuple(weights[i] for i in ids))

    def estimate_avg_len(self, texts: Iterable[str]) -> float:
        """Mean token count over `texts` (a sample of the corpus suffices); 1.0 if there are none."""
        total = n = 0
        for text in texts:
            total += len(self.tokenizer.token_ids(text))
            n += 1
        return total / n if n and total else 1.0
