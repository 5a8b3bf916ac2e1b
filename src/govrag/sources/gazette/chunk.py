"""One gazette issue → its document record and citable chunks.

Every table-of-contents entry is a chunk even without body text (most issues
have no PDF here), and every piece of a notice printed on a page is one, cut
at paragraphs when long. All chunks of a page cite that page: 「官報 令和7年7月14日
号外政府調達第129号 2頁」 with the PDF opened at it (`#page=N`) when the issue's
page count is known, else the page's HTML view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govrag.index.docstore import DocumentRecord
from govrag.models import Chunk, chunk_id, content_hash
from govrag.sources.gazette.notices import Entry, entries_of, notice_fields
from govrag.sources.gazette.orgs import toc_issuers
from govrag.sources.gazette.pdf import PageText
from govrag.sources.gazette.records import Issue, cited_page
from govrag.sources.text import pack

SOURCE = "gazette"
CHUNKER_VERSION = "1"

#: Section (first part of the printed path) → kind, the coarse filter users think in.
_KINDS = {
    "法律": "法律", "政令": "政令", "条約": "条約", "詔書": "詔書", "国会事項": "国会事項", "人事異動": "人事異動",
    "叙位・叙勲": "叙位・叙勲", "褒賞": "叙位・叙勲", "皇室事項": "皇室事項", "官庁報告": "官庁報告", "公告": "公告",
    "入札公告": "入札公告", "入札公示": "入札公示", "落札": "落札", "随意契約": "随意契約", "調達予定": "調達予定",
    "招請": "招請", "資格": "資格", "法規的告示": "告示", "その他告示": "告示", "訓令": "告示",
}
_ORDINANCES = ("令", "規則")


def section_kind(section: str) -> str:
    """「公告 / 諸事項 / 裁判所」 → 公告; 「府令・省令」「デジタル庁令」「最高裁規則」 → 省令・規則."""
    head = section.split("/")[0].strip()
    if head in _KINDS:
        return _KINDS[head]
    if head.endswith(_ORDINANCES):
        return "省令・規則"
    return "その他"


#: A link from an entry to a law the store holds: {"kind": 公布|改正, "doc_id", "law_num", "title", "how", "chunk_id"}.
LawLink = Mapping[str, Any]


@dataclass
class IssueChunks:
    document: DocumentRecord
    chunks: list[Chunk]
    #: Notices whose item the numbered fields name (what the ingest report counts).
    notices: int = 0


def issue_hash(issue: Issue, pdf_digest: str | None, links: Mapping[tuple[int, int], Sequence[LawLink]]) -> str:
    """What decides whether a stored issue is redone: its entries, its PDF, its law links, the chunker."""
    h = hashlib.blake2b(CHUNKER_VERSION.encode(), digest_size=16)
    h.update(repr((issue.pages, issue.parts, issue.entries, pdf_digest,
                   sorted((k, list(v)) for k, v in links.items()))).encode())
    return h.hexdigest()


def chunk_issue(
    issue: Issue, pages: Sequence[PageText] = (), *, pdf_digest: str | None = None,
    links: Mapping[tuple[int, int], Sequence[LawLink]] | None = None, max_chars: int = 600,
) -> IssueChunks:
    """Chunks of one issue: its table-of-contents entries, then the pieces of its PDF's notices."""
    links = links or {}
    ref = issue.ref
    version = ref.date
    chunks: list[Chunk] = []

    def add(unit: str, page: int, heading: str, body: str, title: str, attrs: dict[str, Any]) -> None:
        label = f"{cited_page(ref, page)} {title}".strip()
        chunks.append(Chunk(
            id=chunk_id(SOURCE, ref.issue_id, version, unit), source=SOURCE, doc_id=ref.issue_id, doc_title=ref.cited,
            version=version, unit=unit, seq=len(chunks), heading=heading, body=body, label=label,
            url=issue.pdf_url(page) or ref.page_url(page), hash=content_hash(heading + body),
            attrs=_common(issue, page) | attrs,
        ))

    issuers_held: list[str] = []
    previous: list[str] = []
    promulgations: list[dict[str, Any]] = []
    for entry in issue.entries:
        issuers = toc_issuers(entry.title, previous)
        previous = issuers or previous
        if section_kind(entry.section) == "人事異動":  # the title lists the offices: 「内閣　法務省　財務省」
            issuers = [name for name in entry.title.split() if name]
        issuers_held += [i for i in issuers if i not in issuers_held]
        found = list(links.get((entry.page, entry.ordinal), ()))
        if found:
            promulgations.append({"page": entry.page, "title": entry.title, "links": found})
        law_note = "".join(f"\n{link['kind']}: {link['title']}（{link['law_num']}）" for link in found)
        add(f"toc-{entry.page:04d}-{entry.ordinal}", entry.page, f"{ref.cited} {entry.page}頁 › {entry.section}",
            entry.title + law_note, _short(entry.title), {
                "section": entry.section, "kind": section_kind(entry.section), "issuers": issuers,
                "entry_title": entry.title, "from_toc": True,
                "law_links": found, "links": [link["chunk_id"] for link in found if link.get("chunk_id")],
            })

    empty = [p.page for p in pages if p.empty]
    entries = entries_of(pages)
    notices = 0
    for number, entry in enumerate(entries):
        fields = notice_fields(entry)
        notices += bool(fields.item)
        issuers_held += [i for i in fields.issuers if i not in issuers_held]
        title = _entry_title(entry, fields.item, fields.issuers)
        for piece in entry.pieces:
            paragraphs = [p + "\n" for p in piece.text.split("\n") if p.strip()]
            parts = pack(paragraphs, max_chars, overlap=0) if paragraphs else []
            continued = "（前頁から続く）" if piece.page != entry.first_page else ""
            for part_no, body in enumerate(parts):
                heading = f"{ref.cited} {piece.page}頁 › {entry.section} › {title}{continued}"
                if len(parts) > 1:
                    heading += f"（{part_no + 1}/{len(parts)}）"
                add(f"p{piece.page:04d}-e{number}-{part_no}", piece.page, heading, body, title, {
                    "section": entry.section, "kind": section_kind(entry.section), "issuers": list(fields.issuers),
                    "entry_title": entry.title, "from_toc": False, "entry_first_page": entry.first_page,
                    "part": part_no, "parts": len(parts), **fields.as_attrs(),
                })
    meta = {
        "issue_id": ref.issue_id, "date": ref.date, "edition": ref.edition, "issue_number": ref.number,
        "pages": issue.pages, "toc_url": ref.toc_url(), "pdf_urls": [ref.pdf_url(*part) for part in issue.parts],
        "entries": len(issue.entries), "pdf_pages": len(pages), "pages_without_text": empty,
        "issuers": issuers_held, "promulgations": promulgations, "origins": list(issue.origins),
        "linked": _linked(chunks),
    }
    document = DocumentRecord(
        source=SOURCE, doc_id=ref.issue_id, version=version, name=ref.issue_id, title=ref.cited,
        file_hash=issue_hash(issue, pdf_digest, links), n_chunks=len(chunks), meta=meta,
    )
    return IssueChunks(document, chunks, notices)


def _common(issue: Issue, page: int) -> dict[str, Any]:
    """What every chunk of a page carries. Its URL is the PDF part holding the page, opened at it, when the
    parts are known (their file names need the page range), else the page's HTML view."""
    ref = issue.ref
    return {
        "issue_id": ref.issue_id, "edition": ref.edition, "issue_number": ref.number, "date": ref.date, "page": page,
        "page_url": ref.page_url(page), "pdf_url": issue.pdf_url(page), "cited": cited_page(ref, page),
    }


def _short(title: str, limit: int = 48) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def _entry_title(entry: Entry, item: str, issuers: Sequence[str]) -> str:
    """「入札公告（東京拘置所）差入品Ｘ線検査装置の供給一式」: what a hit shows before its text."""
    who = f"（{issuers[0]}）" if issuers else ""
    return _short(f"{entry.title}{who}{' ' + item if item else ''}", 64)


def _linked(chunks: Sequence[Chunk]) -> dict[str, list[str]]:
    """「law:<doc_id>」 → the chunks that link to it: how a law's document view finds its promulgation entries."""
    out: dict[str, list[str]] = {}
    for c in chunks:
        for link in c.attrs.get("law_links") or ():
            out.setdefault(f"law:{link['doc_id']}", []).append(c.id)
    return out
