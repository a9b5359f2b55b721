"""When digests are due (pure): the period each one covers, the last period completed at a
moment (around midnight and week boundaries, in UTC), and the refusal of other periods."""

import re
from datetime import date, datetime, timedelta

import pytest

from paperfeed.digest.schedule import (
    PERIODS,
    check_period,
    digest_kind,
    due_at,
    last_completed,
    period_containing,
)
from paperfeed.errors import Invalid
from paperfeed.periods import day_period, month_period, parse_key, week_period


def test_periods_are_daily_and_weekly() -> None:
    assert PERIODS == ("daily", "weekly")
    assert [check_period(p) for p in PERIODS] == ["daily", "weekly"]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("monthly", "period must be daily or weekly, got 'monthly'"),
        ("Daily", "period must be daily or weekly, got 'Daily'"),
        ("day", "period must be daily or weekly, got 'day'"),
        ("", "period must be daily or weekly, got ''"),
        ("x" * 100, f"period must be daily or weekly, got '{'x' * 20}'"),
    ],
)
def test_check_period_refuses_anything_else(kind: str, message: str) -> None:
    with pytest.raises(Invalid) as raised:
        check_period(kind)
    assert str(raised.value) == message


def test_period_containing() -> None:
    wednesday = date(2026, 11, 25)
    assert period_containing("daily", wednesday) == day_period(wednesday)
    assert period_containing("weekly", wednesday) == parse_key("2026-W48")
    with pytest.raises(Invalid, match="period must be daily or weekly, got 'monthly'"):
        period_containing("monthly", wednesday)


def test_digest_kind() -> None:
    assert digest_kind(day_period(date(2026, 11, 25))) == "daily"
    assert digest_kind(week_period(date(2026, 11, 25))) == "weekly"
    with pytest.raises(
        Invalid, match=re.escape("digests cover a day or a week, not a month (2026-11)")
    ):
        digest_kind(month_period(date(2026, 11, 25)))


@pytest.mark.parametrize(
    ("now", "key"),
    [
        (datetime(2026, 11, 25, 23, 59, 59), "2026-11-24"),  # Wednesday is not over yet
        (datetime(2026, 11, 26, 0, 0), "2026-11-25"),  # over at midnight exactly
        (datetime(2026, 11, 26, 0, 0, 1), "2026-11-25"),
        (datetime(2027, 1, 1, 0, 0), "2026-12-31"),
        (datetime(2024, 3, 1, 6, 0), "2024-02-29"),
    ],
)
def test_last_completed_day(now: datetime, key: str) -> None:
    day = last_completed("daily", now)
    assert day.key == key
    assert day.end_at <= now < day.end_at + timedelta(days=1)


@pytest.mark.parametrize(
    ("now", "key"),
    [
        (datetime(2026, 11, 22, 23, 59, 59), "2026-W46"),  # Sunday night: week 47 still runs
        (datetime(2026, 11, 23, 0, 0), "2026-W47"),  # Monday, midnight: week 47 is over
        (datetime(2026, 11, 29, 23, 59, 59), "2026-W47"),
        (datetime(2026, 11, 30, 0, 0), "2026-W48"),
        (datetime(2027, 1, 4, 0, 0), "2026-W53"),  # week 53 of 2026 ends in 2027
        (datetime(2026, 1, 5, 12, 0), "2026-W01"),  # week 1 of 2026 began in 2025
    ],
)
def test_last_completed_week(now: datetime, key: str) -> None:
    week = last_completed("weekly", now)
    assert week.key == key
    assert week.end_at <= now < week.end_at + timedelta(days=7)


def test_last_completed_refuses_a_month() -> None:
    with pytest.raises(Invalid, match="period must be daily or weekly, got 'monthly'"):
        last_completed("monthly", datetime(2026, 11, 26))


@pytest.mark.parametrize(
    ("key", "hour", "due"),
    [
        ("2026-11-24", 0, datetime(2026, 11, 25, 0)),  # Tuesday's digest: Wednesday, midnight
        ("2026-11-24", 6, datetime(2026, 11, 25, 6)),
        ("2026-11-24", 23, datetime(2026, 11, 25, 23)),
        ("2026-12-31", 7, datetime(2027, 1, 1, 7)),
        ("2026-W47", 6, datetime(2026, 11, 23, 6)),  # week 47's: Monday of week 48
        ("2026-W53", 9, datetime(2027, 1, 4, 9)),
    ],
)
def test_due_at_the_sending_hour_after_the_period(key: str, hour: int, due: datetime) -> None:
    assert due_at(parse_key(key), hour) == due


def test_a_period_is_due_once_it_is_the_last_completed_one() -> None:
    # At its due time a digest's period is the last completed: the sender finds it then.
    for kind, key in (("daily", "2026-11-24"), ("weekly", "2026-W47")):
        due = due_at(parse_key(key), 6)
        assert last_completed(kind, due).key == key
