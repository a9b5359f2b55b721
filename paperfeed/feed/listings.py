"""The listings pages and APIs share: a period's papers with neighbours, and trending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from paperfeed.categories import CategoryFilter
from paperfeed.errors import Invalid
from paperfeed.feed.trending import CANDIDATES, WINDOWS, Trending, age_at_score, rank_trending
from paperfeed.models import Listing
from paperfeed.periods import Period, period_of
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
    categories: CategoryFilter | None = None

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
    categories: CategoryFilter | None = None,
) -> PeriodListing:
    """A period's papers (in `categories`, if given), with the nearest periods that have
    some."""
    check_page(page, per_page)
    if sort not in LISTING_SORTS:
        raise Invalid(f"sort must be one of {', '.join(LISTING_SORTS)}")
    listing = store.listings.featured(
        period.start,
        period.last,
        limit=per_page,
        offset=(page - 1) * per_page,
        sort=sort,
        submitter=submitter,
        categories=categories,
    )
    # The neighbours are the nearest periods with papers: a listing never links to an empty
    # period, nor past the latest day with papers (an empty next week on the newest one).
    before, after = store.listings.neighbour_days(period.start, categories, last=period.last)
    previous = period_of(period.kind, before) if before else None
    following = period_of(period.kind, after) if after else None
    return PeriodListing(period, listing, page, per_page, sort, previous, following, categories)


def front_day(store: Store, today: date, categories: CategoryFilter | None = None) -> date:
    """The day the front page shows: today when it has papers, else the latest day before it
    that has some (else the first after it): never an empty page on a site with papers.
    With `categories`, papers in those: the front page of a category is its latest day."""
    listings = store.listings
    if listings.any_on_days(today, today, categories):
        return today
    before, after = listings.neighbour_days(today, categories)
    return before or after or today


def trending_anchor(store: Store, window: str, now: datetime) -> datetime:
    """The moment trending is ranked at: now, or, on a site whose newest day is older than
    the window (an archive, a demo, a bulk import), the end of that day, so that trending
    shows the last active stretch instead of nothing."""
    latest = store.listings.latest_day()
    if latest is None:
        return now
    end = datetime.combine(latest + timedelta(days=1), time())
    return min(now, end) if (now - end) > timedelta(days=WINDOWS[window]) else now


def trending(
    store: Store,
    window: str,
    now: datetime,
    limit: int = 50,
    categories: CategoryFilter | None = None,
) -> list[Trending]:
    """Papers on the days within the window (in `categories`, if given), ranked by the
    trending formula: exactly the best `limit` of them all, though usually only the most
    upvoted 1,000 and the newest are read. Ranked at `trending_anchor` (now, unless the site
    has nothing that recent; the same moment with or without `categories`, so a category's
    ranking is the site's ranking narrowed)."""
    if window not in WINDOWS:
        raise Invalid(f"window must be one of {', '.join(WINDOWS)}")
    if limit < 1:
        raise Invalid("limit must be 1 or more")
    now = trending_anchor(store, window, now)
    since = (now - timedelta(days=WINDOWS[window])).date()
    until = now.date()
    listings = store.listings
    read = max(CANDIDATES, limit)
    top = listings.featured(since, until, limit=read, categories=categories)
    ranked = rank_trending(top.items, now)
    if top.total <= read:
        return ranked[:limit]
    if len(ranked) < limit or ranked[limit - 1].score <= 0:
        # Fewer than `limit` papers have votes, and all of them were read (they come first
        # by upvotes): the rest of the ranking is the unvoted papers, newest first.
        return _with_newest_unvoted(store, ranked, since, until, now, limit, categories)
    # A paper not read has at most `fewest` upvotes, so once older than `horizon` hours it
    # scores below `bar`, the limit-th best score read, and cannot enter the ranking. Its
    # featured time (submission time, else the day's start) lies within its featured day, as
    # imports and curators record it, so only papers featured on `start` or later can.
    fewest = min(item.upvotes for item in top.items)
    bar = ranked[limit - 1].score
    horizon = age_at_score(fewest, bar)
    if horizon < 0:
        return ranked[:limit]
    start = (now - timedelta(hours=min(horizon, 24 * (WINDOWS[window] + 1)))).date()
    if start <= since:
        everything = listings.featured(since, until, limit=top.total, categories=categories)
        return rank_trending(everything.items, now)[:limit]
    # A paper counts from its first day in the window, so "featured since `start`" means first
    # featured then (a paper listed again later keeps its earlier, lower-scoring day).
    newer = listings.featured(
        since, until, limit=top.total, first_from=start, categories=categories
    )
    merged = {item.paper.arxiv_id: item for item in [*newer.items, *top.items]}
    return rank_trending(list(merged.values()), now)[:limit]


def _with_newest_unvoted(
    store: Store,
    ranked: list[Trending],
    since: date,
    until: date,
    now: datetime,
    limit: int,
    categories: CategoryFilter | None,
) -> list[Trending]:
    """`ranked` (every voted paper) followed by the newest unvoted ones: those on the latest
    days that hold `limit` papers, read day by day from the newest."""
    merged = {t.item.paper.arxiv_id: t.item for t in ranked if t.item.upvotes > 0}
    wanted = limit + len(merged)
    day = until
    while day > since:
        found = store.listings.featured(
            since, until, limit=0, first_from=day, categories=categories
        )
        if found.total >= wanted:
            break
        day -= timedelta(days=1)
    newest = store.listings.featured(
        since, until, limit=10**9, first_from=day, categories=categories
    )
    merged.update({i.paper.arxiv_id: i for i in newest.items})
    return rank_trending(list(merged.values()), now)[:limit]
