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
