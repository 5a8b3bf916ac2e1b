"""Diet API responses → Speech: golden values from the real NDL samples, plus built documented shapes.

The real data is read in place from ../shared/data/kokkai (the `shared_data` fixture):
api-samples/*.xml are verbatim `meeting` endpoint responses, speeches.tar.xz holds
258 `speech` endpoint JSON pages. Built responses follow the documented API shape.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from govrag.sources.diet.parse import (
    HARVEST_STATE,
    Page,
    ResponseError,
    Skipped,
    SourceError,
    iter_speeches,
    parse_response,
)
from govrag.sources.diet.records import Speech


@pytest.fixture(scope="session")
def kokkai(shared_data: Path) -> Path:
    return shared_data / "kokkai"


@pytest.fixture(scope="session")
def samples(kokkai: Path) -> Path:
    return kokkai / "api-samples"


def real_pages(kokkai: Path, count: int) -> dict[str, bytes]:
    """The first `count` JSON pages of the real archive (at the start of the xz stream: quick)."""
    out: dict[str, bytes] = {}
    with tarfile.open(kokkai / "speeches.tar.xz", "r:xz") as tf:
        for member in tf:
            if member.isfile() and (handle := tf.extractfile(member)):
                out[member.name] = handle.read()
            if len(out) == count:
                break
    return out


# A speech-endpoint record in the documented key order; values from 212-plane.xml (121215254X00920231206_001).
SPEECH_RECORD: dict[str, Any] = {
    "speechID": "121215254X00920231206_001",
    "issueID": "121215254X00920231206",
    "imageKind": "会議録",
    "searchObject": 0,
    "session": 212,
    "nameOfHouse": "参議院",
    "nameOfMeeting": "本会議",
    "issue": "第9号",
    "date": "2023-12-06",
    "closing": None,
    "speechOrder": 1,
    "speaker": "尾辻秀久",
    "speakerYomi": "おつじひでひさ",
    "speakerGroup": "各派に属しない議員",
    "speakerPosition": "議長",
    "speakerRole": None,
    "speech": "○議長（尾辻秀久君）　これより会議を開きます。",
    "startPage": 0,
    "speechURL": "https://kokkai.ndl.go.jp/txt/121215254X00920231206/1",
    "meetingURL": "https://kokkai.ndl.go.jp/txt/121215254X00920231206",
    "pdfURL": None,
}

EXPECTED = Speech(
    speech_id="121215254X00920231206_001",
    issue_id="121215254X00920231206",
    session=212,
    house="参議院",
    meeting="本会議",
    issue="第9号",
    date="2023-12-06",
    speech_order=1,
    speaker="尾辻秀久",
    speaker_yomi="おつじひでひさ",
    speaker_group="各派に属しない議員",
    speaker_position="議長",
    speaker_role=None,
    text="○議長（尾辻秀久君）　これより会議を開きます。",
    start_page=0,
    speech_url="https://kokkai.ndl.go.jp/txt/121215254X00920231206/1",
    meeting_url="https://kokkai.ndl.go.jp/txt/121215254X00920231206",
    pdf_url=None,
)


def speech_page(*records: dict[str, Any], total: int | None = None, **extra: Any) -> bytes:
    body = {
        "numberOfRecords": len(records) if total is None else total,
        "numberOfReturn": len(records),
        "startRecord": 1,
        **extra,
        "speechRecord": list(records),
    }
    return json.dumps(body, ensure_ascii=False).encode()


def record(**changes: Any) -> dict[str, Any]:
    out = {**SPEECH_RECORD, **changes}
    return {k: v for k, v in out.items() if v is not ...}


# --------------------------------------------------------------------------- real samples (golden)


def test_212_plane_first_page_of_a_meeting_response(samples: Path) -> None:
    page = parse_response((samples / "212-plane.xml").read_bytes(), "212-plane.xml")
    assert (page.number_of_records, page.number_of_return, page.start_record, page.next_record_position) == (259, 3, 1, 4)
    assert (page.warnings, page.skipped) == ((), ())
    assert len(page.speeches) == 13 + 17 + 37  # the three meetings' speechRecords
    header, first = page.speeches[:2]
    assert header.speech_id == "121215254X00920231206_000"
    assert (header.speech_order, header.speaker, header.speaker_yomi, header.speaker_group) == (0, "会議録情報", None, None)
    assert header.text.startswith("令和五年十二月六日（水曜日）\n　　　午前十時一分開議\n")
    # the same speech as the JSON sample's, but the XML page holds its whole text (and an empty <pdfURL>)
    assert first == replace(EXPECTED, text=first.text)
    assert first.text.startswith("○議長（尾辻秀久君）　これより会議を開きます。\n　日程第一　環太平洋パートナーシップ")
    assert first.text.endswith("〔北村経夫君登壇、拍手〕")
    assert first.url == "https://kokkai.ndl.go.jp/txt/121215254X00920231206/1"
    # every speech carries its own meeting's fields
    assert Counter((s.issue_id, s.issue, s.date) for s in page.speeches) == {
        ("121215254X00920231206", "第9号", "2023-12-06"): 13,
        ("121215254X00820231201", "第8号", "2023-12-01"): 17,
        ("121215254X00720231129", "第7号", "2023-11-29"): 37,
    }


def test_212_end_last_page_has_no_next_position(samples: Path) -> None:
    page = parse_response((samples / "212-end.xml").read_bytes(), "212-end.xml")
    assert (page.number_of_records, page.number_of_return, page.start_record, page.next_record_position) == (259, 2, 258, None)
    assert page.warnings == ()
    assert len(page.speeches) == 278 + 20
    assert {s.meeting for s in page.speeches} == {"文部科学委員会"}
    assert {s.house for s in page.speeches} == {"衆議院"}
    last = page.speeches[-1]
    assert (last.speech_id, last.issue_id, last.speech_order) == ("121205124X00120231101_019", "121205124X00120231101", 19)
    assert (last.speaker, last.speaker_yomi, last.speaker_group) == ("田野瀬太道", "たのせたいどう", "自由民主党・無所属の会")
    assert (last.speaker_position, last.start_page, last.issue, last.date) == (None, 18, "第1号", "2023-11-01")
    assert last.pdf_url == "https://kokkai.ndl.go.jp/img/121205124X00120231101"
    assert last.text == "○田野瀬委員長　次回は、公報をもってお知らせすることとし、本日は、これにて散会いたします。\n　　　　午後零時三十六分散会"


def test_1_end_session_1_in_1947(samples: Path) -> None:
    page = parse_response((samples / "1-end.xml").read_bytes(), "1-end.xml")
    assert (page.number_of_records, page.number_of_return, page.start_record, page.next_record_position) == (1631, 2, 1630, None)
    assert len(page.speeches) == 63 + 6
    first = page.speeches[1]
    assert (first.speech_id, first.session, first.house, first.date) == ("100105291X00119470728_001", 1, "衆議院", "1947-07-28")
    assert first.meeting == "労働委員会決算委員会連合審査会"
    assert (first.speaker, first.speaker_yomi, first.speaker_group, first.start_page) == ("加藤勘十", "かとうかんじゅう", "日本社会党", 1)
    assert first.text.startswith("○加藤委員長　それではこれから勞働委員會と決算委員會との連合審査會を開きます。")
    second_meeting = [s for s in page.speeches if s.issue_id == "100115299X00119471114"]
    assert [s.speech_order for s in second_meeting] == [0, 1, 2, 3, 4, 5]
    assert {(s.house, s.meeting, s.date) for s in second_meeting} == {("参議院", "労働委員会請願及び陳情に関する小委員会", "1947-11-14")}


def test_real_speech_archive_reads_every_record(kokkai: Path) -> None:
    warnings: list[str] = []
    items = list(iter_speeches(kokkai / "speeches.tar.xz", on_warning=warnings.append))
    speeches = [i for i in items if isinstance(i, Speech)]
    assert [i for i in items if not isinstance(i, Speech)] == []
    assert warnings == []
    assert len(speeches) == 25_706
    assert len({s.speech_id for s in speeches}) == 25_706
    assert Counter(s.house for s in speeches) == {"衆議院": 16_196, "参議院": 9_349, "両院": 161}
    assert Counter(s.session for s in speeches)[217] == 21_226
    assert (min(s.date for s in speeches), max(s.date for s in speeches)) == ("2024-07-30", "2025-06-04")
    by_id = {s.speech_id: s for s in speeches}
    assert by_id["121303815X01320240730_001"] == Speech(
        speech_id="121303815X01320240730_001",
        issue_id="121303815X01320240730",
        session=213,
        house="衆議院",
        meeting="安全保障委員会",
        issue=None,
        date="2024-07-30",
        speech_order=1,
        speaker="小泉進次郎",
        speaker_yomi=None,
        speaker_group=None,
        speaker_position=None,
        speaker_role=None,
        text="○小泉委員長　これより会議を開きます。\r\n　国の安全保障に関する件、特に防衛省・自衛隊における不適切な事案等について調査を進めます。"
        "\r\n　この際、お諮りいたします。\r\n　本件調査のため、本日、政府参考人として、お手元に配付のとおり、警察庁長官官房審議官親家和仁さん外十一名の"
        "出席を求め、説明を聴取したいと存じますが、御異議ありませんか。\r\n　　　　〔「異議なし」と呼ぶ者あり〕",
        start_page=None,
        speech_url="https://kokkai.ndl.go.jp/txt/121303815X01320240730/1",
        meeting_url=None,
        pdf_url=None,
    )


def test_real_json_page_paging_numbers(kokkai: Path) -> None:
    (name, data), = real_pages(kokkai, 1).items()
    page = parse_response(data, name)
    assert (page.number_of_records, page.number_of_return, page.start_record, page.next_record_position) == (25_706, 100, 1, 101)
    assert len(page.speeches) == 100


# --------------------------------------------------------------------------- built documented shapes


def test_speech_endpoint_json() -> None:
    page = parse_response(speech_page(SPEECH_RECORD, total=5, nextRecordPosition=2))
    assert page == Page(5, 1, 1, 2, (EXPECTED,), ())


def test_speech_endpoint_xml_gives_the_same_speech() -> None:
    fields = "".join(f"<{k}>{'' if v is None else v}</{k}>" for k, v in SPEECH_RECORD.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<data><numberOfRecords>1</numberOfRecords><numberOfReturn>1</numberOfReturn>'
        f"<startRecord>1</startRecord><records><record><recordData><speechRecord>{fields}</speechRecord>"
        "</recordData></record></records></data>"
    ).encode()
    assert parse_response(body) == Page(1, 1, 1, None, (EXPECTED,), ())


def test_meeting_endpoint_json_speeches_inherit_the_meeting_fields() -> None:
    meeting_keys = ("issueID", "imageKind", "searchObject", "session", "nameOfHouse", "nameOfMeeting", "issue", "date", "closing")
    speech_keys = ("speechID", "speechOrder", "speaker", "speakerYomi", "speakerGroup", "speakerPosition", "speakerRole",
                   "speech", "startPage", "speechURL")
    meeting = {k: SPEECH_RECORD[k] for k in meeting_keys}
    speech = {k: SPEECH_RECORD[k] for k in speech_keys} | {"createTime": "2024-01-11 01:34:22", "updateTime": "2024-01-11 01:34:22"}
    body = {
        "numberOfRecords": 1, "numberOfReturn": 1, "startRecord": 1,
        "meetingRecord": [{**meeting, "speechRecord": [speech], "meetingURL": SPEECH_RECORD["meetingURL"], "pdfURL": None}],
    }
    page = parse_response(json.dumps(body).encode(), "meeting.json")
    assert page == Page(1, 1, 1, None, (EXPECTED,), ())


def test_meeting_list_json_has_no_text_and_says_so() -> None:
    body = {
        "numberOfRecords": 1, "numberOfReturn": 1, "startRecord": 1,
        "meetingRecord": [{
            "issueID": "121215254X00920231206", "imageKind": "会議録", "searchObject": 0, "session": 212,
            "nameOfHouse": "参議院", "nameOfMeeting": "本会議", "issue": "第9号", "date": "2023-12-06", "closing": None,
            "speechRecord": [
                {"speechID": "121215254X00920231206_001", "speechOrder": 1, "speaker": "尾辻秀久",
                 "speechURL": "https://kokkai.ndl.go.jp/txt/121215254X00920231206/1"},
            ],
            "meetingURL": "https://kokkai.ndl.go.jp/txt/121215254X00920231206", "pdfURL": None,
        }],
    }
    page = parse_response(json.dumps(body).encode())
    assert page.speeches == () and page.skipped == ()
    assert page.warnings == ("1 speech entries carry no text (a meeting_list page?): none parsed",)


@pytest.mark.parametrize(
    "body",
    [
        b'{"numberOfRecords": 0}',
        b'{"numberOfRecords": 0, "numberOfReturn": 0, "startRecord": 0, "speechRecord": []}',
        b"<data><numberOfRecords>0</numberOfRecords></data>",
    ],
)
def test_empty_result_is_a_page_without_speeches(body: bytes) -> None:
    page = parse_response(body, "empty")
    assert (page.number_of_records, page.number_of_return, page.speeches, page.warnings) == (0, 0, (), ())
    assert page.next_record_position is None


@pytest.mark.parametrize(
    "body",
    [
        '{"message": "検索条件の入力に誤りがあります。", "details": ["開始日付の形式が不正です。", "最大取得件数の指定が不正です。"]}',
        (
            "<data><message>検索条件の入力に誤りがあります。</message><details><detail>開始日付の形式が不正です。</detail>"
            "<detail>最大取得件数の指定が不正です。</detail></details></data>"
        ),
    ],
)
def test_api_error_body_raises_with_the_api_message(body: str) -> None:
    with pytest.raises(ResponseError) as info:
        parse_response(body.encode(), "speech?from=2025/01/01")
    err = info.value
    assert isinstance(err, ValueError)
    assert err.api_message == "検索条件の入力に誤りがあります。"
    assert err.details == ("開始日付の形式が不正です。", "最大取得件数の指定が不正です。")
    assert str(err) == (
        "speech?from=2025/01/01: the API answered with an error: 検索条件の入力に誤りがあります。 "
        "(開始日付の形式が不正です。; 最大取得件数の指定が不正です。)"
    )


def test_api_error_without_details() -> None:
    with pytest.raises(ResponseError, match="the API answered with an error: 検索条件が指定されていません。$"):
        parse_response('{"message": "検索条件が指定されていません。"}'.encode())


def test_truncated_xml_page_names_the_file(samples: Path) -> None:
    data = (samples / "212-plane.xml").read_bytes()
    with pytest.raises(ResponseError, match=r"^212-plane\.xml: invalid XML .*looks truncated or corrupt"):
        parse_response(data[: len(data) // 2], "212-plane.xml")


def test_truncated_json_page_names_the_file(kokkai: Path) -> None:
    (name, data), = real_pages(kokkai, 1).items()
    text = data.decode()
    cut = text[: len(text) - 1000].encode()
    with pytest.raises(ResponseError, match=rf"^{re.escape(name)}: invalid JSON \(.*; char \d+ of {len(text) - 1000}\): looks truncated"):
        parse_response(cut, name)
    with pytest.raises(ResponseError, match=rf"^{re.escape(name)}: invalid JSON \(UnicodeDecodeError\): looks truncated"):
        parse_response(text[: text.index("小泉進次郎") + 1].encode()[:-1], name)  # cut inside a UTF-8 sequence


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"  \n", "empty body"),
        (b"Service Unavailable", "neither JSON nor XML"),
        (b"<html><body>503</body></html>", "XML root is <html>, not <data>"),
        (b"[1, 2]", "JSON is a list"),
        (b'{"foo": 1}', "no numberOfRecords"),
        (b'{"numberOfRecords": "many"}', "bad paging number"),
        (b"\xff\xfe{", "neither JSON nor XML"),
        (b'{"numberOfRecords": "\xff"}', r"invalid JSON \(UnicodeDecodeError\)"),
    ],
)
def test_bodies_that_are_not_pages(body: bytes, message: str) -> None:
    with pytest.raises(ResponseError, match=message):
        parse_response(body, "x")


def test_unknown_fields_warn_once_per_name_and_keep_the_record() -> None:
    body = speech_page(
        record(newField="a", anotherField=1),
        record(speechID="121215254X00920231206_002", speechOrder=2, newField="b"),
        searchCondition="x",
    )
    page = parse_response(body)
    assert [s.speech_id for s in page.speeches] == ["121215254X00920231206_001", "121215254X00920231206_002"]
    assert page.warnings == (
        "unknown field data.searchCondition ignored",
        "unknown field speechRecord.anotherField ignored",
        "unknown field speechRecord.newField ignored",
    )


def test_unknown_xml_wrapper_elements_warn() -> None:
    fields = "".join(f"<{k}>{'' if v is None else v}</{k}>" for k, v in SPEECH_RECORD.items())
    body = (
        "<data><numberOfRecords>1</numberOfRecords><records><record><recordPosition>1</recordPosition><recordData>"
        f"<speechRecord>{fields}<newField>z</newField></speechRecord></recordData></record></records></data>"
    ).encode()
    page = parse_response(body)
    assert page.speeches == (EXPECTED,)
    assert page.warnings == ("unknown field record.recordPosition ignored", "unknown field speechRecord.newField ignored")


def test_bad_records_are_skipped_with_a_warning_and_the_page_survives() -> None:
    body = speech_page(
        record(speech=...),                                                   # no text
        record(speechID=..., speechOrder=2),                                  # no id: named by position
        record(speechID="121215254X00920231206_003", date="2023/12/06"),      # not ISO
        record(speechID="121215254X00920231206_004", date="2023-02-30"),      # no such day
        record(speechID="121215254X00920231206_005", nameOfHouse=""),
        record(speechID="121215254X00920231206_006", session="第212回"),
        record(speechID="121215254X00920231206_007", speechOrder=7),          # fine
    )
    page = parse_response(body, "p.json")
    assert [s.speech_id for s in page.speeches] == ["121215254X00920231206_007"]
    assert page.skipped == (
        Skipped("p.json#121215254X00920231206_001", "missing required field(s) speech"),
        Skipped("p.json#record 2", "missing required field(s) speechID"),
        Skipped("p.json#121215254X00920231206_003", "date '2023/12/06' is not an ISO date (YYYY-MM-DD)"),
        Skipped("p.json#121215254X00920231206_004", "date '2023-02-30' is not an ISO date (YYYY-MM-DD)"),
        Skipped("p.json#121215254X00920231206_005", "missing required field(s) nameOfHouse"),
        Skipped("p.json#121215254X00920231206_006", "bad number: '第212回' is not an integer"),
    )
    assert page.warnings == (
        "skipped 121215254X00920231206_001: missing required field(s) speech",
        "skipped record 2: missing required field(s) speechID",
        "skipped 121215254X00920231206_003: date '2023/12/06' is not an ISO date (YYYY-MM-DD)",
        "skipped 121215254X00920231206_004: date '2023-02-30' is not an ISO date (YYYY-MM-DD)",
        "skipped 121215254X00920231206_005: missing required field(s) nameOfHouse",
        "skipped 121215254X00920231206_006: bad number: '第212回' is not an integer",
    )


def test_issue_id_and_order_come_from_the_speech_id_and_session_may_be_null() -> None:
    page = parse_response(speech_page(record(issueID=..., speechOrder=..., session=None, startPage="")))
    (speech,) = page.speeches
    assert (speech.issue_id, speech.speech_order, speech.session, speech.start_page) == ("121215254X00920231206", 1, None, None)


def test_a_speech_id_without_order_or_issue_part_is_skipped() -> None:
    page = parse_response(speech_page(record(speechID="bogus", issueID=..., speechOrder=...)))
    assert page.speeches == ()
    assert page.warnings == ("skipped bogus: no issueID, and speechID 'bogus' has no '<issueID>_' prefix to derive it from",)


def test_number_of_return_mismatch_is_reported() -> None:
    body = json.loads(speech_page(SPEECH_RECORD))
    body["numberOfReturn"] = 3
    page = parse_response(json.dumps(body).encode())
    assert page.speeches == (EXPECTED,)
    assert page.warnings == ("numberOfReturn is 3 but the page holds 1 records",)


# --------------------------------------------------------------------------- files, folders, archives


def test_folder_reads_pages_recursively_in_order_and_reports_bad_ones(tmp_path: Path, samples: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "212-end.xml").write_bytes((samples / "212-end.xml").read_bytes())
    (tmp_path / "a.json").write_bytes(speech_page(SPEECH_RECORD))
    (tmp_path / "c.json").write_bytes('{"message": "検索条件が指定されていません。"}'.encode())
    (tmp_path / "d.json").write_bytes(speech_page(record(speech=...), record(speechID="121215254X00920231206_002")))
    (tmp_path / HARVEST_STATE).write_text('{"done": []}')
    (tmp_path / ".a.json.123.tmp").write_text("partial")
    (tmp_path / "notes.txt").write_text("not a page")
    items = list(iter_speeches(tmp_path))
    assert items[0] == EXPECTED
    assert [type(i).__name__ for i in items[1:299]] == ["Speech"] * 298  # b/212-end.xml
    assert items[299] == Skipped("c.json", "the API answered with an error: 検索条件が指定されていません。")
    assert isinstance(items[300], Speech) and items[300].speech_id == "121215254X00920231206_002"
    assert items[301:] == [Skipped("d.json#121215254X00920231206_001", "missing required field(s) speech")]


def test_single_files_and_zip(tmp_path: Path, samples: Path) -> None:
    assert len(list(iter_speeches(samples / "1-end.xml"))) == 69
    archive = tmp_path / "pages.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("x/1-end.xml", (samples / "1-end.xml").read_bytes())
        zf.writestr("x/one.json", speech_page(SPEECH_RECORD))
        zf.writestr("x/readme.txt", "ignored")
    items = list(iter_speeches(archive))
    assert len(items) == 70 and items[-1] == EXPECTED


def test_warnings_go_to_the_callback_once_per_run(tmp_path: Path) -> None:
    for n in (1, 2):
        (tmp_path / f"p{n}.json").write_bytes(speech_page(record(speechID=f"121215254X00920231206_00{n}", newField=n)))
    warnings: list[str] = []
    items = list(iter_speeches(tmp_path, on_warning=warnings.append))
    assert len(items) == 2
    assert warnings == ["p1.json: unknown field speechRecord.newField ignored"]


def _tar_xz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:xz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_truncated_tar_xz_keeps_what_came_before(tmp_path: Path, kokkai: Path) -> None:
    members = real_pages(kokkai, 6)
    whole = _tar_xz(tmp_path / "whole.tar.xz", members).read_bytes()
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(whole[: int(len(whole) * 0.6)])
    items = list(iter_speeches(cut))
    speeches = [i for i in items if isinstance(i, Speech)]
    assert isinstance(items[-1], Skipped) and all(isinstance(i, Speech) for i in items[:-1])
    read_pages = len(speeches) // 100
    assert 1 <= read_pages < len(members) and len(speeches) == read_pages * 100  # whole pages only
    expected = [s for data in list(members.values())[:read_pages] for s in parse_response(data).speeches]
    assert speeches == expected
    assert items[-1].name == f"cut.tar.xz!<after member {read_pages}>"
    assert f"archive truncated or corrupt after {read_pages} response files" in items[-1].reason


def test_whole_built_tar_gz_reads_every_member(tmp_path: Path, kokkai: Path) -> None:
    members = real_pages(kokkai, 2)
    path = tmp_path / "two.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    assert len([i for i in iter_speeches(path) if isinstance(i, Speech)]) == 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.json", None, "no such file or directory"),
        ("garbage.tar.xz", b"this is not xz", "not a readable tar archive"),
        ("cut.zip", b"PK\x03\x04 truncated", "not a readable zip archive"),
        ("notes.txt", b"hello", "not a Diet minutes source"),
    ],
)
def test_unreadable_sources_raise_source_error(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        list(iter_speeches(path))
