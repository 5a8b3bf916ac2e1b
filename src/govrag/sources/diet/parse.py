"""NDL Diet-minutes API responses (国会会議録検索システム 検索用API) → `Speech` records.

One parser for every shape the API answers with, told apart by content, not by
file name: XML or JSON (`recordPacking`), from the `speech` endpoint (one
`speechRecord` per hit, all fields inside it) or the `meeting`/`meeting_list`
endpoints (`meetingRecord`s holding the meeting's fields and its
`speechRecord`s). Raw responses are what govrag keeps on disk, so this is also
how a harvested folder or an archive of pages is read back (`iter_speeches`).

Robustness rules, because ingest runs over thousands of pages nobody reads:

* a body that is not a whole response (cut off, not JSON/XML, an HTML error
  page) or that carries the API's own error message raises `ResponseError`;
  a reader over many files turns that into one `Skipped` and goes on;
* a record missing a required field, or with a date that is not ISO, is left
  out (`Page.skipped`, and a line in `Page.warnings`), never failing its page;
* a field the API adds later is ignored with one warning line per field name,
  so a schema change is visible but never stops ingest.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lxml import etree

from govrag.sources.archives import Member, members
from govrag.sources.base import Skipped, SourceError
from govrag.sources.diet.records import Speech

__all__ = [
    "HARVEST_STATE",
    "Page",
    "ResponseError",
    "Skipped",
    "SourceError",
    "iter_speeches",
    "parse_response",
]

log = logging.getLogger(__name__)

# The resume file `api.harvest` keeps beside the pages; not a response, so readers pass over it.
HARVEST_STATE = "harvest-state.json"

_PAGE_SUFFIXES = (".json", ".xml")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Documented fields (検索用API仕様); anything else is reported once per page and ignored.
_PAGE_FIELDS = frozenset({"numberOfRecords", "numberOfReturn", "startRecord", "nextRecordPosition"})
_MEETING_FIELDS = frozenset({
    "issueID", "imageKind", "searchObject", "session", "nameOfHouse", "nameOfMeeting", "issue", "date",
    "closing", "speechRecord", "meetingURL", "pdfURL",
})
_SPEECH_FIELDS = frozenset({
    "speechID", "issueID", "imageKind", "searchObject", "session", "nameOfHouse", "nameOfMeeting", "issue",
    "date", "closing", "speechOrder", "speaker", "speakerYomi", "speakerGroup", "speakerPosition",
    "speakerRole", "speech", "startPage", "createTime", "updateTime", "speechURL", "meetingURL", "pdfURL",
})
_REQUIRED = ("speechID", "date", "nameOfHouse", "nameOfMeeting", "speech")


class ResponseError(ValueError):
    """A body that holds no usable page: the API's error message, or not a whole response.

    `reason` is the message without the source name (for `Skipped`); `api_message`
    and `details` are the API's own words when it answered with an error body.
    """

    def __init__(self, name: str, reason: str, *, api_message: str | None = None, details: tuple[str, ...] = ()) -> None:
        self.name = name
        self.reason = reason
        self.api_message = api_message
        self.details = details
        super().__init__(f"{name or '<response>'}: {reason}")


@dataclass(frozen=True, slots=True)
class Page:
    """One API response page: paging numbers, the speeches it holds, and what was noticed on the way.

    `warnings` has one line per unknown field name, per skipped record and per
    count mismatch; `skipped` names the records left out (their lines are in
    `warnings` too) so a reader can list them like unreadable files.
    """

    number_of_records: int
    number_of_return: int
    start_record: int | None
    next_record_position: int | None
    speeches: tuple[Speech, ...]
    warnings: tuple[str, ...]
    skipped: tuple[Skipped, ...] = ()


# --------------------------------------------------------------------------- one response


def parse_response(data: bytes, name: str = "") -> Page:
    """Parse one API response body (XML or JSON, any endpoint) into a `Page`.

    Raises `ResponseError` for an API error body or a body that is not a whole
    response; `name` (a file or URL) is quoted in that error.
    """
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise ResponseError(name, "empty body: truncated or not an API response")
    if body.startswith(b"<"):
        top, records, wrappers = _from_xml(body, name)
    elif body.startswith((b"{", b"[")):
        top, records = _from_json(body, name)
        wrappers = []
    else:
        raise ResponseError(name, f"neither JSON nor XML (starts {body[:20]!r}): invalid or truncated response")
    return _build_page(top, records, wrappers, name)


def _from_json(body: bytes, name: str) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ResponseError(
            name, f"invalid JSON ({exc.msg}; char {exc.pos} of {len(exc.doc)}): looks truncated or corrupt"
        ) from None
    except (UnicodeDecodeError, RecursionError) as exc:  # a cut can split a UTF-8 sequence
        raise ResponseError(name, f"invalid JSON ({type(exc).__name__}): looks truncated or corrupt") from None
    if not isinstance(data, dict):
        raise ResponseError(name, f"JSON is a {type(data).__name__}, not an API response object")
    _raise_api_error(name, data.get("message"), data.get("details"), "numberOfRecords" in data)
    kind = "meetingRecord" if "meetingRecord" in data else "speechRecord"
    records = data.get(kind, [])
    if not isinstance(records, list):
        raise ResponseError(name, f"{kind} is not a list: invalid response")
    top = {k: v for k, v in data.items() if k not in ("meetingRecord", "speechRecord")}
    return top, [(kind, record) for record in records]


def _safe_parser() -> etree.XMLParser:
    """No DTDs, no entity expansion, no network: response bytes are untrusted input."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _from_xml(body: bytes, name: str) -> tuple[dict[str, Any], list[tuple[str, Any]], list[str]]:
    """`<data>…<records><record><recordData><meetingRecord|speechRecord>` → the dicts the JSON shape gives.

    Also returns the names of unexpected elements in the record wrappers, reported like unknown fields.
    """
    try:
        root = etree.fromstring(body, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ResponseError(name, f"invalid XML ({exc}): looks truncated or corrupt") from None
    if root.tag != "data":
        raise ResponseError(name, f"XML root is <{root.tag}>, not <data>: not an API response")
    message, details = root.find("message"), root.find("details")
    _raise_api_error(
        name,
        None if message is None else message.text or "",
        None if details is None else [d.text or "" for d in details],
        root.find("numberOfRecords") is not None,
    )
    top: dict[str, Any] = {}
    records: list[tuple[str, Any]] = []
    wrappers: list[str] = []
    for child in _elements(root):
        if child.tag != "records":
            top[child.tag] = child.text
            continue
        for record in _elements(child):
            wrappers.extend(f"record.{e.tag}" for e in _elements(record) if e.tag != "recordData")
            for holder in record.iterchildren("recordData"):
                for inner in _elements(holder):
                    if inner.tag == "meetingRecord":
                        fields = _xml_fields(inner)
                        fields["speechRecord"] = [_xml_fields(sr) for sr in inner.iterchildren("speechRecord")]
                        records.append((inner.tag, fields))
                    elif inner.tag == "speechRecord":
                        records.append((inner.tag, _xml_fields(inner)))
                    else:
                        wrappers.append(f"recordData.{inner.tag}")
    return top, records, wrappers


def _elements(parent: etree._Element) -> Iterator[etree._Element]:
    """Child elements only: comments and processing instructions are not data."""
    return (child for child in parent if isinstance(child.tag, str))


def _xml_fields(element: etree._Element) -> dict[str, Any]:
    return {child.tag: child.text or "" for child in _elements(element) if child.tag != "speechRecord"}


def _raise_api_error(name: str, message: Any, details: Any, has_count: bool) -> None:
    """The API answers a bad request with `{"message", "details"}` (or `<data><message>`) instead of records."""
    if message is None or has_count:
        return
    text = str(message).strip()
    items = tuple(str(d).strip() for d in details if str(d).strip()) if isinstance(details, list) else ()
    reason = f"the API answered with an error: {text}" + (f" ({'; '.join(items)})" if items else "")
    raise ResponseError(name, reason, api_message=text, details=items)


def _build_page(top: Mapping[str, Any], records: list[tuple[str, Any]], wrappers: list[str], name: str) -> Page:
    try:
        total = _int(top.get("numberOfRecords"))
        returned = _int(top.get("numberOfReturn"))
        start = _int(top.get("startRecord"))
        next_position = _int(top.get("nextRecordPosition"))
    except ValueError as exc:
        raise ResponseError(name, f"bad paging number ({exc}): invalid response") from None
    if total is None:
        raise ResponseError(name, "no numberOfRecords: not an API response page")
    unknown = {f"data.{key}" for key in top if key not in _PAGE_FIELDS} | set(wrappers)
    notes: list[str] = []
    if returned is not None and returned != len(records):
        notes.append(f"numberOfReturn is {returned} but the page holds {len(records)} records")
    speeches: list[Speech] = []
    skipped: list[Skipped] = []

    def skip(label: str, reason: str) -> None:
        skipped.append(Skipped(_skip_name(name, label), reason))

    listed_without_text = 0
    position = 0
    for index, (kind, record) in enumerate(records, 1):
        if not isinstance(record, dict):
            skip(f"record {index}", f"{kind} is a {type(record).__name__}, not an object")
            continue
        if kind == "meetingRecord":  # meeting / meeting_list endpoint
            meeting = {k: v for k, v in record.items() if k != "speechRecord"}
            unknown.update(f"meetingRecord.{k}" for k in meeting if k not in _MEETING_FIELDS)
            entries = record.get("speechRecord") or []
            if not isinstance(entries, list):
                entries = [entries]
            if entries and all(isinstance(e, dict) and "speech" not in e for e in entries):
                listed_without_text += len(entries)  # meeting_list: the API sends no text by design
                continue
        else:  # speech endpoint: one record, one speech
            meeting, entries = {}, [record]
        for entry in entries:
            position += 1
            if not isinstance(entry, dict):
                skip(f"record {position}", f"speechRecord is a {type(entry).__name__}, not an object")
                continue
            unknown.update(f"speechRecord.{k}" for k in entry if k not in _SPEECH_FIELDS)
            merged = dict(meeting)
            merged.update((k, v) for k, v in entry.items() if _text(v) is not None or k not in merged)
            try:
                speeches.append(_speech(merged))
            except ValueError as exc:
                skip(_text(merged.get("speechID")) or f"record {position}", str(exc))
    if listed_without_text:
        notes.append(f"{listed_without_text} speech entries carry no text (a meeting_list page?): none parsed")
    notes.extend(f"unknown field {key} ignored" for key in sorted(unknown))
    notes.extend(_skip_line(name, s) for s in skipped)
    return Page(
        number_of_records=total,
        number_of_return=len(records) if returned is None else returned,
        start_record=start,
        next_record_position=next_position,
        speeches=tuple(speeches),
        warnings=tuple(notes),
        skipped=tuple(skipped),
    )


def _skip_name(page: str, label: str) -> str:
    return f"{page}#{label}" if page else label


def _skip_line(page: str, skipped: Skipped) -> str:
    """The warning line for a left-out record: its label (speechID or position), not the page name again."""
    label = skipped.name.removeprefix(f"{page}#") if page else skipped.name
    return f"skipped {label}: {skipped.reason}"


def _speech(rec: Mapping[str, Any]) -> Speech:
    """One merged record → `Speech`; ValueError says why the record cannot be used."""
    missing = [key for key in _REQUIRED if _text(rec.get(key)) is None]
    if missing:
        raise ValueError(f"missing required field(s) {', '.join(missing)}")
    speech_id = str(rec["speechID"]).strip()
    prefix, _, suffix = speech_id.rpartition("_")
    day = str(rec["date"]).strip()
    if not _ISO_DATE.match(day) or not _is_date(day):
        raise ValueError(f"date {day!r} is not an ISO date (YYYY-MM-DD)")
    issue_id = _text(rec.get("issueID")) or prefix
    if not issue_id:
        raise ValueError(f"no issueID, and speechID {speech_id!r} has no '<issueID>_' prefix to derive it from")
    try:
        order = _int(rec.get("speechOrder"))
        if order is None:
            order = int(suffix) if prefix and suffix.isascii() and suffix.isdigit() else None
        session = _int(rec.get("session"))
        start_page = _int(rec.get("startPage"))
    except ValueError as exc:
        raise ValueError(f"bad number: {exc}") from None
    if order is None:
        raise ValueError(f"no speechOrder, and speechID {speech_id!r} has no '_<order>' suffix to derive it from")
    return Speech(
        speech_id=speech_id,
        issue_id=issue_id,
        session=session,
        house=str(rec["nameOfHouse"]).strip(),
        meeting=str(rec["nameOfMeeting"]).strip(),
        issue=_text(rec.get("issue")),
        date=day,
        speech_order=order,
        speaker=_text(rec.get("speaker")) or "",
        speaker_yomi=_text(rec.get("speakerYomi")),
        speaker_group=_text(rec.get("speakerGroup")),
        speaker_position=_text(rec.get("speakerPosition")),
        speaker_role=_text(rec.get("speakerRole")),
        text=str(rec["speech"]),
        start_page=start_page,
        speech_url=_text(rec.get("speechURL")),
        meeting_url=_text(rec.get("meetingURL")),
        pdf_url=_text(rec.get("pdfURL")),
    )


def _text(value: Any) -> str | None:
    """API strings: XML gives "" and JSON gives null for an empty field; both mean absent."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    """XML gives digits as text, JSON as numbers; empty or null means absent."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = value.strip() if isinstance(value, str) else None
    if text == "":
        return None
    if text is None or not (text.isascii() and text.isdigit()):
        raise ValueError(f"{value!r} is not an integer")
    return int(text)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- files, folders, archives


def iter_speeches(path: Path, on_warning: Callable[[str], None] | None = None) -> Iterator[Speech | Skipped]:
    """Every speech in a response file, a folder of them, or a .tar(.xz/.gz)/.zip of them.

    An unreadable page or an API error body comes out as `Skipped(name, reason)`,
    so does each record a page had to leave out; a truncated archive yields all
    before the damage, then one `Skipped` that says where it broke. Warnings
    (unknown fields, count mismatches) go to `on_warning` (default: this
    module's logger), each distinct line once per run. A missing path or an
    unsupported file type raises `SourceError` at once; an archive that cannot
    be opened at all raises it when iteration starts.
    """
    found = members(path, _PAGE_SUFFIXES, "response files", "Diet minutes source", ignore=frozenset({HARVEST_STATE}))
    return _speeches_of(found, on_warning or log.warning)


def _speeches_of(
    found: Iterable[Member | Skipped], warn: Callable[[str], None]
) -> Iterator[Speech | Skipped]:
    seen: set[str] = set()
    for member in found:
        if isinstance(member, Skipped):
            yield member
            continue
        name, data = member
        try:
            page = parse_response(data, name)
        except ResponseError as exc:
            yield Skipped(name, exc.reason)
            continue
        yield from page.speeches
        yield from page.skipped
        skip_lines = {_skip_line(name, s) for s in page.skipped}
        for line in page.warnings:
            if line not in skip_lines and line not in seen:
                seen.add(line)
                warn(f"{name}: {line}")

