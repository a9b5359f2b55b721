"""When digests are due (pure). A daily digest covers one UTC day, a weekly one an ISO week
(`paperfeed.periods`).

A period's digest is due once it has ended and the subscriber's sending hour (UTC) has come:
the digest of Tuesday goes out on Wednesday at that hour, the one of week 47 on the Monday of
week 48.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from paperfeed.errors import Invalid
from paperfeed.periods import Period, period_of

# How often a subscriber gets a digest, and the kind of period each digest covers.
PERIODS = ("daily", "weekly")
_COVERS = {"daily": "day", "weekly": "week"}


def check_period(kind: str) -> str:
    if kind not in PERIODS:
        raise Invalid(f"period must be daily or weekly, got {kind[:20]!r}")
    return kind


def digest_kind(period: Period) -> str:
    """`daily` or `weekly`: the digests that cover `period` (Invalid for a month)."""
    for kind, covers in _COVERS.items():
        if period.kind == covers:
            return kind
    raise Invalid(f"digests cover a day or a week, not a {period.kind} ({period.key})")


def period_containing(kind: str, day: date) -> Period:
    return period_of(_COVERS[check_period(kind)], day)


def last_completed(kind: str, now: datetime) -> Period:
    """The latest period of `kind` that ended at or before `now`."""
    return period_containing(kind, now.date() - timedelta(days=1 if kind == "daily" else 7))


def due_at(period: Period, send_hour: int) -> datetime:
    return period.end_at + timedelta(hours=send_hour)
