"""Comments on real SQLite and PostgreSQL: one level of replies, changed only by their author, a
deleted comment keeping its place without its text, hidden by curators, and counts of what is
visible."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hand_clock import HandClock

from paperfeed.errors import Forbidden, Invalid, NotFound
from paperfeed.models import Batch, Comment, Paper, User
from paperfeed.store import Store

NOW = datetime(2026, 3, 2, 9, 0)
PAPER = "2603.00001"
OTHER = "2603.00002"


@pytest.fixture
def store(clocked_store: Store) -> Store:
    clocked_store.papers.write(Batch(papers=[Paper(PAPER, "One"), Paper(OTHER, "Two")]))
    return clocked_store


@pytest.fixture
def ada(store: Store) -> User:
    return store.accounts.ensure_user("ada@example.org")


@pytest.fixture
def bob(store: Store) -> User:
    return store.accounts.ensure_user("bob@example.org")


def test_a_comment_is_stored_as_written(store: Store, ada: User) -> None:
    added = store.comments.add(PAPER, ada.id, "A *fine* paper.")
    assert added == Comment(added.id, PAPER, "ada", ada.id, None, "A *fine* paper.", NOW)
    assert store.comments.get(added.id) == added
    assert store.comments.for_paper(PAPER) == [added]
    assert store.comments.for_paper(OTHER) == []


def test_a_reply_to_a_reply_joins_the_thread(store: Store, ada: User, bob: User) -> None:
    top = store.comments.add(PAPER, ada.id, "top")
    reply = store.comments.add(PAPER, bob.id, "reply", parent_id=top.id)
    nested = store.comments.add(PAPER, ada.id, "reply to the reply", parent_id=reply.id)
    assert (reply.parent_id, nested.parent_id) == (top.id, top.id)
    assert [(c.body, c.author, c.parent_id) for c in store.comments.for_paper(PAPER)] == [
        ("top", "ada", None),
        ("reply", "bob", top.id),
        ("reply to the reply", "ada", top.id),
    ]


def test_a_reply_must_be_on_the_same_paper(store: Store, ada: User) -> None:
    elsewhere = store.comments.add(OTHER, ada.id, "on the other paper")
    with pytest.raises(Invalid, match="the comment you reply to is not on this paper"):
        store.comments.add(PAPER, ada.id, "reply", parent_id=elsewhere.id)
    with pytest.raises(Invalid, match="the comment you reply to is not on this paper"):
        store.comments.add(PAPER, ada.id, "reply", parent_id=elsewhere.id + 100)
    with pytest.raises(NotFound, match=r"no paper 2603\.99999"):
        store.comments.add("2603.99999", ada.id, "nowhere")
    assert store.comments.for_paper(PAPER) == []
    assert store.comments.for_paper(OTHER) == [elsewhere]


def test_only_the_author_edits(store: Store, clock: HandClock, ada: User, bob: User) -> None:
    mine = store.comments.add(PAPER, ada.id, "first draft")
    clock.now = NOW + timedelta(minutes=5)
    edited = store.comments.edit(mine.id, ada.id, "second draft")
    assert (edited.body, edited.created_at, edited.edited_at) == (
        "second draft",
        NOW,
        NOW + timedelta(minutes=5),
    )
    with pytest.raises(Forbidden, match="only its author can change a comment"):
        store.comments.edit(mine.id, bob.id, "vandalised")
    assert store.comments.get(mine.id) == edited
    with pytest.raises(NotFound, match="no comment 999"):
        store.comments.edit(999, ada.id, "nothing")


def test_only_the_author_deletes_and_the_place_is_kept(store: Store, ada: User, bob: User) -> None:
    top = store.comments.add(PAPER, ada.id, "top")
    reply = store.comments.add(PAPER, bob.id, "reply", parent_id=top.id)
    with pytest.raises(Forbidden, match="only its author can change a comment"):
        store.comments.delete(top.id, bob.id)
    assert store.comments.get(top.id) == top
    store.comments.delete(top.id, ada.id)
    gone = store.comments.get(top.id)
    assert (gone.body, gone.deleted, gone.author, gone.created_at) == ("", True, "ada", NOW)
    # the reply stays readable under the deleted comment's place
    assert store.comments.for_paper(PAPER) == [gone, reply]
    with pytest.raises(Invalid, match="this comment was deleted"):
        store.comments.edit(top.id, ada.id, "back")
    with pytest.raises(Invalid, match="this comment was deleted"):
        store.comments.delete(top.id, ada.id)


def test_curators_hide_and_show_a_comment(store: Store, ada: User) -> None:
    added = store.comments.add(PAPER, ada.id, "off topic")
    hidden = store.comments.set_hidden(added.id, True)
    # the author still sees it, marked hidden
    assert (hidden.hidden, hidden.body, hidden.deleted) == (True, "off topic", False)
    assert store.comments.for_paper(PAPER) == [hidden]
    assert store.comments.set_hidden(added.id, False) == added
    with pytest.raises(NotFound, match="no comment 999"):
        store.comments.set_hidden(999, True)


def test_counts_leave_out_deleted_and_hidden_comments(store: Store, ada: User, bob: User) -> None:
    store.papers.write(Batch(papers=[Paper("2603.00003", "Three")]))
    kept = store.comments.add(PAPER, ada.id, "kept")
    store.comments.add(PAPER, bob.id, "reply", parent_id=kept.id)
    deleted = store.comments.add(PAPER, ada.id, "deleted")
    store.comments.delete(deleted.id, ada.id)
    hidden = store.comments.add(PAPER, bob.id, "hidden")
    store.comments.set_hidden(hidden.id, True)
    only_hidden = store.comments.add(OTHER, bob.id, "hidden too")
    store.comments.set_hidden(only_hidden.id, True)
    store.comments.add("2603.00003", ada.id, "one")
    assert store.comments.counts([PAPER, OTHER, "2603.00003", "2603.99999"]) == {
        PAPER: 2,
        "2603.00003": 1,
    }
    assert store.comments.counts([]) == {}
    assert len(store.comments.for_paper(PAPER)) == 4  # the web layer decides what to show
