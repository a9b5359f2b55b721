"""The one clock (pure): naive UTC to the second, like every datetime the store keeps, whatever
the machine's time zone."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from paperfeed.clock import utcnow


@pytest.fixture
def far_east(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone set to UTC+14 for the test."""
    monkeypatch.setenv("TZ", "LINT-14")  # POSIX: 14 hours ahead of UTC, no tzdata needed
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_utcnow_is_naive_utc_without_microseconds() -> None:
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    now = utcnow()
    after = datetime.now(UTC).replace(tzinfo=None)
    assert now.tzinfo is None
    assert now.microsecond == 0
    assert before <= now <= after


def test_utcnow_ignores_the_local_time_zone(far_east: None) -> None:
    local = datetime.now()
    now = utcnow()
    assert abs(local - now - timedelta(hours=14)) < timedelta(seconds=2)
    assert abs(datetime.now(UTC).replace(tzinfo=None) - now) < timedelta(seconds=2)
