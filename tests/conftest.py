"""Shared fixtures: where the real-data bundle is, and the sample laws parsed once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govrag.config import default_shared_data
from tests.fake_time import FakeTime


def _shared_data() -> Path | None:
    env = os.environ.get("GOVRAG_SHARED_DATA")
    if env:
        return Path(env)
    return default_shared_data()


@pytest.fixture
def ft() -> FakeTime:
    """A clock API clients pace and back off through, where nothing really waits."""
    return FakeTime()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data` beside the checkout (or GOVRAG_SHARED_DATA). Tests read it in place."""
    path = _shared_data()
    if path is None or not path.is_dir():
        pytest.fail("the real-data bundle (../shared/data) is missing; set GOVRAG_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def egov_sample(shared_data: Path) -> Path:
    return shared_data / "egov" / "sample"


@pytest.fixture(scope="session")
def egov_archive(shared_data: Path) -> Path:
    return shared_data / "egov" / "laws-20201118.tar.xz"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, egov_sample: Path, shared_data: Path) -> Path:
    """The five sample laws ingested and BM25-indexed (no vectors: seconds), built once per session.

    Tests that damage data work on copies (`shutil.copytree`), never on this one.
    """
    return _built(tmp_path_factory, "sample-index",
                  f'[[laws]]\npath = "{egov_sample}"\nversion = "2020-11-18"\nlaw_ids = "{shared_data / "egov"}"\n'
                  f'catalog = ["{shared_data / "egov" / "laws-20201118.tar.xz"}"]\n')


#: Real pages of the speech archive: 衆議院安全保障委員会 2024-07-30 (pages 1–2) and 参議院予算委員会 2025-03-05
#: with 石破総理 (pages 125–129), 700 speeches.
DIET_PAGES = ("page-00001.json", "page-00002.json", *(f"page-{n:05d}.json" for n in range(125, 130)))


@pytest.fixture(scope="session")
def diet_pages(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A folder of seven real API response pages, as `govrag ingest ndl-api` would save them."""
    import tarfile

    folder = tmp_path_factory.mktemp("diet-pages")
    with tarfile.open(shared_data / "kokkai" / "speeches.tar.xz", "r:xz") as tar:
        for name in DIET_PAGES:
            member = tar.extractfile(f"speeches/{name}")
            assert member is not None
            (folder / name).write_bytes(member.read())
    return folder


@pytest.fixture(scope="session")
def mixed_index(tmp_path_factory: pytest.TempPathFactory, egov_sample: Path, shared_data: Path,
                diet_pages: Path) -> Path:
    """The five sample laws and the seven speech pages in one store, BM25-indexed: laws and minutes together."""
    return _built(tmp_path_factory, "mixed-index",
                  f'[[laws]]\npath = "{egov_sample}"\nversion = "2020-11-18"\nlaw_ids = "{shared_data / "egov"}"\n\n'
                  f'[[diet]]\npath = "{diet_pages}"\n')


def _built(tmp_path_factory: pytest.TempPathFactory, name: str, job: str) -> Path:
    """A data folder made by the CLI from a job: ingest, then BM25 (no vectors: seconds)."""
    from typer.testing import CliRunner

    from govrag.cli import app

    data = tmp_path_factory.mktemp(name)
    (data / "job.toml").write_text(job, encoding="utf-8")
    runner = CliRunner()
    for args in (["ingest", "run", str(data / "job.toml"), "--workers", "1"],
                 ["index", "build", "--no-descriptors", "--workers", "1"]):
        result = runner.invoke(app, [*args, "--data-dir", str(data)])
        assert result.exit_code == 0, result.output
    return data


#: Real gazette issues taken from issues.json for the ingest tests: two promulgate laws the sample holds
#: (民法等の一部を改正する法律, 個人情報の保護に関する法律等の一部を改正する法律); 20260819t00043 has no entries.
GAZETTE_ISSUES = ("20260624g00138", "20260717g00160", "20260819t00043")


@pytest.fixture(scope="session")
def gazette_inputs(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A folder as a user might point `ingest gazette` at: real tables of contents and a real PDF beside
    a truncated PDF, a PDF of another layout (one page of text, one blank) and HTML of another site."""
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib_fontja  # noqa: F401 - a Japanese font for the other-layout page
    from matplotlib.backends.backend_pdf import PdfPages

    folder = tmp_path_factory.mktemp("gazette-inputs")
    kanpo = shared_data / "kanpo"
    index = json.loads((kanpo / "issues.json").read_text(encoding="utf-8"))
    kept = [i for i in index["issues"] if i["issue_id"] in GAZETTE_ISSUES]
    (folder / "issues.json").write_text(json.dumps(dict(index, issues=kept), ensure_ascii=False), encoding="utf-8")
    pdf = kanpo / "pdf" / "2025-07-14" / "20250714c00129full00010040.pdf"
    (folder / pdf.name).write_bytes(pdf.read_bytes())
    (folder / "官報_2025-07-14.md").write_bytes((kanpo / "pdf" / "2025-07-14" / "官報_2025-07-14.md").read_bytes())
    (folder / "20250711c00128full00010080.pdf").write_bytes(
        (kanpo / "pdf" / "2025-07-11" / "20250711c00128full00010080.pdf").read_bytes()[:30_000])
    matplotlib.rcParams["pdf.fonttype"] = 42
    with PdfPages(folder / "20250801h01519full00010002.pdf") as pages:
        fig = plt.figure(figsize=(8.27, 11.69))
        fig.text(0.1, 0.9, "人事異動", fontsize=14)
        fig.text(0.1, 0.85, "財務省 財務事務官 山田 太郎 大臣官房会計課長に任命する", fontsize=10)
        pages.savefig(fig)
        plt.close(fig)
        fig = plt.figure(figsize=(8.27, 11.69))
        pages.savefig(fig)
        plt.close(fig)
    (folder / "other-site.html").write_text("<html><body><p>別のサイト</p></body></html>", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def gazette_index(tmp_path_factory: pytest.TempPathFactory, egov_sample: Path, shared_data: Path,
                  gazette_inputs: Path) -> Path:
    """The five sample laws, then the gazette inputs, in one BM25-indexed store."""
    return _built(tmp_path_factory, "gazette-index",
                  f'[[laws]]\npath = "{egov_sample}"\nversion = "2020-11-18"\nlaw_ids = "{shared_data / "egov"}"\n\n'
                  f'[[gazette]]\npaths = ["{gazette_inputs}"]\n')


@pytest.fixture(scope="session")
def all_sources_index(tmp_path_factory: pytest.TempPathFactory, egov_sample: Path, shared_data: Path,
                      diet_pages: Path, gazette_inputs: Path) -> Path:
    """The five sample laws, the seven speech pages and the gazette inputs in one BM25-indexed store:
    what a research over all three sources (and the browser tests) run on."""
    return _built(tmp_path_factory, "all-sources-index",
                  f'[[laws]]\npath = "{egov_sample}"\nversion = "2020-11-18"\nlaw_ids = "{shared_data / "egov"}"\n'
                  f'catalog = ["{shared_data / "egov" / "laws-20201118.tar.xz"}"]\n\n'
                  f'[[diet]]\npath = "{diet_pages}"\n\n'
                  f'[[gazette]]\npaths = ["{gazette_inputs}"]\n')
