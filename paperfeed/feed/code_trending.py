"""Trending by code: papers ranked by the GitHub stars their repository gained in the window
(what Papers with Code's trending showed), from the counts the `github-stars` job keeps.

score = stars gained = latest count - the last count recorded on or before the window's start

A repository first counted inside the window gains from its first count (counting begins when
the job first sees it, so a new link does not leap to the top with its lifetime's stars). Ties
go to more stars in all, then to the arXiv id, so any subset ranks in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from paperfeed.categories import CategoryFilter
from paperfeed.errors import Invalid
from paperfeed.feed.trending import WINDOWS
from paperfeed.models import ListedPaper
from paperfeed.store import Store
from paperfeed.store.chunks import chunks

FORMULA_CODE = (
    "score = GitHub stars gained in the window (latest count - count at the window's start)"
)
BY = ("upvotes", "code")
# Papers looked up beyond `limit` in each round, for those hidden or deleted since counted.
_SPARE = 20


@dataclass(frozen=True, slots=True)
class CodeTrending:
    item: ListedPaper
    repo: str  # "owner/name" as GitHub spells it
    stars: int
    gained: int


def _order(gained: int, stars: int, arxiv_id: str) -> tuple[int, int, str]:
    return -gained, -stars, arxiv_id


def rank_by_code(entries: list[CodeTrending]) -> list[CodeTrending]:
    """Most stars gained first; ties by stars in all, then by arXiv id."""
    return sorted(entries, key=lambda e: _order(e.gained, e.stars, e.item.paper.arxiv_id))


def window_start(window: str, now: datetime) -> date:
    """The day whose count the window's gains are measured from."""
    if window not in WINDOWS:
        raise Invalid(f"window must be one of {', '.join(WINDOWS)}")
    return now.date() - timedelta(days=WINDOWS[window])


def code_trending(
    store: Store,
    window: str,
    now: datetime,
    limit: int = 50,
    categories: CategoryFilter | None = None,
) -> list[CodeTrending]:
    """The shown papers (in `categories`, if given) whose repository has a count, ranked by
    the stars gained since `window_start`: the best `limit`."""
    if limit < 1:
        raise Invalid("limit must be 1 or more")
    gains = store.github.gained(window_start(window, now))
    if categories:
        wanted = store.listings.ids_in_categories(categories)
        gains = [g for g in gains if g.paper_id in wanted]
    # Only the best are looked up as listings (a hidden or deleted paper is passed over, so a
    # few more than `limit` a round), not every paper whose repository has a count.
    gains = sorted(gains, key=lambda g: _order(g.gained, g.stars, g.paper_id))
    entries: list[CodeTrending] = []
    for part in chunks(gains, limit + _SPARE):
        listed = store.listings.listed([g.paper_id for g in part])
        entries += [
            CodeTrending(listed[g.paper_id], g.repo, g.stars, g.gained)
            for g in part
            if g.paper_id in listed
        ]
        if len(entries) >= limit:
            break
    return rank_by_code(entries)[:limit]
