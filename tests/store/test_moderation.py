"""Curators' decisions on real SQLite and PostgreSQL: hiding a paper (once, with who and why)
and featuring one on a day (once per day)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from store_rows import daily_entries_on, hidden_record

from paperfeed.errors import NotFound
from paperfeed.models import Batch, DailyEntry, Paper
from paperfeed.store import Store

NOW = datetime(2026, 3, 2, 9, 0)
DAY = date(2026, 3, 2)
ONE, TWO = "2603.00001", "2603.00002"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url, clock=lambda: NOW)
    try:
        s.papers.write(Batch(papers=[Paper(ONE, "One"), Paper(TWO, "Two")]))
        yield s
    finally:
        s.close()


def test_hide_and_unhide(store: Store) -> None:
    curator = store.accounts.ensure_user("cu@example.org", role="curator")
    assert (store.moderation.is_hidden(ONE), store.moderation.hidden_ids()) == (False, set())
    store.moderation.hide(ONE, curator.id, "spam")
    store.moderation.hide(TWO, None)
    assert store.moderation.is_hidden(ONE) and store.moderation.is_hidden(TWO)
    assert store.moderation.hidden_ids() == {ONE, TWO}
    assert hidden_record(store, ONE) == (curator.id, NOW, "spam")
    assert hidden_record(store, TWO) == (None, NOW, "")
    store.moderation.unhide(ONE)
    assert (store.moderation.is_hidden(ONE), store.moderation.hidden_ids()) == (False, {TWO})
    assert hidden_record(store, ONE) is None
    store.moderation.unhide(ONE)  # not hidden: nothing to do
    assert store.moderation.hidden_ids() == {TWO}


def test_hiding_twice_keeps_the_first_decision(store: Store) -> None:
    first = store.accounts.ensure_user("first@example.org", role="curator")
    second = store.accounts.ensure_user("second@example.org", role="curator")
    store.moderation.hide(ONE, first.id, "spam")
    store.moderation.hide(ONE, second.id, "off topic")
    assert hidden_record(store, ONE) == (first.id, NOW, "spam")
    assert store.moderation.hidden_ids() == {ONE}


def test_an_unknown_paper_cannot_be_hidden_or_featured(store: Store) -> None:
    with pytest.raises(NotFound, match=r"no paper 2603\.99999"):
        store.moderation.hide("2603.99999", None, "spam")
    with pytest.raises(NotFound, match=r"no paper 2603\.99999"):
        store.moderation.feature("2603.99999", DAY, "cu")
    assert store.moderation.hidden_ids() == set()
    assert store.listings.latest_day() is None


def test_feature_lists_a_paper_once_a_day(store: Store) -> None:
    store.moderation.feature(ONE, DAY, "cu")
    store.moderation.feature(ONE, DAY, "someone-else", source="editor")
    assert daily_entries_on(store, DAY) == [DailyEntry(ONE, DAY, "cu", "cu", NOW, "curator")]
    store.moderation.feature(ONE, date(2026, 3, 3), "cu", source="editor")
    assert daily_entries_on(store, date(2026, 3, 3)) == [
        DailyEntry(ONE, date(2026, 3, 3), "cu", "cu", NOW, "editor")
    ]


def test_feature_says_whether_it_listed_the_paper(store: Store) -> None:
    assert [
        store.moderation.feature(ONE, DAY, "cu"),
        store.moderation.feature(ONE, DAY, "cu"),
        store.moderation.feature(ONE, date(2026, 3, 3), "cu"),
    ] == [True, False, True]


def test_feature_is_false_for_a_paper_an_import_listed(store: Store) -> None:
    entry = DailyEntry(TWO, DAY, "hf-user", "HF User", datetime(2026, 3, 1), "hf")
    store.papers.write(Batch(daily_entries=[entry]))
    assert store.moderation.feature(TWO, DAY, "cu") is False
    assert daily_entries_on(store, DAY) == [entry]


def test_unfeature_takes_a_paper_off_one_day(store: Store) -> None:
    store.moderation.feature(ONE, DAY, "cu")
    store.moderation.feature(ONE, date(2026, 3, 3), "cu")
    store.moderation.feature(TWO, DAY, "cu")
    store.moderation.unfeature(ONE, DAY)
    assert [e.arxiv_id for e in daily_entries_on(store, DAY)] == [TWO]
    assert [e.arxiv_id for e in daily_entries_on(store, date(2026, 3, 3))] == [ONE]
    store.moderation.unfeature(ONE, DAY)  # not listed that day: nothing to do
    store.moderation.feature(ONE, DAY, "again")  # and it can be listed again
    assert [e.submitted_by for e in daily_entries_on(store, DAY)] == ["cu", "again"]
