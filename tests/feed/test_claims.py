"""Authors claiming their papers: the rules as values (`check_claim`, `decided_status`), then
claiming, withdrawing, deciding and what a verified author may do, on real SQLite and
PostgreSQL, parallel claims from separate connections included."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from paperfeed.errors import Conflict, Forbidden, Invalid, NotFound
from paperfeed.feed.claims import (
    check_claim,
    claim_authorship,
    decide_claim,
    decided_status,
    is_verified_author,
    withdraw_claim,
)
from paperfeed.feed.links import may_set_links, set_links
from paperfeed.models import Author, AuthorClaim, Batch, Paper, User
from paperfeed.store import Store

NOON = datetime(2026, 11, 30, 12, 0)
PAPER = Paper("2611.00001", "A paper", authors=(Author("Ada L."), Author("Bob B."), Author("C.")))
ADA = User(1, "ada@example.org", "ada", "member", NOON)
BOB = User(2, "bob@example.org", "bob", "member", NOON)


def _claim(position: int, user: User, status: str = "pending") -> AuthorClaim:
    return AuthorClaim(PAPER.arxiv_id, position, user.id, user.name, status, NOON)


# ------------------------------------------------------------------------------ the rules


def test_a_free_author_may_be_claimed() -> None:
    assert check_claim(PAPER, 0, ADA, []) is None
    assert check_claim(PAPER, 2, ADA, [_claim(0, BOB, "verified")]) is None


def test_a_rejected_claim_frees_the_author() -> None:
    assert check_claim(PAPER, 1, ADA, [_claim(1, BOB, "rejected")]) is None
    assert check_claim(PAPER, 1, ADA, [_claim(0, ADA, "rejected")]) is None


@pytest.mark.parametrize("status", ["pending", "verified", "assigned"])
def test_an_author_someone_else_holds_is_refused(status: str) -> None:
    with pytest.raises(Conflict, match=r"Bob B\. \(author 1\) is already claimed by another"):
        check_claim(PAPER, 1, ADA, [_claim(1, BOB, status)])


@pytest.mark.parametrize("status", ["pending", "verified", "assigned"])
def test_one_author_per_member_and_paper(status: str) -> None:
    with pytest.raises(Conflict, match=r"you already claim to be Ada L\. \(author 0\)"):
        check_claim(PAPER, 2, ADA, [_claim(0, ADA, status)])


def test_ones_own_claim_comes_back() -> None:
    own = _claim(1, ADA)
    assert check_claim(PAPER, 1, ADA, [_claim(0, BOB), own]) == own


@pytest.mark.parametrize("position", [-1, 3, 10**6])
def test_a_position_outside_the_author_list_is_invalid(position: int) -> None:
    with pytest.raises(Invalid, match=r"position must be from 0 to 2: 2611\.00001 has 3 authors"):
        check_claim(PAPER, position, ADA, [])


def test_a_paper_without_authors_has_nothing_to_claim() -> None:
    with pytest.raises(Invalid, match="no author list"):
        check_claim(Paper("2611.00002", "t"), 0, ADA, [])


@pytest.mark.parametrize(
    ("status", "verify", "after"),
    [
        ("pending", True, "verified"),
        ("pending", False, "rejected"),
        ("rejected", True, "verified"),
        ("verified", False, "rejected"),
        ("assigned", True, "assigned"),
        ("assigned", False, "rejected"),
    ],
)
def test_decided_status(status: str, verify: bool, after: str) -> None:
    assert decided_status(_claim(0, ADA, status), verify) == after


# ------------------------------------------------------------------------------ on a store


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url, clock=lambda: NOON)
    s.papers.write(Batch(papers=[PAPER, Paper("2611.00002", "Another", authors=PAPER.authors)]))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def members(store: Store) -> tuple[User, User, User]:
    return (
        store.accounts.ensure_user("ada@example.org"),
        store.accounts.ensure_user("bob@example.org"),
        store.accounts.ensure_user("root@example.org", "admin"),
    )


def test_claim_verify_then_set_links(store: Store, members: tuple[User, User, User]) -> None:
    ada, _bob, admin = members
    pending = claim_authorship(store, PAPER.arxiv_id, 0, ada)
    assert (pending.status, pending.user_id) == ("pending", ada.id)
    # Claiming again changes nothing.
    assert claim_authorship(store, PAPER.arxiv_id, 0, ada) == pending
    assert not may_set_links(store, PAPER.arxiv_id, ada)
    with pytest.raises(Forbidden, match="verified author"):
        set_links(store, PAPER.arxiv_id, ada, "https://github.com/a/b", None)
    verified = decide_claim(store, PAPER.arxiv_id, 0, admin, verify=True)
    assert (verified.status, verified.decided_by) == ("verified", admin.id)
    assert is_verified_author(store, PAPER.arxiv_id, ada.id)
    assert may_set_links(store, PAPER.arxiv_id, ada)
    assert not may_set_links(store, "2611.00002", ada)  # another paper
    set_links(store, PAPER.arxiv_id, ada, "https://github.com/a/b", None)
    paper = store.papers.get(PAPER.arxiv_id)
    assert paper is not None and paper.code_url == "https://github.com/a/b"


def test_an_admins_claim_and_assignment_are_verified_at_once(
    store: Store, members: tuple[User, User, User]
) -> None:
    ada, bob, admin = members
    own = claim_authorship(store, PAPER.arxiv_id, 2, admin)
    assert (own.status, own.decided_by) == ("assigned", admin.id)
    pending = claim_authorship(store, PAPER.arxiv_id, 0, ada)
    # An admin assigning a member their pending author verifies it.
    assigned = claim_authorship(store, PAPER.arxiv_id, 0, admin, member=ada)
    assert (assigned.status, assigned.user_id, assigned.created_at) == (
        "assigned",
        ada.id,
        pending.created_at,
    )
    with pytest.raises(Conflict, match="already claimed by another member"):
        claim_authorship(store, PAPER.arxiv_id, 0, admin, member=bob)
    with pytest.raises(Forbidden, match="only admins can assign"):
        claim_authorship(store, PAPER.arxiv_id, 1, ada, member=bob)


def test_rejected_then_claimed_again(store: Store, members: tuple[User, User, User]) -> None:
    ada, bob, admin = members
    claim_authorship(store, PAPER.arxiv_id, 1, ada)
    rejected = decide_claim(store, PAPER.arxiv_id, 1, admin, verify=False)
    assert rejected.status == "rejected"
    assert not may_set_links(store, PAPER.arxiv_id, ada)
    # The author is free for someone else, and the member may claim another one; their
    # rejected claim gives way.
    assert claim_authorship(store, PAPER.arxiv_id, 1, bob).status == "pending"
    assert claim_authorship(store, PAPER.arxiv_id, 0, ada).status == "pending"
    assert [(c.position, c.user_name) for c in store.claims.for_paper(PAPER.arxiv_id)] == [
        (0, "ada"),
        (1, "bob"),
    ]


def test_withdraw(store: Store, members: tuple[User, User, User]) -> None:
    ada, bob, admin = members
    claim_authorship(store, PAPER.arxiv_id, 0, ada)
    decide_claim(store, PAPER.arxiv_id, 0, admin, verify=True)
    withdraw_claim(store, PAPER.arxiv_id, ada)
    assert store.claims.for_paper(PAPER.arxiv_id) == []
    assert not may_set_links(store, PAPER.arxiv_id, ada)
    with pytest.raises(NotFound, match=r"you have no claim on 2611\.00001"):
        withdraw_claim(store, PAPER.arxiv_id, ada)
    assert claim_authorship(store, PAPER.arxiv_id, 0, bob).status == "pending"


def test_only_admins_decide(store: Store, members: tuple[User, User, User]) -> None:
    ada, bob, admin = members
    claim_authorship(store, PAPER.arxiv_id, 0, ada)
    with pytest.raises(Forbidden, match="only admins"):
        decide_claim(store, PAPER.arxiv_id, 0, bob, verify=True)
    with pytest.raises(NotFound, match="no claim to author 1"):
        decide_claim(store, PAPER.arxiv_id, 1, admin, verify=True)


def test_a_hidden_or_missing_paper_is_not_found(
    store: Store, members: tuple[User, User, User]
) -> None:
    ada, _bob, admin = members
    claim_authorship(store, PAPER.arxiv_id, 0, ada)
    store.moderation.hide(PAPER.arxiv_id, admin.id)
    with pytest.raises(NotFound, match=r"no paper 2611\.00001"):
        claim_authorship(store, PAPER.arxiv_id, 1, admin)
    with pytest.raises(NotFound, match=r"no paper 2611\.00001"):
        withdraw_claim(store, PAPER.arxiv_id, ada)
    with pytest.raises(NotFound, match=r"no paper 2611\.00001"):
        decide_claim(store, PAPER.arxiv_id, 0, admin, verify=True)
    assert store.claims.for_paper(PAPER.arxiv_id)[0].status == "pending"
    with pytest.raises(NotFound, match=r"no paper 2611\.99999"):
        claim_authorship(store, "2611.99999", 0, ada)


def _race(db_url: str, tries: list[Callable[[Store], object]]) -> list[object]:
    """Run each try at once, each on a store of its own (its own connections)."""
    stores = [Store.open(db_url, migrate=False, clock=lambda: NOON) for _ in tries]
    start = threading.Barrier(len(tries))
    results: list[object] = [None] * len(tries)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = tries[i](stores[i])
        except Conflict as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    return results


def test_parallel_claims_leave_one_holder(
    store: Store, db_url: str, members: tuple[User, User, User]
) -> None:
    people = [store.accounts.ensure_user(f"m{n}@example.org") for n in range(6)]
    results = _race(
        db_url,
        [
            lambda s, who=who: claim_authorship(s, PAPER.arxiv_id, 0, who)  # type: ignore[misc]
            for who in people
        ],
    )
    won = [r for r in results if isinstance(r, AuthorClaim)]
    assert len(won) == 1 and sum(isinstance(r, Conflict) for r in results) == 5
    [held] = store.claims.for_paper(PAPER.arxiv_id)
    assert held == won[0]


def test_parallel_claims_by_one_member_leave_one_author(
    store: Store, db_url: str, members: tuple[User, User, User]
) -> None:
    ada = members[0]
    results = _race(
        db_url,
        [
            lambda s, n=n: claim_authorship(s, PAPER.arxiv_id, n, ada)  # type: ignore[misc]
            for n in range(3)
        ],
    )
    assert sum(isinstance(r, AuthorClaim) for r in results) == 1
    assert len(store.claims.for_paper(PAPER.arxiv_id)) == 1
