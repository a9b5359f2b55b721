"""Submitting a paper to a day's listing: resolve what the user pasted, fetch missing metadata
through ingestion, enforce the publication window, then let the store apply the daily cap.

A submission joins the site's front day (`feed.listings.front_day`: today once today has
papers, else the latest day that has some), and the window counts back from that day, not
from the wall clock: on a site that is not live (an archive, the demo) the papers on its
front page stay submittable, and what is submitted shows up there."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid, NotFound, Upstream
from paperfeed.feed.listings import front_day
from paperfeed.ingest.records import Item
from paperfeed.ingest.runner import run_import
from paperfeed.models import Paper, User
from paperfeed.store import Store

Fetch = Callable[[str], Iterable[Item]]

log = logging.getLogger(__name__)

# What a member is told when arXiv cannot be asked; the cause (a socket error, an HTTP status)
# goes to the server log.
UNREACHABLE = "arXiv could not be reached; try again later"
# Papers looked at to find an example the submission form can offer.
_EXAMPLE_CANDIDATES = 50


def submission_day(store: Store, today: date) -> date:
    """The day a submission joins, and its window counts back from: the front day, never
    after today."""
    return min(front_day(store, today), today)


def submittable_example(store: Store, day: date, window_days: int) -> str | None:
    """An arXiv id a member could submit on `day` (for the form's placeholder): the most
    upvoted paper on an earlier day of the window, first published within it and not yet
    among `day`'s papers; None when there is none."""
    start = day - timedelta(days=window_days)
    earlier = store.listings.featured(start, day - timedelta(days=1), limit=_EXAMPLE_CANDIDATES)
    taken = set(store.listings.ids_on_days(day, day))
    for item in earlier.items:
        published = item.paper.published
        if item.paper.arxiv_id not in taken and (published is None or published.date() >= start):
            return item.paper.arxiv_id
    return None


def submit_paper(
    store: Store,
    reference: str,
    user: User,
    *,
    fetch: Fetch,
    today: date,
    window_days: int,
    daily_cap: int,
) -> Paper:
    """List the referenced paper among the papers of `submission_day` as submitted by `user`.
    A paper new to the store is fetched first, then stored and listed in one transaction: a
    refused submission stores nothing. (The fetch is outside it: on SQLite the transaction
    holds the write lock, and arXiv can take seconds.) When arXiv cannot be reached this
    raises Upstream(UNREACHABLE) and logs why."""
    if len(reference) > 300:
        raise Invalid("that is too long to be an arXiv id or URL")
    arxiv_id, _version = parse_reference(reference)
    known = store.papers.get(arxiv_id) is not None
    fetched = [] if known else fetch_arxiv(fetch, arxiv_id, "submission")
    day = submission_day(store, today)
    with store.transaction():
        paper = store_fetched(store, arxiv_id, fetched, "submission")
        if store.moderation.is_hidden(arxiv_id):
            raise Invalid(f"{arxiv_id} was hidden by the curators and cannot be submitted")
        if paper.published is not None:
            age = (day - paper.published.date()).days
            if age > window_days:
                raise Invalid(_too_old(arxiv_id, age, day, today, window_days))
        store.submissions.submit(arxiv_id, user, day, daily_cap)
    return paper


def fetch_arxiv(fetch: Fetch, arxiv_id: str, why: str) -> list[Item]:
    """arXiv's records of `arxiv_id`; Upstream(UNREACHABLE) when arXiv cannot be asked (the
    cause is logged, with `why` it was asked)."""
    try:
        return list(fetch(arxiv_id))
    except Upstream as exc:
        log.warning("%s of %s: %s", why, arxiv_id, exc)
        raise Upstream(UNREACHABLE) from exc


def store_fetched(store: Store, arxiv_id: str, fetched: list[Item], source: str) -> Paper:
    """Import what `fetch_arxiv` brought (in the caller's transaction) and return the paper:
    Invalid when arXiv's record is unusable, NotFound when arXiv has no such paper."""
    if fetched:
        summary = run_import(store, fetched, source)
        if summary.errors:
            raise Invalid(f"arXiv's record for {arxiv_id} is unusable: {summary.errors[0]}")
    paper = store.papers.get(arxiv_id)
    if paper is None:
        raise NotFound(f"arXiv has no paper {arxiv_id}")
    return paper


def _too_old(arxiv_id: str, age: int, day: date, today: date, window_days: int) -> str:
    if day == today:
        return (
            f"{arxiv_id} was first published {age} days ago; only papers from the last "
            f"{window_days} days can be submitted"
        )
    return (
        f"{arxiv_id} was first published {age} days before {day.isoformat()}, the latest day "
        f"with papers here; only papers from the {window_days} days before it can be submitted"
    )
