"""Submitting a paper to a day's listing: resolve what the user pasted, fetch missing metadata
through ingestion, enforce the publication window, then let the store apply the daily cap."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid, NotFound
from paperfeed.ingest.records import Item
from paperfeed.ingest.runner import run_import
from paperfeed.models import Paper, User
from paperfeed.store import Store

Fetch = Callable[[str], Iterable[Item]]


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
    """List the referenced paper among `today`'s papers as submitted by `user`. A paper new
    to the store is fetched first, then stored and listed in one transaction: a refused
    submission stores nothing. (The fetch is outside it: on SQLite the transaction holds the
    write lock, and arXiv can take seconds.)"""
    if len(reference) > 300:
        raise Invalid("that is too long to be an arXiv id or URL")
    arxiv_id, _version = parse_reference(reference)
    fetched = list(fetch(arxiv_id)) if store.papers.get(arxiv_id) is None else []
    with store.transaction():
        if fetched:
            summary = run_import(store, fetched, "submission")
            if summary.errors:
                raise Invalid(f"arXiv's record for {arxiv_id} is unusable: {summary.errors[0]}")
        paper = store.papers.get(arxiv_id)
        if paper is None:
            raise NotFound(f"arXiv has no paper {arxiv_id}")
        if store.moderation.is_hidden(arxiv_id):
            raise Invalid(f"{arxiv_id} was hidden by the curators and cannot be submitted")
        if paper.published is not None:
            age = (today - paper.published.date()).days
            if age > window_days:
                raise Invalid(
                    f"{arxiv_id} was first published {age} days ago; only papers from the last "
                    f"{window_days} days can be submitted"
                )
        store.submissions.submit(arxiv_id, user, today, daily_cap)
    return paper
