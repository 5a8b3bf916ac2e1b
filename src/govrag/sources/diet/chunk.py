"""One meeting's speeches → citable chunks: marker parsed, long speeches split, questions paired with answers.

A meeting's minutes (one issueID) is one document. Each speech is one chunk;
a long one is cut at sentence ends with the previous sentence repeated, so a
passage never loses its lead-in. The leading marker 「○議長（額賀福志郎君）」 is
read into fields and taken out of the text: it is metadata, and left in it
would make every chair's line match every query for 議長. speechOrder 0
(会議録情報: attendance, agenda) is kept as the meeting's metadata, and its
attendance list fills in positions the record lacks.

A government answer (大臣, 副大臣, 政府参考人, …) is linked to the member's
question it follows in the same meeting, both ways, so a hit on either shows
the exchange.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from govrag.index.docstore import DocumentRecord
from govrag.models import Chunk, chunk_id, content_hash
from govrag.sources.diet.hints import positions_of
from govrag.sources.diet.records import Speech
from govrag.sources.text import split_text

SOURCE = "diet"
HEADER = "会議録情報"
#: Part of every meeting's content hash: bump it when chunks change, and a re-ingest redoes every meeting.
CHUNKER_VERSION = "1"

#: Titles written after a surname in a marker (「○浜田委員長」), longest first so 委員長 wins over 委員.
_NAME_TITLES = sorted({
    "君", "委員", "委員長", "委員長代理", "小委員", "小委員長", "理事", "会長", "会長代理", "分科員", "主査", "議長", "副議長",
    "国務大臣", "内閣総理大臣", "副大臣", "大臣政務官", "政府参考人", "政府特別補佐人", "参考人", "公述人", "証人",
    "事務総長", "参事", "会計検査院長", "国立国会図書館長", "前議院運営委員長", "内閣官房副長官", "法制局長", "説明員",
}, key=len, reverse=True)
_TITLED = re.compile(r"○(?P<title>[^（）\s○]{1,40}?)（(?P<name>[^（）]{1,20}?)君）")
_SPACES = re.compile(r"[\s\u3000]+")
_ATTENDEE = re.compile(r"^(?P<position>[^\s（）]{2,40}?)[\s\u3000]+(?P<name>[^\s（）][^（）]*?)君$")
_REFERENCE = re.compile(r"^（(?P<position>[^（）]{2,60})）[\s\u3000]*(?P<name>[^（）]+?)君$")

CHAIR = frozenset({"議長", "副議長", "委員長", "委員長代理", "小委員長", "理事", "会長", "会長代理", "主査"})
MEMBER = frozenset({"君", "委員", "小委員", "分科員", "議員", "委員以外の議員"})
_GOVERNMENT = frozenset({"国務大臣", "政府参考人", "政府特別補佐人", "内閣官房副長官", "説明員", "内閣法制局長官"})
#: A generic marker title says nothing about the office (国務大臣 is every minister).
_GENERIC = CHAIR | MEMBER | {"国務大臣", "政府参考人", "参考人", "公述人", "証人"}


@dataclass(frozen=True, slots=True)
class Marker:
    title: str | None   # 委員長, 国務大臣, 内閣総理大臣, 君 …; None when no marker could be read
    body: str           # the speech without its marker


def parse_marker(text: str, speaker: str) -> Marker:
    """Split 「○小泉委員長　これより…」 or 「○国務大臣（岩屋毅君）　…」 into title and body.

    Records rebuilt from CSV exports lost the space after the marker
    (「○浜田委員長これより会議を開きます。」), so the title is read against the
    speaker's own name and a list of titles, not up to the first space.
    """
    text = text.replace("\r\n", "\n").lstrip()
    if not text.startswith("○"):
        return Marker(None, text.strip())
    titled = _TITLED.match(text)
    if titled:
        return Marker(titled["title"], _body(text[titled.end():]))
    name = _SPACES.sub("", speaker)
    i = 1
    while i < len(text) and i - 1 < len(name) and text[i] == name[i - 1]:
        i += 1
    if i > 1 and text[i:i + 1] == "（":  # 「○岡田（克）委員」: a surname shared in the meeting
        close = text.find("）", i, i + 8)
        i = close + 1 if close > 0 else i
    for title in _NAME_TITLES:
        if text.startswith(title, i):
            return Marker(title, _body(text[i + len(title):]))
    _, _, rest = text.partition("\u3000")
    return Marker(None, _body(rest) if rest else text[1:].strip())


def _body(text: str) -> str:
    return text.lstrip(" \u3000").strip()


def side(title: str | None, position: str | None) -> str:
    """"government", "member", "chair" or "other" (参考人, 事務総長, …): who may ask and who answers."""
    if title in CHAIR:
        return "chair"
    if title in MEMBER:
        return "member"
    office = title or ""
    if office in _GOVERNMENT or office.endswith(("大臣", "副大臣", "大臣政務官")) or (
            position and position.endswith(("大臣", "副大臣", "大臣政務官", "長官"))):
        return "government"
    return "other"


def attendance(header: str, names: Iterable[str] = ()) -> dict[str, str]:
    """Name → position from the attendance list of speechOrder 0 (「外務大臣　上川　陽子君」,
    「政府参考人」 then 「（警察庁長官官房審議官）　親家　和仁君」).

    Headers rebuilt from CSV exports lost their line breaks (「…防衛大臣中谷元君国土交通副大臣古川康君…」):
    there the meeting's own speakers (`names`) are looked up, and the position is what precedes the name.
    """
    found: dict[str, str] = {}
    for line in header.replace("\r\n", "\n").split("\n"):
        line = line.strip(" \u3000")
        m = _REFERENCE.match(line) or _ATTENDEE.match(line)
        if m and not m["position"].startswith(("理事", "委員", "出席", "辞任", "補欠")):
            found[_SPACES.sub("", m["name"])] = m["position"]
    flat = _SPACES.sub("", header)
    for name in names:
        at = flat.find(name + "君")
        if name in found or at < 0:
            continue
        before = re.split(r"君|…|\.\.\.", flat[:at])[-1]
        before = before.removeprefix("国務大臣") or before  # 「国務大臣厚生労働大臣」: the office is what follows
        reference = _FLAT_REFERENCE.fullmatch(before)
        position = reference[1] if reference else before
        if 2 <= len(position) <= 40 and position.endswith(_OFFICES) and not _NOT_OFFICE.search(position):
            found[name] = position
    return found


_FLAT_REFERENCE = re.compile(r"政府参考人（([^（）]+)）")
_OFFICES = ("大臣", "副大臣", "政務官", "長官", "長", "官", "総裁", "参事", "者")
#: What a member's or chair's entry, or a header line, has and an office does not.
_NOT_OFFICE = re.compile(r"委員長?$|理事$|[─―。…]|出席|^[令平昭]和")


@dataclass(frozen=True, slots=True)
class Meeting:
    """One meeting's minutes, ready for the store."""

    document: DocumentRecord
    chunks: list[Chunk]
    pairs: int


def meeting_title(s: Speech) -> str:
    issue = f" {s.issue}" if s.issue else ""
    return f"第{s.session}回国会 {s.house} {s.meeting}{issue} {s.date}" if s.session else f"{s.house} {s.meeting}{issue} {s.date}"


def speech_label(s: Speech, position: str | None) -> str:
    """「参議院 予算委員会 2025-03-05 石破茂（内閣総理大臣）」: what a citation shows."""
    who = f"{s.speaker}（{position}）" if position else s.speaker
    return f"{s.house} {s.meeting} {s.date} {who}"


def meeting_hash(speeches: Sequence[Speech]) -> str:
    """Content hash of a meeting's records and the chunker's version: an unchanged meeting is skipped on
    re-ingest, and a meeting the chunker now cuts differently is redone."""
    h = hashlib.blake2b(CHUNKER_VERSION.encode(), digest_size=16)
    for s in sorted(speeches, key=lambda s: s.speech_order):
        h.update(repr(s).encode("utf-8"))
    return h.hexdigest()


def chunk_meeting(speeches: Iterable[Speech], max_chars: int = 600) -> Meeting:
    """Chunks of one meeting (all speeches share one issueID), questions and answers paired."""
    by_order = {s.speech_order: s for s in speeches}  # a speech read twice (two pages, two files) counts once
    ordered = [by_order[k] for k in sorted(by_order)]
    if not ordered:
        raise ValueError("a meeting needs at least one speech")
    first = ordered[0]
    header = by_order.get(0)
    present = attendance(header.text, {_SPACES.sub("", s.speaker) for s in ordered if s.speech_order}) if header else {}
    version = first.date
    markers = {s.speech_order: parse_marker(s.text, s.speaker) for s in ordered if s.speech_order}
    positions = {o: _position(by_order[o], m.title, present) for o, m in markers.items()}
    answers, answered_by = _pair(ordered, markers, positions)

    chunks: list[Chunk] = []
    for s in ordered:
        if s.speech_order == 0:
            continue
        marker, position = markers[s.speech_order], positions[s.speech_order]
        label = speech_label(s, position)
        parts = split_text(marker.body, max_chars) if marker.body else []  # a marker alone says nothing
        linked = [answers[s.speech_order]] if s.speech_order in answers else answered_by.get(s.speech_order, [])
        attrs = {
            "speech_id": s.speech_id, "issue_id": s.issue_id, "speech_order": s.speech_order,
            "speaker": _SPACES.sub("", s.speaker), "speaker_yomi": s.speaker_yomi, "speaker_group": s.speaker_group,
            "speaker_position": position, "positions": list(positions_of(position)) + _title_positions(marker.title),
            "speaker_role": s.speaker_role, "speaker_title": marker.title,
            "side": side(marker.title, position), "house": s.house, "meeting": s.meeting, "issue": s.issue,
            "session": s.session, "date": s.date, "start_page": s.start_page, "pdf_url": s.pdf_url,
            "answers": by_order[answers[s.speech_order]].speech_id if s.speech_order in answers else None,
            "answered_by": [by_order[o].speech_id for o in answered_by.get(s.speech_order, [])],
            "links": [chunk_id(SOURCE, s.issue_id, version, _unit(o, 0)) for o in linked],
        }
        for part, body in enumerate(parts):
            unit = _unit(s.speech_order, part)
            chunks.append(Chunk(
                id=chunk_id(SOURCE, s.issue_id, version, unit), source=SOURCE, doc_id=s.issue_id,
                doc_title=meeting_title(s), version=version, unit=unit, seq=len(chunks),
                heading=label + (f"（{part + 1}/{len(parts)}）" if len(parts) > 1 else ""), body=body,
                label=label, url=s.url, hash=content_hash(body), attrs=attrs | {"part": part, "parts": len(parts)},
            ))
    meta = {
        "session": first.session, "house": first.house, "meeting": first.meeting, "issue": first.issue,
        "date": first.date, "speeches": len(markers), "header": header.text if header else None,
        "attendance": present, "meeting_url": first.meeting_url, "pdf_url": first.pdf_url,
        "speakers": _speakers(ordered, markers, positions),
    }
    document = DocumentRecord(
        source=SOURCE, doc_id=first.issue_id, version=version, name=first.issue_id, title=meeting_title(first),
        file_hash=meeting_hash(ordered), n_chunks=len(chunks), meta=meta,
    )
    return Meeting(document, chunks, pairs=len(answers))


def _unit(order: int, part: int) -> str:
    return f"{order}" if part == 0 else f"{order}-{part}"


def _position(s: Speech, title: str | None, present: dict[str, str]) -> str | None:
    """The record's position, else a specific marker title (内閣総理大臣), else the attendance list's."""
    if s.speaker_position:
        return s.speaker_position
    if title and title not in _GENERIC:
        return title
    if title in CHAIR or title in MEMBER:  # members and chairs hold no office the attendance list could give
        return None
    return present.get(_SPACES.sub("", s.speaker))


def _speakers(
    ordered: Sequence[Speech], markers: dict[int, Marker], positions: dict[int, str | None]
) -> list[list[object]]:
    """[name, yomi, positions] of each speaker of the meeting: what the hint parser resolves names against."""
    seen: dict[str, list[object]] = {}
    for s in ordered:
        if not s.speech_order:
            continue
        name = _SPACES.sub("", s.speaker)
        entry = seen.setdefault(name, [name, s.speaker_yomi, []])
        held = entry[2]
        assert isinstance(held, list)
        for p in (*positions_of(positions[s.speech_order]), *_title_positions(markers[s.speech_order].title)):
            if p not in held:
                held.append(p)
    return list(seen.values())


def _title_positions(title: str | None) -> list[str]:
    """A 国務大臣 or 政府参考人 marker is a position too (「政府参考人の答弁」)."""
    return [title] if title in ("国務大臣", "政府参考人", "参考人", "公述人", "証人") else []


def _pair(
    ordered: Sequence[Speech], markers: dict[int, Marker], positions: dict[int, str | None]
) -> tuple[dict[int, int], dict[int, list[int]]]:
    """Each government answer → the member's question it follows; each question → its answers.
    The chair's calls (「岩屋外務大臣。」) sit between them and change nothing."""
    answers: dict[int, int] = {}
    answered_by: dict[int, list[int]] = {}
    question: int | None = None
    for s in ordered:
        if s.speech_order == 0:
            continue
        who = side(markers[s.speech_order].title, positions[s.speech_order])
        if who == "member":
            question = s.speech_order
        elif who == "government" and question is not None:
            answers[s.speech_order] = question
            answered_by.setdefault(question, []).append(s.speech_order)
    return answers, answered_by
