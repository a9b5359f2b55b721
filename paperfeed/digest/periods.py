"""Digest periods (pure): a daily digest covers one UTC day, a weekly one an ISO week.

A period's digest is due once it has ended and the subscriber's sending hour (UTC) has come:
the digest of Tuesday goes out on Wednesday at that hour, the one of week 47 on the Monday of
week 48.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from paperfeed.errors import Invalid

PERIODS = ("daily", "weekly")
_WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """`start` inclusive, `end` exclusive, both naive UTC midnights."""

    kind: str
    key: str
    start: datetime
    end: datetime

    def due_at(self, send_hour: int) -> datetime:
        return self.end + timedelta(hours=send_hour)

    @property
    def label(self) -> str:
        if self.kind == "daily":
            return f"{self.start:%A} {self.start.day} {self.start:%B %Y}"
        last = self.end - timedelta(days=1)
        return f"week {self.key[-2:]}, {self.start.day} {self.start:%b} to {last.day} {last:%b %Y}"


def check_period(kind: str) -> str:
    if kind not in PERIODS:
        raise Invalid(f"period must be daily or weekly, got {kind!r}")
    return kind


def period_containing(kind: str, day: date) -> Period:
    check_period(kind)
    if kind == "daily":
        start = datetime(day.year, day.month, day.day)
        return Period(kind, day.isoformat(), start, start + timedelta(days=1))
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    start = datetime(monday.year, monday.month, monday.day)
    return Period(kind, f"{year}-W{week:02d}", start, start + timedelta(days=7))


def last_completed(kind: str, now: datetime) -> Period:
    """The latest period of `kind` that ended at or before `now`."""
    today = now.date()
    return period_containing(kind, today - timedelta(days=1 if kind == "daily" else 7))


def parse_key(key: str) -> Period:
    """`2026-11-25` (daily) or `2026-W47` (weekly)."""
    m = _WEEK_KEY.match(key)
    if m:
        try:
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise Invalid(f"no such ISO week: {key!r}") from None
        return period_containing("weekly", monday)
    try:
        return period_containing("daily", date.fromisoformat(key))
    except ValueError:
        raise Invalid(
            f"a period is a day like 2026-11-25 or a week like 2026-W47, got {key!r}"
        ) from None
