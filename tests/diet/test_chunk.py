"""Golden tests on real minutes: markers, splitting, positions and question–answer pairs."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from govrag.sources.diet.chunk import attendance, chunk_meeting, parse_marker, side
from govrag.sources.text import split_text
from govrag.sources.diet.parse import parse_response
from govrag.sources.diet.records import Speech


def _meeting(shared_data: Path, page: str, issue_id: str) -> list[Speech]:
    with tarfile.open(shared_data / "kokkai" / "speeches.tar.xz", "r:xz") as tar:
        member = tar.extractfile(f"speeches/{page}")
        assert member is not None
        speeches = parse_response(member.read(), page).speeches
    return [s for s in speeches if s.issue_id == issue_id]


@pytest.fixture(scope="module")
def anpo_2024(shared_data: Path) -> list[Speech]:
    """衆議院 安全保障委員会 2024-07-30: 木原防衛大臣 answers 黄川田 and 中川（宏）; minutes as the API gives them."""
    return _meeting(shared_data, "page-00001.json", "121303815X01320240730")


@pytest.fixture(scope="module")
def anpo_2025(shared_data: Path) -> list[Speech]:
    """衆議院 安全保障委員会 2025-04-04, rebuilt from CSV: no space after the marker, a flattened header."""
    return _meeting(shared_data, "page-00181.json", "121703815X00520250404")


@pytest.mark.parametrize(("text", "speaker", "title", "body"), [
    ("○小泉委員長\u3000これより会議を開きます。", "小泉進次郎", "委員長", "これより会議を開きます。"),
    ("○木原国務大臣\u3000まず、今回の一連の不祥事", "木原稔", "国務大臣", "まず、今回の一連の不祥事"),
    ("○中川（宏）委員\u3000公明党の中川宏昌でございます。", "中川宏昌", "委員", "公明党の中川宏昌でございます。"),
    ("○議長（額賀福志郎君）\u3000これより会議を開きます。", "額賀福志郎", "議長", "これより会議を開きます。"),
    ("○内閣総理大臣（石破茂君）\u3000お答えいたします。", "石破茂", "内閣総理大臣", "お答えいたします。"),
    # CSV-rebuilt records lost the space: the title is read against the speaker's name and known titles.
    ("○遠藤委員長これより会議を開きます。", "遠藤敬", "委員長", "これより会議を開きます。"),
    ("○福田（か）委員自由民主党の福田かおるです。", "福田かおる", "委員", "自由民主党の福田かおるです。"),
    ("○大和政府参考人お答え申し上げます。", "大和太郎", "政府参考人", "お答え申し上げます。"),
    ("○田野瀬小委員自民党の田野瀬でございます。", "田野瀬太道", "小委員", "自民党の田野瀬でございます。"),
    ("○野田佳彦君\u3000立憲民主党の野田佳彦です。", "野田佳彦", "君", "立憲民主党の野田佳彦です。"),
    ("本文だけの記録", "某", None, "本文だけの記録"),
])
def test_marker_is_read_into_a_title_and_taken_out_of_the_text(text: str, speaker: str, title: str | None,
                                                               body: str) -> None:
    marker = parse_marker(text, speaker)
    assert (marker.title, marker.body) == (title, body)


def test_sides() -> None:
    assert [side(t, None) for t in ("委員長", "委員", "国務大臣", "政府参考人", "参考人", "内閣総理大臣")] == [
        "chair", "member", "government", "government", "other", "government"]
    assert side("副大臣", None) == "government" and side(None, "外務大臣") == "government"


def test_split_at_sentence_ends_with_one_sentence_of_overlap() -> None:
    text = "一つ目の文です。二つ目の文です。三つ目の文です。四つ目の文です。"
    parts = split_text(text, max_chars=20)
    assert parts == ["一つ目の文です。二つ目の文です。", "二つ目の文です。三つ目の文です。", "三つ目の文です。四つ目の文です。"]
    assert split_text(text, max_chars=100) == [text]
    assert split_text("句点のない長い文" * 20, max_chars=30) == ["句点のない長い文" * 20]


def test_real_meeting_chunks_carry_every_field(anpo_2024: list[Speech]) -> None:
    meeting = chunk_meeting(anpo_2024)
    answer = next(c for c in meeting.chunks if c.attrs["speech_id"] == "121303815X01320240730_005")
    assert answer.label == "衆議院 安全保障委員会 2024-07-30 木原稔（防衛大臣）"
    assert answer.url == "https://kokkai.ndl.go.jp/txt/121303815X01320240730/5"
    assert answer.body.startswith("まず、今回の一連の不祥事についてでございますが")
    assert "○" not in answer.body[:5]
    attrs = answer.attrs
    assert (attrs["speaker"], attrs["speaker_position"], attrs["speaker_title"], attrs["side"]) == (
        "木原稔", "防衛大臣", "国務大臣", "government")
    assert (attrs["house"], attrs["meeting"], attrs["session"], attrs["date"], attrs["issue_id"],
            attrs["speech_order"]) == ("衆議院", "安全保障委員会", 213, "2024-07-30", "121303815X01320240730", 5)
    assert "防衛大臣" in attrs["positions"] and "国務大臣" in attrs["positions"]
    # speechOrder 0 is meeting metadata, not a chunk
    assert not any(c.attrs["speech_order"] == 0 for c in meeting.chunks)
    assert meeting.document.meta["header"].startswith("令和六年七月三十日（火曜日）")
    assert meeting.document.meta["attendance"]["木原稔"] == "防衛大臣"


def test_government_answers_are_paired_with_the_question_both_ways(anpo_2024: list[Speech]) -> None:
    chunks = {c.attrs["speech_id"]: c for c in chunk_meeting(anpo_2024).chunks if c.attrs["part"] == 0}
    q1, a1 = chunks["121303815X01320240730_004"], chunks["121303815X01320240730_005"]
    assert a1.attrs["answers"] == q1.attrs["speech_id"]
    assert q1.attrs["answered_by"] == ["121303815X01320240730_005"]
    assert a1.attrs["links"] == [q1.id] and q1.attrs["links"] == [a1.id]
    # 中川（宏）委員 asks twice; 木原大臣 answers the first, 青木政府参考人 the second
    assert chunks["121303815X01320240730_011"].attrs["answers"] == "121303815X01320240730_010"
    assert chunks["121303815X01320240730_013"].attrs["answers"] == "121303815X01320240730_012"
    # the chair's calls are neither questions nor answers
    chair = chunks["121303815X01320240730_009"]
    assert chair.attrs["answers"] is None and chair.attrs["answered_by"] == [] and chair.attrs["side"] == "chair"


def test_csv_rebuilt_meeting_gets_positions_from_its_flattened_header(anpo_2025: list[Speech]) -> None:
    assert attendance("防衛大臣中谷元君国土交通副大臣古川康君政府参考人 （防衛省防衛政策局長） 大和太郎君",
                      ["中谷元", "大和太郎", "古川康"]) == {
        "中谷元": "防衛大臣", "古川康": "国土交通副大臣", "大和太郎": "防衛省防衛政策局長"}
    chunks = {c.attrs["speech_id"]: c for c in chunk_meeting(anpo_2025).chunks if c.attrs["part"] == 0}
    minister = chunks["121703815X00520250404_005"]
    assert minister.label == "衆議院 安全保障委員会 2025-04-04 中谷元（防衛大臣）"
    assert minister.body.startswith("福田委員に御指摘をいただきましたが")
    assert minister.attrs["answers"] == "121703815X00520250404_004"
    # the CSV export cut this header short (「…石...」) before 大和太郎: no position, but the marker's title counts
    reference = chunks["121703815X00520250404_007"].attrs
    assert reference["speaker_position"] is None and reference["positions"] == ["政府参考人"]
    assert reference["answers"] == "121703815X00520250404_006"


def test_a_speech_read_twice_counts_once(anpo_2024: list[Speech]) -> None:
    once = chunk_meeting(anpo_2024)
    twice = chunk_meeting([*anpo_2024, *anpo_2024])
    assert [c.id for c in twice.chunks] == [c.id for c in once.chunks]
    assert twice.document.file_hash == once.document.file_hash


def test_long_speech_parts_keep_the_speaker_fields(shared_data: Path) -> None:
    with tarfile.open(shared_data / "kokkai" / "speeches.tar.xz", "r:xz") as tar:
        member = tar.extractfile("speeches/page-00001.json")
        assert member is not None
        records = json.loads(member.read())["speechRecord"]
    longest = max((r for r in records if r["speechOrder"]), key=lambda r: len(r["speech"]))
    speeches = [s for s in _meeting(shared_data, "page-00001.json", longest["issueID"])]
    parts = [c for c in chunk_meeting(speeches, max_chars=300).chunks if c.attrs["speech_id"] == longest["speechID"]]
    assert len(parts) >= 3
    assert [c.attrs["part"] for c in parts] == list(range(len(parts)))
    assert {c.attrs["speaker"] for c in parts} == {longest["speaker"]}
    assert len({c.id for c in parts}) == len(parts)
    assert parts[1].heading.endswith(f"（2/{len(parts)}）")
    assert all(len(c.body) <= 300 or "。" not in c.body[:-1] for c in parts)
