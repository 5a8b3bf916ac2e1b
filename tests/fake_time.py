"""A clock tests control: API clients pace and back off through it, and nothing really waits."""

from __future__ import annotations

class FakeTime:
    """A monotonic clock that moves only when someone sleeps (or a test moves it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
