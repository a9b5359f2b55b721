"""arXiv's announcement calendar (pure): which day a paper appears on, and when the next
announcement goes out.

arXiv announces new papers Sunday to Thursday at 20:00 US Eastern time, except on holidays.
Each announcement is *dated* the following day: the listing released on Sunday evening is
"new listings for Monday", and its RSS feed is dated Monday. That date, Monday to Friday, is
what paperfeed calls the **announcement day**; day pages, feeds, the APIs and digests all use
it.

A submission goes out with the first announcement whose cut-off it beat. The cut-off is 14:00
Eastern on the announcement's own weekday for Monday to Thursday evenings, and Friday 14:00
for Sunday's: a paper submitted Tuesday 13:59 is announced Tuesday 20:00 and listed under
Wednesday; one submitted Friday 14:01 is announced Monday 20:00 and listed under Tuesday.
When an announcement is skipped for a holiday, its papers go out with the next one.

The holidays below are the ones arXiv skips every year (New Year's Day, US Thanksgiving,
Christmas Day), given as the evening with no announcement. Where arXiv's own announcement is
known (its RSS feed), that is what counts; this calendar places papers that arrive without one
(bulk imports, OAI-PMH) and times the jobs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
ANNOUNCE_AT = time(20, 0)
CUTOFF_AT = time(14, 0)
# Sunday to Thursday (Monday is 0).
_ANNOUNCE_WEEKDAYS = frozenset({6, 0, 1, 2, 3})


def _thanksgiving(year: int) -> date:
    """The fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


def is_holiday(evening: date) -> bool:
    """No announcement goes out on this evening (Eastern date)."""
    return (evening.month, evening.day) in ((1, 1), (12, 25)) or evening == _thanksgiving(
        evening.year
    )


def announces(evening: date) -> bool:
    """arXiv makes an announcement on the evening of this Eastern date."""
    return evening.weekday() in _ANNOUNCE_WEEKDAYS and not is_holiday(evening)


def is_announcement_day(day: date) -> bool:
    """A listing is dated `day` (Monday to Friday, the day after an announcement evening)."""
    return announces(day - timedelta(days=1))


def _cutoff(evening: date) -> date:
    """The Eastern date whose 14:00 closes the submissions of this evening's announcement
    (its own date, Friday for a Sunday)."""
    return evening - timedelta(days=2) if evening.weekday() == 6 else evening


def _eastern(when: datetime) -> datetime:
    """A naive UTC datetime (or an aware one) in Eastern time."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return aware.astimezone(EASTERN)


def announcement_day(submitted: datetime) -> date:
    """The announcement day of a version submitted at `submitted` (naive UTC): the date of
    the first announcement after it whose cut-off it beat. A date without a time of day
    (midnight UTC, i.e. the evening before in Eastern time) lands on the same day as any
    time that date before the cut-off."""
    local = _eastern(submitted)
    evening = local.date()
    for _ in range(14):
        cutoff = datetime.combine(_cutoff(evening), CUTOFF_AT, tzinfo=EASTERN)
        if announces(evening) and local < cutoff:
            return evening + timedelta(days=1)
        evening += timedelta(days=1)
    raise AssertionError("no announcement within two weeks")  # pragma: no cover


def announcement_time(day: date) -> datetime:
    """When the listing dated `day` went out, as naive UTC (20:00 Eastern the evening before)."""
    evening = datetime.combine(day - timedelta(days=1), ANNOUNCE_AT, tzinfo=EASTERN)
    return evening.astimezone(UTC).replace(tzinfo=None)


def next_announcement(after: datetime) -> datetime:
    """The first announcement strictly after `after` (naive UTC), as naive UTC."""
    day = _eastern(after).date()
    for _ in range(16):
        if is_announcement_day(day):
            at = announcement_time(day)
            if at > after:
                return at
        day += timedelta(days=1)
    raise AssertionError("no announcement within two weeks")  # pragma: no cover


def latest_announcement_day(now: datetime) -> date | None:
    """The newest listing already out at `now` (naive UTC), within the last two weeks."""
    day = _eastern(now).date() + timedelta(days=1)
    for _ in range(16):
        if is_announcement_day(day) and announcement_time(day) <= now:
            return day
        day -= timedelta(days=1)
    return None  # pragma: no cover


def announcement_days(start: date, end: date) -> list[date]:
    """The announcement days in [start, end], oldest first."""
    out = []
    day = start
    while day <= end:
        if is_announcement_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out
