"""Community submissions on real SQLite and PostgreSQL: a member lists a paper on a day, at most
a daily cap of papers per UTC day of the store's clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hand_clock import HandClock
from store_rows import daily_entries_on

from paperfeed.errors import Invalid, NotFound, RateLimited
from paperfeed.models import Batch, DailyEntry, Paper, User
from paperfeed.store import Store

TODAY = date(2026, 11, 30)
NOON = datetime(2026, 11, 30, 12, 0)


@pytest.fixture
def clock() -> HandClock:
    return HandClock(NOON)


@pytest.fixture
def store(clocked_store: Store) -> Store:
    clocked_store.papers.write(Batch(papers=[Paper(_pid(n), f"Paper {n}") for n in range(1, 8)]))
    return clocked_store


@pytest.fixture
def ada(store: Store) -> User:
    return store.accounts.ensure_user("ada@example.org")


def _pid(n: int) -> str:
    return f"2611.{n:05d}"


def test_a_submission_lists_the_paper_as_the_members(store: Store, ada: User) -> None:
    store.submissions.submit(_pid(1), ada, TODAY, daily_cap=5)
    assert daily_entries_on(store, TODAY) == [
        DailyEntry(_pid(1), TODAY, "ada", "ada", NOON, "community")
    ]
    assert store.submissions.count_today(ada.id) == 1
    [listed] = store.listings.featured(TODAY, TODAY).items
    assert (listed.paper.arxiv_id, listed.submitted_by, listed.source) == (
        _pid(1),
        "ada",
        "community",
    )


def test_the_daily_cap_counts_by_the_stores_utc_day(
    store: Store, clock: HandClock, ada: User
) -> None:
    store.submissions.submit(_pid(1), ada, TODAY, daily_cap=2)
    store.submissions.submit(_pid(2), ada, TODAY, daily_cap=2)
    with pytest.raises(RateLimited, match="you have submitted 2 papers today") as refused:
        store.submissions.submit(_pid(3), ada, TODAY, daily_cap=2)
    assert refused.value.retry_after == 12 * 3600  # until midnight UTC
    clock.now = datetime(2026, 11, 30, 23, 59, 59)
    with pytest.raises(RateLimited) as refused:
        store.submissions.submit(_pid(3), ada, TODAY, daily_cap=2)
    assert refused.value.retry_after == 1
    assert store.submissions.count_today(ada.id) == 2
    assert [e.arxiv_id for e in daily_entries_on(store, TODAY)] == [_pid(1), _pid(2)]
    clock.now = datetime(2026, 12, 1, 0, 0)
    assert store.submissions.count_today(ada.id) == 0
    store.submissions.submit(_pid(3), ada, TODAY, daily_cap=2)  # a new day: a new allowance
    assert store.submissions.count_today(ada.id) == 1
    assert [e.arxiv_id for e in daily_entries_on(store, TODAY)] == [_pid(1), _pid(2), _pid(3)]


def test_the_cap_counts_when_submitted_not_the_day_listed_on(store: Store, ada: User) -> None:
    store.submissions.submit(_pid(1), ada, TODAY - timedelta(days=3), daily_cap=2)
    store.submissions.submit(_pid(2), ada, TODAY + timedelta(days=1), daily_cap=2)
    with pytest.raises(RateLimited):
        store.submissions.submit(_pid(3), ada, TODAY, daily_cap=2)
    assert store.submissions.count_today(ada.id) == 2


def test_the_cap_is_per_member(store: Store, ada: User) -> None:
    bob = store.accounts.ensure_user("bob@example.org")
    store.submissions.submit(_pid(1), ada, TODAY, daily_cap=1)
    store.submissions.submit(_pid(2), bob, TODAY, daily_cap=1)
    with pytest.raises(RateLimited):
        store.submissions.submit(_pid(3), ada, TODAY, daily_cap=1)
    assert (store.submissions.count_today(ada.id), store.submissions.count_today(bob.id)) == (1, 1)
    assert store.submissions.count_today(bob.id + 1) == 0


def test_a_paper_already_listed_that_day_is_refused(store: Store, ada: User) -> None:
    bob = store.accounts.ensure_user("bob@example.org")
    store.submissions.submit(_pid(1), bob, TODAY, daily_cap=5)
    store.moderation.feature(_pid(2), TODAY, "cu")
    for listed in (_pid(1), _pid(2)):
        with pytest.raises(Invalid, match=rf"{listed} is already among the papers of 2026-11-30"):
            store.submissions.submit(listed, ada, TODAY, daily_cap=5)
    assert store.submissions.count_today(ada.id) == 0  # a refused submission does not count
    store.submissions.submit(_pid(1), ada, TODAY + timedelta(days=1), daily_cap=5)
    assert [e.submitted_by for e in daily_entries_on(store, TODAY + timedelta(days=1))] == ["ada"]


def test_an_unknown_paper_is_not_found(store: Store, ada: User) -> None:
    with pytest.raises(NotFound, match=r"no paper 2611\.99999"):
        store.submissions.submit("2611.99999", ada, TODAY, daily_cap=5)
    assert store.submissions.count_today(ada.id) == 0
    assert daily_entries_on(store, TODAY) == []


def test_is_submitter_knows_who_submitted_a_paper(store: Store, ada: User) -> None:
    bob = store.accounts.ensure_user("bob@example.org")
    store.submissions.submit(_pid(1), ada, TODAY, daily_cap=5)
    assert store.submissions.is_submitter(_pid(1), ada.id)
    assert not store.submissions.is_submitter(_pid(1), bob.id)
    assert not store.submissions.is_submitter(_pid(2), ada.id)
