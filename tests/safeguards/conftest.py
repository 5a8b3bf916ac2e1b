"""Clocks the safeguards' tests move by hand: nothing here sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


class Clock:
    """A UTC wall clock for the audit log that moves only when a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 7, 1, 0, 0, tzinfo=UTC))
