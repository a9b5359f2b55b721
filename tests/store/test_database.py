"""The unit of work on real SQLite and PostgreSQL: what a transaction writes through several
repositories commits together, or not at all; a snapshot reads through one connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from store_rows import stored_papers

from paperfeed.errors import NotFound
from paperfeed.models import Batch, Paper
from paperfeed.store import Store, database
from paperfeed.store.database import Upsert
from paperfeed.store.schema import paper_versions


class Boom(Exception):
    pass


def _paper(n: int) -> Paper:
    return Paper(f"2401.{n:05d}", f"Paper {n}", version=1, published=datetime(2024, 1, 2))


def test_writes_outside_a_transaction_each_commit(store: Store) -> None:
    before = store.generation
    store.papers.write(Batch(papers=[_paper(1)]))
    store.accounts.ensure_user("ada@example.org")
    assert store.generation == before + 2
    assert store.papers.get("2401.00001") is not None


def test_a_transaction_commits_everything_once(store: Store, db_url: str) -> None:
    before = store.generation
    with store.transaction():
        store.papers.write(Batch(papers=[_paper(1)]))
        user = store.accounts.ensure_user("ada@example.org")
        store.votes.cast(user.id, "2401.00001", True)
        # inside, reads see the transaction's own writes
        assert store.papers.upvote_counts(["2401.00001"]) == {"2401.00001": 1}
    assert store.generation == before + 1
    other = Store.open(db_url)  # another process sees all of it
    try:
        assert other.papers.upvote_counts(["2401.00001"]) == {"2401.00001": 1}
        assert other.accounts.by_email("ada@example.org") is not None
    finally:
        other.close()


def test_a_failure_in_the_last_write_leaves_nothing_of_the_first(store: Store) -> None:
    before = store.generation
    with pytest.raises(NotFound), store.transaction():
        store.papers.write(Batch(papers=[_paper(1)]))
        user = store.accounts.ensure_user("ada@example.org")
        store.moderation.feature("2401.00001", date(2024, 1, 2), user.name)
        store.votes.cast(user.id, "2401.99999", True)  # no such paper
    assert store.papers.get("2401.00001") is None
    assert store.accounts.by_email("ada@example.org") is None
    assert store.listings.latest_day() is None
    assert store.generation == before


def test_any_exception_rolls_back_and_the_store_stays_usable(store: Store) -> None:
    with pytest.raises(Boom), store.transaction():
        store.papers.write(Batch(papers=[_paper(1)]))
        raise Boom
    assert store.papers.get("2401.00001") is None
    store.papers.write(Batch(papers=[_paper(2)]))
    assert store.papers.get("2401.00002") is not None


def test_nested_transactions_join_the_outer_one(store: Store) -> None:
    with pytest.raises(Boom), store.transaction():
        with store.transaction():
            store.papers.write(Batch(papers=[_paper(1)]))
        assert store.db.in_transaction
        raise Boom
    assert not store.db.in_transaction
    assert store.papers.get("2401.00001") is None


def test_actions_after_commit_run_only_once_it_committed(store: Store) -> None:
    ran: list[str] = []
    with store.transaction():
        store.db.after_commit(lambda: ran.append("committed"))
        store.papers.write(Batch(papers=[_paper(1)]))
        assert ran == []
    assert ran == ["committed"]
    with pytest.raises(Boom), store.transaction():
        store.db.after_commit(lambda: ran.append("rolled back"))
        raise Boom
    assert ran == ["committed"]
    store.db.after_commit(lambda: ran.append("no transaction"))
    assert ran == ["committed", "no transaction"]


def test_two_stores_keep_their_own_transactions(store: Store, db_url: str) -> None:
    other = Store.open(db_url)
    try:
        with store.transaction():
            store.papers.write(Batch(papers=[_paper(1)]))
            assert not other.db.in_transaction
    finally:
        other.close()
    assert store.papers.get("2401.00001") is not None


def test_rows_are_stamped_by_the_injected_clock(db_url: str) -> None:
    now = [datetime(2030, 5, 6, 7, 8, 9)]
    moved = Store.open(db_url, clock=lambda: now[0])
    try:
        user = moved.accounts.ensure_user("ada@example.org")
        assert user.created_at == datetime(2030, 5, 6, 7, 8, 9)
        moved.papers.write(Batch(papers=[_paper(1)]))
        moved.votes.cast(user.id, "2401.00001", True)
        now[0] += timedelta(days=1)
        assert moved.db.now() == datetime(2030, 5, 7, 7, 8, 9)
    finally:
        moved.close()


def _count(store: Store, name: str) -> list[int]:
    """A counter of the engine's `name` events from here on (checkout, begin, connect)."""
    seen = [0]

    def count(*_args: object) -> None:
        seen[0] += 1

    event.listen(store.db.engine, name, count)
    return seen


def test_a_snapshot_reads_through_one_connection_and_one_transaction(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1), _paper(2)]))
    checkouts, begins = _count(store, "checkout"), _count(store, "begin")
    with store.snapshot():
        assert store.db.in_snapshot
        store.papers.get_many(["2401.00001"])
        store.comments.counts(["2401.00001"])
        with store.snapshot():  # nested: the same one
            store.listings.listed(["2401.00002"])
        assert store.papers.get("2401.00002") is not None
    assert (checkouts[0], begins[0]) == (1, 1)
    assert not store.db.in_snapshot
    store.papers.get("2401.00001")  # outside, a read is a transaction of its own again
    assert (checkouts[0], begins[0]) == (2, 2)


def test_a_snapshot_that_reads_nothing_takes_no_connection(store: Store) -> None:
    """A page served from the cache reads nothing: its snapshot costs no checkout."""
    checkouts = _count(store, "checkout")
    with store.snapshot():
        assert store.db.in_snapshot
    assert checkouts[0] == 0


def test_writes_inside_a_snapshot_commit_on_their_own(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1)]))
    with pytest.raises(Boom), store.snapshot():
        assert store.papers.get("2401.00002") is None
        store.papers.write(Batch(papers=[_paper(2)]))
        raise Boom
    assert store.papers.get("2401.00002") is not None


def test_reads_in_a_transaction_inside_a_snapshot_see_its_writes(store: Store) -> None:
    with store.snapshot(), store.transaction():
        store.papers.write(Batch(papers=[_paper(1)]))
        assert store.papers.get("2401.00001") is not None


def test_sqlite_keeps_a_connection_for_each_thread_reading_at_once(tmp_path: Path) -> None:
    """Up to the pool's size of threads read at once, and then again, on the connections
    opened the first time: none is closed on return and reopened (with its PRAGMAs)."""
    store = Store.open(f"sqlite:///{tmp_path / 'pool.db'}")
    try:
        connects = _count(store, "connect")
        threads = 24
        barrier = threading.Barrier(threads)

        def read(_n: int) -> None:
            with store.db.reading() as conn:
                barrier.wait(timeout=30)  # every thread holds a connection at once
                conn.execute(text("SELECT 1"))

        for _round in range(2):
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(read, range(threads)))
        assert connects[0] <= threads
    finally:
        store.close()


def test_an_upsert_binds_rows_by_position_whatever_its_column_order(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1)]))
    upsert = Upsert(
        paper_versions,
        ["size", "submitted", "version", "paper_id"],  # not the table's order
        ["paper_id", "version"],
        ["submitted", "size"],
    )
    sent: list[str] = []
    event.listen(store.db.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    for size in ("1kb", "2kb"):  # an insert, then an update of the same row
        with store.db.writing() as conn:
            upsert.run(store.db, conn, [[size, datetime(2024, 1, 3), 7, "2401.00001"]])
    upserts = [sql for sql in sent if sql.startswith("INSERT INTO paper_versions")]
    assert len(upserts) == 2
    assert all("%(" not in sql and ":size" not in sql for sql in upserts)
    with store.db.reading() as conn:
        rows = conn.execute(
            select(paper_versions.c.submitted, paper_versions.c.size).where(
                paper_versions.c.version == 7
            )
        ).all()
    assert [tuple(r) for r in rows] == [(datetime(2024, 1, 3), "2kb")]


@pytest.mark.parametrize("copy", [True, False], ids=["copied", "row-by-row"])
def test_an_upsert_of_many_rows_stores_what_one_of_few_does(
    db_url: str, another_db_url: str, monkeypatch: pytest.MonkeyPatch, copy: bool
) -> None:
    """On PostgreSQL many rows go through COPY and one INSERT … SELECT: the same rows, the
    same updates, and text COPY treats specially (tabs, line breaks, backslashes, `\\N`)
    arrives as written. SQLite writes row by row either way."""
    awkward = ["tab\there", "line\nbreak", "back\\slash", "\\N", "quote \" ' ", "ünï ∑ 🚀", ""]

    def batch(version: int) -> Batch:
        return Batch(
            papers=[
                Paper(
                    f"2401.{n:05d}",
                    f"{awkward[n % len(awkward)]} {n}",
                    abstract=awkward[(n + version) % len(awkward)],
                    version=version,
                    published=datetime(2024, 1, 1 + n % 28, 12),
                )
                for n in range(300)
            ]
        )

    stores = []
    for url, many in ((db_url, copy), (another_db_url, False)):
        monkeypatch.setattr(database, "COPY_ROWS", 1 if many else 10**9)
        store = Store.open(url)
        stores.append(store)
        for version in (1, 2):  # inserts, then updates of every row
            store.papers.write(batch(version))
    try:
        assert stored_papers(stores[0]) == stored_papers(stores[1])
        paper = stores[0].papers.get("2401.00003")
        assert paper is not None and paper.title == "\\N 3" and paper.version == 2
    finally:
        for store in stores:
            store.close()
