"""Periods papers are read by, pure: a day, an ISO week or a month, each the half-open range
[start, end) of dates. A period's key is what URLs and the CLI carry (`2026-11-25`,
`2026-W48`, `2026-11`) and parses back to it; `shift` steps to its neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from paperfeed.errors import Invalid

KINDS = ("day", "week", "month")
# Listing URLs name a day's page `date`, as Hugging Face's `?date=` does.
_URL_KINDS = {"day": "date", "week": "week", "month": "month"}
_KIND_OF_URL = {"date": "day", "day": "day", "week": "week", "month": "month"}

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_EXAMPLES = {
    "day": "YYYY-MM-DD, e.g. 2024-10-25",
    "week": "YYYY-Www, e.g. 2024-W43",
    "month": "YYYY-MM, e.g. 2024-10",
}


@dataclass(frozen=True, slots=True)
class Period:
    """`kind` is day, week or month; `start` is its first day, `end` the day after its last."""

    kind: str
    start: date
    end: date

    @property
    def key(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def last(self) -> date:
        """Its last day (inclusive)."""
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.strftime("%A, %B %-d, %Y")
        if self.kind == "week":
            return f"Week {self.key[-2:]} of {self.start.isocalendar()[0]} " + (
                f"({self.start.strftime('%b %-d')} to {self.last.strftime('%b %-d')})"
            )
        return self.start.strftime("%B %Y")

    @property
    def url_kind(self) -> str:
        """How URLs name this kind: `date`, `week` or `month` (`/papers/date/2026-11-25`)."""
        return _URL_KINDS[self.kind]

    @property
    def start_at(self) -> datetime:
        """The first moment of the period (naive UTC midnight)."""
        return datetime.combine(self.start, time())

    @property
    def end_at(self) -> datetime:
        """The first moment after it."""
        return datetime.combine(self.end, time())

    def shift(self, steps: int) -> Period:
        """The period `steps` periods of its kind later (earlier when negative)."""
        if self.kind == "day":
            return day_period(self.start + timedelta(days=steps))
        if self.kind == "week":
            return week_period(self.start + timedelta(weeks=steps))
        months = self.start.year * 12 + self.start.month - 1 + steps
        return month_period(date(months // 12, months % 12 + 1, 1))

    def previous(self) -> Period:
        return self.shift(-1)

    def next(self) -> Period:
        return self.shift(1)


def day_period(day: date) -> Period:
    return Period("day", day, day + timedelta(days=1))


def week_period(day: date) -> Period:
    """The ISO week (Monday to Sunday) that holds `day`."""
    start = day - timedelta(days=day.weekday())
    return Period("week", start, start + timedelta(days=7))


def month_period(day: date) -> Period:
    start = day.replace(day=1)
    return Period("month", start, (start + timedelta(days=32)).replace(day=1))


def period_of(kind: str, day: date) -> Period:
    """The period of `kind` that holds `day`."""
    return {"day": day_period, "week": week_period, "month": month_period}[_kind(kind)](day)


def _kind(kind: str) -> str:
    if kind not in _KIND_OF_URL:
        raise Invalid(f"unknown period {kind[:20]!r}: use date, week or month")
    return _KIND_OF_URL[kind]


def parse_day(text: str) -> date:
    """A date typed as YYYY-MM-DD, or Invalid saying what was expected."""
    if not _DAY.fullmatch(text):
        raise Invalid(f"not a date: {text[:40]!r} (expected {_EXAMPLES['day']})")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"no such date: {text[:40]!r}") from None


def _parse(text: str) -> Period | None:
    """The period `text` names, None when it has no period's shape; Invalid when it has one
    but names no such period (2026-02-30, 2026-W54, a year out of range)."""
    try:
        if _DAY.fullmatch(text):
            return day_period(parse_day(text))
        if m := _WEEK.fullmatch(text):
            return week_period(date.fromisocalendar(int(m[1]), int(m[2]), 1))
        if (m := _MONTH.fullmatch(text)) and 1 <= int(m[2]) <= 12:
            return month_period(date(int(m[1]), int(m[2]), 1))
    except (ValueError, OverflowError):
        raise Invalid(f"no such period: {text[:40]!r}") from None
    return None


def parse_key(text: str) -> Period:
    """The period a key names, whatever its kind: `2026-11-25`, `2026-W48` or `2026-11`."""
    period = _parse(text)
    if period is None:
        raise Invalid(
            f"not a period: {text[:40]!r} (a day like 2026-11-25, a week like 2026-W48 "
            "or a month like 2026-11)"
        )
    return period


def parse_period(kind: str, text: str) -> Period:
    """The period of `kind` (day — `date` in URLs — week or month) that `text` names."""
    wanted = _kind(kind)
    noun = "date" if wanted == "day" else wanted
    try:
        period = _parse(text)
    except Invalid:
        raise Invalid(f"no such {noun}: {text[:40]!r}") from None
    if period is None or period.kind != wanted:
        raise Invalid(f"not a {noun}: {text[:40]!r} (expected {_EXAMPLES[wanted]})")
    return period
