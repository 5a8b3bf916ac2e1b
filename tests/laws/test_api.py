"""EgovApiClient against responses built in the e-Gov 法令API v2 documented shape.

No network and no real sleeping: respx answers every request, and the client
gets a fake clock/sleep pair that only records what it was asked to wait.
The law used throughout is 国旗及び国歌に関する法律 (411AC0000000127); its
metadata is copied from a published /law_data response.
"""

from __future__ import annotations

import base64
import random
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx
from lxml import etree

from govrag.sources.laws.archive import LawFile, Skipped
from govrag.sources.laws.api import (
    ApiLawInfo,
    EgovApiClient,
    EgovApiError,
    LawNotFound,
    LawXml,
    iter_api_laws,
    law_full_text_json_to_xml,
)
from tests.fake_time import FakeTime

BASE = "https://laws.e-gov.go.jp/api/2"
LAW_ID = "411AC0000000127"
REVISION_ID = "411AC0000000127_19990813_000000000000000"
LAW_NUM = "平成十一年法律第百二十七号"
TITLE = "国旗及び国歌に関する法律"


# --------------------------------------------------------------------------- fakes


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as router:
        yield router


def make_client(ft: FakeTime, **kw: Any) -> EgovApiClient:
    kw.setdefault("min_interval", 0.0)
    kw.setdefault("max_attempts", 3)
    return EgovApiClient(
        http_client=httpx.Client(),
        clock=ft.clock,
        sleep=ft.sleep,
        rng=random.Random(1234),
        **kw,
    )


# --------------------------------------------------------------------------- fixtures (documented shapes)

LAW_INFO = {
    "law_type": "Act",
    "law_id": LAW_ID,
    "law_num": LAW_NUM,
    "law_num_era": "Heisei",
    "law_num_year": "11",
    "law_num_type": "Act",
    "law_num_num": "127",
    "promulgation_date": "1999-08-13",
}
REVISION_INFO = {
    "law_revision_id": REVISION_ID,
    "law_type": "Act",
    "law_title": TITLE,
    "law_title_kana": "こっきおよびこっかにかんするほうりつ",
    "abbrev": "国旗国歌法,日の丸君が代法,国旗・国歌法",
    "category": "文化",
    "updated": "2024-07-21T13:56:59+09:00",
    "amendment_promulgate_date": "1999-08-13",
    "amendment_enforcement_date": "1999-08-13",
    "amendment_enforcement_comment": None,
    "amendment_scheduled_enforcement_date": None,
    "amendment_law_id": None,
    "amendment_law_title": None,
    "amendment_law_title_kana": "",
    "amendment_law_num": None,
    "amendment_type": "1",
    "repeal_status": "None",
    "repeal_date": None,
    "remain_in_force": False,
    "mission": "New",
    "current_revision_status": "CurrentEnforced",
}
ATTACHED = {
    "image_data": "",
    "attached_files": [
        {
            "law_revision_id": REVISION_ID,
            "src": "./pict/H11HO127-001.jpg",
            "updated": "2024-11-23T01:05:36+09:00",
        }
    ],
}


def node(tag: str, attr: dict[str, str] | str = "", *children: Any) -> dict[str, Any]:
    """One node of the API's JSON law_full_text tree."""
    return {"tag": tag, "attr": attr, "children": list(children)}


def paragraph(num: str, sentence: str, para_num: str = "") -> dict[str, Any]:
    return node(
        "Paragraph",
        {"Hide": "false", "Num": num, "OldStyle": "false"},
        node("ParagraphNum", "", *([para_num] if para_num else [])),
        node(
            "ParagraphSentence",
            "",
            node("Sentence", {"Num": "1", "WritingMode": "vertical"}, sentence),
        ),
    )


def article(num: str, caption: str, title: str, *paras: dict[str, Any]) -> dict[str, Any]:
    return node(
        "Article",
        {"Delete": "false", "Hide": "false", "Num": num},
        node("ArticleCaption", "", caption),
        node("ArticleTitle", "", title),
        *paras,
    )


FULL_TEXT_TREE: dict[str, Any] = node(
    "Law",
    {
        "Era": "Heisei",
        "Lang": "ja",
        "LawType": "Act",
        "Num": "127",
        "Year": "11",
        "PromulgateMonth": "08",
        "PromulgateDay": "13",
    },
    node("LawNum", "", LAW_NUM),
    node(
        "LawBody",
        "",
        node(
            "LawTitle",
            {
                "Kana": "こっきおよびこっかにかんするほうりつ",
                "Abbrev": "国旗国歌法,日の丸君が代法,国旗・国歌法",
                "AbbrevKana": "こ,ひ,こ",
            },
            TITLE,
        ),
        node(
            "MainProvision",
            "",
            article(
                "1", "（国旗）", "第一条",
                paragraph("1", "国旗は、日章旗とする。"),
                paragraph("2", "日章旗の制式は、別記第一のとおりとする。", "２"),
            ),
            article(
                "2", "（国歌）", "第二条",
                paragraph("1", "国歌は、君が代とする。"),
                paragraph("2", "君が代の歌詞及び楽曲は、別記第二のとおりとする。", "２"),
            ),
        ),
        node(
            "SupplProvision",
            "",
            node("SupplProvisionLabel", "", "附　則"),
            paragraph("1", "この法律は、公布の日から施行する。"),
        ),
    ),
)

LAW_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<Law Era="Heisei" Lang="ja" LawType="Act" Num="127" Year="11" PromulgateMonth="08" PromulgateDay="13">
  <LawNum>{LAW_NUM}</LawNum>
  <LawBody>
    <LawTitle Kana="こっきおよびこっかにかんするほうりつ" Abbrev="国旗国歌法,日の丸君が代法,国旗・国歌法" AbbrevKana="こ,ひ,こ">{TITLE}</LawTitle>
    <MainProvision>
      <Article Delete="false" Hide="false" Num="1">
        <ArticleCaption>（国旗）</ArticleCaption>
        <ArticleTitle>第一条</ArticleTitle>
        <Paragraph Hide="false" Num="1" OldStyle="false">
          <ParagraphNum/>
          <ParagraphSentence><Sentence Num="1" WritingMode="vertical">国旗は、日章旗とする。</Sentence></ParagraphSentence>
        </Paragraph>
      </Article>
    </MainProvision>
  </LawBody>
</Law>
"""


def law_data_json(full_text: Any) -> dict[str, Any]:
    return {
        "attached_files_info": ATTACHED,
        "law_info": LAW_INFO,
        "revision_info": REVISION_INFO,
        "law_full_text": full_text,
    }


def law_data_xml_envelope(law_xml: str) -> bytes:
    """The response_format=xml body: <law_data_response> with the <Law> inside."""
    law = law_xml.split("?>", 1)[1].strip()
    info = "".join(f"<{k}>{v}</{k}>" for k, v in LAW_INFO.items())
    rev = "".join(
        f"<{k}>{'' if v is None else v}</{k}>"
        for k, v in REVISION_INFO.items()
        if not isinstance(v, bool)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<law_data_response>'
        f"<attached_files_info><image_data/></attached_files_info>"
        f"<law_info>{info}</law_info><revision_info>{rev}</revision_info>"
        f"<law_full_text>{law}</law_full_text></law_data_response>"
    ).encode("utf-8")


def laws_entry(law_id: str, title: str, law_num: str, abbrev: str | None = None) -> dict[str, Any]:
    rev = {
        **REVISION_INFO,
        "law_revision_id": f"{law_id}_20240401_506CO0000000161",
        "law_title": title,
        "abbrev": abbrev,
        "amendment_enforcement_date": "2024-04-01",
    }
    return {
        "law_info": {**LAW_INFO, "law_id": law_id, "law_num": law_num},
        "revision_info": rev,
        "current_revision_info": rev,
    }


def sentences(xml: bytes) -> list[str]:
    return [s.text or "" for s in etree.fromstring(xml).iter("Sentence")]


# --------------------------------------------------------------------------- /laws


def test_list_laws_walks_every_page(mock: Any, ft: FakeTime) -> None:
    pages = {
        "0": {
            "total_count": 3,
            "count": 2,
            "next_offset": 2,
            "laws": [
                laws_entry(LAW_ID, TITLE, LAW_NUM, "国旗国歌法,日の丸君が代法"),
                laws_entry("322CO0000000016", "地方自治法施行令", "昭和二十二年政令第十六号", "地自法施行令"),
            ],
        },
        "2": {
            "total_count": 3,
            "count": 1,
            "laws": [laws_entry("129AC0000000089", "民法", "明治二十九年法律第八十九号")],
        },
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params["offset"]])

    route = mock.get(f"{BASE}/laws").mock(side_effect=answer)
    with make_client(ft) as client:
        laws = list(client.list_laws(law_title="法", law_type="Act", asof=date(2024, 5, 1), page_size=2))

    assert [law.law_id for law in laws] == [LAW_ID, "322CO0000000016", "129AC0000000089"]
    first = laws[0]
    assert isinstance(first, ApiLawInfo)
    assert first.title == TITLE
    assert first.law_num == LAW_NUM
    assert first.law_type == "Act"
    assert first.abbrevs == ("国旗国歌法", "日の丸君が代法")
    assert first.promulgation_date == "1999-08-13"
    assert first.enforcement_date == "2024-04-01"
    assert first.law_revision_id == f"{LAW_ID}_20240401_506CO0000000161"
    assert laws[2].abbrevs == ()

    assert route.call_count == 2
    params = [dict(call.request.url.params) for call in route.calls]
    assert [p["offset"] for p in params] == ["0", "2"]
    for p in params:
        assert p["limit"] == "2"
        assert p["law_title"] == "法"
        assert p["law_type"] == "Act"
        assert p["asof"] == "2024-05-01"
        assert p["response_format"] == "json"
        assert p["order"] == "+law_info.law_id"


def test_list_laws_falls_back_to_total_count_when_next_offset_absent(mock: Any, ft: FakeTime) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        ids = [f"3{n:02d}AC0000000001" for n in range(5)][offset : offset + 2]
        return httpx.Response(
            200,
            json={"total_count": 5, "count": len(ids), "next_offset": None,
                  "laws": [laws_entry(i, f"法{i}", "番号") for i in ids]},
        )

    route = mock.get(f"{BASE}/laws").mock(side_effect=answer)
    with make_client(ft) as client:
        laws = list(client.list_laws(page_size=2))
    assert len(laws) == 5
    assert [c.request.url.params["offset"] for c in route.calls] == ["0", "2", "4"]


def test_list_laws_empty_result(mock: Any, ft: FakeTime) -> None:
    mock.get(f"{BASE}/laws").respond(200, json={"total_count": 0, "count": 0, "laws": []})
    with make_client(ft) as client:
        assert list(client.list_laws(law_title="存在しない")) == []


# --------------------------------------------------------------------------- /law_data


def _assert_is_the_flag_law(law: LawXml, *, expect_law_id: str = LAW_ID) -> etree._Element:
    assert law.law_id == LAW_ID
    assert law.law_revision_id == REVISION_ID
    assert law.info.title == TITLE
    assert law.info.abbrevs == ("国旗国歌法", "日の丸君が代法", "国旗・国歌法")
    assert law.xml.startswith(b"<?xml")
    root = etree.fromstring(law.xml)
    assert root.tag == "Law"
    assert root.get("LawId") == expect_law_id
    assert root.get("Era") == "Heisei" and root.get("Num") == "127"
    assert root.findtext("LawNum") == LAW_NUM
    assert root.findtext("LawBody/LawTitle") == TITLE
    assert "国旗は、日章旗とする。" in sentences(law.xml)
    return root


def test_get_law_xml_base64_full_text_in_json_envelope(mock: Any, ft: FakeTime) -> None:
    encoded = base64.b64encode(LAW_XML.encode("utf-8")).decode("ascii")
    route = mock.get(f"{BASE}/law_data/{LAW_ID}").respond(200, json=law_data_json(encoded))
    with make_client(ft) as client:
        law = client.get_law_xml(LAW_ID)

    _assert_is_the_flag_law(law)
    assert law.asof is None
    params = route.calls.last.request.url.params
    assert params["law_full_text_format"] == "xml"
    assert params["response_format"] == "json"
    assert "asof" not in params
    assert "govrag" in route.calls.last.request.headers["user-agent"]


def test_get_law_xml_xml_envelope_keeps_existing_law_id(mock: Any, ft: FakeTime) -> None:
    with_id = LAW_XML.replace('<Law Era=', '<Law LawId="ALREADY-THERE" Era=')
    mock.get(f"{BASE}/law_data/{LAW_ID}").respond(
        200, content=law_data_xml_envelope(with_id), headers={"content-type": "application/xml"}
    )
    with make_client(ft) as client:
        law = client.get_law_xml(LAW_ID)
    _assert_is_the_flag_law(law, expect_law_id="ALREADY-THERE")
    # Only the <Law> element comes back, not the envelope.
    assert b"law_data_response" not in law.xml and b"law_info" not in law.xml


def test_get_law_xml_json_tree_is_converted(mock: Any, ft: FakeTime) -> None:
    mock.get(f"{BASE}/law_data/{LAW_ID}").respond(200, json=law_data_json(FULL_TEXT_TREE))
    with make_client(ft) as client:
        law = client.get_law_xml(LAW_ID)
    root = _assert_is_the_flag_law(law)
    articles = root.findall("LawBody/MainProvision/Article")
    assert [a.get("Num") for a in articles] == ["1", "2"]
    assert articles[1].findtext("ArticleCaption") == "（国歌）"
    assert articles[1].findtext("Paragraph[@Num='2']/ParagraphNum") == "２"
    assert sentences(law.xml) == [
        "国旗は、日章旗とする。",
        "日章旗の制式は、別記第一のとおりとする。",
        "国歌は、君が代とする。",
        "君が代の歌詞及び楽曲は、別記第二のとおりとする。",
        "この法律は、公布の日から施行する。",
    ]


def test_get_law_xml_accepts_raw_xml_string(mock: Any, ft: FakeTime) -> None:
    mock.get(f"{BASE}/law_data/{LAW_ID}").respond(200, json=law_data_json(LAW_XML))
    with make_client(ft) as client:
        _assert_is_the_flag_law(client.get_law_xml(LAW_ID))


def test_law_number_is_escaped_into_one_path_segment(mock: Any, ft: FakeTime) -> None:
    route = mock.get(url__regex=rf"^{BASE}/law_data/.+").respond(200, json=law_data_json(FULL_TEXT_TREE))
    with make_client(ft) as client:
        client.get_law_xml(LAW_NUM)
    request = route.calls.last.request
    assert request.url.path == f"/api/2/law_data/{LAW_NUM}"
    assert "%E5%B9%B3" in request.url.raw_path.decode()  # percent-encoded "平"


# --------------------------------------------------------------------------- converter


def test_converter_handles_mixed_content_empty_attr_and_missing_children() -> None:
    tree = node(
        "Law",
        {"Era": "Reiwa", "Num": "1", "Flag": True},  # type: ignore[dict-item]
        node("LawNum", "", "令和元年法律第一号"),
        node(
            "LawBody",
            "",
            node("LawTitle", "", "テスト法"),
            node(
                "MainProvision",
                "",
                {"tag": "Article", "attr": {"Num": "1"}, "children": [
                    {"tag": "Paragraph", "attr": {"Num": "1"}},  # no children key at all
                    node("Paragraph", {"Num": "2"}, node(
                        "ParagraphSentence", "", node(
                            "Sentence", "",
                            "前",
                            node("Ruby", "", "漢", node("Rt", "", "かん")),
                            "後 & <記号>",
                        ),
                    )),
                ]},
            ),
        ),
    )
    xml = law_full_text_json_to_xml(tree, law_id="501AC0000000001")
    root = etree.fromstring(xml)
    assert root.get("LawId") == "501AC0000000001"
    assert root.get("Flag") == "true"
    assert root.findtext("LawNum") == "令和元年法律第一号"
    assert root.find(".//Paragraph[@Num='1']") is not None
    sentence = root.find(".//Sentence")
    assert sentence is not None
    assert "".join(str(t) for t in sentence.itertext()) == "前漢かん後 & <記号>"
    assert sentence.text == "前"
    assert sentence[0].tail == "後 & <記号>"
    assert b"&amp; &lt;" in xml


def test_converter_does_not_clobber_law_id() -> None:
    tree = node("Law", {"LawId": "KEEP"}, node("LawNum", "", "x"))
    assert etree.fromstring(law_full_text_json_to_xml(tree, law_id="OTHER")).get("LawId") == "KEEP"


@pytest.mark.parametrize(
    "bad",
    [
        {"attr": {}, "children": []},
        {"tag": "Law", "attr": {}, "children": "text"},
        {"tag": "Not A Tag", "attr": {}, "children": []},
        {"tag": "Law", "attr": {}, "children": [42]},
        {"tag": "Article", "attr": {}, "children": []},  # root must be <Law>
    ],
)
def test_converter_rejects_malformed_trees(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        law_full_text_json_to_xml(bad)


# --------------------------------------------------------------------------- asof


def test_asof_is_passed_through(mock: Any, ft: FakeTime) -> None:
    route = mock.get(f"{BASE}/law_data/{LAW_ID}").respond(200, json=law_data_json(FULL_TEXT_TREE))
    with make_client(ft) as client:
        law = client.get_law_xml(LAW_ID, asof=date(2020, 4, 1))
        assert law.asof == "2020-04-01"
        assert route.calls.last.request.url.params["asof"] == "2020-04-01"
        law = client.get_law_xml(LAW_ID, asof="2023-12-31")
        assert law.asof == "2023-12-31"
        assert route.calls.last.request.url.params["asof"] == "2023-12-31"


@pytest.mark.parametrize("bad", ["2024-13-01", "20240101", "2024/01/01", "yesterday", "", 20240101])
def test_invalid_asof_raises_before_any_request(mock: Any, ft: FakeTime, bad: Any) -> None:
    route = mock.get(url__regex=rf"^{BASE}/.*").respond(200, json={})
    with make_client(ft) as client:
        with pytest.raises(ValueError, match="asof"):
            client.get_law_xml(LAW_ID, asof=bad)
        with pytest.raises(ValueError, match="asof"):
            client.list_laws(asof=bad)
        with pytest.raises(ValueError, match="asof"):
            iter_api_laws(client, [LAW_ID], asof=bad)
    assert route.call_count == 0


# --------------------------------------------------------------------------- retries & errors


def test_429_with_retry_after_seconds_then_success(mock: Any, ft: FakeTime) -> None:
    route = mock.get(f"{BASE}/law_data/{LAW_ID}").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"},
                           json={"code": "429001", "message": "リクエストが多すぎます。"}),
            httpx.Response(200, json=law_data_json(FULL_TEXT_TREE)),
        ]
    )
    with make_client(ft, min_interval=0.5) as client:
        law = client.get_law_xml(LAW_ID)
    assert law.law_id == LAW_ID
    assert route.call_count == 2
    assert ft.sleeps == [7.0]  # the throttle had nothing left to wait after 7 s


def test_503_with_retry_after_http_date(mock: Any, ft: FakeTime) -> None:
    now = datetime(2025, 1, 6, 12, 0, 0, tzinfo=timezone.utc)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    route = mock.get(f"{BASE}/law_data/{LAW_ID}").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": later}),
            httpx.Response(200, json=law_data_json(FULL_TEXT_TREE)),
        ]
    )
    with make_client(ft, now=lambda: now) as client:
        client.get_law_xml(LAW_ID)
    assert route.call_count == 2
    assert ft.sleeps == [30.0]


def test_retry_after_beyond_limit_gives_up_at_once(mock: Any, ft: FakeTime) -> None:
    route = mock.get(f"{BASE}/law_data/{LAW_ID}").respond(429, headers={"Retry-After": "3600"})
    with make_client(ft, max_retry_after=120) as client:
        with pytest.raises(EgovApiError, match="3600") as info:
            client.get_law_xml(LAW_ID)
    assert info.value.status == 429
    assert route.call_count == 1
    assert ft.sleeps == []


def test_5xx_is_retried_with_backoff_then_gives_up(mock: Any, ft: FakeTime) -> None:
    route = mock.get(f"{BASE}/law_data/{LAW_ID}").respond(
        500, json={"code": "500001", "message": "システムエラーが発生しました。"}
    )
    with make_client(ft, max_attempts=4, backoff_base=1.0) as client:
        with pytest.raises(EgovApiError) as info:
            client.get_law_xml(LAW_ID)
    err = info.value
    assert not isinstance(err, LawNotFound)
    assert err.status == 500
    assert err.attempts == 4
    assert err.api_code == "500001"
    assert err.api_message == "システムエラーが発生しました。"
    assert err.url.startswith(f"{BASE}/law_data/{LAW_ID}")
    assert "システムエラー" in str(err) and "HTTP 500" in str(err)
    assert route.call_count == 4
    # Exponential with jitter: attempt n waits within [2^(n-1)/2, 2^(n-1)].
    assert len(ft.sleeps) == 3
    for n, slept in enumerate(ft.sleeps, start=1):
        cap = 2 ** (n - 1)
        assert cap / 2 <= slept <= cap


def test_5xx_then_success(mock: Any, ft: FakeTime) -> None:
    route = mock.get(f"{BASE}/law_data/{LAW_ID}").mock(
        side_effect=[httpx.Response(502), httpx.Response(504), httpx.Response(200, json=law_data_json(FULL_TEXT_TREE))]
    )
    with make_client(ft) as client:
        assert client.get_law_xml(LAW_ID).law_id == LAW_ID
    assert route.call_count == 3


def test_connect_errors_and_timeouts_are_retried(mock: Any, ft: FakeTime) -> None:
    route = mock.get(f"{BASE}/law_data/{LAW_ID}").mock(
        side_effect=[
            httpx.ConnectError("connection refused"),
            httpx.ReadTimeout("read timed out"),
            httpx.Response(200, json=law_data_json(FULL_TEXT_TREE)),
        ]
    )
    with make_client(ft) as client:
        assert client.get_law_xml(LAW_ID).law_id == LAW_ID
    assert route.call_count == 3
    assert len(ft.sleeps) == 2


def test_persistent_timeouts_give_up_with_clear_error(mock: Any, ft: FakeTime) -> None:
    mock.get(f"{BASE}/law_data/{LAW_ID}").mock(side_effect=httpx.ConnectTimeout("timed out"))
    with make_client(ft, max_attempts=2) as client:
        with pytest.raises(EgovApiError, match="ConnectTimeout") as info:
            client.get_law_xml(LAW_ID)
    assert info.value.status is None
    assert info.value.attempts == 2
    assert LAW_ID in info.value.url


def test_404_raises_law_not_found_without_retry(mock: Any, ft: FakeTime) -> None:
    route = mock.get(f"{BASE}/law_data/999AC0000000999").respond(
        404, json={"code": "404001", "message": "指定された法令が存在しません。"}
    )
    with make_client(ft) as client:
        with pytest.raises(LawNotFound) as info:
            client.get_law_xml("999AC0000000999")
    assert isinstance(info.value, EgovApiError)
    assert info.value.status == 404
    assert info.value.api_message == "指定された法令が存在しません。"
    assert route.call_count == 1
    assert ft.sleeps == []


def test_400_is_not_retried_and_carries_api_message(mock: Any, ft: FakeTime) -> None:
    route = mock.get(f"{BASE}/laws").respond(
        400, json={"code": "400001", "message": "法令種別（law_type、law_num_type）が誤っています。"}
    )
    with make_client(ft) as client:
        with pytest.raises(EgovApiError) as info:
            list(client.list_laws(law_type="ImperialOrdinance"))
    assert info.value.status == 400
    assert info.value.api_code == "400001"
    assert "法令種別" in str(info.value)
    assert route.call_count == 1


def test_min_interval_spaces_requests(mock: Any, ft: FakeTime) -> None:
    starts: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        starts.append(ft.now)
        return httpx.Response(200, json=law_data_json(FULL_TEXT_TREE))

    mock.get(f"{BASE}/law_data/{LAW_ID}").mock(side_effect=answer)
    with make_client(ft, min_interval=0.5) as client:
        client.get_law_xml(LAW_ID)  # first request: nothing to wait for
        client.get_law_xml(LAW_ID)  # immediately after: waits the whole interval
        ft.now += 0.2  # the caller spent 0.2 s elsewhere
        client.get_law_xml(LAW_ID)  # waits only the rest
        ft.now += 5.0
        client.get_law_xml(LAW_ID)  # long since: no wait
    assert ft.sleeps == pytest.approx([0.5, 0.3])
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert all(gap >= 0.5 - 1e-9 for gap in gaps)


def test_malformed_json_is_a_clear_error_not_retried(mock: Any, ft: FakeTime) -> None:
    route = mock.get(f"{BASE}/law_data/{LAW_ID}").respond(
        200, content=b'{"law_info": {', headers={"content-type": "application/json"}
    )
    with make_client(ft) as client:
        with pytest.raises(EgovApiError, match="not valid JSON") as info:
            client.get_law_xml(LAW_ID)
    assert info.value.status == 200
    assert route.call_count == 1

    mock.get(f"{BASE}/laws").respond(200, content=b"<html>maintenance</html>x{")
    with make_client(ft) as client:
        with pytest.raises(EgovApiError, match="not valid JSON"):
            list(client.list_laws())


@pytest.mark.parametrize(
    "body",
    [
        law_data_json("@@@ not base64 @@@"),
        law_data_json(base64.b64encode(b"<Law><LawNum>unclosed").decode()),
        law_data_json(None),
        {"law_info": LAW_INFO, "law_full_text": FULL_TEXT_TREE},  # no revision_info
        law_data_json({"tag": "Law", "attr": {}, "children": [{"no": "tag"}]}),
    ],
)
def test_malformed_law_data_is_a_clear_error(mock: Any, ft: FakeTime, body: dict[str, Any]) -> None:
    mock.get(f"{BASE}/law_data/{LAW_ID}").respond(200, json=body)
    with make_client(ft) as client:
        with pytest.raises(EgovApiError, match="malformed /law_data response"):
            client.get_law_xml(LAW_ID)


def test_malformed_laws_page_is_a_clear_error(mock: Any, ft: FakeTime) -> None:
    mock.get(f"{BASE}/laws").respond(200, json={"total_count": 1, "count": 1, "laws": "nope"})
    with make_client(ft) as client:
        with pytest.raises(EgovApiError, match="malformed /laws response"):
            list(client.list_laws())


def test_base_url_is_configurable(ft: FakeTime) -> None:
    with respx.mock() as router:
        route = router.get("http://mirror.test/v2/law_data/" + LAW_ID).respond(
            200, json=law_data_json(FULL_TEXT_TREE)
        )
        with make_client(ft, base_url="http://mirror.test/v2/") as client:
            client.get_law_xml(LAW_ID)
        assert route.call_count == 1


# --------------------------------------------------------------------------- iter_api_laws


def test_iter_api_laws_yields_law_files_and_reports_failures(mock: Any, ft: FakeTime) -> None:
    mock.get(f"{BASE}/law_data/{LAW_ID}").respond(200, json=law_data_json(FULL_TEXT_TREE))
    mock.get(f"{BASE}/law_data/404AC0000000404").respond(404, json={"code": "404001", "message": "なし"})
    mock.get(f"{BASE}/law_data/500AC0000000500").respond(503)
    mock.get(f"{BASE}/law_data/BADJSON").respond(200, content=b"{")

    with make_client(ft, max_attempts=2) as client:
        items = list(
            iter_api_laws(client, ["404AC0000000404", LAW_ID, "500AC0000000500", "BADJSON"], asof="2024-04-01")
        )
    files = [i for i in items if isinstance(i, LawFile)]
    failures = [i for i in items if isinstance(i, Skipped)]
    assert [(f.law_id_hint, f.version_hint) for f in files] == [(LAW_ID, "2024-04-01")]
    assert files[0].name == f"e-Gov API {LAW_ID} asof 2024-04-01"
    assert etree.fromstring(files[0].data).get("LawId") == LAW_ID
    assert [f.name.split()[2] for f in failures] == ["404AC0000000404", "500AC0000000500", "BADJSON"]
    assert "HTTP 404" in failures[0].reason
    assert "HTTP 503" in failures[1].reason
    assert "JSON" in failures[2].reason


def test_owned_client_sends_user_agent_and_closes(mock: Any) -> None:
    route = mock.get(f"{BASE}/laws").respond(200, json={"total_count": 0, "count": 0, "laws": []})
    client = EgovApiClient(min_interval=0)
    list(client.list_laws())
    client.close()
    ua = route.calls.last.request.headers["user-agent"]
    assert ua.startswith("govrag/")
    assert client._http.is_closed
