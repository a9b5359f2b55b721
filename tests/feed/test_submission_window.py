"""The submission window on a site that is not live (an archive, the demo), on SQLite and
PostgreSQL: it counts back from the site's front day, not the wall clock, and submissions join
that day; the form's example is a paper that can be submitted; arXiv out of reach is a short
message for people and the details for the log."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

import pytest

from paperfeed.errors import Invalid, Upstream
from paperfeed.feed.submission import (
    UNREACHABLE,
    submission_day,
    submit_paper,
    submittable_example,
)
from paperfeed.ingest.records import Item
from paperfeed.models import Announcement, Batch, Paper, User
from paperfeed.store import Store

TODAY = date(2026, 11, 30)
# The archive's last day with papers, months before today.
LAST = date(2026, 8, 21)
WINDOW = 14


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url, clock=lambda: datetime(2026, 11, 30, 12))
    try:
        yield s
    finally:
        s.close()


def _announced(store: Store, arxiv_id: str, published: date, day: date) -> None:
    """A paper first published on `published` that arXiv announced on `day`."""
    paper = Paper(
        arxiv_id,
        f"Paper {arxiv_id}",
        version=1,
        published=datetime.combine(published, datetime.min.time()),
        categories=("cs.LG",),
    )
    store.papers.write(
        Batch(papers=[paper], announcements=[Announcement(arxiv_id, day, "cs.LG", "new")])
    )


@pytest.fixture
def archive(store: Store) -> Store:
    """Papers announced on three days up to LAST; today, months later, has none."""
    _announced(store, "2608.00001", LAST - timedelta(days=40), LAST - timedelta(days=40))
    _announced(store, "2608.00002", LAST - timedelta(days=5), LAST - timedelta(days=4))
    _announced(store, "2608.00003", LAST - timedelta(days=1), LAST)
    _announced(store, "2608.00004", LAST - timedelta(days=3), LAST - timedelta(days=2))
    return store


def _submit(store: Store, reference: str, user: User, fetch: object = None) -> Paper:
    def nothing(_arxiv_id: str) -> Iterable[Item]:
        return []

    return submit_paper(
        store,
        reference,
        user,
        fetch=fetch or nothing,  # type: ignore[arg-type]
        today=TODAY,
        window_days=WINDOW,
        daily_cap=5,
    )


def test_the_window_counts_back_from_the_front_day_and_submissions_join_it(
    archive: Store,
) -> None:
    assert submission_day(archive, TODAY) == LAST
    user = archive.accounts.ensure_user("ada@example.org")
    _submit(archive, "2608.00002", user)
    listed = archive.listings.featured(LAST, LAST).items
    assert ("2608.00002", "community") in [(i.paper.arxiv_id, i.source) for i in listed]
    assert archive.listings.featured(TODAY, TODAY).items == []
    # The front day stays where it was, so the next submission is judged the same way.
    assert submission_day(archive, TODAY) == LAST
    _submit(archive, "2608.00004", user)
    with pytest.raises(Invalid) as refused:
        _submit(archive, "2608.00001", user)
    assert str(refused.value) == (
        "2608.00001 was first published 40 days before 2026-08-21, the latest day with papers "
        "here; only papers from the 14 days before it can be submitted"
    )


def test_a_live_site_counts_from_today(archive: Store) -> None:
    _announced(archive, "2611.00001", TODAY - timedelta(days=1), TODAY)
    assert submission_day(archive, TODAY) == TODAY
    user = archive.accounts.ensure_user("ada@example.org")
    with pytest.raises(Invalid, match="was first published 106 days ago"):
        _submit(archive, "2608.00002", user)


def test_the_day_is_never_after_today(store: Store) -> None:
    """A site whose only papers are dated after today (a clock set back) lists on today."""
    _announced(store, "2612.00001", TODAY + timedelta(days=2), TODAY + timedelta(days=3))
    assert submission_day(store, TODAY) == TODAY
    assert submission_day(store, TODAY - timedelta(days=400)) == TODAY - timedelta(days=400)


def test_the_example_is_a_paper_that_can_be_submitted(archive: Store) -> None:
    example = submittable_example(archive, LAST, WINDOW)
    # Not the one already on the front day, not the one published before the window.
    assert example is not None and example in {"2608.00002", "2608.00004"}
    user = archive.accounts.ensure_user("ada@example.org")
    _submit(archive, example, user)
    other = submittable_example(archive, LAST, WINDOW)
    assert other is not None and other in {"2608.00002", "2608.00004"} - {example}
    _submit(archive, other, user)
    assert submittable_example(archive, LAST, WINDOW) is None


def test_no_example_without_papers_in_the_window(store: Store) -> None:
    assert submittable_example(store, TODAY, WINDOW) is None
    _announced(store, "2608.00001", LAST - timedelta(days=40), LAST - timedelta(days=3))
    assert submittable_example(store, LAST, WINDOW) is None


def test_arxiv_out_of_reach_is_a_short_message_and_a_logged_reason(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    user = store.accounts.ensure_user("ada@example.org")
    socket_text = "arXiv API at http://export.arxiv.invalid/api/query: connection failed " + (
        "(ConnectError: [Errno -2] Name or service not known); not retried"
    )

    def offline(_arxiv_id: str) -> Iterable[Item]:
        raise Upstream(socket_text)

    with caplog.at_level(logging.WARNING), pytest.raises(Upstream) as raised:
        _submit(store, "2611.00042", user, offline)
    assert str(raised.value) == UNREACHABLE == "arXiv could not be reached; try again later"
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and socket_text in record.getMessage()
    assert store.stats().papers == 0 and store.submissions.count_today(user.id) == 0
