"""Shared fixtures: where the real-data bundle is, and the sample laws parsed once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govrag.config import default_shared_data


def _shared_data() -> Path | None:
    env = os.environ.get("GOVRAG_SHARED_DATA")
    if env:
        return Path(env)
    return default_shared_data()


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
