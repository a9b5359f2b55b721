"""A clock the test moves by hand, for `Store.open(url, clock=…)`."""

from __future__ import annotations

from datetime import datetime


class HandClock:
    """Stands at `now` until the test sets `now` to another time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
