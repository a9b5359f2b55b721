"""Libraries on real SQLite and PostgreSQL: collections, saving, notes, read state, dismissals,
follows, the private feed token and stored recommendations, each private to its member."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from paperfeed.errors import Conflict, Forbidden, Invalid, NotFound
from paperfeed.models import Batch, Paper, Reason
from paperfeed.store import Store
from paperfeed.store.recommendations import Amendment, Listed


@pytest.fixture
def ids(store: Store) -> list[str]:
    papers = [Paper(f"2401.0000{i}", f"Paper {i}") for i in range(1, 6)]
    store.papers.write(Batch(papers=papers))
    return [p.arxiv_id for p in papers]


def test_a_plain_save_goes_into_saved_made_on_first_use(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    assert store.library.collections(ann.id) == []
    held = store.library.save(ann.id, ids[0])
    [saved] = store.library.collections(ann.id)
    assert saved.name == "Saved" and saved.size == 1 and saved.visibility == "private"
    assert held == {saved.id}
    # Saving again changes nothing; the library lists it once.
    store.library.save(ann.id, ids[0])
    assert [p for p, _ in store.library.library(ann.id)] == [ids[0]]
    assert store.library.saved(ann.id, ids) == {ids[0]: frozenset({saved.id})}


def test_collections_hold_papers_and_place_sets_them_exactly(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    reading = store.library.create(ann.id, "  Reading   group ", description="weekly")
    assert reading.name == "Reading group"
    later = store.library.create(ann.id, "Later")
    assert store.library.save(ann.id, ids[1], [reading.id, later.id]) == {reading.id, later.id}
    assert store.library.place(ann.id, ids[1], [later.id]) == {later.id}
    assert store.library.papers_in(reading.id) == []
    store.library.save(ann.id, ids[2], [later.id])
    assert store.library.papers_in(later.id) == [ids[2], ids[1]]
    assert store.library.unsave(ann.id, ids[1]) == set()
    assert store.library.papers_in(later.id) == [ids[2]]
    assert store.library.place(ann.id, ids[2], []) == set()
    assert store.library.library(ann.id) == []


def test_names_are_unique_per_member_whatever_the_case(store: Store) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    bob = store.accounts.ensure_user("bob@example.org")
    store.library.create(ann.id, "Ideas")
    with pytest.raises(Conflict):
        store.library.create(ann.id, "ideas")
    store.library.create(bob.id, "Ideas")  # another member's name is theirs
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(Invalid):
            store.library.create(ann.id, bad)
    with pytest.raises(Invalid):
        store.library.create(ann.id, "Other", visibility="secret")


def test_a_member_cannot_touch_another_members_collection(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    bob = store.accounts.ensure_user("bob@example.org")
    hers = store.library.create(ann.id, "Mine")
    with pytest.raises(Forbidden):
        store.library.save(bob.id, ids[0], [hers.id])
    with pytest.raises(NotFound):
        store.library.edit(bob.id, hers.id, name="Taken")
    with pytest.raises(NotFound):
        store.library.remove(bob.id, hers.id)
    with pytest.raises(NotFound):
        store.library.save(ann.id, "2401.99999")


def test_sharing_by_link_and_a_new_link(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    c = store.library.create(ann.id, "Shared")
    assert store.library.by_token(c.share_token) is None  # private: the link opens nothing
    c = store.library.edit(ann.id, c.id, visibility="link")
    assert store.library.by_token(c.share_token) == c
    assert store.library.public_collections(ann.id) == []
    renewed = store.library.edit(ann.id, c.id, new_link=True)
    assert renewed.share_token != c.share_token
    assert store.library.by_token(c.share_token) is None
    store.library.edit(ann.id, c.id, visibility="public")
    assert [x.id for x in store.library.public_collections(ann.id)] == [c.id]
    store.library.remove(ann.id, c.id)
    assert store.library.collection(c.id) is None


def test_notes_and_read_state_and_an_empty_row_goes(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    note = store.library.set_note(ann.id, ids[0], "  read §3 — Ünïcode  ")
    assert note.note == "read §3 — Ünïcode" and note.read_at is None
    assert store.library.mark_read(ann.id, ids[0]).read_at is not None
    store.library.set_note(ann.id, ids[0], "")
    assert store.library.notes(ann.id, ids)[ids[0]].note == ""
    store.library.mark_read(ann.id, ids[0], False)
    assert store.library.notes(ann.id, ids) == {}
    with pytest.raises(Invalid):
        store.library.set_note(ann.id, ids[0], "x" * 10_001)


def test_dismissals_are_per_member(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    bob = store.accounts.ensure_user("bob@example.org")
    store.library.dismiss(ann.id, ids[3])
    store.library.dismiss(ann.id, ids[3])
    assert store.library.dismissed(ann.id) == {ids[3]}
    assert store.library.dismissed(ann.id, ids[:3]) == frozenset()
    assert store.library.dismissed(bob.id) == frozenset()
    store.library.dismiss(ann.id, ids[3], on=False)
    assert store.library.dismissed(ann.id) == frozenset()


def test_concurrent_saves_leave_one_row(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    c = store.library.default(ann.id)

    def click() -> None:
        for _ in range(3):
            store.library.save(ann.id, ids[4], [c.id])

    threads = [threading.Thread(target=click) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.library.papers_in(c.id) == [ids[4]]


def test_follows_tidy_and_ignore_case(store: Store) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    assert store.follows.follow(ann.id, "author", " Yann   LeCun ")
    assert store.follows.follow(ann.id, "author", "yann lecun")  # already followed
    store.follows.follow(ann.id, "category", "cs.LG")
    assert [(f.kind, f.value) for f in store.follows.of(ann.id)] == [
        ("author", "Yann LeCun"),
        ("category", "cs.LG"),
    ]
    assert not store.follows.follow(ann.id, "author", "YANN LECUN", on=False)
    assert [f.kind for f in store.follows.of(ann.id)] == ["category"]
    with pytest.raises(Invalid):
        store.follows.follow(ann.id, "planet", "Mars")
    with pytest.raises(Invalid):
        store.follows.follow(ann.id, "search", "  ")


def test_the_private_feed_token_is_stable_until_renewed(store: Store) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    token = store.follows.feed_token(ann.id)
    assert store.follows.feed_token(ann.id) == token
    assert store.follows.feed_owner(token) == ann.id
    new = store.follows.feed_token(ann.id, renew=True)
    assert new != token and store.follows.feed_owner(token) is None
    assert store.follows.feed_owner(new) == ann.id
    assert store.follows.feed_owner("") is None


def test_recommendations_are_replaced_whole(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    now = store.db.now()
    store.recommendations.replace(
        ann.id,
        [(ids[0], 0.9, Reason(because=(ids[1],), words=("graph",))), (ids[2], 0.5, Reason())],
        now,
    )
    first, second = store.recommendations.of(ann.id)
    assert (first.paper_id, first.rank, first.reason.because) == (ids[0], 1, (ids[1],))
    assert first.reason.words == ("graph",) and second.rank == 2
    store.recommendations.drop(ann.id, ids[0])
    assert [r.paper_id for r in store.recommendations.of(ann.id)] == [ids[2]]
    store.recommendations.replace(ann.id, [(ids[3], 1.0, Reason())], now)
    assert [r.paper_id for r in store.recommendations.of(ann.id)] == [ids[3]]
    assert store.recommendations.made_at(ann.id) == now


def test_reads_for_many_members_answer_as_each_members_own(store: Store, ids: list[str]) -> None:
    """The daily job reads a block of members at once: the same answers, members with
    nothing left out, an empty block answered with nothing."""
    ann, bob, cy = (store.accounts.ensure_user(f"{n}@example.org") for n in ("ann", "bob", "cy"))
    reading = store.library.create(ann.id, "Reading")
    store.library.save(ann.id, ids[0])
    store.library.save(ann.id, ids[1], [reading.id])
    store.library.save(ann.id, ids[0], [reading.id])  # in two collections, listed once
    store.library.save(bob.id, ids[2])
    store.library.dismiss(ann.id, ids[3])
    store.library.dismiss(bob.id, ids[4])
    store.votes.cast(bob.id, ids[0], True)
    store.votes.cast(bob.id, ids[1], True)
    store.follows.follow(ann.id, "author", "Ada Lovelace")
    store.follows.follow(ann.id, "category", "cs.LG")
    now = store.db.now()
    everyone = [cy.id, bob.id, ann.id]

    libraries = store.library.libraries(everyone)
    assert libraries == {u: [p for p, _ in store.library.library(u)] for u in (ann.id, bob.id)}
    assert store.library.dismissed_by(everyone) == {
        ann.id: frozenset({ids[3]}),
        bob.id: frozenset({ids[4]}),
    }
    assert store.recommendations.upvoted_by(everyone) == {
        bob.id: store.recommendations.upvoted(bob.id)
    }
    assert store.follows.of_members(everyone) == {ann.id: store.follows.of(ann.id)}
    for read in (
        store.library.libraries,
        store.library.dismissed_by,
        store.recommendations.upvoted_by,
        store.follows.of_members,
    ):
        assert read([]) == {}

    store.recommendations.replace(cy.id, [(ids[4], 0.1, Reason())], now)
    store.recommendations.replace_many(
        {
            ann.id: [(ids[2], 0.9, Reason(words=("graph",))), (ids[4], 0.5, Reason())],
            bob.id: [(ids[3], 0.7, Reason())],
            cy.id: [],
        },
        now,
    )
    lists = store.recommendations.listed(everyone)
    assert lists == {
        u: [Listed(r.paper_id, r.score, r.made_at) for r in store.recommendations.of(u)]
        for u in (ann.id, bob.id)
    }
    assert [(r.paper_id, r.rank) for r in store.recommendations.of(ann.id)] == [
        (ids[2], 1),
        (ids[4], 2),
    ]
    assert store.recommendations.of(ann.id)[0].reason.words == ("graph",)
    assert store.recommendations.listed([]) == {}


def test_a_list_amended_keeps_what_stays_as_it_was(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org")
    bob = store.accounts.ensure_user("bob@example.org")
    monday = datetime(2026, 8, 3, 12)
    tuesday = monday + timedelta(days=1)
    store.recommendations.replace_many(
        {
            ann.id: [(ids[0], 0.9, Reason(words=("old",))), (ids[1], 0.5, Reason())],
            bob.id: [(ids[0], 0.4, Reason())],
        },
        monday,
    )
    store.recommendations.amend(
        {
            # ids[1] off, ids[2] on between the two; ids[0] made again (a better score).
            ann.id: Amendment(removed=[ids[1]], added=[(ids[2], 0.7, Reason(words=("new",)))]),
            bob.id: Amendment(added=[(ids[0], 0.8, Reason())]),
        },
        tuesday,
    )
    assert [
        (r.paper_id, r.rank, r.made_at, r.reason.words) for r in store.recommendations.of(ann.id)
    ] == [
        (ids[0], 1, monday, ("old",)),
        (ids[2], 2, tuesday, ("new",)),
    ]
    assert [(r.paper_id, r.score, r.made_at) for r in store.recommendations.of(bob.id)] == [
        (ids[0], 0.8, tuesday)
    ]
    assert store.recommendations.made_at(ann.id) == tuesday
    # Ties are broken by paper id, the same way on every read.
    store.recommendations.replace(
        ann.id, [(ids[3], 0.5, Reason()), (ids[2], 0.5, Reason())], tuesday
    )
    assert [r.paper_id for r in store.recommendations.of(ann.id)] == sorted([ids[2], ids[3]])
    assert [r.paper_id for r in store.recommendations.of(ann.id, limit=1, offset=1)] == [
        max(ids[2], ids[3])
    ]


def test_a_lists_stamp_changes_with_the_list(store: Store, ids: list[str]) -> None:
    ann = store.accounts.ensure_user("ann@example.org").id
    monday = datetime(2026, 8, 3, 12)
    assert store.recommendations.stamps([ann]) == {}
    store.recommendations.replace(ann, [(ids[0], 1.0, Reason()), (ids[1], 0.5, Reason())], monday)
    assert store.recommendations.stamps([ann]) == {ann: (2, monday)}
    store.recommendations.drop(ann, ids[1])
    assert store.recommendations.stamps([ann]) == {ann: (1, monday)}
    later = monday + timedelta(seconds=1)
    store.recommendations.replace(ann, [(ids[2], 1.0, Reason())], later)
    assert store.recommendations.stamps([ann, ann + 1]) == {ann: (1, later)}


def test_many_lists_written_at_once_read_back_as_written(store: Store, ids: list[str]) -> None:
    # 150 rows: on PostgreSQL past COPY_ROWS, so they go through COPY and an upsert.
    members = [store.accounts.ensure_user(f"m{n}@example.org").id for n in range(30)]
    monday = datetime(2026, 8, 3, 12)
    lists = {
        u: [(pid, float(k), Reason(words=(f"w{k}",))) for k, pid in enumerate(ids)] for u in members
    }
    store.recommendations.replace_many(lists, monday)
    tuesday = monday + timedelta(days=1)
    store.recommendations.amend(
        {u: Amendment(removed=[ids[0]], added=[(ids[1], 9.0, Reason())]) for u in members},
        tuesday,
    )
    for u in members:
        got = [
            (r.paper_id, r.score, r.reason.words, r.made_at) for r in store.recommendations.of(u)
        ]
        assert got == [(ids[1], 9.0, (), tuesday)] + [
            (pid, float(k), (f"w{k}",), monday)
            for k, pid in reversed(list(enumerate(ids)))
            if k > 1
        ]
