"""Query hints for the Diet minutes: golden tests on the real speakers and meetings of
../shared/data/kokkai/speeches.tar.xz (read in place), hand-built directories for edge cases,
and a property test that no input makes the parser raise."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govrag.sources.diet.hints import (
    DietDirectory,
    DietHints,
    SpeakerInfo,
    parse_hints,
    positions_of,
)


@pytest.fixture(scope="module")
def real(shared_data: Path) -> DietDirectory:
    """The directory of all 25,706 stored speeches, built as the index will build it."""
    speeches: list[tuple[str, str | None, tuple[str, ...]]] = []
    meetings: set[tuple[str, str]] = set()
    with tarfile.open(shared_data / "kokkai" / "speeches.tar.xz", "r:xz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.endswith(".json"):
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            for record in json.load(handle)["speechRecord"]:
                speeches.append((record["speaker"], record["speakerYomi"], positions_of(record["speakerPosition"])))
                meetings.add((record["nameOfHouse"], record["nameOfMeeting"]))
    assert len(speeches) == 25_706
    return DietDirectory.build(speeches, meetings)


def small(*speakers: tuple[str, tuple[str, ...]], meetings: tuple[tuple[str, str], ...] = ()) -> DietDirectory:
    return DietDirectory.build(((name, None, posts) for name, posts in speakers), meetings)


# --- positions_of ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "posts"),
    [
        (None, ()),
        ("", ()),
        ("内閣総理大臣", ("内閣総理大臣",)),
        ("財務大臣・内閣府特命担当大臣（金融）", ("財務大臣", "内閣府特命担当大臣（金融）", "内閣府特命担当大臣")),
        # ・ inside the parentheses lists portfolios of one post
        (
            "内閣府特命担当大臣（沖縄及び北方対策・消費者及び食品安全・地方創生・アイヌ施策）",
            ("内閣府特命担当大臣（沖縄及び北方対策・消費者及び食品安全・地方創生・アイヌ施策）", "内閣府特命担当大臣"),
        ),
        ("国土交通副大臣・内閣府副大臣・復興副大臣", ("国土交通副大臣", "内閣府副大臣", "復興副大臣")),
        ("国家公安委員会委員長・内閣府特命担当大臣（防災・海洋政策）", ("国家公安委員会委員長", "内閣府特命担当大臣（防災・海洋政策）", "内閣府特命担当大臣")),
        # ・ inside one bureau name is not a separator
        ("厚生労働省健康・生活衛生局長", ("厚生労働省健康・生活衛生局長",)),
        ("環境省水・大気環境局長", ("環境省水・大気環境局長",)),
        # ／ and 兼 join posts too
        ("人事官候補者／人事院総裁", ("人事官候補者", "人事院総裁")),
        ("内閣官房防災庁設置準備室次長兼内閣府政策統括官", ("内閣官房防災庁設置準備室次長", "内閣府政策統括官")),
        # a degree in parentheses is not a post of its own: no bare 博士
        ("日本大学名誉教授／博士（商学）", ("日本大学名誉教授", "博士（商学）")),
        ("外務 大臣", ("外務大臣",)),
    ],
)
def test_positions_of_splits_stored_titles(stored: str | None, posts: tuple[str, ...]) -> None:
    assert positions_of(stored) == posts


def test_positions_of_is_idempotent_on_its_output() -> None:
    posts = ("財務大臣", "内閣府特命担当大臣（金融）", "内閣府特命担当大臣")
    assert [positions_of(p) for p in posts] == [
        ("財務大臣",),
        ("内閣府特命担当大臣（金融）", "内閣府特命担当大臣"),
        ("内閣府特命担当大臣",),
    ]


# --- the real directory ----------------------------------------------------------------


def test_real_directory_holds_people_not_the_header(real: DietDirectory) -> None:
    assert len(real.speakers) == 1067
    assert "会議録情報" not in real.speakers
    assert real.speakers["加藤勝信"] == SpeakerInfo(None, ("財務大臣", "内閣府特命担当大臣（金融）", "内閣府特命担当大臣"))
    assert real.speakers["野田佳彦"] == SpeakerInfo(None, ())
    assert len(real.meetings) == 60
    assert ("両院", "国家基本政策委員会合同審査会") in real.meetings


def test_build_merges_speeches_of_one_speaker() -> None:
    directory = DietDirectory.build(
        [
            ("石破 茂", None, ()),
            ("石破茂", "いしばしげる", ("内閣総理大臣",)),
            ("石破茂", None, ("内閣総理大臣", "財務大臣・内閣府特命担当大臣（金融）")),
            ("会議録情報", None, ()),
        ],
        [("衆議院", "本会議")],
    )
    assert dict(directory.speakers) == {
        "石破茂": SpeakerInfo("いしばしげる", ("内閣総理大臣", "財務大臣", "内閣府特命担当大臣（金融）", "内閣府特命担当大臣"))
    }
    assert directory.meetings == frozenset({("衆議院", "本会議")})


# --- the brief's example questions, in full --------------------------------------------


def test_prime_minister_by_surname_and_title(real: DietDirectory) -> None:
    assert parse_hints("石破総理は防衛費についてどう答弁したか", real) == DietHints(
        speakers=("石破茂",),
        applied=("発言者: 石破茂（「石破総理」から）",),
        spans=((0, 4),),
    )


def test_position_and_era_month(real: DietDirectory) -> None:
    assert parse_hints("外務大臣の令和7年2月の答弁", real) == DietHints(
        positions=("外務大臣",),
        date_from="2025-02-01",
        date_to="2025-02-28",
        applied=("役職: 外務大臣（「外務大臣」から）", "期間: 2025-02-01〜2025-02-28（「令和7年2月」から）"),
        spans=((0, 4), (5, 11)),
    )


def test_house_meeting_and_day(real: DietDirectory) -> None:
    assert parse_hints("参議院予算委員会で2025年3月5日に", real) == DietHints(
        houses=("参議院",),
        meetings=("予算委員会",),
        date_from="2025-03-05",
        date_to="2025-03-05",
        applied=("会議: 参議院 予算委員会（「参議院予算委員会」から）", "期間: 2025-03-05（「2025年3月5日」から）"),
        spans=((0, 8), (9, 18)),
    )


def test_session_and_plenary(real: DietDirectory) -> None:
    assert parse_hints("第217回国会の衆議院本会議", real) == DietHints(
        houses=("衆議院",),
        meetings=("本会議",),
        session_from=217,
        session_to=217,
        applied=("国会回次: 第217回（「第217回国会」から）", "会議: 衆議院 本会議（「衆議院本会議」から）"),
        spans=((0, 7), (8, 14)),
    )


def test_nothing_to_filter_on(real: DietDirectory) -> None:
    assert parse_hints("防衛費の増額についての議論", real) == DietHints()
    assert parse_hints("", real) == DietHints()


# --- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "speakers"),
    [
        ("石破茂", ("石破茂",)),
        ("石破首相", ("石破茂",)),
        ("石破茂総理", ("石破茂",)),
        ("石破総理大臣", ("石破茂",)),
        ("石破内閣総理大臣", ("石破茂",)),
        ("石破議員", ("石破茂",)),
        ("石破さん", ("石破茂",)),
        ("石破氏", ("石破茂",)),
        ("岩屋外務大臣", ("岩屋毅",)),
        ("岩屋大臣", ("岩屋毅",)),
        ("岩屋外相", ("岩屋毅",)),
        ("上川外務大臣", ("上川陽子",)),
        # five stored 加藤; only 加藤勝信 held 財務大臣, and only he any 大臣 post
        ("加藤財務大臣", ("加藤勝信",)),
        ("加藤財務相", ("加藤勝信",)),
        ("加藤大臣", ("加藤勝信",)),
        # 鈴木: ten stored, two were ministers (財務 under 岸田, 法務 under 石破)
        ("鈴木財務大臣", ("鈴木俊一",)),
        ("鈴木大臣", ("鈴木俊一", "鈴木馨祐")),
        ("あべ大臣", ("あべ俊子",)),
        ("福岡厚労大臣", ("福岡資麿",)),
        ("植田総裁", ("植田和男",)),
        ("植田日銀総裁", ("植田和男",)),
        ("額賀議長", ("額賀福志郎",)),
        ("生稲大臣政務官", ("生稲晃子",)),
        # 元 ends the name 中谷元 here …
        ("中谷元防衛大臣", ("中谷元",)),
        ("中谷防衛大臣", ("中谷元",)),
        # … and means "former" here: 野田佳彦 was never 総理 in this archive, so no narrowing
        ("野田元総理", ("野田佳彦", "野田国義")),
        ("野田委員", ("野田佳彦", "野田国義")),
        # one-character surnames count with a post they held
        ("林官房長官", ("林芳正",)),
        ("平デジタル大臣", ("平将明",)),
        # a two-character full name counts with a title
        ("東徹議員", ("東徹",)),
        ("山田さん", ("山田仁", "山田勝彦", "山田太郎", "山田賢司", "山田雅彦")),
    ],
)
def test_person_mentions_resolve_to_stored_speakers(real: DietDirectory, query: str, speakers: tuple[str, ...]) -> None:
    hints = parse_hints(query, real)
    assert hints.speakers == speakers
    assert hints.positions == ()
    assert hints.spans == ((0, len(query)),)
    assert hints.unknown == ()


def test_full_name_with_a_space_keeps_query_offsets(real: DietDirectory) -> None:
    assert parse_hints("　石破 茂の答弁", real) == DietHints(
        speakers=("石破茂",), applied=("発言者: 石破茂（「石破 茂」から）",), spans=((1, 5),)
    )


def test_namesakes_are_all_kept_and_said(real: DietDirectory) -> None:
    hints = parse_hints("野田委員の質問", real)
    assert hints.speakers == ("野田佳彦", "野田国義")
    assert hints.applied == ("発言者: 野田佳彦・野田国義（「野田委員」から、該当2人）",)


@pytest.mark.parametrize(
    ("query", "unknown"),
    [
        ("山田総理の答弁", ("山田総理",)),  # five 山田 stored, none was 総理
        ("岸田総理の答弁", ("岸田総理",)),  # 岸田文雄 did not speak in this archive; two other 岸田 did
        ("茂木大臣", ("茂木大臣",)),
        ("高橋議員", ("高橋議員",)),  # eleven stored 高橋: too many to filter on
        ("中村委員長", ("中村委員長",)),  # seven 中村
    ],
)
def test_unresolvable_person_mentions_are_unknown_not_filters(real: DietDirectory, query: str, unknown: tuple[str, ...]) -> None:
    assert parse_hints(query, real) == DietHints(unknown=unknown)


@pytest.mark.parametrize(
    "query",
    ["国会", "政府", "大臣", "国会議員", "政府委員", "内閣の大臣", "元総理", "副総理", "新大臣", "各委員", "前大臣"],
)
def test_common_words_are_not_names_or_posts(real: DietDirectory, query: str) -> None:
    assert parse_hints(query, real) == DietHints()


def test_two_character_full_name_alone_is_not_matched_in_running_text(real: DietDirectory) -> None:
    assert "東徹" in real.speakers
    assert parse_hints("関東徹底調査", real) == DietHints()


def test_two_mentions_two_lines(real: DietDirectory) -> None:
    hints = parse_hints("石破総理と岩屋外相の答弁", real)
    assert hints.speakers == ("石破茂", "岩屋毅")
    assert hints.applied == ("発言者: 石破茂（「石破総理」から）", "発言者: 岩屋毅（「岩屋外相」から）")
    assert hints.spans == ((0, 4), (5, 9))


# --- hand-built directories: the rules in isolation ------------------------------------


def test_title_post_prefers_the_holder_among_namesakes() -> None:
    directory = small(("岩屋毅", ("外務大臣",)), ("岩屋太郎", ()), ("岩屋花子", ("外務副大臣",)))
    assert parse_hints("岩屋大臣", directory).speakers == ("岩屋毅",)
    assert parse_hints("岩屋副大臣", directory).speakers == ("岩屋花子",)
    assert parse_hints("岩屋議員", directory).speakers == ("岩屋太郎", "岩屋毅", "岩屋花子")


def test_five_namesakes_filter_six_do_not() -> None:
    five = small(*((f"佐藤{given}", ()) for given in "一二三四五"))
    six = small(*((f"佐藤{given}", ()) for given in "一二三四五六"))
    assert parse_hints("佐藤議員", five).speakers == ("佐藤一", "佐藤三", "佐藤二", "佐藤五", "佐藤四")
    assert parse_hints("佐藤議員", six) == DietHints(unknown=("佐藤議員",))


def test_one_character_surname_needs_a_post_they_held() -> None:
    directory = small(("林芳正", ("内閣官房長官",)), ("林太郎", ()))
    assert parse_hints("林官房長官", directory).speakers == ("林芳正",)
    assert parse_hints("林さん", directory) == DietHints()
    # 小林 is not stored, so 林 alone would match, but it is not a holder of 外務大臣
    assert parse_hints("林外務大臣", directory) == DietHints()


def test_longest_stored_prefix_wins_and_does_not_fall_back_to_a_shorter_one() -> None:
    directory = small(("林芳正", ("内閣官房長官",)), ("小林鷹之", ()))
    # 小林 is a stored surname who never was 官房長官: not 林芳正 via the shorter 林
    assert parse_hints("小林官房長官", directory) == DietHints(unknown=("小林官房長官",))


def test_post_only_when_stored() -> None:
    directory = small(("岩屋毅", ("外務大臣",)))
    assert parse_hints("防衛大臣の答弁", directory) == DietHints()
    assert parse_hints("外務大臣の答弁", directory).positions == ("外務大臣",)


def test_no_speakers_no_meetings_no_filters() -> None:
    empty = DietDirectory.build([], [])
    assert parse_hints("石破総理が第217回国会の参議院予算委員会で", empty) == DietHints(
        session_from=217, session_to=217, applied=("国会回次: 第217回（「第217回国会」から）",), spans=((5, 12),)
    )


# --- positions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("総理", "内閣総理大臣"),
        ("首相", "内閣総理大臣"),
        ("総理大臣", "内閣総理大臣"),
        ("内閣総理大臣", "内閣総理大臣"),
        ("官房長官", "内閣官房長官"),
        ("外務大臣", "外務大臣"),
        ("外相", "外務大臣"),
        ("財務相", "財務大臣"),
        ("防衛相", "防衛大臣"),
        ("法相", "法務大臣"),
        ("厚労相", "厚生労働大臣"),
        ("文科大臣", "文部科学大臣"),
        ("経産相", "経済産業大臣"),
        ("農水大臣", "農林水産大臣"),
        ("国交相", "国土交通大臣"),
        ("デジタル相", "デジタル大臣"),
        ("日銀総裁", "日本銀行総裁"),
        ("外務副大臣", "外務副大臣"),
        ("内閣府特命担当大臣", "内閣府特命担当大臣"),
        ("議長", "議長"),
    ],
)
def test_bare_posts_become_position_filters(real: DietDirectory, query: str, position: str) -> None:
    assert parse_hints(f"{query}の答弁", real) == DietHints(
        positions=(position,), applied=(f"役職: {position}（「{query}」から）",), spans=((0, len(query)),)
    )


@pytest.mark.parametrize(
    ("query", "positions"),
    [("財務相談窓口", ()), ("外相当", ()), ("防衛相次いで", ()), ("外相会談", ("外務大臣",)), ("首相官邸", ("内閣総理大臣",))],
)
def test_so_that_starts_another_word_is_not_a_minister(real: DietDirectory, query: str, positions: tuple[str, ...]) -> None:
    assert parse_hints(query, real).positions == positions


# --- houses and meetings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "houses", "meetings"),
    [
        ("衆院予算委員会", ("衆議院",), ("予算委員会",)),
        ("予算委員会", (), ("予算委員会",)),
        ("参院本会議", ("参議院",), ("本会議",)),
        ("参議院の財政金融委員会", ("参議院",), ("財政金融委員会",)),
        ("衆議院財務金融委員会", ("衆議院",), ("財務金融委員会",)),
        ("議院運営委員会庶務小委員会", (), ("議院運営委員会庶務小委員会",)),
        ("党首討論の国家基本政策委員会合同審査会", (), ("国家基本政策委員会合同審査会",)),
        ("衆議院で", ("衆議院",), ()),
        # the house as a topic, not a venue
        ("参院選", (), ()),
        ("参議院選挙", (), ()),
        ("衆議院議員", (), ()),
        ("衆議院解散", (), ()),
        # not stored
        ("行政改革特別委員会", (), ()),
    ],
)
def test_houses_and_meetings(real: DietDirectory, query: str, houses: tuple[str, ...], meetings: tuple[str, ...]) -> None:
    hints = parse_hints(query, real)
    assert (hints.houses, hints.meetings) == (houses, meetings)


def test_longest_meeting_name_wins() -> None:
    directory = small(meetings=(("参議院", "財政金融委員会"), ("参議院", "金融委員会")))
    assert parse_hints("財政金融委員会", directory).meetings == ("財政金融委員会",)
    assert parse_hints("金融委員会", directory).meetings == ("金融委員会",)


# --- sessions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "first", "last"),
    [
        ("第217回国会", 217, 217),
        ("217回国会", 217, 217),
        ("第二百十七回国会", 217, 217),
        ("第２１７回国会", 217, 217),
        ("第216回臨時国会", 216, 216),
        ("第213回から第215回", 213, 215),
        ("第213回国会〜第215回国会", 213, 215),
        ("第213回〜215回国会まで", 213, 215),
    ],
)
def test_sessions(real: DietDirectory, query: str, first: int, last: int) -> None:
    hints = parse_hints(query, real)
    assert (hints.session_from, hints.session_to) == (first, last)
    assert hints.spans == ((0, len(query)),)


@pytest.mark.parametrize("query", ["第3回会合", "3回目の質問", "第215回から第213回", "第0回国会", "第十十回国会"])
def test_not_sessions(real: DietDirectory, query: str) -> None:
    assert parse_hints(query, real) == DietHints()


def test_session_line_covers_several_mentions(real: DietDirectory) -> None:
    hints = parse_hints("第213回国会と第216回国会", real)
    assert (hints.session_from, hints.session_to) == (213, 216)
    assert hints.applied == ("国会回次: 第213回〜第216回（「第213回国会」「第216回国会」から）",)
    assert hints.spans == ((0, 7), (8, 15))


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "first", "last"),
    [
        ("2025年2月14日", "2025-02-14", "2025-02-14"),
        ("2025年2月", "2025-02-01", "2025-02-28"),
        ("2024年2月", "2024-02-01", "2024-02-29"),  # leap year
        ("2025年", "2025-01-01", "2025-12-31"),
        ("2025/2/14", "2025-02-14", "2025-02-14"),
        ("2025-02-14", "2025-02-14", "2025-02-14"),
        ("2025/12", "2025-12-01", "2025-12-31"),
        ("２０２５年２月", "2025-02-01", "2025-02-28"),
        ("２０２５／２／１４", "2025-02-14", "2025-02-14"),
        ("二〇二五年二月", "2025-02-01", "2025-02-28"),
        ("令和7年2月14日", "2025-02-14", "2025-02-14"),
        ("令和7年2月", "2025-02-01", "2025-02-28"),
        ("令和七年二月十四日", "2025-02-14", "2025-02-14"),
        ("令和6年2月", "2024-02-01", "2024-02-29"),
        ("令和元年", "2019-05-01", "2019-12-31"),  # 令和 began on 1 May 2019
        ("平成31年4月", "2019-04-01", "2019-04-30"),
        ("平成31年", "2019-01-01", "2019-04-30"),
        ("昭和64年", "1989-01-01", "1989-01-07"),
        ("2025年2月から3月", "2025-02-01", "2025-03-31"),
        ("2025年2月1日から14日まで", "2025-02-01", "2025-02-14"),
        ("2025年2月〜2025年3月10日", "2025-02-01", "2025-03-10"),
        ("令和6年12月〜令和7年1月", "2024-12-01", "2025-01-31"),
        ("2024年12月から1月", "2024-12-01", "2025-01-31"),  # the January after
        ("2024年から2025年", "2024-01-01", "2025-12-31"),
        ("2025年2月以降", "2025-02-01", None),
        ("2025年2月から", "2025-02-01", None),
        ("2025年3月まで", None, "2025-03-31"),
        ("令和6年以前", None, "2024-12-31"),
    ],
)
def test_dates(real: DietDirectory, query: str, first: str | None, last: str | None) -> None:
    hints = parse_hints(query, real)
    assert (hints.date_from, hints.date_to) == (first, last)
    assert hints.spans == ((0, len(query)),)


@pytest.mark.parametrize(
    "query",
    [
        "2月14日の予算委",  # no year: ambiguous
        "2月から3月",
        "令和7年度予算",  # a fiscal year is a topic
        "2025年度",
        "2025年2月30日",
        "2025年13月",
        "令和99年",
        "令和元年4月",  # still 平成
        "平成32年",
        "令和0年",
        "2100年問題",  # no minutes from the future
        "1900年",  # nor from before the first Diet
        "20250214",
        "2025年3月から2025年2月",  # ends before it starts
        "2025年2月1日から30日",
    ],
)
def test_not_dates(real: DietDirectory, query: str) -> None:
    hints = parse_hints(query, real)
    assert (hints.date_from, hints.date_to, hints.spans) == (None, None, ())


def test_date_line_and_several_dates(real: DietDirectory) -> None:
    assert parse_hints("2024年12月と2025年3月の審議", real) == DietHints(
        date_from="2024-12-01",
        date_to="2025-03-31",
        applied=("期間: 2024-12-01〜2025-03-31（「2024年12月」「2025年3月」から）",),
        spans=((0, 8), (9, 16)),
    )
    assert parse_hints("令和6年以前", real).applied == ("期間: 〜2024-12-31（「令和6年以前」から）",)


# --- everything at once, and anything at all -------------------------------------------


def test_all_kinds_of_hint_in_one_question(real: DietDirectory) -> None:
    assert parse_hints("第217回国会の衆院予算委員会で令和7年2月14日に加藤財務大臣は何と答弁したか", real) == DietHints(
        speakers=("加藤勝信",),
        houses=("衆議院",),
        meetings=("予算委員会",),
        session_from=217,
        session_to=217,
        date_from="2025-02-14",
        date_to="2025-02-14",
        applied=(
            "国会回次: 第217回（「第217回国会」から）",
            "会議: 衆議院 予算委員会（「衆院予算委員会」から）",
            "期間: 2025-02-14（「令和7年2月14日」から）",
            "発言者: 加藤勝信（「加藤財務大臣」から）",
        ),
        spans=((0, 7), (8, 15), (16, 25), (26, 32)),
    )


_HINT_ALPHABET = list("石破茂岩屋毅加藤勝信野田山田総理首相大臣外務財務相委員議員さん君氏元前副第回国会衆参議院予算本会年月日令和平成昭和元度から〜～-/以降まで") + list(
    "0123456789０１２３４５６７８９〇一二三四五六七八九十百千 　"
)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_HINT_ALPHABET), max_size=40) | st.text(max_size=40))
def test_any_text_parses_without_raising(real: DietDirectory, query: str) -> None:
    hints = parse_hints(query, real)
    assert all(0 <= start < end <= len(query) for start, end in hints.spans)
    assert bool(hints.applied) == bool(hints.spans)


# --- when a date is an event, and who when both a name and a post are given ------------


@pytest.mark.parametrize(
    "query",
    [
        "岩屋外務大臣は、2024年12月の日中外相会談で歴史認識について述べた内容をどう説明したか",
        "2024年の住民基本台帳人口移動報告による転出超過の状況について、統計局長はどう説明したか",
        "令和6年に中高生の女子の自殺者が増えたことについて、三原大臣はどう答えたか",
    ],
)
def test_a_date_of_an_event_is_not_a_filter(real: DietDirectory, query: str) -> None:
    hints = parse_hints(query, real)
    assert (hints.date_from, hints.date_to) == (None, None)
    assert not any(line.startswith("期間") for line in hints.applied)


@pytest.mark.parametrize(
    ("query", "first", "last"),
    [
        ("2025年2月の防衛費に関する答弁", "2025-02-01", "2025-02-28"),
        ("令和7年3月に参議院予算委員会で高額療養費について答弁したのは誰か", "2025-03-01", "2025-03-31"),
        ("2025年2月、石破総理は何と述べたか", "2025-02-01", "2025-02-28"),
    ],
)
def test_a_date_of_a_sitting_is_a_filter(real: DietDirectory, query: str, first: str, last: str) -> None:
    hints = parse_hints(query, real)
    assert (hints.date_from, hints.date_to) == (first, last)


def test_a_post_beside_a_named_speaker_does_not_narrow_further(real: DietDirectory) -> None:
    hints = parse_hints("石破総理は党首討論で、自らが農林水産大臣だった当時の経験をどう振り返ったか", real)
    assert hints.speakers == ("石破茂",) and hints.positions == ()
    assert not any(line.startswith("役職") for line in hints.applied)
    alone = parse_hints("農林水産大臣の答弁", real)
    assert alone.positions == ("農林水産大臣",) and alone.applied == ("役職: 農林水産大臣（「農林水産大臣」から）",)


def test_an_unknown_name_before_a_post_is_never_a_filter_on_the_post(real: DietDirectory) -> None:
    """安倍総理 and 菅首相 are not in the 2024–25 minutes: their questions must not get 石破茂's answers."""
    for query, mention in (("安倍総理は防衛費についてどう答弁したか", "安倍総理"), ("菅首相の答弁", "菅首相"),
                           ("岸田総理の答弁", "岸田総理")):
        hints = parse_hints(query, real)
        assert (hints.speakers, hints.positions, hints.unknown) == ((), (), (mention,)), query
    assert parse_hints("内閣総理大臣の答弁", real).positions == ("内閣総理大臣",)
    assert parse_hints("歴代総理の答弁", real).unknown == ()
