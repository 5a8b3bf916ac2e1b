"""The one definition of a Diet speech as the NDL minutes API delivers it.

Field names follow the API (`speechID` → `speech_id`, …); values keep the API's
meaning. The parser (`parse.py`) builds these from XML or JSON responses, the
chunker (`chunk.py`) turns them into citable chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

SPEECH_URL = "https://kokkai.ndl.go.jp/txt/{issue_id}/{speech_order}"


@dataclass(frozen=True, slots=True)
class Speech:
    speech_id: str            # issueID + "_" + speechOrder (3 digits): "121703815X00120250214_012"
    issue_id: str             # one meeting's minutes (会議録): "121703815X00120250214"
    session: int | None       # 国会回次: 217
    house: str                # nameOfHouse: 衆議院 / 参議院 / 両院
    meeting: str              # nameOfMeeting: 予算委員会, 本会議, …
    issue: str | None         # 号数: "第12号"
    date: str                 # ISO date: "2025-02-14"
    speech_order: int         # 0 is the minutes' header (会議録情報), not a speech
    speaker: str              # "石破茂"; "会議録情報" for order 0
    speaker_yomi: str | None
    speaker_group: str | None     # 会派
    speaker_position: str | None  # 肩書: "内閣総理大臣", "財務大臣・内閣府特命担当大臣（金融）"
    speaker_role: str | None      # 役割: 証人, 参考人, 公述人
    text: str                 # the speech as published, leading marker 「○議長（額賀福志郎君）」 included
    start_page: int | None = None
    speech_url: str | None = None
    meeting_url: str | None = None
    pdf_url: str | None = None

    @property
    def url(self) -> str:
        """The speech's own page at NDL: what a citation links to."""
        return SPEECH_URL.format(issue_id=self.issue_id, speech_order=self.speech_order)
