"""Authors' claims in the store, on real SQLite and PostgreSQL: one row per member and paper,
naming the author and their position when claimed; written, decided, withdrawn, and read per
paper, per member, pending, and verified for many papers at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hand_clock import HandClock

from paperfeed.errors import NotFound
from paperfeed.models import Author, AuthorClaim, Batch, Paper, User
from paperfeed.store import Store
from paperfeed.store.schema import users

NOON = datetime(2026, 11, 30, 12, 0)
AUTHORS = tuple(Author(n) for n in ("Ada Lovelace", "Charles Babbage", "Mary Somerville"))


@pytest.fixture
def clock() -> HandClock:
    return HandClock(NOON)


@pytest.fixture
def store(clocked_store: Store) -> Store:
    clocked_store.papers.write(
        Batch(papers=[Paper(_pid(n), f"Paper {n}", authors=AUTHORS) for n in range(1, 4)])
    )
    return clocked_store


@pytest.fixture
def ada(store: Store) -> User:
    return store.accounts.ensure_user("ada@example.org")


@pytest.fixture
def admin(store: Store) -> User:
    return store.accounts.ensure_user("admin@example.org", "admin")


def _pid(n: int) -> str:
    return f"2611.{n:05d}"


def test_a_claim_is_written_and_read_back(store: Store, ada: User) -> None:
    made = store.claims.put(_pid(1), 0, "Ada Lovelace", ada.id, "pending")
    assert made == AuthorClaim(
        _pid(1), 0, "Ada Lovelace", ada.id, "ada", "pending", NOON, None, None
    )
    assert not made.verified and made.held and not made.stale
    assert store.claims.get(_pid(1), ada.id) == made
    assert store.claims.get(_pid(1), ada.id + 1) is None
    assert store.claims.get(_pid(2), ada.id) is None
    assert store.claims.for_paper(_pid(1)) == [made]
    assert store.claims.for_papers([_pid(1), _pid(2)]) == {_pid(1): [made]}
    assert store.claims.of_user(ada.id) == [made]
    assert store.claims.pending() == [made]
    assert store.claims.verified([_pid(1)]) == {}


def test_a_decided_status_is_stamped_with_who_and_when(
    store: Store, ada: User, admin: User, clock: HandClock
) -> None:
    store.claims.put(_pid(1), 1, "Charles Babbage", ada.id, "pending")
    clock.now = NOON + timedelta(hours=2)
    verified = store.claims.decide(_pid(1), ada.id, "verified", admin.id)
    assert (verified.status, verified.created_at) == ("verified", NOON)
    assert (verified.decided_at, verified.decided_by) == (clock.now, admin.id)
    assert verified.verified and store.claims.pending() == []
    assert store.claims.verified([_pid(1), _pid(2)]) == {_pid(1): [verified]}
    assigned = store.claims.put(
        _pid(2), 0, "Ada Lovelace", admin.id, "assigned", decided_by=admin.id
    )
    assert (assigned.decided_at, assigned.decided_by, assigned.verified) == (
        clock.now,
        admin.id,
        True,
    )
    with pytest.raises(NotFound, match=rf"member {admin.id} has no claim on 2611\.00001"):
        store.claims.decide(_pid(1), admin.id, "verified", admin.id)


def test_a_member_has_one_claim_per_paper(store: Store, ada: User, admin: User) -> None:
    store.claims.put(_pid(1), 0, "Ada Lovelace", ada.id, "pending")
    store.claims.decide(_pid(1), ada.id, "rejected", admin.id)
    again = store.claims.put(_pid(1), 2, "Mary Somerville", ada.id, "pending")
    assert (again.position, again.author_name, again.status, again.decided_at) == (
        2,
        "Mary Somerville",
        "pending",
        None,
    )
    assert store.claims.for_paper(_pid(1)) == [again]


def test_positions_are_not_unique(store: Store, ada: User, admin: User) -> None:
    """A later version may move one claimed author onto another's old place, so the store
    keeps two claims at one position; feed/claims.py places them on the current list."""
    bob = store.accounts.ensure_user("bob@example.org")
    store.claims.put(_pid(1), 1, "Charles Babbage", ada.id, "verified", decided_by=admin.id)
    store.claims.put(_pid(1), 1, "Someone New", bob.id, "pending")
    claims = store.claims.for_paper(_pid(1))
    assert [(c.position, c.author_name, c.user_name) for c in claims] == [
        (1, "Charles Babbage", "ada"),
        (1, "Someone New", "bob"),
    ]


def test_withdraw_removes_the_members_claim_only(store: Store, ada: User) -> None:
    bob = store.accounts.ensure_user("bob@example.org")
    store.claims.put(_pid(1), 0, AUTHORS[0].name, ada.id, "pending")
    store.claims.put(_pid(1), 1, AUTHORS[1].name, bob.id, "pending")
    assert store.claims.withdraw(_pid(1), ada.id) is True
    assert store.claims.withdraw(_pid(1), ada.id) is False
    assert [c.user_id for c in store.claims.for_paper(_pid(1))] == [bob.id]


def test_claims_hang_off_a_paper_the_store_has(store: Store, ada: User) -> None:
    with pytest.raises(NotFound, match=r"no paper 2611\.99999"):
        store.claims.put("2611.99999", 0, AUTHORS[0].name, ada.id, "pending")


def test_lists_are_ordered(store: Store, ada: User, admin: User, clock: HandClock) -> None:
    bob = store.accounts.ensure_user("bob@example.org")
    store.claims.put(_pid(2), 2, AUTHORS[2].name, bob.id, "pending")
    clock.now = NOON + timedelta(minutes=1)
    store.claims.put(_pid(1), 1, AUTHORS[1].name, ada.id, "pending")
    store.claims.put(_pid(1), 0, AUTHORS[0].name, bob.id, "pending")
    clock.now = NOON + timedelta(minutes=2)
    store.claims.put(_pid(3), 0, AUTHORS[0].name, ada.id, "pending")
    pending = [(c.arxiv_id, c.position) for c in store.claims.pending()]
    assert pending == [(_pid(2), 2), (_pid(1), 0), (_pid(1), 1), (_pid(3), 0)]
    assert [c.position for c in store.claims.for_paper(_pid(1))] == [0, 1]
    assert [c.arxiv_id for c in store.claims.of_user(ada.id)] == [_pid(3), _pid(1)]
    assert len(store.claims.pending(limit=2)) == 2


def test_verified_for_many_papers_in_one_call(store: Store, ada: User, admin: User) -> None:
    bob = store.accounts.ensure_user("bob@example.org")
    store.claims.put(_pid(1), 2, AUTHORS[2].name, ada.id, "verified", decided_by=admin.id)
    store.claims.put(_pid(1), 0, AUTHORS[0].name, bob.id, "assigned", decided_by=admin.id)
    store.claims.put(_pid(2), 1, AUTHORS[1].name, ada.id, "pending")
    store.claims.put(_pid(3), 1, AUTHORS[1].name, bob.id, "rejected", decided_by=admin.id)
    # More ids than one IN list takes, repeated ones and unknown ones included.
    ids = [_pid(1), _pid(1), *(f"2612.{n:05d}" for n in range(1000)), _pid(2), _pid(3)]
    found = store.claims.verified(ids)
    assert list(found) == [_pid(1)]
    assert [(c.position, c.user_name, c.status) for c in found[_pid(1)]] == [
        (0, "bob", "assigned"),
        (2, "ada", "verified"),
    ]
    assert store.claims.verified([]) == {}


def test_participating_means_a_verified_author_commented(
    store: Store, ada: User, admin: User
) -> None:
    bob = store.accounts.ensure_user("bob@example.org")
    store.claims.put(_pid(1), 0, AUTHORS[0].name, ada.id, "verified", decided_by=admin.id)
    store.claims.put(_pid(2), 0, AUTHORS[0].name, bob.id, "pending")
    store.claims.put(_pid(3), 0, AUTHORS[0].name, ada.id, "verified", decided_by=admin.id)
    store.comments.add(_pid(1), ada.id, "I wrote this")
    store.comments.add(_pid(2), bob.id, "me too (not verified)")
    store.comments.add(_pid(3), bob.id, "someone else")
    hidden = store.comments.add(_pid(3), ada.id, "hidden by a curator")
    store.comments.set_hidden(hidden.id, True)
    ids = [_pid(1), _pid(2), _pid(3)]
    assert store.claims.participating(ids) == {_pid(1)}
    store.comments.set_hidden(hidden.id, False)
    assert store.claims.participating(ids) == {_pid(1), _pid(3)}
    store.comments.delete(hidden.id, ada.id)
    assert store.claims.participating(ids) == {_pid(1)}


def test_a_unit_of_work_takes_the_papers_lock_and_commits_once(store: Store, ada: User) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.claims.lock_paper(_pid(1))
        store.claims.put(_pid(1), 0, AUTHORS[0].name, ada.id, "pending")
        raise RuntimeError("the request failed")
    assert store.claims.for_paper(_pid(1)) == []
    with store.transaction():
        store.claims.lock_paper(_pid(1))
        store.claims.put(_pid(1), 0, AUTHORS[0].name, ada.id, "pending")
    assert len(store.claims.for_paper(_pid(1))) == 1


def test_a_deleted_member_takes_their_claims_along(store: Store, ada: User) -> None:
    store.claims.put(_pid(1), 0, AUTHORS[0].name, ada.id, "pending")
    with store.transaction() as conn:
        conn.execute(users.delete().where(users.c.id == ada.id))
    assert store.claims.for_paper(_pid(1)) == []
