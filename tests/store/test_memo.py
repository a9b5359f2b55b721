"""The read memo on real SQLite and PostgreSQL: a repeated read costs one statement (the
change stamp), and any committed write, through this store or another connection to the same
database (another worker, the CLI), shows at the next read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from statement_log import measured_quietly, statements_run

from paperfeed.models import Batch, Paper
from paperfeed.store import Store
from paperfeed.store.memo import ReadMemo, frozen, weight

DAY = date(2026, 3, 2)


def _listed(store: Store, *ids: str) -> None:
    store.papers.write(Batch(papers=[Paper(i, f"Paper {i}") for i in ids]))
    for i in ids:
        store.moderation.feature(i, DAY, "curator")


@pytest.fixture
def statements(store: Store) -> Iterator[list[str]]:
    with statements_run(store.db.engine) as seen:
        yield seen


def test_a_repeated_read_costs_one_statement(store: Store, statements: list[str]) -> None:
    _listed(store, "2603.00001", "2603.00002")
    first = store.listings.featured(DAY, DAY)

    def again() -> int:
        statements.clear()
        assert store.listings.featured(DAY, DAY) == first and first.total == 2
        return len(statements)

    assert measured_quietly(again, 1) == 1, statements  # the stamp


def test_a_write_through_another_connection_shows_at_once(store: Store, db_url: str) -> None:
    _listed(store, "2603.00001")
    assert store.listings.featured(DAY, DAY).items[0].upvotes == 0
    with Store.open(db_url, migrate=False) as other:  # another worker or the CLI
        user = other.accounts.ensure_user("reader@example.org")
        other.votes.cast(user.id, "2603.00001", True)
    assert store.listings.featured(DAY, DAY).items[0].upvotes == 1
    with Store.open(db_url, migrate=False) as other:
        _listed(other, "2603.00002")
    assert store.listings.featured(DAY, DAY).total == 2


def test_writes_through_this_store_show_at_once(store: Store) -> None:
    _listed(store, "2603.00001")
    assert store.moderation.hidden_ids() == set()
    store.moderation.hide("2603.00001", None, "spam")
    assert store.moderation.hidden_ids() == {"2603.00001"}
    assert store.listings.featured(DAY, DAY).total == 0


def test_a_transaction_reads_its_own_writes(store: Store) -> None:
    _listed(store, "2603.00001")
    user = store.accounts.ensure_user("reader@example.org")
    assert store.votes.voted(user.id, ["2603.00001"]) == set()
    with store.transaction():
        store.votes.cast(user.id, "2603.00001", True)
        assert store.votes.voted(user.id, ["2603.00001"]) == {"2603.00001"}
    assert store.votes.voted(user.id, ["2603.00001"]) == {"2603.00001"}


def test_a_rolled_back_write_leaves_reads_as_they_were(store: Store) -> None:
    _listed(store, "2603.00001")
    user = store.accounts.ensure_user("reader@example.org")
    with pytest.raises(RuntimeError), store.transaction():
        store.votes.cast(user.id, "2603.00001", True)
        raise RuntimeError
    assert store.votes.voted(user.id, ["2603.00001"]) == set()
    assert store.listings.featured(DAY, DAY).items[0].upvotes == 0


def test_each_caller_gets_its_own_dict(store: Store) -> None:
    _listed(store, "2603.00001")
    store.comments.add("2603.00001", store.accounts.ensure_user("a@example.org").id, "Nice")
    counts = store.comments.counts(["2603.00001"])
    counts["2603.00001"] = 99
    counts["other"] = 1
    assert store.comments.counts(["2603.00001"]) == {"2603.00001": 1}


def test_a_snapshot_reads_the_stamp_once(store: Store, statements: list[str]) -> None:
    _listed(store, "2603.00001")
    store.listings.featured(DAY, DAY)
    store.listings.neighbour_days(DAY)

    def again() -> int:
        statements.clear()
        with store.snapshot():
            store.listings.featured(DAY, DAY)
            store.listings.neighbour_days(DAY)
        return len(statements)

    assert measured_quietly(again, 1) == 1, statements


def test_without_the_memo_every_read_reads(db_url: str) -> None:
    with Store.open(db_url, memo_rows=0) as store:
        assert store.db.memo is None
        _listed(store, "2603.00001")
        assert store.listings.featured(DAY, DAY).total == 1


def test_the_stamp_changes_with_every_commit(store: Store) -> None:
    before = store.db.stamp()
    assert store.db.stamp() == before
    store.accounts.ensure_user("reader@example.org")
    assert store.db.stamp() != before


# ---------------------------------------------------------------------- the memo itself


def test_an_entry_answers_only_at_its_stamp() -> None:
    memo = ReadMemo(rows=10)
    memo.put("k", 1, "value")
    assert memo.get("k", 1) == (True, "value")
    assert memo.get("k", 2) == (False, None)
    assert memo.get("other", 1) == (False, None)
    assert (memo.hits, memo.misses) == (1, 2)


def test_it_holds_at_most_its_rows_least_recently_used_out() -> None:
    memo = ReadMemo(rows=10)
    memo.put("a", 1, "a", weight=4)
    memo.put("b", 1, "b", weight=4)
    memo.get("a", 1)
    memo.put("c", 1, "c", weight=4)  # 12 > 10: b, the least recently used, goes
    assert memo.get("b", 1)[0] is False
    assert memo.get("a", 1)[0] and memo.get("c", 1)[0]
    memo.put("huge", 1, "x", weight=11)  # alone heavier than the memo: not kept
    assert memo.get("huge", 1)[0] is False and len(memo) == 2


def test_weights_and_keys() -> None:
    assert weight([1, 2, 3]) == 3 and weight({"a": 1}) == 1 and weight(None) == 1
    assert frozen(["a", ["b"]]) == ("a", ("b",)) and frozen({"a"}) == frozenset({"a"})
