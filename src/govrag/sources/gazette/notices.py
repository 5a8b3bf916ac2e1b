"""An issue's page text → its entries (notices), each cut into the pieces printed on each page.

An entry starts at its heading: a short line followed by 「次のとおり…」
(入札公告 / 次のとおり一般競争入札に付します。, 随意契約に関する公示 / 次のとおり随意
契約について公示します。). Section banners (入札公告, 落 札, 随意契約 …) set the
section. In the award tables (落札) each contracting official's block
(「〇支出負担行為担当官 …」) is an entry of its own, so a hit names who awarded
what. Procurement notices also get their fields (issuer, item, deadlines)
read from the numbered items ⑴⑵… that every such notice prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from govrag.sources.gazette.orgs import ROLE, official_org, with_parent
from govrag.sources.gazette.pdf import Line, PageText, unwrap

#: Section banners of the procurement edition, as printed (spaces removed).
BANNERS = frozenset({"入札公告", "入札公示", "落札", "随意契約", "招請", "調達予定", "資格", "報告", "公示", "公告", "目次"})
_INTRO = re.compile(r"^次のとおり")
#: What a notice's title says it is (入札公告, …に関する公示, …に関する公表, 公告第16号).
_TITLE_WORD = re.compile(r"公告|公示|公表")
_BLOCK = re.compile(rf"^[〇○]\s*{ROLE}")
_ISSUER = re.compile(rf"{ROLE}[ 　]*(?:\n[^\n◎〇]*|[^\n◎〇]*)")
_ADDRESS = re.compile(r"\s*（[^（）]*[都道府県市区町村][^（）]*）\s*$")
_ITEM = re.compile(r"^([⑴-⑿])\s*(\S+)\s*(.*)$")
_AGENCY = re.compile(r"調達機関番号\s*([0-9]{3})")

#: Which numbered item gives which field: the label it starts with; the rest of the item is the value.
FIELD_LABELS = (
    ("item", re.compile(r"^\S*?(?:件名|物品|工事名|業務名|役務名)等?(?:及び(?:予定)?数量)?")),
    ("delivery", re.compile(r"^(?:納入期限|履行期限|履行期間|工期|契約期間|業務期間|借入期間|賃貸借期間|納期)")),
    ("tender_deadline", re.compile(
        r"^(?:入札書等?の(?:提出|受領)期限(?:及び(?:入札書の)?(?:提出)?場所)?|入札(?:書)?の締切(?:日時)?)")),
    ("opening", re.compile(r"^開札の?日時(?:及び場所)?")),
    ("classification", re.compile(r"^品目分類番号")),
)


@dataclass
class Piece:
    """The lines of one entry printed on one page."""

    page: int
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return unwrap(self.lines)


@dataclass
class Entry:
    """One notice (or one official's block of an award table), over as many pages as it runs."""

    section: str
    title: str
    pieces: list[Piece] = field(default_factory=list)

    @property
    def first_page(self) -> int:
        return self.pieces[0].page

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pieces if p.lines)

    def add(self, page: int, line: Line) -> None:
        if not self.pieces or self.pieces[-1].page != page:
            self.pieces.append(Piece(page))
        self.pieces[-1].lines.append(line)


def entries_of(pages: Sequence[PageText]) -> list[Entry]:
    """Every entry of an issue in printed order; text before the first heading is the front matter (目次)."""
    entries: list[Entry] = []
    section = "目次"
    for page in pages:
        lines = [line for line in page.lines if line.text.strip()]
        for i, line in enumerate(lines):
            text = line.text.strip()
            compact = re.sub(r"[\s　]", "", text)
            follows = lines[i + 1].text.strip() if i + 1 < len(lines) else ""
            if compact in BANNERS and not _INTRO.match(follows):
                section = compact
                continue
            last = entries[-1].pieces[-1] if entries and entries[-1].pieces else None
            before = last.lines if last is not None and last.page == page.page else []
            if _INTRO.match(follows) and (heading := _heading(text, before)) is not None:
                title, taken, stray = heading
                del before[len(before) - taken:]
                if stray:
                    entries[-1].add(page.page, line)
                entries.append(Entry(section, title))
                if stray:
                    continue
            elif _BLOCK.match(text) and entries and entries[-1].section in ("落札", "随意契約") and _has_body(entries[-1]):
                entries.append(Entry(section, entries[-1].title))
            elif not entries:
                entries.append(Entry(section, "目次"))
            entries[-1].add(page.page, line)
    return entries


def _heading(text: str, before: list[Line]) -> tuple[str, int, bool] | None:
    """The notice title that the line before 「次のとおり…」 ends, as (title, how many lines before it belong to
    the title, whether the line itself is stray text of the notice before), or None when the line ends a
    sentence (「…件名ごとに」 / 次のとおりとする).

    A title may run over up to three lines (「公募型競争入札方式に係る手続開始の公示」「（建築のためのサービス
    その他の技術的」「サービス（建設工事を除く））」); the lines before it are the end of the page so far.
    Column cuts sometimes put the last line of the notice before between a title and its 「次のとおり」
    (「資料提供招請に関する公表」「患者のケア、及び…利用で」): then the title is the line before."""
    compact = _squash(text)
    if len(compact) > 60 or "。" in compact:
        return None
    if _complete(compact) and not _ITEM.match(text):
        return compact, 0, False
    if before and _complete(_squash(before[-1].text)) and not _TITLE_WORD.search(compact):
        return _squash(before[-1].text), 1, True
    joined = compact
    for taken, line in enumerate(reversed(before[-3:]), start=1):
        previous = _squash(line.text)
        if len(previous) > 60 or "。" in previous:
            return None
        joined = previous + joined
        if _complete(joined) and not joined.startswith(("（", "公示", "公告", "公表", "の")):
            return joined, taken, False
    return None


def _complete(title: str) -> bool:
    """Says what it is (公告, 公示, 公表) and closes every parenthesis it opens."""
    return bool(_TITLE_WORD.search(title)) and title.count("（") == title.count("）")


def _squash(text: str) -> str:
    return re.sub(r"[\s　]", "", text)


def _has_body(entry: Entry) -> bool:
    """An award table's first official follows its heading lines directly: no new entry for it."""
    return any(_BLOCK.match(line.text.strip()) for piece in entry.pieces for line in piece.lines)


@dataclass(frozen=True, slots=True)
class NoticeFields:
    """What a procurement notice says in its numbered items, as printed (empty when it does not say)."""

    issuer: str = ""
    issuers: tuple[str, ...] = ()
    agency_code: str = ""
    item: str = ""
    delivery: str = ""
    tender_deadline: str = ""
    opening: str = ""
    classification: str = ""

    def as_attrs(self) -> dict[str, object]:
        return {
            "notice_issuer": self.issuer or None, "agency_code": self.agency_code or None,
            "notice_item": self.item or None, "notice_delivery": self.delivery or None,
            "notice_tender_deadline": self.tender_deadline or None, "notice_opening": self.opening or None,
            "classification": self.classification or None,
        }


def notice_fields(entry: Entry) -> NoticeFields:
    text = entry.text
    issuer = _issuer(text)
    org = official_org(issuer) if issuer else None
    items = _items(text)
    found: dict[str, str] = {}
    for label, value in items:
        said = f"{label} {value}".strip()
        for name, pattern in FIELD_LABELS:
            m = pattern.match(said)
            if name not in found and m and said[m.end():].strip(" 　:："):
                found[name] = said[m.end():].strip(" 　:：")
                break
    agency = _AGENCY.search(text)
    return NoticeFields(
        issuer=issuer, issuers=tuple(with_parent(org)) if org else (), agency_code=agency.group(1) if agency else "",
        **found,
    )


def _issuer(text: str) -> str:
    """「支出負担行為担当官 東京拘置所長 山本 英博」, address and trailing numbers left out."""
    m = _ISSUER.search(text)
    if m is None:
        return ""
    issuer = " ".join(m.group(0).split())
    return _ADDRESS.sub("", issuer).strip()


def _items(text: str) -> list[tuple[str, str]]:
    """(label, value) of each numbered item ⑴…; a label alone on its line takes the lines after it."""
    items: list[tuple[str, str]] = []
    for line in text.split("\n"):
        line = line.strip()
        m = _ITEM.match(line)
        if m:
            items.append((m.group(2), m.group(3).strip()))
        elif items and not items[-1][1] and line and not re.match(r"^[０-９0-9]+\s", line):
            items[-1] = (items[-1][0], line)
    return items
