"""A member's data, exported whole and erased whole, on real SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from paperfeed.models import Batch, Paper, Reason, SubscriptionContent
from paperfeed.store import Store
from paperfeed.store.personal_data import NOT_EXPORTED
from paperfeed.store.schema import daily_entries, metadata


def _busy_member(store: Store) -> tuple[int, int]:
    store.papers.write(Batch(papers=[Paper(f"2401.0000{i}", f"Paper {i}") for i in range(1, 4)]))
    ann = store.accounts.ensure_user("ann@example.org")
    bob = store.accounts.ensure_user("bob@example.org")
    store.votes.cast(ann.id, "2401.00001", True)
    store.votes.cast(bob.id, "2401.00001", True)
    top = store.comments.add("2401.00001", ann.id, "Ann's comment")
    own_reply = store.comments.add("2401.00001", ann.id, "Ann again", parent_id=top.id)
    store.comments.add("2401.00001", bob.id, "Bob's reply", parent_id=own_reply.id)
    store.submissions.submit("2401.00002", ann, date(2024, 1, 5), daily_cap=5)
    c = store.library.create(ann.id, "Private one")
    store.library.save(ann.id, "2401.00003", [c.id])
    store.library.set_note(ann.id, "2401.00003", "my note")
    store.library.dismiss(ann.id, "2401.00002")
    store.follows.follow(ann.id, "author", "Ada Lovelace")
    store.follows.feed_token(ann.id)
    store.recommendations.replace(ann.id, [("2401.00001", 0.5, Reason())], store.db.now())
    store.accounts.create_api_token(ann.id, "laptop")
    store.accounts.start_session(ann.id, timedelta(days=1))
    store.subscriptions.save(
        "ann@example.org",
        SubscriptionContent(authors=("Ada",)),
        status="active",
        now=store.db.now(),
    )
    return ann.id, bob.id


def test_every_table_pointing_at_members_is_exported_or_says_why_not() -> None:
    exported = {
        "api_tokens",
        "author_claims",
        "collections",
        "comments",
        "dismissals",
        "follows",
        "library_notes",
        "recommendations",
        "submissions",
        "votes",
    }
    pointing = {
        t.name
        for t in metadata.sorted_tables
        for fk in t.foreign_keys
        if fk.column.table.name == "users"
    }
    assert pointing == exported | set(NOT_EXPORTED)


def test_export_holds_everything_and_no_secret(store: Store) -> None:
    ann, _bob = _busy_member(store)
    data = store.personal_data.export(ann)
    text = json.dumps(data)  # JSON-ready as it is
    assert data["account"]["email"] == "ann@example.org"
    assert [p["paper_id"] for p in data["collections"][0]["papers"]] == ["2401.00003"]
    assert "share_token" not in data["collections"][0]  # private: no link to hand out
    assert data["notes"][0]["note"] == "my note"
    assert [d["paper_id"] for d in data["not_interested"]] == ["2401.00002"]
    assert data["follows"][0]["value"] == "Ada Lovelace" and data["private_feed"] is True
    assert [v["paper_id"] for v in data["upvotes"]] == ["2401.00001"]
    assert [c["body"] for c in data["comments"]] == ["Ann's comment", "Ann again"]
    assert data["submissions"][0]["paper_id"] == "2401.00002"
    assert data["digest_subscription"][0]["rules"] == [{"kind": "author", "value": "Ada"}]
    assert data["api_tokens"][0]["name"] == "laptop" and data["open_sessions"] == 1
    assert store.follows.feed_token(ann) not in text
    assert "token_hash" not in text and "confirm_hash" not in text


def test_erase_removes_the_member_and_keeps_other_members_replies(store: Store) -> None:
    ann, bob = _busy_member(store)
    store.personal_data.erase(ann)
    assert store.accounts.get(ann) is None
    assert store.accounts.get(bob) is not None
    assert store.subscriptions.by_email("ann@example.org") is None
    assert store.papers.upvote_counts(["2401.00001"]) == {"2401.00001": 1}
    bodies = [c.body for c in store.comments.for_paper("2401.00001")]
    assert bodies == ["Bob's reply"]
    assert store.library.dismissed(ann) == frozenset()
    assert store.follows.of(ann) == [] and store.recommendations.of(ann) == []
    # The paper Ann submitted stays listed, without her name.
    with store.db.reading() as conn:
        rows = conn.execute(select(daily_entries.c.paper_id, daily_entries.c.submitted_by)).all()
    assert [tuple(r) for r in rows] == [("2401.00002", None)]
