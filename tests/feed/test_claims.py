"""Authors claiming their papers: the rules as values (`check_claim`, `decided_status`,
`place_claims` on a later version's author list), then claiming, withdrawing, deciding and
what a verified author may do, on real SQLite and PostgreSQL, parallel claims from separate
connections and a later version that moves or drops the claimed author included."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime

import pytest

from paperfeed.authors import place_claims
from paperfeed.errors import Conflict, Forbidden, Invalid, NotFound
from paperfeed.feed.claims import (
    check_claim,
    claim_authorship,
    decide_claim,
    decided_status,
    is_verified_author,
    paper_claims,
    withdraw_claim,
)
from paperfeed.feed.claims import placed as placed_claims
from paperfeed.feed.links import may_set_links, set_links
from paperfeed.models import Author, AuthorClaim, Batch, Paper, User
from paperfeed.store import Store

NOON = datetime(2026, 11, 30, 12, 0)
PAPER = Paper("2611.00001", "A paper", authors=(Author("Ada L."), Author("Bob B."), Author("C.")))
ADA = User(1, "ada@example.org", "ada", "member", NOON)
BOB = User(2, "bob@example.org", "bob", "member", NOON)


def _claim(position: int, user: User, status: str = "pending", name: str = "") -> AuthorClaim:
    """`user`'s claim to author `position` of PAPER (or to `name` at that position)."""
    name = name or PAPER.authors[position].name  # type: ignore[index]
    return AuthorClaim(PAPER.arxiv_id, position, name, user.id, user.name, status, NOON)


def _authors(*names: str) -> tuple[Author, ...]:
    return tuple(Author(n) for n in names)


def _placed(names: tuple[str, ...], claims: list[AuthorClaim]) -> list[tuple[int | None, str]]:
    """Where each claim lands on an author list of `names`: (position or None, member)."""
    return [
        (None if c.stale else c.position, c.user_name)
        for c in place_claims(_authors(*names), claims)
    ]


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


# ------------------------------------------------------------------------------ placement

ABC = ("Ada L.", "Bob B.", "C.")
CAROL = User(3, "carol@example.org", "carol", "member", NOON)


def test_a_claim_on_an_unchanged_list_stays() -> None:
    claims = [_claim(0, ADA, "verified"), _claim(2, BOB)]
    assert place_claims(PAPER.authors, claims) == claims
    assert _placed(ABC, claims) == [(0, "ada"), (2, "bob")]


def test_a_claim_follows_its_author_past_one_inserted_before() -> None:
    claims = [_claim(0, ADA), _claim(1, BOB, "verified"), _claim(2, CAROL)]
    assert _placed(("Ada L.", "X. New", "Bob B.", "C."), claims) == [
        (0, "ada"),
        (2, "bob"),
        (3, "carol"),
    ]


def test_a_claim_follows_its_author_when_reordered() -> None:
    claims = [_claim(0, ADA), _claim(2, CAROL)]
    assert _placed(("C.", "Bob B.", "Ada L."), claims) == [(2, "ada"), (0, "carol")]


def test_a_claim_whose_author_is_gone_is_stale() -> None:
    claims = [_claim(0, ADA, "verified"), _claim(1, BOB, "verified")]
    placed = place_claims(_authors("Ada L.", "C."), claims)
    assert [(c.position, c.stale, c.verified, c.held) for c in placed] == [
        (0, False, True, True),
        (1, True, False, False),
    ]
    # The stale claim keeps the place it was made on, for the record only.
    assert placed[1] == replace(claims[1], stale=True)
    assert place_claims(None, claims) == [replace(c, stale=True) for c in claims]


def test_a_claim_to_a_shared_name_keeps_its_place_or_takes_the_nearest() -> None:
    wang = ("Wei Wang", "Ada L.", "Wei Wang", "Wei Wang")
    claims = [_claim(2, ADA, name="Wei Wang"), _claim(3, BOB, name="Wei Wang")]
    assert _placed(wang, claims) == [(2, "ada"), (3, "bob")]
    # The last Wei Wang left: Ada's claim stays, Bob's takes the nearest one nobody holds.
    assert _placed(("Wei Wang", "Ada L.", "Wei Wang"), claims) == [(2, "ada"), (0, "bob")]
    # The first one left: nearest is nearest, whichever side.
    assert _placed(("Ada L.", "Wei Wang", "Wei Wang"), claims) == [(2, "ada"), (1, "bob")]
    # A name is all a claim knows of its author: one added in front puts another Wei Wang
    # at Bob's old place, and his claim stays there; Ada's takes the nearest free one.
    assert _placed(("Zed", *wang), claims) == [(1, "ada"), (3, "bob")]
    # One Wei Wang left: the nearer claim gets him, the other is stale.
    assert _placed(("Ada L.", "Wei Wang"), claims) == [(1, "ada"), (None, "bob")]


def test_a_held_claim_is_placed_before_a_rejected_one() -> None:
    claims = [_claim(0, ADA, "rejected", name="Wei Wang"), _claim(1, BOB, name="Wei Wang")]
    assert _placed(("Wei Wang",), claims) == [(None, "ada"), (0, "bob")]


def test_the_rules_judge_claims_on_the_current_authors() -> None:
    v2 = replace(PAPER, authors=_authors("Ada L.", "X. New", "Bob B.", "C."))
    bobs = _claim(1, BOB, "verified")  # made on v1, where Bob B. was author 1
    # X. New took Bob B.'s old place: free to claim; Bob B. is held.
    assert check_claim(v2, 1, ADA, [bobs]) is None
    with pytest.raises(Conflict, match=r"Bob B\. \(author 2\) is already claimed"):
        check_claim(v2, 2, ADA, [bobs])
    with pytest.raises(Conflict, match=r"you already claim to be Bob B\. \(author 2\)"):
        check_claim(v2, 1, BOB, [bobs])
    assert check_claim(v2, 2, BOB, [bobs]) == replace(bobs, position=2)
    # Without Bob B., his claim holds nothing: anyone may claim, Bob again too.
    v3 = replace(PAPER, authors=_authors("Ada L.", "X. New", "C."))
    assert check_claim(v3, 1, BOB, [bobs]) is None
    assert check_claim(v3, 1, ADA, [bobs]) is None


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


def _new_version(store: Store, version: int, *names: str) -> None:
    store.papers.write(Batch(papers=[replace(PAPER, version=version, authors=_authors(*names))]))


def _claims_now(store: Store) -> dict[int, AuthorClaim]:
    """PAPER's claims by member, placed on the authors the store has now."""
    paper = store.papers.get(PAPER.arxiv_id)
    assert paper is not None
    return {c.user_id: c for c in paper_claims(store, paper)}


def test_a_claim_follows_its_author_through_later_versions(
    store: Store, members: tuple[User, User, User]
) -> None:
    ada, bob, admin = members
    claim_authorship(store, PAPER.arxiv_id, 1, ada)
    decide_claim(store, PAPER.arxiv_id, 1, admin, verify=True)
    _new_version(store, 2, "Ada L.", "X. New", "Bob B.", "C.")
    placed = _claims_now(store)[ada.id]
    assert (placed.position, placed.author_name, placed.verified) == (2, "Bob B.", True)
    assert is_verified_author(store, PAPER.arxiv_id, ada.id)
    # X. New stands where Bob B. stood when Ada claimed him: Bob may claim X. New, and an
    # admin decides on the authors as they stand now.
    assert claim_authorship(store, PAPER.arxiv_id, 1, bob).author_name == "X. New"
    with pytest.raises(Conflict, match=r"Bob B\. \(author 2\) is already claimed"):
        claim_authorship(store, PAPER.arxiv_id, 2, admin)
    assert decide_claim(store, PAPER.arxiv_id, 1, admin, verify=True).user_id == bob.id
    assert decide_claim(store, PAPER.arxiv_id, 2, admin, verify=False).user_id == ada.id
    assert decide_claim(store, PAPER.arxiv_id, 2, admin, verify=True).position == 2
    # Version 3 drops Bob B.: Ada's claim is stale, gives no rights, decides nothing.
    _new_version(store, 3, "Ada L.", "X. New", "C.")
    held = _claims_now(store)
    assert (held[ada.id].stale, held[ada.id].status, held[ada.id].verified) == (
        True,
        "verified",
        False,
    )
    assert (held[bob.id].position, held[bob.id].verified) == (1, True)
    assert not is_verified_author(store, PAPER.arxiv_id, ada.id)
    assert not may_set_links(store, PAPER.arxiv_id, ada)
    with pytest.raises(NotFound, match="no claim to author 2"):
        decide_claim(store, PAPER.arxiv_id, 2, admin, verify=True)
    [stale] = placed_claims(store, store.claims.of_user(ada.id))
    assert (stale.stale, stale.author_name) == (True, "Bob B.")
    # Ada claims again (her stale claim gives way); or withdraws it.
    again = claim_authorship(store, PAPER.arxiv_id, 2, ada)
    assert (again.position, again.author_name, again.status) == (2, "C.", "pending")
    assert [c.author_name for c in store.claims.for_paper(PAPER.arxiv_id)] == ["X. New", "C."]
    withdraw_claim(store, PAPER.arxiv_id, ada)
    assert [c.user_id for c in store.claims.for_paper(PAPER.arxiv_id)] == [bob.id]
