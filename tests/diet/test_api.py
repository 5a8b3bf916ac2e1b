"""DietApiClient and harvest through httpx.MockTransport: no network, no real sleeping.

Responses are the real NDL samples (api-samples/*.xml) and speech-endpoint JSON
pages served by a small fake API over real speeches from speeches.tar.xz, so
paging, throttling, retries and resume run against the shapes the API sends.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from govrag.sources.diet.api import (
    DietApiClient,
    DietApiError,
    DietQuery,
    HarvestReport,
    harvest,
)
from govrag.sources.diet.parse import HARVEST_STATE, Skipped, iter_speeches
from govrag.sources.diet.records import Speech
from tests.fake_time import FakeTime

BASE = "https://kokkai.ndl.go.jp/api"


Handler = Callable[[httpx.Request], httpx.Response]


def make_client(ft: FakeTime, handler: Handler, **kw: Any) -> DietApiClient:
    kw.setdefault("max_retries", 3)
    return DietApiClient(transport=httpx.MockTransport(handler), sleep=ft.sleep, clock=ft.clock, **kw)


@pytest.fixture(scope="module")
def real_records(shared_data: Path) -> list[dict[str, Any]]:
    """The first 1,000 real speech records (2024-07-30 to 2024-10-04), as the API's JSON gives them."""
    records: list[dict[str, Any]] = []
    with tarfile.open(shared_data / "kokkai" / "speeches.tar.xz", "r:xz") as tf:
        for member in tf:
            if member.isfile() and (handle := tf.extractfile(member)):
                records += json.load(handle)["speechRecord"]
            if len(records) >= 1000:
                return records
    raise AssertionError("the archive has fewer than 1,000 records")


class FakeApi:
    """The `speech` endpoint over a list of records: filters by from/until, pages by startRecord.

    Serves at most `cap` records a page whatever maximumRecords asks (the client must
    follow nextRecordPosition, not assume a page size); `fail_after` makes the
    transport break like a dropped connection after that many requests.
    """

    def __init__(self, records: list[dict[str, Any]], cap: int = 100, fail_after: int | None = None) -> None:
        self.records = records
        self.cap = cap
        self.fail_after = fail_after
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.fail_after is not None and len(self.requests) >= self.fail_after:
            raise RuntimeError("power cut")
        self.requests.append(request)
        q = request.url.params
        hits = [r for r in self.records if q["from"] <= r["date"] <= q["until"]]
        start = int(q["startRecord"])
        chunk = hits[start - 1 : start - 1 + min(int(q["maximumRecords"]), self.cap)]
        body: dict[str, Any] = {"numberOfRecords": len(hits), "numberOfReturn": len(chunk), "startRecord": start}
        if start - 1 + len(chunk) < len(hits):
            body["nextRecordPosition"] = start + len(chunk)
        body["speechRecord"] = chunk
        return httpx.Response(200, json=body)

    def windows_asked(self) -> list[tuple[str, str, str]]:
        return [(r.url.params["from"], r.url.params["until"], r.url.params["startRecord"]) for r in self.requests]


def json_page(start: int, count: int, total: int) -> httpx.Response:
    body: dict[str, Any] = {"numberOfRecords": total, "numberOfReturn": count, "startRecord": start}
    if start + count <= total:
        body["nextRecordPosition"] = start + count
    body["speechRecord"] = []
    return httpx.Response(200, json=body)


QUERY = DietQuery(name_of_house="衆議院", session_from=217, session_to=217)


# --------------------------------------------------------------------------- query


def test_query_maps_pythonic_names_to_api_names() -> None:
    q = DietQuery(
        any="防衛力", speaker="石破茂", name_of_house="衆議院", name_of_meeting="予算委員会",
        from_=date(2025, 2, 1), until="2025-02-28", session_from=217, session_to=217,
        speaker_position="内閣総理大臣", speaker_group="自由民主党・無所属の会", speaker_role="証人",
        speech_id="121705261X01220250214_012", issue_id="121705261X01220250214",
    )
    assert q.params() == {
        "any": "防衛力", "speaker": "石破茂", "nameOfHouse": "衆議院", "nameOfMeeting": "予算委員会",
        "from": "2025-02-01", "until": "2025-02-28", "sessionFrom": "217", "sessionTo": "217",
        "speakerPosition": "内閣総理大臣", "speakerGroup": "自由民主党・無所属の会", "speakerRole": "証人",
        "speechID": "121705261X01220250214_012", "issueID": "121705261X01220250214",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "at least one condition"),
        ({"any": "  "}, "at least one condition"),
        ({"from_": "2025/02/01"}, "from_ must be a date or 'YYYY-MM-DD'"),
        ({"until": "2025-02-30"}, "until must be a date"),
        ({"from_": "2025-03-01", "until": "2025-02-01"}, "is after until"),
        ({"session_from": 0}, "session_from must be a positive integer"),
        ({"session_from": 218, "session_to": 217}, "is after session_to"),
    ],
)
def test_query_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DietQuery(**kwargs)


# --------------------------------------------------------------------------- paging


def test_paging_follows_next_record_position_over_real_xml(ft: FakeTime, shared_data: Path) -> None:
    samples = shared_data / "kokkai" / "api-samples"
    plane, end = (samples / "212-plane.xml").read_bytes(), (samples / "212-end.xml").read_bytes()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = plane if request.url.params["startRecord"] == "1" else end
        return httpx.Response(200, content=body, headers={"content-type": "application/xml"})

    with make_client(ft, handler, min_interval=0, record_packing="xml") as client:
        pages = list(client.pages("meeting", DietQuery(session_from=212, session_to=212, name_of_house="参議院")))
    assert [raw for raw, _ in pages] == [plane, end]
    assert [(p.start_record, p.next_record_position, len(p.speeches)) for _, p in pages] == [(1, 4, 67), (258, None, 298)]
    assert [str(r.url) for r in seen] == [
        f"{BASE}/meeting?nameOfHouse=%E5%8F%82%E8%AD%B0%E9%99%A2&sessionFrom=212&sessionTo=212"
        f"&maximumRecords=10&recordPacking=xml&startRecord={start}"
        for start in (1, 4)
    ]


def test_parameters_sent_and_endpoint_limits(ft: FakeTime) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"numberOfRecords": 0})

    query = DietQuery(speaker="石破茂", from_="2025-02-01", until="2025-02-28")
    with make_client(ft, handler, min_interval=0) as client:
        for endpoint in ("speech", "meeting", "meeting_list"):
            assert [p.number_of_records for _, p in client.pages(endpoint, query)] == [0]
        list(client.pages("speech", query, maximum_records=5))
        with pytest.raises(ValueError, match="maximum_records for meeting must be 1..10"):
            client.pages("meeting", query, maximum_records=11)
        with pytest.raises(ValueError, match="endpoint must be one of"):
            client.pages("speeches", query)  # type: ignore[arg-type]
    assert [(r.url.path, dict(r.url.params)) for r in seen] == [
        (f"/api/{endpoint}", {"speaker": "石破茂", "from": "2025-02-01", "until": "2025-02-28",
                             "maximumRecords": size, "recordPacking": "json", "startRecord": "1"})
        for endpoint, size in (("speech", "100"), ("meeting", "10"), ("meeting_list", "100"), ("speech", "5"))
    ]
    assert seen[0].headers["user-agent"].startswith("govrag/")


def test_paging_that_goes_backwards_is_an_error(ft: FakeTime) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"numberOfRecords": 9, "numberOfReturn": 0, "startRecord": 1, "nextRecordPosition": 1})

    with make_client(ft, handler, min_interval=0) as client, pytest.raises(DietApiError, match="paging made no progress"):
        list(client.pages("speech", QUERY))


# --------------------------------------------------------------------------- throttle and retries


def test_throttle_keeps_min_interval_between_requests(ft: FakeTime) -> None:
    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(ft.now)
        ft.now += 0.5  # the request itself takes half a second
        return json_page(int(request.url.params["startRecord"]), 100, 250)

    with make_client(ft, handler) as client:  # min_interval defaults to 3 s
        assert [p.start_record for _, p in client.pages("speech", QUERY)] == [1, 101, 201]
    assert ft.sleeps == [2.5, 2.5]
    assert starts == [1000.0, 1003.0, 1006.0]


def test_429_with_retry_after_then_success(ft: FakeTime) -> None:
    statuses = iter([429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(statuses) == 429:
            return httpx.Response(429, headers={"Retry-After": "7"})
        return json_page(1, 1, 1)

    with make_client(ft, handler) as client:
        assert len(list(client.pages("speech", QUERY))) == 1
    assert ft.sleeps == [7.0]  # exactly Retry-After; the 3 s throttle has passed by then


def test_retry_after_as_http_date(ft: FakeTime) -> None:
    statuses = iter([503, 200])
    now = datetime(2025, 2, 14, 12, 0, 0, tzinfo=UTC)

    def handler(request: httpx.Request) -> httpx.Response:
        if next(statuses) == 503:
            return httpx.Response(503, headers={"Retry-After": "Fri, 14 Feb 2025 12:00:20 GMT"})
        return json_page(1, 1, 1)

    with make_client(ft, handler, now=lambda: now) as client:
        assert len(list(client.pages("speech", QUERY))) == 1
    assert ft.sleeps == [20.0]


def test_503_twice_then_success_backs_off_exponentially(ft: FakeTime) -> None:
    statuses = iter([503, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        return json_page(1, 1, 1) if status == 200 else httpx.Response(status, text="Service Unavailable")

    with make_client(ft, handler) as client:  # backoff_base 5 s
        assert len(list(client.pages("speech", QUERY))) == 1
    assert ft.sleeps == [5.0, 10.0]


def test_connection_errors_are_retried(ft: FakeTime) -> None:
    calls = iter([True, False])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(calls):
            raise httpx.ConnectError("connection refused", request=request)
        return json_page(1, 1, 1)

    with make_client(ft, handler, min_interval=0, backoff_base=1.0) as client:
        assert len(list(client.pages("speech", QUERY))) == 1
    assert ft.sleeps == [1.0]


def test_persistent_500_gives_up_naming_url_and_status(ft: FakeTime) -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return httpx.Response(500, text="Internal Server Error")

    with make_client(ft, handler, max_retries=2, min_interval=0) as client, pytest.raises(DietApiError) as info:
        list(client.pages("speech", QUERY))
    err = info.value
    assert (count, err.status, err.attempts) == (3, 500, 3)
    assert ft.sleeps == [5.0, 10.0]
    assert err.url.startswith(f"{BASE}/speech?nameOfHouse=%E8%A1%86%E8%AD%B0%E9%99%A2&sessionFrom=217")
    assert str(err) == f"NDL Diet API: giving up; HTTP 500; API says: Internal Server Error; url={err.url}; after 3 attempts"


@pytest.mark.parametrize(
    "body",
    [
        '{"message": "検索条件の入力に誤りがあります。", "details": ["開始位置の指定が不正です。"]}',
        "<data><message>検索条件の入力に誤りがあります。</message><details><detail>開始位置の指定が不正です。</detail></details></data>",
    ],
)
def test_400_quotes_the_api_message_without_retrying(ft: FakeTime, body: str) -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return httpx.Response(400, content=body.encode())

    with make_client(ft, handler) as client, pytest.raises(DietApiError) as info:
        list(client.pages("speech", QUERY))
    assert (count, info.value.status, ft.sleeps) == (1, 400, [])
    assert info.value.api_message == "検索条件の入力に誤りがあります。 (開始位置の指定が不正です。)"
    assert "request rejected; HTTP 400; API says: 検索条件の入力に誤りがあります。 (開始位置の指定が不正です。); url=" in str(info.value)


def test_error_body_with_status_200_is_an_error_too(ft: FakeTime) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"message": "検索条件が指定されていません。"})

    with make_client(ft, handler) as client, pytest.raises(DietApiError) as info:
        list(client.pages("speech", QUERY))
    assert (info.value.status, info.value.api_message) == (200, "検索条件が指定されていません。")


def test_retry_after_beyond_the_limit_fails_at_once(ft: FakeTime) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3600"})

    with make_client(ft, handler) as client, pytest.raises(DietApiError, match=r"retry after 3600s .*HTTP 429"):
        list(client.pages("speech", QUERY))
    assert ft.sleeps == []


# --------------------------------------------------------------------------- harvest

FROM, UNTIL = "2024-07-29", "2024-10-06"  # ten 7-day windows; speeches on 07-30, 08-23, 10-01, 10-04
WINDOWS = [
    ("2024-07-29", "2024-08-04"), ("2024-08-05", "2024-08-11"), ("2024-08-12", "2024-08-18"),
    ("2024-08-19", "2024-08-25"), ("2024-08-26", "2024-09-01"), ("2024-09-02", "2024-09-08"),
    ("2024-09-09", "2024-09-15"), ("2024-09-16", "2024-09-22"), ("2024-09-23", "2024-09-29"),
    ("2024-09-30", "2024-10-06"),
]


def page_names(windows: list[tuple[str, str]], per_window: dict[str, int], cap: int) -> set[str]:
    names = set()
    for lo, hi in windows:
        count = per_window.get(lo, 0)
        for start in range(1, max(count, 1) + 1, cap):
            names.add(f"speech-{lo}-{hi}-{start:06d}.json")
    return names


def speech_ids(folder: Path) -> list[str]:
    items = list(iter_speeches(folder))
    assert [i for i in items if isinstance(i, Skipped)] == []
    return [i.speech_id for i in items if isinstance(i, Speech)]


PER_WINDOW = {"2024-07-29": 367, "2024-08-19": 290, "2024-09-30": 343}


def test_harvest_writes_raw_pages_and_state(ft: FakeTime, tmp_path: Path, real_records: list[dict[str, Any]]) -> None:
    api = FakeApi(real_records)
    with make_client(ft, api) as client:
        report = harvest(client, None, FROM, UNTIL, tmp_path)
    assert report == HarvestReport(windows=10, windows_fetched=10, windows_already_done=0, pages_written=18,
                                   speeches=1000, warnings=())
    assert {p.name for p in tmp_path.iterdir()} == page_names(WINDOWS, PER_WINDOW, 100) | {HARVEST_STATE}
    assert api.windows_asked()[:5] == [("2024-07-29", "2024-08-04", s) for s in ("1", "101", "201", "301")] + [
        ("2024-08-05", "2024-08-11", "1")
    ]
    state = json.loads((tmp_path / HARVEST_STATE).read_text())
    assert state == {"endpoint": "speech", "record_packing": "json", "query": {}, "done": [f"{lo}..{hi}" for lo, hi in WINDOWS]}
    # the raw response is kept byte for byte
    first = tmp_path / "speech-2024-07-29-2024-08-04-000001.json"
    assert json.loads(first.read_bytes())["speechRecord"] == real_records[:100]
    ids = speech_ids(tmp_path)
    assert sorted(ids) == sorted(r["speechID"] for r in real_records)
    assert ft.sleeps == [3.0] * 17  # one request at a time, 3 s apart


def test_harvest_resumes_after_an_interruption_without_duplicates(
    ft: FakeTime, tmp_path: Path, real_records: list[dict[str, Any]]
) -> None:
    broken = FakeApi(real_records, fail_after=8)  # 4 + 1 + 1 pages finish 3 windows; dies on page 3 of window 4
    with make_client(ft, broken) as client, pytest.raises(RuntimeError, match="power cut"):
        harvest(client, None, FROM, UNTIL, tmp_path)
    state = json.loads((tmp_path / HARVEST_STATE).read_text())
    assert state["done"] == [f"{lo}..{hi}" for lo, hi in WINDOWS[:3]]
    leftovers = sorted(p.name for p in tmp_path.glob("speech-2024-08-19-*"))
    assert leftovers == ["speech-2024-08-19-2024-08-25-000001.json", "speech-2024-08-19-2024-08-25-000101.json"]

    # the rerun pages differently (80 a page), so stale pages of the unfinished window would be duplicates
    api = FakeApi(real_records, cap=80)
    with make_client(ft, api) as client:
        report = harvest(client, None, FROM, UNTIL, tmp_path)
    assert (report.windows_already_done, report.windows_fetched, report.speeches) == (3, 7, 290 + 343)
    assert api.windows_asked()[0] == ("2024-08-19", "2024-08-25", "1")
    assert {(lo, hi) for lo, hi, _ in api.windows_asked()} == set(WINDOWS[3:])
    expected = page_names(WINDOWS[:3], PER_WINDOW, 100) | page_names(WINDOWS[3:], PER_WINDOW, 80) | {HARVEST_STATE}
    assert {p.name for p in tmp_path.iterdir()} == expected
    ids = speech_ids(tmp_path)
    assert len(ids) == len(set(ids)) == 1000
    assert set(ids) == {r["speechID"] for r in real_records}

    # a third run has nothing left to do
    idle = FakeApi(real_records)
    with make_client(ft, idle) as client:
        report = harvest(client, None, FROM, UNTIL, tmp_path)
    assert (report.windows_already_done, report.windows_fetched, idle.requests) == (10, 0, [])


def test_harvest_query_conditions_and_state_checks(ft: FakeTime, tmp_path: Path, real_records: list[dict[str, Any]]) -> None:
    api = FakeApi(real_records)
    query = DietQuery(name_of_house="衆議院", from_="2000-01-01")  # its own dates give way to the windows
    with make_client(ft, api) as client:
        harvest(client, query, "2024-07-30", "2024-07-31", tmp_path, window_days=2)
        assert dict(api.requests[0].url.params) == {
            "nameOfHouse": "衆議院", "from": "2024-07-30", "until": "2024-07-31",
            "maximumRecords": "100", "recordPacking": "json", "startRecord": "1",
        }
        asked = len(api.requests)
        with pytest.raises(ValueError, match="belongs to another harvest"):
            harvest(client, DietQuery(name_of_house="参議院"), "2024-07-30", "2024-07-31", tmp_path, window_days=2)
        with pytest.raises(ValueError, match=r"finished window 2024-07-30..2024-07-31 in .* straddles 2024-07-31..2024-08-01"):
            harvest(client, query, "2024-07-31", "2024-08-01", tmp_path, window_days=2)
        with pytest.raises(ValueError, match="date_from 2024-08-01 is after date_until"):
            harvest(client, query, "2024-08-01", "2024-07-01", tmp_path)
        assert len(api.requests) == asked  # refused before any request
    (tmp_path / HARVEST_STATE).write_text("{broken")
    with make_client(ft, api) as client, pytest.raises(ValueError, match="unreadable harvest state"):
        harvest(client, query, "2024-07-30", "2024-07-30", tmp_path, window_days=1)


def test_extending_the_range_refetches_a_short_last_window(
    ft: FakeTime, tmp_path: Path, real_records: list[dict[str, Any]]
) -> None:
    with make_client(ft, FakeApi(real_records)) as client:
        first = harvest(client, None, FROM, "2024-08-01", tmp_path)
    assert (first.windows, first.speeches) == (1, 367)
    assert (tmp_path / "speech-2024-07-29-2024-08-01-000001.json").exists()
    with make_client(ft, FakeApi(real_records)) as client:
        report = harvest(client, None, FROM, UNTIL, tmp_path)
    assert (report.windows_fetched, report.windows_already_done, report.speeches) == (10, 0, 1000)
    assert {p.name for p in tmp_path.iterdir()} == page_names(WINDOWS, PER_WINDOW, 100) | {HARVEST_STATE}
    ids = speech_ids(tmp_path)
    assert len(ids) == len(set(ids)) == 1000
