"""KanpoClient and fetch_days through httpx.MockTransport serving the real saved kanpo.go.jp pages.

The fake site answers the top page with the real top_page.html (issues of
2025-12-04 to 2026-03-03), the two real issue pages for their issues, a small
page naming the issue for the others, and a tiny PDF body; nothing waits
(FakeTime) and nothing touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from govrag.sources import files as files_module
from govrag.sources.gazette.client import (
    STATE_FILE,
    FetchReport,
    KanpoClient,
    KanpoError,
    fetch_days,
)
from tests.fake_time import FakeTime

SITE = "https://www.kanpo.go.jp"
PDF = b"%PDF-1.4\n% tiny fake issue\n%%EOF\n"
#: The top page's issues of 2026-02-27 and 2026-03-02 (2026-02-28 and 03-01 are a weekend), with their PDF ranges.
WEEK_ISSUES = {
    "20260227h01655": "00010032", "20260227g00040": "00010152", "20260227g00041": "00010128",
    "20260227c00037": "00010048", "20260302h01656": "00010032", "20260302g00042": "00010096",
    "20260302c00038": "00010064",
}

Reply = Callable[[httpx.Request], httpx.Response]


class FakeSite:
    """kanpo.go.jp over the saved pages; `replies[path]` are one-off answers used before the normal one."""

    def __init__(self, kanpo: Path) -> None:
        self.pages = {
            "/index.html": (kanpo / "html" / "top_page.html").read_bytes(),
            "/20260303/20260303h01657/20260303h016570000f.html": (kanpo / "html" / "issue_page_honshi.html").read_bytes(),
            "/20260303/20260303g00043/20260303g000430000f.html": (kanpo / "html" / "issue_page_gougai.html").read_bytes(),
        }
        self.replies: dict[str, list[Reply]] = {}
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(path)
        if self.replies.get(path):
            return self.replies[path].pop(0)(request)
        if path in self.pages:
            return httpx.Response(200, content=self.pages[path])
        name = path.rsplit("/", 1)[-1]
        if path.endswith("0000f.html"):
            issue_id = name[:14]
            return httpx.Response(200, content=f'<html><a href="./{issue_id}0000f.html">目次</a></html>'.encode())
        if "/pdf/" in path and name.endswith(".pdf"):
            return httpx.Response(200, content=PDF, headers={"content-type": "application/pdf"})
        return httpx.Response(404, content=b"<html><head><title>404 Not Found</title></head></html>")


@pytest.fixture
def site(shared_data: Path) -> FakeSite:
    return FakeSite(shared_data / "kanpo")


def make_client(ft: FakeTime, site: FakeSite, **kw: float) -> KanpoClient:
    return KanpoClient(transport=httpx.MockTransport(site), sleep=ft.sleep, clock=ft.clock, **kw)


def _toc(issue_id: str) -> str:
    return f"{issue_id[:8]}/{issue_id}/{issue_id}0000f.html"


def _pdf(issue_id: str) -> str:
    return f"{issue_id[:8]}/{issue_id}/{issue_id}full{WEEK_ISSUES[issue_id]}.pdf"


def _files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------- fetching and resuming


def test_fetch_saves_raw_pages_and_pdfs(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    with make_client(ft, site) as client:
        report = fetch_days(client, tmp_path, "2026-02-27", "2026-03-02", pdfs=True)
    assert report == FetchReport(days=4, days_fetched=4, days_already_done=0, issues=7, files_written=14,
                                 top_page="top/index-20260303.html")
    expected = {_toc(i) for i in WEEK_ISSUES} | {_pdf(i) for i in WEEK_ISSUES} | {"top/index-20260303.html",
                                                                                 STATE_FILE}
    assert _files(tmp_path) == expected
    assert (tmp_path / "top/index-20260303.html").read_bytes() == site.pages["/index.html"]
    assert (tmp_path / _pdf("20260302g00042")).read_bytes() == PDF
    assert site.requests[0] == "/index.html"
    assert "/20260302/20260302g00042/pdf/20260302g00042full00010096.pdf" in site.requests
    assert "/20260227/20260227c00037/20260227c000370000f.html" in site.requests
    assert len(site.requests) == 15
    assert ft.sleeps == [2.0] * 14  # one request at a time, 2 s apart


def test_second_run_makes_no_request(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    with make_client(ft, site) as client:
        fetch_days(client, tmp_path, "2026-02-27", "2026-03-02", pdfs=True)
        before = len(site.requests)
        again = fetch_days(client, tmp_path, "2026-02-27", "2026-03-02", pdfs=True)
        toc_only = fetch_days(client, tmp_path, "2026-02-28", "2026-03-02")
    assert before == 15
    assert site.requests[before:] == []
    assert again == FetchReport(days=4, days_fetched=0, days_already_done=4, issues=7, files_written=0)
    assert toc_only.days_already_done == 3
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert state["days"]["20260228"] == {}  # a weekend: known empty
    assert state["days"]["20260302"]["20260302g00042"] == [[1, 96]]
    assert "20260303" not in state["days"]  # the newest day may still get a 号外


def test_pdfs_asked_later_fetch_only_the_pdfs(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    with make_client(ft, site) as client:
        first = fetch_days(client, tmp_path, "2026-03-02", "2026-03-02")
        start = len(site.requests)
        second = fetch_days(client, tmp_path, "2026-03-02", "2026-03-02", pdfs=True)
    assert first.files_written == 3
    assert second.files_written == 3
    assert site.requests[start:] == ["/index.html", "/20260302/20260302h01656/pdf/20260302h01656full00010032.pdf",
                                     "/20260302/20260302g00042/pdf/20260302g00042full00010096.pdf",
                                     "/20260302/20260302c00038/pdf/20260302c00038full00010064.pdf"]


def test_newest_day_uses_the_real_issue_pages(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    with make_client(ft, site) as client:
        report = fetch_days(client, tmp_path, "2026-03-03", "2026-03-03")
    assert report.files_written == 3
    honshi = tmp_path / _toc("20260303h01657")
    assert honshi.read_bytes() == site.pages["/20260303/20260303h01657/20260303h016570000f.html"]


def test_a_big_issue_comes_in_pdf_parts(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    with make_client(ft, site) as client:
        report = fetch_days(client, tmp_path, "2025-12-23", "2025-12-23", pdfs=True)
    parts = sorted(p.name for p in (tmp_path / "20251223" / "20251223g00281").glob("*.pdf"))
    assert parts == [f"20251223g00281full{a:04d}{b:04d}.pdf" for a, b in
                     ((1, 320), (321, 640), (641, 960), (961, 1280), (1281, 1600), (1601, 1696))]
    assert report.missing == ()


def test_days_before_the_free_90_days_are_reported(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    with make_client(ft, site) as client:
        report = fetch_days(client, tmp_path, "2025-12-02", "2025-12-04")
    assert report.warnings == (
        "20251202: older than the site's free 90 days (oldest listed day 20251204), not fetched",
        "20251203: older than the site's free 90 days (oldest listed day 20251204), not fetched",
    )
    assert report.days_fetched == 1
    assert report.files_written == 3  # 2025-12-04: 本紙, 号外, 政府調達


# --------------------------------------------------------------------------- failures


def test_429_with_retry_after_then_success(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    site.replies["/index.html"] = [lambda r: httpx.Response(429, headers={"Retry-After": "37"})]
    site.replies["/20260302/20260302c00038/20260302c000380000f.html"] = [lambda r: httpx.Response(503)]
    with make_client(ft, site) as client:
        report = fetch_days(client, tmp_path, "2026-03-02", "2026-03-02")
    assert site.requests[:2] == ["/index.html", "/index.html"]
    assert ft.sleeps[0] == 37.0  # as the server asked
    assert 5.0 in ft.sleeps  # the 503: backoff_base
    assert report.files_written == 3
    assert (tmp_path / _toc("20260302c00038")).is_file()


def test_retry_after_too_long_fails_clearly(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    site.replies["/index.html"] = [lambda r: httpx.Response(503, headers={"Retry-After": "3600"})]
    with make_client(ft, site) as client, pytest.raises(KanpoError) as caught:
        fetch_days(client, tmp_path, "2026-03-02", "2026-03-02")
    assert caught.value.status == 503
    assert str(caught.value).startswith("kanpo.go.jp: server asks to retry after 3600s")
    assert "url=https://www.kanpo.go.jp/index.html" in str(caught.value)


def test_404_for_a_listed_issue_is_reported_and_skipped(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    gone = "/20260302/20260302g00042/20260302g000420000f.html"
    site.replies[gone] = [lambda r: httpx.Response(404, content=b"<html><title>404 Not Found</title></html>")]
    with make_client(ft, site) as client:
        report = fetch_days(client, tmp_path, "2026-03-02", "2026-03-02")
        assert report.missing == (f"20260302g00042: {SITE}{gone} (HTTP 404)",)
        assert report.files_written == 2
        assert not (tmp_path / _toc("20260302g00042")).exists()
        start = len(site.requests)
        retry = fetch_days(client, tmp_path, "2026-03-02", "2026-03-02")  # the day is unfinished: tried again
    assert site.requests[start:] == ["/index.html", gone]
    assert retry.files_written == 1
    assert retry.missing == ()


def test_other_4xx_is_fatal_with_the_pages_words(ft: FakeTime, site: FakeSite) -> None:
    site.replies["/index.html"] = [
        lambda r: httpx.Response(403, content=b"<html><head><title>Forbidden</title></head></html>")]
    with make_client(ft, site) as client, pytest.raises(KanpoError) as caught:
        client.top_page()
    assert str(caught.value) == ("kanpo.go.jp: request rejected; HTTP 403; API says: Forbidden; "
                                 "url=https://www.kanpo.go.jp/index.html")
    assert site.requests == ["/index.html"]  # not retried


def test_a_200_that_is_not_a_pdf_is_not_saved(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    pdf = "/20260302/20260302h01656/pdf/20260302h01656full00010032.pdf"
    site.replies[pdf] = [lambda r: httpx.Response(200, content=b"<html>maintenance</html>")]
    with make_client(ft, site) as client:
        report = fetch_days(client, tmp_path, "2026-03-02", "2026-03-02", pdfs=True)
    assert report.warnings == (
        ("20260302/20260302h01656/20260302h01656full00010032.pdf: not a PDF (starts with b'<html>maintenanc'), "
         "not saved"),)
    assert not (tmp_path / "20260302/20260302h01656/20260302h01656full00010032.pdf").exists()
    assert report.files_written == 5


def test_crash_mid_download_leaves_no_partial_file(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    def dying(request: httpx.Request) -> httpx.Response:
        def body() -> Iterator[bytes]:
            yield PDF[:9]
            raise KeyboardInterrupt  # the run is killed halfway through the body

        return httpx.Response(200, content=body())

    pdf = "/20260302/20260302g00042/pdf/20260302g00042full00010096.pdf"
    site.replies[pdf] = [dying]
    with make_client(ft, site) as client, pytest.raises(KeyboardInterrupt):
        fetch_days(client, tmp_path, "2026-03-02", "2026-03-02", pdfs=True)
    folder = tmp_path / "20260302" / "20260302g00042"
    assert sorted(p.name for p in folder.iterdir()) == ["20260302g000420000f.html"]
    with make_client(ft, site) as client:
        report = fetch_days(client, tmp_path, "2026-03-02", "2026-03-02", pdfs=True)
    assert (folder / "20260302g00042full00010096.pdf").read_bytes() == PDF
    assert report.files_written == 3  # that PDF, then 政府調達's page and PDF; nothing written twice


def test_crash_while_writing_leaves_no_file(tmp_path: Path, ft: FakeTime, site: FakeSite,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = files_module.os.replace

    def replace(src: str, dst: str | Path) -> None:
        if str(dst).endswith(".pdf"):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(files_module.os, "replace", replace)
    with make_client(ft, site) as client, pytest.raises(OSError, match="disk full"):
        fetch_days(client, tmp_path, "2026-03-02", "2026-03-02", pdfs=True)
    folder = tmp_path / "20260302" / "20260302h01656"
    assert sorted(p.name for p in folder.iterdir()) == ["20260302h016560000f.html"]


def test_a_killed_runs_temporary_file_never_counts(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    folder = tmp_path / "20260302" / "20260302h01656"
    folder.mkdir(parents=True)
    (folder / ".20260302h01656full00010032.pdf.x1y2.tmp").write_bytes(PDF[:5])  # SIGKILL: no cleanup ran
    with make_client(ft, site) as client:
        report = fetch_days(client, tmp_path, "2026-03-02", "2026-03-02", pdfs=True)
    assert sorted(p.name for p in folder.iterdir()) == ["20260302h016560000f.html", "20260302h01656full00010032.pdf"]
    assert report.files_written == 6


def test_bad_arguments_and_state(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    with make_client(ft, site) as client:
        with pytest.raises(ValueError, match="date_from 2026-03-02 is after date_until 2026-03-01"):
            fetch_days(client, tmp_path, "2026-03-02", "2026-03-01")
        with pytest.raises(ValueError, match="date_until must be a date"):
            fetch_days(client, tmp_path, "2026-03-02", "3/2")
        (tmp_path / STATE_FILE).write_text("{not json")
        with pytest.raises(ValueError, match="unreadable fetch state"):
            fetch_days(client, tmp_path, "2026-03-02", "2026-03-02")
    assert site.requests == []


def test_top_page_of_another_layout(tmp_path: Path, ft: FakeTime, site: FakeSite) -> None:
    site.replies["/index.html"] = [lambda r: httpx.Response(200, content=b"<html><body>maintenance</body></html>")]
    with make_client(ft, site) as client, pytest.raises(KanpoError, match="the top page lists no issues"):
        fetch_days(client, tmp_path, "2026-03-02", "2026-03-02")
    assert not (tmp_path / "top").exists()
