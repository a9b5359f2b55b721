"""arXiv's announcement calendar (pure): the day a version is listed on, across cut-offs,
weekends, holidays and daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from paperfeed.arxiv_calendar import (
    announcement_day,
    announcement_days,
    announcement_time,
    announces,
    is_announcement_day,
    is_holiday,
    latest_announcement_day,
    next_announcement,
)


@pytest.mark.parametrize(
    ("submitted_utc", "listed"),
    [
        # June: Eastern is UTC-4; the cut-off 14:00 EDT is 18:00 UTC.
        ("2026-06-09T17:59", "2026-06-10"),  # Tuesday before the cut-off: Wednesday
        ("2026-06-09T18:00", "2026-06-11"),  # at the cut-off: the next one
        ("2026-06-12T17:59", "2026-06-15"),  # Friday before: Sunday's mailing, for Monday
        ("2026-06-12T18:01", "2026-06-16"),  # Friday after: Monday's mailing, for Tuesday
        ("2026-06-13T12:00", "2026-06-16"),  # Saturday
        ("2026-06-14T23:00", "2026-06-16"),  # Sunday evening
        ("2026-06-15T03:00", "2026-06-16"),  # Sunday 23:00 Eastern, already Monday in UTC
        # December: UTC-5.
        ("2026-12-01T18:59", "2026-12-02"),
        ("2026-12-01T19:00", "2026-12-03"),
        # A date without a time (midnight UTC) lands where that date's morning would.
        ("2016-06-23T00:00", "2016-06-24"),
        ("2016-06-25T00:00", "2016-06-28"),  # a Saturday
    ],
)
def test_the_day_a_version_is_listed_on(submitted_utc: str, listed: str) -> None:
    assert announcement_day(datetime.fromisoformat(submitted_utc)) == date.fromisoformat(listed)


def test_holidays_skip_an_evening_and_its_papers_go_out_with_the_next() -> None:
    # Thanksgiving 2025 is Thursday 27 November: no mailing dated Friday the 28th.
    assert is_holiday(date(2025, 11, 27)) and not announces(date(2025, 11, 27))
    assert not is_announcement_day(date(2025, 11, 28))
    assert announcement_day(datetime(2025, 11, 26, 20)) == date(2025, 12, 1)
    # Christmas 2025 is a Thursday, New Year's Day 2026 too.
    assert not is_announcement_day(date(2025, 12, 26))
    assert not is_announcement_day(date(2026, 1, 2))
    assert announcement_days(date(2025, 12, 22), date(2026, 1, 5)) == [
        date(2025, 12, 22),
        date(2025, 12, 23),
        date(2025, 12, 24),
        date(2025, 12, 25),  # Wednesday evening's mailing
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 1, 5),
    ]


def test_announcement_times_follow_daylight_saving() -> None:
    assert announcement_time(date(2026, 6, 10)) == datetime(2026, 6, 10, 0, 0)  # 20:00 EDT
    assert announcement_time(date(2026, 12, 2)) == datetime(2026, 12, 2, 1, 0)  # 20:00 EST
    # The Sunday that summer time starts (8 March 2026) still announces at 20:00 local.
    assert announcement_time(date(2026, 3, 9)) == datetime(2026, 3, 9, 0, 0)


def test_the_next_and_latest_announcements() -> None:
    friday_noon = datetime(2026, 6, 12, 16, 0)
    assert next_announcement(friday_noon) == datetime(2026, 6, 15, 0, 0)  # Sunday 20:00 EDT
    assert latest_announcement_day(friday_noon) == date(2026, 6, 12)
    at = datetime(2026, 6, 15, 0, 0)
    assert latest_announcement_day(at) == date(2026, 6, 15)
    assert next_announcement(at) == datetime(2026, 6, 16, 0, 0)
