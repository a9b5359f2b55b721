"""The trending formula, pure: upvotes decayed by the hours since a paper was featured.

score = upvotes / (hours + 2) ** 1.5

Hacker News' "gravity" form: a paper needs ever more votes to stay on top as it ages, and the
+2 hours keeps brand-new papers from dominating with a single vote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from paperfeed.models import ListedPaper

GRAVITY = 1.5
OFFSET_HOURS = 2.0
FORMULA = "score = upvotes / (hours since featured + 2) ^ 1.5"
# Windows the trending page offers, in days.
WINDOWS = {"day": 1, "week": 7, "month": 30}
# How many of a window's most upvoted papers `trending()` reads before bounding the rest.
CANDIDATES = 1000


def trending_score(upvotes: int, age_hours: float) -> float:
    return float(upvotes) / float((max(age_hours, 0.0) + OFFSET_HOURS) ** GRAVITY)


def age_at_score(upvotes: int, score: float) -> float:
    """The age in hours at which `upvotes` decay to `score` (> 0): the formula solved for the
    age. Negative when they score below it even brand new."""
    return float((upvotes / score) ** (1 / GRAVITY) - OFFSET_HOURS)


@dataclass(frozen=True, slots=True)
class Trending:
    item: ListedPaper
    score: float
    age_hours: float


def featured_at(item: ListedPaper) -> datetime | None:
    """When a paper was featured: its submission time, else the start of its day."""
    if item.submitted_at is not None:
        return item.submitted_at
    return datetime.combine(item.day, time()) if item.day else None


def rank_trending(items: list[ListedPaper], now: datetime) -> list[Trending]:
    """Items ordered by trending score, highest first (ties: more upvotes, then newer, then
    by id, so that any subset of papers ranks in the same order)."""
    ranked = []
    for item in items:
        when = featured_at(item) or now
        age = (now - when).total_seconds() / 3600
        ranked.append(Trending(item, trending_score(item.upvotes, age), max(age, 0.0)))
    ranked.sort(key=lambda t: (-t.score, -t.item.upvotes, t.age_hours, t.item.paper.arxiv_id))
    return ranked
