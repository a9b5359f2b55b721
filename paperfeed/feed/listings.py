"""The listings pages and APIs share: a period's papers with neighbours, and trending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from paperfeed.errors import Invalid
from paperfeed.feed.periods import Period, day_period
from paperfeed.feed.trending import WINDOWS, Trending, rank_trending
from paperfeed.models import Listing
from paperfeed.store import Store
from paperfeed.store.listings import LISTING_SORTS

MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class PeriodListing:
    period: Period
    listing: Listing
    page: int
    per_page: int
    sort: str
    previous: Period | None
    next: Period | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.listing.total // self.per_page))


def check_page(page: int, per_page: int) -> None:
    if page < 1:
        raise Invalid("page must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise Invalid(f"per_page must be between 1 and {MAX_PER_PAGE}")


def period_listing(
    store: Store,
    period: Period,
    *,
    page: int = 1,
    per_page: int = 30,
    sort: str = "upvotes",
    submitter: str | None = None,
) -> PeriodListing:
    check_page(page, per_page)
    if sort not in LISTING_SORTS:
        raise Invalid(f"sort must be one of {', '.join(LISTING_SORTS)}")
    listing = store.listings.featured(
        period.start,
        period.end,
        limit=per_page,
        offset=(page - 1) * per_page,
        sort=sort,
        submitter=submitter,
    )
    if period.kind == "date":
        # Days jump over empty days; weeks and months step one at a time.
        before, after = store.listings.neighbour_days(period.start)
        previous = day_period(before) if before else None
        following = day_period(after) if after else None
    else:
        previous, following = period.previous(), period.next()
    return PeriodListing(period, listing, page, per_page, sort, previous, following)


def front_day(store: Store, today: date) -> date:
    """The day the front page shows: today, or the latest day with papers."""
    latest = store.listings.latest_day()
    if latest is None or latest >= today:
        return today
    return latest


def trending(store: Store, window: str, now: datetime, limit: int = 50) -> list[Trending]:
    """Papers featured within the window, ranked by the trending formula."""
    if window not in WINDOWS:
        raise Invalid(f"window must be one of {', '.join(WINDOWS)}")
    since = (now - timedelta(days=WINDOWS[window])).date()
    return rank_trending(store.listings.trending_candidates(since), now)[:limit]
