"""Listing periods: a day (YYYY-MM-DD), an ISO week (YYYY-Www) or a month (YYYY-MM), parsed from
user input with clear errors, with the previous and next period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from paperfeed.errors import Invalid

_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Period:
    kind: str  # "date", "week" or "month": the path segment of its page
    start: date
    end: date

    @property
    def key(self) -> str:
        if self.kind == "date":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == "date":
            return self.start.strftime("%A, %B %-d, %Y")
        if self.kind == "week":
            return f"Week {self.key[-2:]} of {self.start.isocalendar()[0]} " + (
                f"({self.start.strftime('%b %-d')} to {self.end.strftime('%b %-d')})"
            )
        return self.start.strftime("%B %Y")

    def previous(self) -> Period:
        return self.shift(-1)

    def next(self) -> Period:
        return self.shift(1)

    def shift(self, steps: int) -> Period:
        if self.kind == "date":
            return day_period(self.start + timedelta(days=steps))
        if self.kind == "week":
            return week_period(self.start + timedelta(weeks=steps))
        months = self.start.year * 12 + self.start.month - 1 + steps
        return month_period(date(months // 12, months % 12 + 1, 1))


def day_period(day: date) -> Period:
    return Period("date", day, day)


def week_period(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    return Period("week", start, start + timedelta(days=6))


def month_period(day: date) -> Period:
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return Period("month", start, following - timedelta(days=1))


def parse_day(text: str) -> date:
    if not _DAY.fullmatch(text):
        raise Invalid(f"not a date: {text[:40]!r} (expected YYYY-MM-DD, e.g. 2024-10-25)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"no such date: {text!r}") from None


def parse_period(kind: str, text: str) -> Period:
    """The period named by `text`; kind is date, week or month."""
    if kind == "date":
        return day_period(parse_day(text))
    if kind == "week":
        m = _WEEK.fullmatch(text)
        if m is None:
            raise Invalid(f"not a week: {text[:40]!r} (expected YYYY-Www, e.g. 2024-W43)")
        try:
            return week_period(date.fromisocalendar(int(m[1]), int(m[2]), 1))
        except ValueError:
            raise Invalid(f"no such week: {text!r}") from None
    if kind == "month":
        m = _MONTH.fullmatch(text)
        if m is None or not 1 <= int(m[2]) <= 12 or int(m[1]) < 1:
            raise Invalid(f"not a month: {text[:40]!r} (expected YYYY-MM, e.g. 2024-10)")
        return month_period(date(int(m[1]), int(m[2]), 1))
    raise Invalid(f"unknown period {kind!r}: use date, week or month")
