"""What the search indexes read from the store, on real SQLite and PostgreSQL: papers in change
order (deleted ones flagged), in batches, and stored embeddings per model."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta

import pytest
from hand_clock import HandClock

from paperfeed.models import Author, Batch, Deletion, IndexDoc, Paper
from paperfeed.store import Store

T1 = datetime(2026, 3, 2, 9, 0)
T2 = T1 + timedelta(hours=1)
T3 = T1 + timedelta(hours=2)


@pytest.fixture
def store(clocked_store: Store) -> Store:
    return clocked_store


def _pid(n: int) -> str:
    return f"2603.{n:05d}"


def _paper(n: int, version: int = 1, title: str | None = None) -> Paper:
    return Paper(_pid(n), title or f"Paper {n}", version=version)


def _changes(store: Store, after: int | None, batch_size: int = 2000) -> list[list[str]]:
    return [
        [d.arxiv_id for d in batch]
        for batch in store.search_data.changed_since(after, batch_size=batch_size)
    ]


def _docs(store: Store) -> list[IndexDoc]:
    return [d for batch in store.search_data.changed_since(None) for d in batch]


def _history(store: Store, clock: HandClock) -> None:
    """Papers 4, 3, 2, 1 written at T1 (changes 1-4), paper 2 revised at T2 (change 5), paper
    1 deleted at T3 (change 6)."""
    store.papers.write(Batch(papers=[_paper(n) for n in (4, 3, 2, 1)]))
    clock.now = T2
    store.papers.write(Batch(papers=[_paper(2, version=2, title="Paper 2, revised")]))
    clock.now = T3
    store.papers.write(Batch(deletions=[Deletion(_pid(1))]))


def test_an_empty_store_has_no_changes(store: Store) -> None:
    assert _changes(store, None) == []
    assert store.search_data.count_changed_since(None) == 0
    assert store.search_data.last_change() == 0


def test_changes_come_oldest_first_with_deleted_papers_flagged(
    store: Store, clock: HandClock
) -> None:
    _history(store, clock)
    docs = _docs(store)
    assert [(d.arxiv_id, d.change_seq, d.changed_at, d.deleted) for d in docs] == [
        (_pid(4), 1, T1, False),  # a batch's papers are numbered in the batch's order
        (_pid(3), 2, T1, False),
        (_pid(2), 5, T2, False),  # its first change (3) is superseded
        (_pid(1), 6, T3, True),
    ]
    assert docs[2].title == "Paper 2, revised"
    assert store.search_data.last_change() == 6


def test_changes_after_a_number_exclude_it(store: Store, clock: HandClock) -> None:
    _history(store, clock)
    assert _changes(store, 4) == [[_pid(2), _pid(1)]]
    assert _changes(store, 5) == [[_pid(1)]]
    assert _changes(store, 6) == []
    counts = [store.search_data.count_changed_since(n) for n in (None, 0, 2, 5, 6)]
    assert counts == [4, 4, 2, 1, 0]


def test_changes_come_in_batches(store: Store, clock: HandClock) -> None:
    _history(store, clock)
    assert _changes(store, None, batch_size=1) == [[_pid(4)], [_pid(3)], [_pid(2)], [_pid(1)]]
    assert _changes(store, None, batch_size=3) == [[_pid(4), _pid(3), _pid(2)], [_pid(1)]]
    store.papers.write(Batch(papers=[_paper(n) for n in range(5, 10)]))  # changes 7-11
    assert _changes(store, 6, batch_size=2) == [[_pid(5), _pid(6)], [_pid(7), _pid(8)], [_pid(9)]]


def test_a_rewrite_that_changes_nothing_is_no_change(store: Store, clock: HandClock) -> None:
    _history(store, clock)
    clock.now = T3 + timedelta(days=1)
    store.papers.write(Batch(papers=[_paper(3), _paper(4)]))
    assert store.search_data.last_change() == 6
    assert store.search_data.count_changed_since(6) == 0


def test_change_numbers_follow_commit_order_across_transactions(store: Store) -> None:
    """A writer takes its numbers in its transaction; one that took numbers and rolled back
    leaves no gap that a later reader could mistake for a missed change."""
    store.papers.write(Batch(papers=[_paper(1)]))
    try:
        with store.transaction():
            store.papers.write(Batch(papers=[_paper(2)]))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    store.papers.write(Batch(papers=[_paper(3)]))
    assert [(d.arxiv_id, d.change_seq) for d in _docs(store)] == [(_pid(1), 1), (_pid(3), 2)]


def test_a_change_carries_what_the_indexes_need(store: Store) -> None:
    full = Paper(
        _pid(1),
        "Attention",
        abstract="We attend.",
        version=1,
        authors=(Author("Ada Lovelace", ("Analytical Engines",)), Author("Charles Babbage")),
        categories=("cs.CL", "cs.LG"),
        published=datetime(2026, 3, 1, 17, 0),
    )
    store.papers.write(Batch(papers=[full, Paper(_pid(2), "Bare")]))
    assert _docs(store) == [
        IndexDoc(
            _pid(1),
            "Attention",
            "We attend.",
            ("Ada Lovelace", "Charles Babbage"),
            ("cs.CL", "cs.LG"),
            datetime(2026, 3, 1, 17, 0),
            False,
            T1,
            1,
        ),
        IndexDoc(_pid(2), "Bare", "", (), (), None, False, T1, 2),
    ]


# ------------------------------------------------------------------------------ vectors


def _vector(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def test_vectors_are_kept_per_model(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1), _paper(2), _paper(3)]))
    store.search_data.put_vectors(
        "small",
        [(_pid(1), "h1", 2, _vector(1.0, 2.0)), (_pid(2), "h2", 2, _vector(3.0, 4.0))],
    )
    store.search_data.put_vectors("large", [(_pid(1), "h1", 3, _vector(0.5, 0.25, -1.0))])
    ids = [_pid(1), _pid(2), _pid(3), "2603.99999"]
    assert store.search_data.vectors("small", ids) == {
        _pid(1): _vector(1.0, 2.0),
        _pid(2): _vector(3.0, 4.0),
    }
    assert store.search_data.vectors("large", ids) == {_pid(1): _vector(0.5, 0.25, -1.0)}
    assert store.search_data.vector_hashes("small", ids) == {_pid(1): "h1", _pid(2): "h2"}
    assert store.search_data.vector_hashes("large", [_pid(2)]) == {}
    assert store.search_data.vectors("none", ids) == {}
    counts = [store.search_data.count_vectors(m) for m in ("small", "large", "none")]
    assert counts == [2, 1, 0]


def test_put_vectors_replaces_a_papers_vector(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1), _paper(2)]))
    store.search_data.put_vectors(
        "small", [(_pid(1), "old", 2, _vector(1.0, 2.0)), (_pid(2), "h2", 2, _vector(3.0, 4.0))]
    )
    store.search_data.put_vectors("small", [(_pid(1), "new", 3, _vector(9.0, 8.0, 7.0))])
    store.search_data.put_vectors("small", [])  # nothing to store
    assert store.search_data.vectors("small", [_pid(1), _pid(2)]) == {
        _pid(1): _vector(9.0, 8.0, 7.0),
        _pid(2): _vector(3.0, 4.0),
    }
    assert store.search_data.vector_hashes("small", [_pid(1), _pid(2)]) == {
        _pid(1): "new",
        _pid(2): "h2",
    }
    assert store.search_data.count_vectors("small") == 2


def test_vectors_of_more_papers_than_one_query_takes(store: Store) -> None:
    n = 2000  # more than two IN lists
    store.papers.write(Batch(papers=[_paper(i) for i in range(n)]))
    store.search_data.put_vectors("small", [(_pid(i), f"h{i}", 1, _vector(i)) for i in range(n)])
    ids = [_pid(i) for i in range(n)]
    assert store.search_data.vectors("small", ids) == {_pid(i): _vector(i) for i in range(n)}
    assert store.search_data.vector_hashes("small", ids) == {_pid(i): f"h{i}" for i in range(n)}
    assert store.search_data.count_vectors("small") == n
