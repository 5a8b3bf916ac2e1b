"""The first step of a research: what kind of question it is, and what to search for it.

Without a model the sub-queries come from the question itself: the whole question, its parts
(clauses, the two sides of a comparison, a term it puts in 「」 asked as a definition), and the
documents its first search lands on — the router's laws when the index has one — each searched
again on its own, so the provisions of the law that answers are not crowded out by other laws.
With a model (and a question that may go to it), the model adds up to ten sub-queries in statute
vocabulary, as Lawsy does; they are searched beside the others, never instead of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from llama_index.core.llms import LLM

from govrag.answer import llm as llms
from govrag.answer.coverage import asked_words
from govrag.answer.rewrite import parse_rewrite
from govrag.research.records import SubQuery
from govrag.retrieval.search import SearchResult

Tokens = Callable[[str], list[str]]

MAX_SUBQUERIES = 10
ROUTED_DOCUMENTS = 3  # documents of the first search searched again on their own
_MIN_WORDS = 1  # a part without a content word of its own (「また」) is no query

#: (type, pattern), the first that matches wins: a comparison is still a comparison when it asks for a
#: definition of both sides, and a procedure question often says 要件 too.
_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("比較検討", re.compile(r"違い|比較|異な|相違|区別|どちら|共通点|対比")),
    ("定義確認", re.compile(r"とは|定義|意味|何を指|範囲|該当するもの|いう[。？?]?$")),
    ("手続き確認", re.compile(r"手続|申請|届出|届け出|提出|申告|登録|許可を受け|方法|流れ|期限|期間内|どうすれば|必要な書類")),
    ("解釈適用", re.compile(r"場合|できるか|できますか|違法|適法|適用|該当|許され|責任|義務|要件|認められ|罰")),
    ("政策研究", re.compile(r"政策|施策|経緯|背景|目的|改正|議論|答弁|国会|審議|方針|課題|見直し|官報|公布")),
)
DEFAULT_TYPE = "包括分析"

_SENTENCE_END = re.compile(r"[。？?！!\n]+")
_CLAUSE = re.compile(r"[、，,]|及び|並びに|または|又は|および|ならびに|それから|さらに|また(?=[、一-龥ぁ-んァ-ン])")
_COMPARE = re.compile(r"^(?P<a>.+?)(?:と|及び|および)(?P<b>.+?)の(?:違い|比較|相違|区別|関係|共通点)")
#: A conjunction opening a part (「また国会での議論は」) or a particle closing one (「…の要件と」).
_JOINER = re.compile(r"^(?:また|さらに|それから|なお|そして)[、，]?|(?<=[一-龥ァ-ン])と$")
_QUOTED = re.compile(r"「([^「」]{2,30})」")

SUBQUERY_PROMPT = """次の法制度の調査依頼について、日本の法令・国会会議録・官報を検索するための検索語を、法令で使われる用語で{n}個まで作ってください。
日常の言葉は法令の用語に置き換え（例: クビ→解雇、家を借りる→建物の賃貸借）、観点（定義、要件、手続、例外、罰則、国会での議論など）を分けます。
説明は書かず、次の形式の行だけを出力してください。
検索1: （短い検索語）
検索2: （短い検索語）

調査依頼: {question}"""


def question_type(question: str) -> str:
    """One of `QUESTION_TYPES`, from the question's wording (包括分析 when nothing else fits)."""
    for name, pattern in _TYPES:
        if pattern.search(question):
            return name
    return DEFAULT_TYPE


def structural(question: str, tokens: Tokens, limit: int) -> list[SubQuery]:
    """The question and its parts: each sentence, each clause of a long one, both sides of a comparison,
    and each 「term」 asked as a definition. A part is kept when it has words of its own to search."""
    out = [SubQuery(question, "質問そのもの")]

    def add(text: str, why: str) -> None:
        text = _JOINER.sub("", text.strip(" 　、，,。"))
        if (len(out) < limit and len(asked_words(text, tokens)) >= _MIN_WORDS
                and all(text != q.text for q in out)):
            out.append(SubQuery(text, why))

    for term in _QUOTED.findall(question):
        if len(out) < limit:
            if all(q.text != f"「{term}」とは" for q in out):
                out.append(SubQuery(f"「{term}」とは", "用語の定義"))
    sentences = [s for s in _SENTENCE_END.split(question) if s.strip()]
    for sentence in sentences:
        if m := _COMPARE.search(sentence):
            a, b = m.group("a"), m.group("b")
            # 「民法と商法の消滅時効」: what is compared (の消滅時効) is written once, after the second side.
            shared = b[b.index("の"):] if "の" in b and "の" not in a else ""
            add(a + shared, "比較の一方")
            add(b, "比較の他方")
        if len(sentences) > 1:
            add(sentence, "質問の一文")
        parts = [p for p in _CLAUSE.split(sentence) if p.strip()]
        if len(parts) > 1:
            for part in parts:
                add(part, "質問の一部")
    return out


def routed(first: SearchResult, titles: dict[str, str], limit: int) -> list[SubQuery]:
    """The first search's documents, each searched again on its own: the router's laws first (when the
    index has a router), then the documents its top hits come from. `titles` names the documents."""
    order = [*first.routed_to, *(h.chunk.doc_id for h in first.hits)]
    docs = [d for d in dict.fromkeys(order) if d in titles][:limit]
    query = first.query
    return [SubQuery(query, f"文書ルーター: {titles[d]} に絞って検索", (d,)) for d in docs]


def generated(model: LLM, question: str, limit: int, record: Callable[[str, str], None] | None = None) -> list[SubQuery]:
    """The model's sub-queries (`LLMError` passes to the caller, which keeps the others); `record(prompt,
    reply)` keeps both for the audit log."""
    prompt = SUBQUERY_PROMPT.format(n=limit, question=question)
    reply = llms.complete(model, prompt)
    if record:
        record(prompt, reply)
    plan = parse_rewrite(reply, question, limit=limit)
    return [SubQuery(q, "生成モデルによる言い換え") for q in plan.queries]


def merged(groups: Sequence[Sequence[SubQuery]], limit: int) -> list[SubQuery]:
    """The groups in order, without repeats (same text and scope), at most `limit`."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    out = []
    for group in groups:
        for q in group:
            key = (q.text, q.doc_id)
            if key not in seen and len(out) < limit:
                seen.add(key)
                out.append(q)
    return out
