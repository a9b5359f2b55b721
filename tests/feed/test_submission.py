"""Submitting a paper on real SQLite and PostgreSQL: a paper new to the store is fetched, then
stored and listed in one transaction, so a refused submission stores nothing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

import pytest

from paperfeed.errors import Invalid, NotFound, RateLimited
from paperfeed.feed.submission import submit_paper
from paperfeed.ingest.records import Item, Record
from paperfeed.models import Batch, Paper, RecordError, User
from paperfeed.store import Store

TODAY = date(2026, 11, 30)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A store whose clock stands at noon of TODAY (the daily cap counts by its day)."""
    s = Store.open(db_url, clock=lambda: datetime(2026, 11, 30, 12))
    try:
        yield s
    finally:
        s.close()


def _paper(arxiv_id: str, published: date) -> Paper:
    when = datetime.combine(published, datetime.min.time())
    return Paper(arxiv_id, f"Paper {arxiv_id}", version=1, published=when, categories=("cs.LG",))


class Arxiv:
    """A stand-in for the arXiv fetcher that knows some papers and counts its calls."""

    def __init__(self, *papers: Paper) -> None:
        self.papers = {p.arxiv_id: p for p in papers}
        self.asked: list[str] = []

    def __call__(self, arxiv_id: str) -> Iterable[Item]:
        self.asked.append(arxiv_id)
        known = self.papers.get(arxiv_id)
        return [Record("arXiv API", paper=known)] if known else []


def _submit(store: Store, reference: str, user: User, fetch: Arxiv, cap: int = 5) -> Paper:
    return submit_paper(
        store, reference, user, fetch=fetch, today=TODAY, window_days=14, daily_cap=cap
    )


def _listed_today(store: Store) -> list[str]:
    return [i.paper.arxiv_id for i in store.listings.featured(TODAY, TODAY).items]


def test_a_new_paper_is_fetched_stored_and_listed(store: Store) -> None:
    user = store.accounts.ensure_user("ada@example.org")
    arxiv = Arxiv(_paper("2611.00001", TODAY - timedelta(days=2)))
    paper = _submit(store, "https://arxiv.org/abs/2611.00001v1", user, arxiv)
    assert paper.arxiv_id == "2611.00001" and arxiv.asked == ["2611.00001"]
    assert store.papers.get("2611.00001") is not None
    assert _listed_today(store) == ["2611.00001"]
    assert store.submissions.count_today(user.id) == 1


def test_a_refused_submission_leaves_nothing_of_the_fetched_paper(store: Store) -> None:
    user = store.accounts.ensure_user("ada@example.org")
    store.papers.write(Batch(papers=[_paper("2611.00001", TODAY)]))
    _submit(store, "2611.00001", user, Arxiv(), cap=1)
    arxiv = Arxiv(_paper("2611.00002", TODAY))
    before = store.generation
    # the second write of the submission (the listing, over the daily cap) fails ...
    with pytest.raises(RateLimited, match="daily maximum"):
        _submit(store, "2611.00002", user, arxiv, cap=1)
    # ... so the first (the paper fetched from arXiv) is not there either
    assert arxiv.asked == ["2611.00002"]
    assert store.papers.get("2611.00002") is None
    assert _listed_today(store) == ["2611.00001"]
    assert store.generation == before


def test_a_paper_outside_the_window_is_not_kept(store: Store) -> None:
    user = store.accounts.ensure_user("ada@example.org")
    arxiv = Arxiv(_paper("2610.00001", TODAY - timedelta(days=40)))
    with pytest.raises(Invalid, match="40 days ago"):
        _submit(store, "2610.00001", user, arxiv)
    assert store.papers.get("2610.00001") is None
    assert store.submissions.count_today(user.id) == 0


def test_a_paper_arxiv_does_not_know_is_not_found(store: Store) -> None:
    user = store.accounts.ensure_user("ada@example.org")
    with pytest.raises(NotFound, match=r"arXiv has no paper 2611\.00009"):
        _submit(store, "2611.00009", user, Arxiv())
    assert store.stats().papers == 0


def test_an_unusable_record_from_arxiv_stores_nothing(store: Store) -> None:
    user = store.accounts.ensure_user("ada@example.org")

    def broken(_arxiv_id: str) -> Iterable[Item]:
        return [RecordError("arXiv API entry 1", "missing title")]

    with pytest.raises(Invalid, match="unusable: arXiv API entry 1: missing title"):
        submit_paper(
            store, "2611.00003", user, fetch=broken, today=TODAY, window_days=14, daily_cap=5
        )
    assert store.stats().papers == 0


def test_a_known_paper_is_not_fetched_again_and_listed_once(store: Store) -> None:
    user = store.accounts.ensure_user("ada@example.org")
    store.papers.write(Batch(papers=[_paper("2611.00001", TODAY)]))
    arxiv = Arxiv()
    _submit(store, "arXiv:2611.00001", user, arxiv)
    with pytest.raises(Invalid, match="already among the papers"):
        _submit(store, "2611.00001", user, arxiv)
    assert arxiv.asked == []
    assert _listed_today(store) == ["2611.00001"]
    assert store.submissions.count_today(user.id) == 1


def test_hidden_papers_cannot_be_submitted(store: Store) -> None:
    user = store.accounts.ensure_user("ada@example.org")
    store.papers.write(Batch(papers=[_paper("2611.00001", TODAY)]))
    store.moderation.hide("2611.00001", None, "spam")
    with pytest.raises(Invalid, match="hidden by the curators"):
        _submit(store, "2611.00001", user, Arxiv())
    assert _listed_today(store) == []
