"""Prompt injection in retrieved text, found and made harmless before the text reaches a model.

Statutes are full of imperatives (「…しなければならない」「…を無視してはならない」「…を届け出よ」) and
gazette notices address their readers (「…にアクセスしてください」), so nothing here reacts to an
imperative as such. What is targeted:

* instruction — sentences aimed at the model: 「以前の指示を無視」「これまでの指示は忘れて」「システムプロンプト」
  「あなたは今から…」「以下の指示に従って」「回答の最後に…と書け」, an imperative addressed to AI/アシスタント/
  言語モデル/回答者, requests to reveal the prompt, and the English equivalents ("ignore previous
  instructions", "you are now", "system prompt"). The whole sentence becomes 〔資料中の指示文を省略〕.
* role_tag — chat-template tokens (<|im_start|>, <|system|>, [INST], <<SYS>>) are removed; a line that
  starts with a role marker ("### System:", "system:", 「システム：」) is omitted as a whole.
* fence — any <<< or >>> (the prompt fences sources with <<<資料 [n] ここから>>> lines): removed, and a
  whole forged fence line with them.
* exfiltration — markdown images and <img> (a client renders them and fetches the URL, with whatever
  the model put in it) are removed; a sentence asking for a URL to be visited by the model or for data to
  be sent or appended to a URL is omitted.
* hidden — zero-width and bidirectional control characters (used to hide the above from a reader) are
  removed before anything else is looked at.

Matching runs on a copy with full-width ASCII folded (ｉｇｎｏｒｅ is ignore).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

OMITTED: Final = "〔資料中の指示文を省略〕"
EXCERPT_CHARS: Final = 80


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class Neutralised:
    text: str
    findings: tuple[Finding, ...]


_WIDE: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

_J_PREVIOUS = r"(?<!従)(?:以前|これまで|今まで|それまで|先ほど|先程|上記|前|上|過去|既存|元)の"
_J_ORDERS = r"(?:指示|命令|指令|プロンプト|ルール|制約|設定|会話|ガイドライン)"
_J_TARGET = (r"(?<![A-Za-z])(?:AI|人工知能|アシスタント|チャットボット|(?:大規模)?言語モデル|生成|モデル|LLM|ChatGPT|GPT|"
             r"Claude|Gemini)*(?:AI|人工知能|アシスタント|チャットボット|言語モデル|LLM|ChatGPT|GPT|Claude|Gemini|"
             r"回答者|回答する者)(?![A-Za-z])")
# Commands: 「AIは…せよ」 is addressed to it; 「AIは…に留意してください」 in a guideline is addressed to staff,
# so a polite request counts only after a vocative (「アシスタントよ」), and ignoring or forgetting always. Not a
# comma: 「AI、IoT等を活用してください」 is a list.
_J_COMMAND = r"(?:しなさい|せよ|しろ|するな|答えよ|答えろ|答えなさい|書け|書きなさい|従え|従いなさい|示せ|述べよ)"
_J_PLEASE = r"(?:て|で)(?:ください|下さい)"
_J_DROP = r"(?:無視|忘れ)(?:して|しろ|せよ|なさい|ろ)"
_INSTRUCTIONS: Final = tuple(re.compile(p, re.IGNORECASE) for p in (
    (rf"{_J_PREVIOUS}(?:すべての|全ての|全部の|一切の)?{_J_ORDERS}(?:は|を|も)?(?:すべて|全て|全部)?"
     r"(?:無視|忘れ|破棄|取り消|リセット)(?!してはならない|しなければならない|することはできない|できない)"),
    r"システム・?プロンプト|システムメッセージ|system\s*prompt",
    r"あなたは(?:今から|これから|今後|以後|以降)|(?:今から|これから)(?:の)?あなたは",
    r"(?:以下|下記)の(?:指示|命令)に(?:従|したが)|(?:次|この)の?(?:指示|命令)に(?:従|したが)(?:って|い)[^。\n]{0,10}?(?:回答|答え|出力)",
    r"(?:新しい|新たな|追加の)(?:指示|命令)\s*[：:]|(?:本当の|真の|最優先の)(?:指示|命令)(?:は|です|[：:])",
    (r"(?:回答|答え|応答|出力)の(?:最後|末尾|冒頭|最初|先頭|終わり|後)に[^。\n]{0,60}?(?:と|を)"
     r"(?:書|記載|記入|出力|追加|付け|付記|含め|表示|加え)"),
    rf"{_J_TARGET}(?:は|よ)、?[^。！？!?\n]{{0,80}}?(?:{_J_COMMAND}|{_J_DROP})",
    rf"{_J_TARGET}(?:よ|さん)、?[^。！？!?\n]{{0,80}}?{_J_PLEASE}",
    r"(?:プロンプト|指示文)を(?:表示|出力|開示|教え|繰り返)(?:して|せよ|しろ|しなさい|ろ|て)",
    r"(?:ユーザー|質問者)に(?:は)?(?:伝え|知らせ|言わ|見せ|教え)(?:ないで|るな)",
    (r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|"
     r"all|your)\b[^.\n]{0,20}?\b(?:instructions?|prompts?|rules|directions|guidelines)\b"),
    (r"\b(?:you are now|you will now|from now on,? you|pretend (?:to be|you are)|"
     r"act as (?:an? )?(?:AI|assistant|chatbot|language model|DAN)\b)"),
    r"\bnew instructions?\s*:|\bdo not (?:tell|inform|reveal to) the user\b|\b(?:respond|answer|reply) only with\b",
    (r"\b(?:at the (?:end|beginning|start) of|end|begin|start) (?:your|the|each) (?:answer|response|reply)\b"
     r"[^.\n]{0,40}?\b(?:with|by (?:writing|saying|adding)|add|write|say)\b"),
    r"\b(?:assistant|AI|chatbot|LLM|language model)\b,?\s+you\s+(?:must|should|shall|will|are)\b",
))
_URL = r"(?:https?://|www\.)[^\s「」『』（）()<>]+"
_DATA = r"(?:回答|答え|会話|チャット|プロンプト|これまでのやり取り)"
_SEND = r"(?:送信|送って|送れ|付けて|付け加え|付加|埋め込|含め)"
_EXFILTRATION_SENTENCES: Final = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"{_DATA}[^。\n]{{0,60}}?(?:{_SEND}[^。\n]{{0,60}}?{_URL}|{_URL}[^。\n]{{0,60}}?{_SEND})",
    rf"{_URL}[^。\n]{{0,40}}?{_DATA}[^。\n]{{0,30}}?{_SEND}",
    rf"{_J_TARGET}(?:は|よ|、)[^。\n]{{0,40}}?{_URL}[^。\n]{{0,20}}?(?:アクセス|開|読み込|取得|訪問)",
    (r"\b(?:send|post|append|include|encode|attach|add)\b[^.\n]{0,30}?\b(?:answers?|responses?|conversation|chat|"
     rf"prompts?|history|user'?s?)\b[^.\n]{{0,30}}?{_URL}"),
    (r"\b(?:assistant|AI|chatbot|LLM)\b,?\s+(?:please\s+)?(?:visit|open|fetch|load|browse|go to|navigate to)\b"
     rf"[^.\n]{{0,20}}?{_URL}"),
    r"https?://[^\s「」]*(?:\{|\}|〔|\$\{|%7B)",
))
_STRIPPED: Final = (
    ("exfiltration", re.compile(r"!\[[^\]\n]{0,200}\]\([^)\n]{0,2000}\)|<img\b[^>]{0,2000}>", re.IGNORECASE)),
    ("role_tag", re.compile(r"<\|[A-Za-z_ ]{1,30}\|>(?:[ \t]*(?:system|user|assistant|developer)\b)?"
                            r"|\[/?INST\]|<</?SYS>>|</?(?:system|assistant|user|instructions?)>", re.IGNORECASE)),
    ("fence", re.compile(r"[<＜≪]{3,}[^\n]{0,60}?[>＞≫]{3,}|[<＜≪]{3,}|[>＞≫]{3,}")),
)
_ROLE_LINE = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*)?(?:system|assistant|user|instructions?|システム|アシスタント)[ \t]*[:：]",
                        re.IGNORECASE | re.MULTILINE)

_SENTENCE_END = re.compile(r"[。！？]+|[.!?]+(?=\s|$)|\n")


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: ending at 。！？, at . ! ? before a space, or at a line end (kept out of the span)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() if m.group() == "\n" else m.end()
        if end > start:
            spans.append((start, end))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _find(text: str) -> tuple[list[Finding], list[tuple[int, int, str]]]:
    """What is wrong and how to fix it: (findings, edits as (start, end, replacement)) on `text`."""
    folded = text.translate(_WIDE)
    findings: list[Finding] = []
    edits: list[tuple[int, int, str]] = []
    for kind, pattern in _STRIPPED:
        for m in pattern.finditer(folded):
            findings.append(Finding(kind, _excerpt(text[m.start():m.end()])))
            edits.append((m.start(), m.end(), ""))
    omit: list[tuple[int, int, str]] = []
    for m in _ROLE_LINE.finditer(folded):
        end = folded.find("\n", m.end())
        omit.append((m.start(), len(folded) if end < 0 else end, "role_tag"))
    for kind, patterns in (("instruction", _INSTRUCTIONS), ("exfiltration", _EXFILTRATION_SENTENCES)):
        for pattern in patterns:
            omit += [(m.start(), m.end(), kind) for m in pattern.finditer(folded)]
    sentences = _sentences(text)
    for start, end, kind in omit:
        findings.append(Finding(kind, _excerpt(text[start:end])))
        covering = [(s, e) for s, e in sentences if s < max(end, start + 1) and e > start]
        edits.append((min(s for s, _ in covering), max(e for _, e in covering), OMITTED))
    return findings, edits


def _check(text: str) -> tuple[str, list[Finding], list[tuple[int, int, str]]]:
    hidden = len(_HIDDEN.findall(text))
    clean = _HIDDEN.sub("", text) if hidden else text
    findings, edits = _find(clean)
    if hidden:
        findings.insert(0, Finding("hidden", f"{hidden} invisible control characters"))
    return clean, findings, edits


def scan(text: str) -> tuple[Finding, ...]:
    """Instruction-like content in `text`; empty for ordinary legal text."""
    return tuple(_check(text)[1])


def neutralise(text: str) -> Neutralised:
    """`text` with instruction sentences replaced by 〔資料中の指示文を省略〕 and tags, fences and
    image links removed; text with no finding comes back unchanged."""
    clean, findings, edits = _check(text)
    out: list[str] = []
    at = 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], -e[1], not e[2])):  # omissions win ties
        if end <= at:
            continue  # inside an edit already made (a tag inside an omitted sentence)
        if start < at:  # overlaps the previous edit: extend it
            start = at
            replacement = "" if out and out[-1] == OMITTED else replacement
        out += [clean[at:start], replacement]
        at = end
    out.append(clean[at:])
    merged = re.sub(rf"{re.escape(OMITTED)}(?:[ \t\u3000]*{re.escape(OMITTED)})+", OMITTED, "".join(out))
    return Neutralised(merged, tuple(findings))
