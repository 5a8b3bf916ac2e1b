"""Client for the e-Gov 法令API Version 2 (https://laws.e-gov.go.jp/api/2).

The bulk archive is the main way govrag gets laws; this client exists to fetch
single laws (or a law as of a date) on demand and to list what the API knows.
It returns the law as e-Gov 法令標準XML bytes (a ``<Law>`` document) so the
same parser reads archive files and API responses.

Shapes relied on (checked against published responses, see the tests):

* ``GET /laws`` → ``{total_count, count, next_offset?, laws: [{law_info,
  revision_info, current_revision_info}]}``; query ``law_title``, ``law_num``,
  ``law_type``, ``asof``, ``limit``, ``offset``, ``order``, ``response_format``.
* ``GET /law_data/{law_id_or_num_or_revision_id}`` → ``{law_info,
  revision_info, law_full_text, attached_files_info}``; query ``asof``,
  ``response_format`` (json|xml), ``law_full_text_format`` (json|xml), ``elm``…
  When ``law_full_text_format`` differs from ``response_format`` the API sends
  ``law_full_text`` Base64-encoded; with ``response_format=xml`` the body is
  ``<law_data_response>…<law_full_text><Law …>…</Law></law_full_text>…``; with
  ``law_full_text_format=json`` it is a ``{"tag","attr","children"}`` tree.
  All three are accepted here.
* Errors: ``{"code": "400001", "message": "…"}`` with the HTTP status.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import quote

import httpx
from lxml import etree

import govrag
from govrag.sources.http import ApiError, Pacer, get_with_retries
from govrag.sources.laws.archive import LawFile, Skipped

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "ApiLawInfo",
    "EgovApiClient",
    "EgovApiError",
    "LawNotFound",
    "LawXml",
    "iter_api_laws",
    "law_full_text_json_to_xml",
]

DEFAULT_BASE_URL = "https://laws.e-gov.go.jp/api/2"
DEFAULT_USER_AGENT = f"govrag/{govrag.__version__} (legal research over e-Gov law data; python-httpx)"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

_ASOF_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --------------------------------------------------------------------------- errors


class EgovApiError(ApiError):
    """The API could not give us what we asked for.

    Carries the HTTP status (None for transport failures), the URL, the API's
    own error code/message when the body had one, and how many tries were made,
    so a caller can log one line that says what went wrong where.
    """

    api_name = "e-Gov API"


class LawNotFound(EgovApiError):
    """404: no such law (or no revision at the requested date). Never retried."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ApiLawInfo:
    """One law as the API describes it (law_info + the chosen revision_info)."""

    law_id: str
    law_num: str
    law_type: str
    title: str
    title_kana: str
    abbrevs: tuple[str, ...]
    promulgation_date: str | None
    law_revision_id: str | None
    enforcement_date: str | None = None
    repeal_status: str | None = None


@dataclass(frozen=True, slots=True)
class LawXml:
    """A law's full text as 法令標準XML, with the metadata that came with it.

    ``xml`` is a standalone ``<Law …>`` document (UTF-8, with XML declaration)
    whose root carries ``LawId``; ``asof`` is the date asked for (None = current).
    """

    law_id: str
    law_revision_id: str | None
    asof: str | None
    xml: bytes
    info: ApiLawInfo


# --------------------------------------------------------------------------- helpers


def _normalize_asof(asof: date | str | None) -> str | None:
    """Validate and format ``asof`` as YYYY-MM-DD, so a bad date never costs a request."""
    if asof is None:
        return None
    if isinstance(asof, datetime):
        return asof.date().isoformat()
    if isinstance(asof, date):
        return asof.isoformat()
    if isinstance(asof, str):
        text = asof.strip()
        if _ASOF_RE.match(text):
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                pass
        raise ValueError(f"asof must be a date or 'YYYY-MM-DD', got {asof!r}")
    raise ValueError(f"asof must be a date or 'YYYY-MM-DD', got {type(asof).__name__}")


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _split_abbrevs(value: Any) -> tuple[str, ...]:
    """``"国旗国歌法,日の丸君が代法"`` → ``("国旗国歌法", "日の丸君が代法")``."""
    if not value:
        return ()
    if isinstance(value, (list, tuple)):
        items: Iterable[Any] = value
    else:
        items = str(value).split(",")
    return tuple(s for s in (str(x).strip() for x in items) if s)


def _law_info_from(law_info: Mapping[str, Any], revision_info: Mapping[str, Any]) -> ApiLawInfo:
    """Build an ApiLawInfo from the API's two metadata blocks (JSON or XML-derived)."""
    revision_id = _str_or_none(revision_info.get("law_revision_id"))
    law_id = _str_or_none(law_info.get("law_id"))
    if law_id is None and revision_id:
        law_id = revision_id.split("_", 1)[0]
    if law_id is None:
        raise ValueError("law_info.law_id is missing")
    return ApiLawInfo(
        law_id=law_id,
        law_num=_str_or_none(law_info.get("law_num")) or "",
        law_type=_str_or_none(law_info.get("law_type"))
        or _str_or_none(revision_info.get("law_type"))
        or "",
        title=_str_or_none(revision_info.get("law_title")) or "",
        title_kana=_str_or_none(revision_info.get("law_title_kana")) or "",
        abbrevs=_split_abbrevs(revision_info.get("abbrev")),
        promulgation_date=_str_or_none(law_info.get("promulgation_date")),
        law_revision_id=revision_id,
        enforcement_date=_str_or_none(revision_info.get("amendment_enforcement_date")),
        repeal_status=_str_or_none(revision_info.get("repeal_status")),
    )


def _safe_parser() -> etree.XMLParser:
    """No DTDs, no entity expansion, no network: API bytes are untrusted input."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=False
    )


def _serialize_law(law: etree._Element, law_id: str | None) -> bytes:
    """Serialize a ``<Law>`` element as a standalone document, adding LawId if absent."""
    if etree.QName(law).localname != "Law":
        raise ValueError(f"expected a <Law> element, got <{law.tag}>")
    if law_id and law.get("LawId") is None:
        law.set("LawId", law_id)
    return etree.tostring(law, encoding="UTF-8", xml_declaration=True)


def law_full_text_json_to_xml(tree: Mapping[str, Any], *, law_id: str | None = None) -> bytes:
    """Convert the API's JSON ``law_full_text`` tree to 法令標準XML bytes.

    The tree is ``{"tag": str, "attr": {..} | "" , "children": [node | str]}``;
    strings are text (mixed content keeps its order). Used when the API answers
    with the JSON tree, so downstream code only ever sees XML. ``law_id`` is added
    as ``LawId`` on the root when the root lacks one.
    """
    if not isinstance(tree, Mapping):
        raise ValueError("law_full_text tree must be an object with 'tag'")
    root = _json_node_to_element(tree, depth=0)
    return _serialize_law(root, law_id)


_MAX_DEPTH = 200


def _json_node_to_element(node: Mapping[str, Any], depth: int) -> etree._Element:
    if depth > _MAX_DEPTH:
        raise ValueError("law_full_text tree is nested too deeply")
    tag = node.get("tag")
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"law_full_text node without a tag: {str(node)[:80]}")
    try:
        element = etree.Element(tag)
    except ValueError as exc:
        raise ValueError(f"invalid tag in law_full_text: {tag!r}") from exc
    attrs = node.get("attr")
    if isinstance(attrs, Mapping):
        for key, value in attrs.items():
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            try:
                element.set(str(key), str(value))
            except ValueError as exc:
                raise ValueError(f"invalid attribute {key!r} on <{tag}>") from exc
    elif attrs not in (None, "", [], {}):
        raise ValueError(f"unexpected attr on <{tag}>: {attrs!r}")
    children = node.get("children")
    if children is None:
        return element
    if not isinstance(children, list):
        raise ValueError(f"children of <{tag}> must be a list")
    last: etree._Element | None = None
    for child in children:
        if isinstance(child, str):
            if last is None:
                element.text = (element.text or "") + child
            else:
                last.tail = (last.tail or "") + child
        elif isinstance(child, Mapping):
            last = _json_node_to_element(child, depth + 1)
            element.append(last)
        elif child is None:
            continue
        else:
            raise ValueError(f"unexpected child in <{tag}>: {child!r}")
    return element


def _xml_law_bytes(text: bytes, law_id: str | None) -> bytes:
    """Parse an XML document (a bare ``<Law>`` or one that contains it) → ``<Law>`` bytes."""
    try:
        root = etree.fromstring(text, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"law_full_text is not well-formed XML: {exc}") from exc
    law = root if etree.QName(root).localname == "Law" else _find_law(root)
    if law is None:
        raise ValueError("no <Law> element in law_full_text")
    return _serialize_law(law, law_id)


def _find_law(root: etree._Element) -> etree._Element | None:
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname == "Law":
            return el
    return None


def _decode_full_text_string(value: str) -> bytes:
    """``law_full_text`` as a string: raw XML, or (documented) Base64 of the XML."""
    stripped = value.lstrip()
    if stripped.startswith("<"):
        return stripped.encode("utf-8")
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("law_full_text is neither XML nor Base64") from exc


def _element_to_dict(el: etree._Element | None) -> dict[str, Any]:
    """``<law_info><law_id>x</law_id>…</law_info>`` → ``{"law_id": "x", …}``."""
    if el is None:
        return {}
    return {
        etree.QName(child).localname: (child.text or "").strip() or None
        for child in el
        if isinstance(child.tag, str)
    }


def _api_error_detail(response: httpx.Response) -> tuple[str | None, str | None]:
    """The API's own (code, message) from an error body, JSON or XML, if any."""
    body = response.content
    if not body:
        return None, None
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        for candidate in (data, data.get("error_info"), data.get("error")):
            if isinstance(candidate, Mapping) and (
                "message" in candidate or "code" in candidate
            ):
                return _str_or_none(candidate.get("code")), _str_or_none(candidate.get("message"))
    if body.lstrip().startswith(b"<"):
        try:
            root = etree.fromstring(body, _safe_parser())
            code = root.findtext(".//code")
            message = root.findtext(".//message")
            if code or message:
                return _str_or_none(code), _str_or_none(message)
        except etree.XMLSyntaxError:
            pass
    text = response.text.strip()
    return None, (text[:200] or None)


# --------------------------------------------------------------------------- client


class EgovApiClient:
    """Polite, retrying, synchronous client for e-Gov 法令API v2.

    Politeness: at most one request per ``min_interval`` seconds (a shared,
    free public service). Robustness: connect errors, timeouts, 408/425/429/5xx
    are retried with exponential backoff and jitter, honouring ``Retry-After``
    (sources/http.py); 404 raises :class:`LawNotFound` at once. ``clock``/``sleep``/
    ``rng`` are injectable so tests never really wait.
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http_client: httpx.Client | None = None,
        timeout: float | httpx.Timeout | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        min_interval: float = 0.5,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent
        self.min_interval = float(min_interval)
        self.max_attempts = max_attempts
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.max_retry_after = float(max_retry_after)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._now = now
        self._owns_client = http_client is None
        # An injected client keeps its own timeout unless one is given here.
        self._timeout: Any = (
            timeout if timeout is not None
            else (DEFAULT_TIMEOUT if http_client is None else httpx.USE_CLIENT_DEFAULT)
        )
        self._http = http_client or httpx.Client(follow_redirects=False)
        self._pacer = Pacer(self.min_interval, clock, sleep)

    # -- lifecycle ------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> EgovApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API -----------------------------------------------------------

    def list_laws(
        self,
        *,
        law_title: str | None = None,
        law_num: str | None = None,
        law_type: str | None = None,
        asof: date | str | None = None,
        page_size: int = 100,
        order: str | None = "+law_info.law_id",
    ) -> Iterator[ApiLawInfo]:
        """Iterate over every law matching the filters, walking all pages of ``GET /laws``.

        ``order`` defaults to law id so pages stay stable while we walk them.
        The revision described is ``revision_info`` (the one in force at
        ``asof``), falling back to ``current_revision_info``.
        """
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        asof_s = _normalize_asof(asof)  # raises here, at call time, not on first next()
        base: dict[str, str] = {"response_format": "json", "limit": str(page_size)}
        for key, value in (
            ("law_title", law_title),
            ("law_num", law_num),
            ("law_type", law_type),
            ("asof", asof_s),
            ("order", order),
        ):
            if value:
                base[key] = value
        return self._walk_laws(base)

    def _walk_laws(self, base: Mapping[str, str]) -> Iterator[ApiLawInfo]:
        url = f"{self.base_url}/laws"
        offset = 0
        while True:
            response = self._request(url, {**base, "offset": str(offset)})
            data = self._json(response, url)
            laws = data.get("laws")
            if not isinstance(laws, list):
                raise EgovApiError(
                    "malformed /laws response: 'laws' is not a list",
                    url=str(response.url), status=response.status_code,
                )
            for entry in laws:
                if not isinstance(entry, Mapping):
                    raise EgovApiError(
                        "malformed /laws response: law entry is not an object",
                        url=str(response.url), status=response.status_code,
                    )
                law_info = entry.get("law_info") or {}
                revision = entry.get("revision_info") or entry.get("current_revision_info") or {}
                try:
                    yield _law_info_from(law_info, revision)
                except ValueError as exc:
                    raise EgovApiError(
                        f"malformed /laws response: {exc}",
                        url=str(response.url), status=response.status_code,
                    ) from exc
            next_offset = self._next_offset(data, offset, len(laws))
            if next_offset is None:
                return
            if next_offset <= offset:
                raise EgovApiError(
                    f"paging made no progress (offset {offset} → {next_offset})",
                    url=str(response.url), status=response.status_code,
                )
            offset = next_offset

    def get_law_xml(self, law_id: str, *, asof: date | str | None = None) -> LawXml:
        """Fetch one law (by law id, law number or revision id) as 法令標準XML.

        Asks for ``law_full_text_format=xml`` inside a JSON envelope (the API
        then Base64-encodes the XML), but also accepts an XML envelope or the
        JSON tree, converting the latter with :func:`law_full_text_json_to_xml`.
        """
        if not isinstance(law_id, str) or not law_id.strip():
            raise ValueError("law_id must be a non-empty string")
        asof_s = _normalize_asof(asof)
        url = f"{self.base_url}/law_data/{quote(law_id.strip(), safe='')}"
        params = {"response_format": "json", "law_full_text_format": "xml"}
        if asof_s:
            params["asof"] = asof_s
        response = self._request(url, params)
        try:
            info, xml = self._parse_law_data(response)
        except ValueError as exc:
            raise EgovApiError(
                f"malformed /law_data response: {exc}",
                url=str(response.url), status=response.status_code,
            ) from exc
        return LawXml(
            law_id=info.law_id,
            law_revision_id=info.law_revision_id,
            asof=asof_s,
            xml=xml,
            info=info,
        )

    # -- response parsing -----------------------------------------------------

    @staticmethod
    def _next_offset(data: Mapping[str, Any], offset: int, count: int) -> int | None:
        """Where the next page starts, or None when this was the last one."""
        if count == 0:
            return None
        raw = data.get("next_offset")
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.isdigit():
            return int(raw)
        total = data.get("total_count")
        if isinstance(total, int) and offset + count < total:
            return offset + count
        return None

    def _json(self, response: httpx.Response, url: str) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError as exc:
            raise EgovApiError(
                f"response is not valid JSON ({exc.__class__.__name__}: {exc})",
                url=str(response.url), status=response.status_code,
            ) from exc
        if not isinstance(data, dict):
            raise EgovApiError(
                "response JSON is not an object",
                url=str(response.url), status=response.status_code,
            )
        return data

    def _parse_law_data(self, response: httpx.Response) -> tuple[ApiLawInfo, bytes]:
        body = response.content
        content_type = response.headers.get("content-type", "")
        if "xml" in content_type or body.lstrip().startswith(b"<"):
            return self._parse_law_data_xml(body)
        data = self._json(response, str(response.url))
        law_info = data.get("law_info")
        revision_info = data.get("revision_info")
        if not isinstance(law_info, Mapping) or not isinstance(revision_info, Mapping):
            raise ValueError("law_info / revision_info missing")
        info = _law_info_from(law_info, revision_info)
        full_text = data.get("law_full_text")
        if isinstance(full_text, Mapping):
            xml = law_full_text_json_to_xml(full_text, law_id=info.law_id)
        elif isinstance(full_text, str):
            xml = _xml_law_bytes(_decode_full_text_string(full_text), info.law_id)
        else:
            raise ValueError("law_full_text missing")
        return info, xml

    def _parse_law_data_xml(self, body: bytes) -> tuple[ApiLawInfo, bytes]:
        try:
            root = etree.fromstring(body, _safe_parser())
        except etree.XMLSyntaxError as exc:
            raise ValueError(f"body is not well-formed XML: {exc}") from exc
        if etree.QName(root).localname == "Law":  # a bare law document
            raise ValueError("XML body has no law_info / revision_info")
        law_info = _element_to_dict(root.find("law_info"))
        revision_info = _element_to_dict(root.find("revision_info"))
        info = _law_info_from(law_info, revision_info)
        holder = root.find("law_full_text")
        if holder is None:
            raise ValueError("law_full_text missing")
        law = holder.find("Law")
        if law is None:
            text = (holder.text or "").strip()
            if not text:
                raise ValueError("no <Law> element in law_full_text")
            return info, _xml_law_bytes(_decode_full_text_string(text), info.law_id)
        return info, _serialize_law(law, info.law_id)

    # -- transport ------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with equal jitter: half fixed, half random."""
        cap = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return cap / 2 + self._rng.uniform(0, cap / 2)

    def _request(self, url: str, params: Mapping[str, str]) -> httpx.Response:
        """GET with pacing and retries; a 2xx response, `LawNotFound` on 404, else `EgovApiError`."""
        return get_with_retries(
            self._http, url, params, pacer=self._pacer, attempts=self.max_attempts, backoff=self._backoff,
            max_retry_after=self.max_retry_after, sleep=self._sleep, now=self._now, fail=_fail,
            describe=_api_error_detail, timeout=self._timeout,
            headers={"User-Agent": self.user_agent, "Accept": "application/json, application/xml"},
        )


def _fail(reason: str, **details: Any) -> EgovApiError:
    if details.get("status") == 404:
        return LawNotFound("not found", **details)
    return EgovApiError(reason, **details)


# --------------------------------------------------------------------------- batch


def iter_api_laws(
    client: EgovApiClient,
    law_ids: Iterable[str],
    asof: date | str | None = None,
) -> Iterator[LawFile | Skipped]:
    """Fetch several laws as law files, the same items the archive readers yield.

    A law that fails comes out as `Skipped` with the reason, so an ingest run
    finishes and then lists what it missed. The version of the text is the
    `asof` date asked for, else the revision's enforcement date. A bad `asof`
    raises ValueError up front since it would fail every law.
    """
    asof_s = _normalize_asof(asof)  # raises at call time: it would fail every law
    return _fetch_each(client, law_ids, asof_s)


def _fetch_each(client: EgovApiClient, law_ids: Iterable[str], asof: str | None) -> Iterator[LawFile | Skipped]:
    for law_id in law_ids:
        name = f"e-Gov API {law_id}" + (f" asof {asof}" if asof else "")
        try:
            law = client.get_law_xml(law_id, asof=asof)
        except (EgovApiError, ValueError) as exc:
            yield Skipped(name, str(exc))
            continue
        version = law.asof or law.info.enforcement_date or ""
        yield LawFile(name, law.xml, law_id_hint=law.law_id, version_hint=version or None)
