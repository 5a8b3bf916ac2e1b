"""How much of what a text asks another text holds: the one measure of evidence, for the extractive
answer (does a quoted provision hold what the question asks?) and for the verifier (does the cited
source hold what a generated sentence says?).

Words, not tokens, and without the words that only phrase a request (教えて, どのような, 何年).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

#: Words (in the tokenizer's normalised form, see index/sparse.py) that phrase a request or a question
#: rather than say what it is about: 「教えてください」「詳しく説明して」「どういう内容か」「どこに書かれているか」,
#: and the frame of a choice (「次のうち、正しいものを選んでください」「誤っているものはどれか」).
#: No statute contains them in the sense asked, so counting them would only lower every question's coverage;
#: the coverage function leaves them out of what a question asks (with every token starting 何: 何年, 何歳,
#: and the one-letter labels of listed options: a, b, ア, イ).
REQUEST_TERMS = frozenset(
    """
    教える 教示 頂く 下さる 貰う 欲しい 願う 伺う 尋ねる 聞く 知る 分かる 易い 詳しい 簡単 説明 解説 紹介 概要
    具体的 具体 的 内容 条文 引用 意味 書く 定め 含める 良い 要件 趣旨 規定
    どう どの どんな どれ どこ どちら 誰 いつ 幾ら 如何 何故 なぜ 何れ よう 頃 そう 思う
    うち 正しい 誤る 誤り 適切 選ぶ 選択肢 組み合わせ
    """.split()
)
_OPTION_LABEL = re.compile(r"[a-zＡ-Ｚａ-ｚア-ン]")
# 何 and the kanji after it ask for a quantity (何年以下, 何日前, 何歳, 何人以上): the form of the answer.
_HOW_MANY = re.compile(r"何[一-龥々]*")
# The label of a listed choice: a / Ａ / ア followed by a space or a stop, ①, (1) / （ア）.
_QUOTED_TERM = re.compile(r"「([^「」]{1,40})」")


def is_request_term(token: str) -> bool:
    """Whether a (normalised) token only phrases the request: see `REQUEST_TERMS`."""
    return token in REQUEST_TERMS or token.startswith("何") or _OPTION_LABEL.fullmatch(token) is not None


def asked_words(text: str, tokens: Callable[[str], list[str]]) -> dict[str, tuple[str, ...]]:
    """The words `text` asks about, each with its parts: {損害賠償: (損害, 賠償), 要件: ()}.

    `tokens` is the index tokenizer (compound first, then its parts: index/sparse.py); a compound is
    one word, whose parts are found by tokenising it alone. Request words (`REQUEST_TERMS`, 何年, 何歳)
    are left out, and so are request parts of a compound (一般的 keeps 一般).
    """
    flat = tokens(_HOW_MANY.sub("、", text))
    words: dict[str, tuple[str, ...]] = {}
    i = 0
    while i < len(flat):
        word = flat[i]
        alone = tokens(word)
        parts = tuple(alone[1:]) if len(alone) > 1 and alone[0] == word else ()
        i += 1
        for part in parts:  # skip the parts that follow the compound in the text's own tokens
            if i < len(flat) and flat[i] == part:
                i += 1
        if not is_request_term(word):
            words.setdefault(word, tuple(p for p in parts if not is_request_term(p)))
    return words


def word_coverage(
    asked: str, text: str, tokens: Callable[[str], list[str]],
    bridges: Callable[[str], Sequence[str]] | None = None,
) -> float:
    """Share of the words `asked` names (`asked_words`) that `text` holds: a word counts when the text has
    it or every one of its parts (損害賠償 is found in 「損害を賠償」; 窃盗罪 is not found in 「強盗の罪」).
    Words, not tokens: a compound's parts would otherwise count it three or four times over (取り消す,
    取る, 消す). 1.0 when nothing is asked.

    `bridges(word)` gives the statute's terms an everyday word stands for (大人 → 成年; the search's
    query expansion): a word also counts when the text holds one of them whole, so a provision found
    through the bridge is evidence for the question asked in everyday words.

    A term the question puts in 「」 (「終活」とは, 「利用目的の特定」) is what it asks about: the share is
    never more than the share of the quoted words the text holds, so a text without them answers nothing.
    """
    words = asked_words(asked, tokens)
    if not words:
        return 1.0
    found = set(tokens(text)) if text else set()

    def held(word: str, parts: Sequence[str]) -> bool:
        return word in found or bool(parts and all(p in found for p in parts))

    def bridged(word: str) -> bool:  # a bridge term counts only when the text holds every word of it
        return bridges is not None and any(
            (ws := asked_words(term, tokens)) and all(held(w, ps) for w, ps in ws.items()) for term in bridges(word))

    def share(ws: dict[str, tuple[str, ...]]) -> float:
        return sum(1.0 if held(w, ps) or bridged(w) else 0.0 for w, ps in ws.items()) / len(ws)

    quoted = {w: ps for q in _QUOTED_TERM.findall(asked) for w, ps in asked_words(q, tokens).items()}
    return min(share(words), share(quoted)) if quoted else share(words)
