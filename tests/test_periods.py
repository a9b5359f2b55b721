"""Periods (pure): keys, labels and ranges of days, ISO weeks and months, stepping across year
ends and week 53, parsing keys and URL kinds back with clear errors; and the digest periods
built on them."""

import re
from datetime import date, datetime

import pytest

from paperfeed.digest.schedule import due_at, last_completed, period_containing
from paperfeed.errors import Invalid
from paperfeed.periods import (
    KINDS,
    Period,
    day_period,
    month_period,
    parse_day,
    parse_key,
    parse_period,
    period_of,
    week_period,
)

PERIOD = period_containing("daily", date(2026, 11, 25))


def test_periods() -> None:
    assert last_completed("daily", datetime(2026, 11, 26, 0, 5)).key == "2026-11-25"
    week = last_completed("weekly", datetime(2026, 11, 26, 7))
    assert (week.key, week.start_at, week.end_at) == (
        "2026-W47",
        datetime(2026, 11, 16),
        datetime(2026, 11, 23),
    )
    assert parse_key("2026-W47") == week
    assert due_at(PERIOD, 6) == datetime(2026, 11, 26, 6)
    for bad in ("yesterday", "2026-W60", "2026-13-01"):
        with pytest.raises(Invalid):
            parse_key(bad)


@pytest.mark.parametrize(
    ("period", "key", "label"),
    [
        (day_period(date(2026, 11, 25)), "2026-11-25", "Wednesday, November 25, 2026"),
        (week_period(date(2026, 11, 25)), "2026-W48", "Week 48 of 2026 (Nov 23 to Nov 29)"),
        (month_period(date(2026, 11, 25)), "2026-11", "November 2026"),
        # ISO weeks: week 53 of 2026 ends in 2027, and week 1 of 2026 starts in 2025.
        (week_period(date(2027, 1, 3)), "2026-W53", "Week 53 of 2026 (Dec 28 to Jan 3)"),
        (week_period(date(2025, 12, 29)), "2026-W01", "Week 01 of 2026 (Dec 29 to Jan 4)"),
    ],
)
def test_keys_and_labels(period: Period, key: str, label: str) -> None:
    assert period.key == key
    assert period.label == label
    assert parse_key(key) == period


def test_ranges_are_half_open() -> None:
    week = week_period(date(2026, 11, 29))  # a Sunday: its week began on Monday the 23rd
    assert (week.start, week.end, week.last) == (
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 11, 29),
    )
    assert (week.start_at, week.end_at) == (datetime(2026, 11, 23), datetime(2026, 11, 30))
    leap = month_period(date(2024, 2, 29))
    assert (leap.start, leap.end, leap.last) == (
        date(2024, 2, 1),
        date(2024, 3, 1),
        date(2024, 2, 29),
    )
    day = day_period(date(2026, 12, 31))
    assert (day.end, day.last, day.end_at) == (
        date(2027, 1, 1),
        date(2026, 12, 31),
        datetime(2027, 1, 1),
    )


@pytest.mark.parametrize(("kind", "url_kind"), zip(KINDS, ("date", "week", "month"), strict=True))
def test_url_kinds(kind: str, url_kind: str) -> None:
    period = period_of(kind, date(2026, 11, 25))
    assert (period.kind, period.url_kind) == (kind, url_kind)
    assert period_of(url_kind, date(2026, 11, 25)) == period
    with pytest.raises(Invalid, match="unknown period 'year': use date, week or month"):
        period_of("year", date(2026, 11, 25))


@pytest.mark.parametrize(
    ("key", "steps", "shifted"),
    [
        ("2026-12-31", 1, "2027-01-01"),
        ("2024-03-01", -1, "2024-02-29"),
        ("2026-W52", 1, "2026-W53"),
        ("2026-W53", 1, "2027-W01"),
        ("2025-W52", 1, "2026-W01"),  # 2025 has no week 53
        ("2026-W48", -48, "2025-W52"),
        ("2026-12", 1, "2027-01"),
        ("2026-11", -23, "2024-12"),
        ("2026-11", 14, "2028-01"),
    ],
)
def test_shift_across_year_ends_and_week_53(key: str, steps: int, shifted: str) -> None:
    assert parse_key(key).shift(steps).key == shifted
    assert parse_key(shifted).shift(-steps).key == key


def test_next_and_previous_are_one_step() -> None:
    week = parse_key("2026-W53")
    assert week.next() == week.shift(1) == parse_key("2027-W01")
    assert week.previous() == week.shift(-1) == parse_key("2026-W52")
    assert week.shift(0) == week


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "no such date: '2026-02-30'"),
        ("2025-W53", "no such period: '2025-W53'"),  # 2025 has 52 ISO weeks
        ("2026-W00", "no such period: '2026-W00'"),
        ("9999-12-31", "no such period: '9999-12-31'"),  # it would end after date.max
        ("2026-13", "not a period: '2026-13' (a day like 2026-11-25, a week like 2026-W48 "),
        ("2026-w48", "not a period: '2026-w48'"),
        ("26-11-25", "not a period: '26-11-25'"),
        ("2026-11-25 ", "not a period: '2026-11-25 '"),
        ("", "not a period: ''"),
        ("x" * 100, f"not a period: '{'x' * 40}' ("),
    ],
)
def test_parse_key_errors(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=re.escape(message)):
        parse_key(text)


def test_parse_day() -> None:
    assert parse_day("2024-02-29") == date(2024, 2, 29)
    with pytest.raises(Invalid, match=re.escape("not a date: '29/02/2024' (expected YYYY-MM-DD")):
        parse_day("29/02/2024")
    with pytest.raises(Invalid, match="no such date: '2023-02-29'"):
        parse_day("2023-02-29")


def test_parse_period_takes_date_for_a_day() -> None:
    day = day_period(date(2026, 11, 25))
    assert parse_period("date", "2026-11-25") == parse_period("day", "2026-11-25") == day
    assert parse_period("week", "2026-W53") == week_period(date(2026, 12, 28))
    assert parse_period("month", "2026-11") == month_period(date(2026, 11, 1))


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("week", "2026-11-25", "not a week: '2026-11-25' (expected YYYY-Www, e.g. 2024-W43)"),
        ("date", "2026-W48", "not a date: '2026-W48' (expected YYYY-MM-DD, e.g. 2024-10-25)"),
        ("month", "2026-11-25", "not a month: '2026-11-25' (expected YYYY-MM, e.g. 2024-10)"),
        ("month", "2026-13", "not a month: '2026-13' (expected YYYY-MM, e.g. 2024-10)"),
        ("day", "nonsense", "not a date: 'nonsense'"),
        ("date", "2026-02-30", "no such date: '2026-02-30'"),
        ("week", "2025-W53", "no such week: '2025-W53'"),
        ("year", "2026", "unknown period 'year': use date, week or month"),
    ],
)
def test_parse_period_errors(kind: str, text: str, message: str) -> None:
    with pytest.raises(Invalid, match=re.escape(message)):
        parse_period(kind, text)
