"""Clocks: every service takes one, so tests control time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def to_ms(moment: dt.datetime) -> dt.datetime:
    """Truncate to the millisecond, the precision the database keeps."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def utc_now() -> dt.datetime:
    return to_ms(dt.datetime.now(dt.UTC))


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = to_ms(start or dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now = to_ms(self.now + dt.timedelta(**delta))
        return self.now
