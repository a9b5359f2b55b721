"""Everything the store keeps about one member, to hand it to them (`export`) or to erase it
(`erase`). This is the one place that knows which tables hold a member's data:
tests/store/test_personal_data.py fails when a table that points at `users` is neither
exported nor named in NOT_EXPORTED with a reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, select, update

from paperfeed.errors import NotFound
from paperfeed.store.database import Database
from paperfeed.store.schema import (
    api_tokens,
    author_claims,
    collection_papers,
    collections,
    comments,
    daily_entries,
    dismissals,
    feed_tokens,
    follows,
    library_notes,
    login_tokens,
    recommendations,
    sessions,
    submissions,
    subscription_rules,
    subscriptions,
    users,
    votes,
)

# Tables that point at users and are not in the export, and why.
NOT_EXPORTED = {
    "sessions": "secrets: only how many are open is exported",
    "feed_tokens": "a secret: the export says whether the member has a private feed",
    "hidden_papers": "an admin's moderation record (set to nobody when the admin goes)",
    "paper_links": "who set a paper's links (set to nobody when the member goes)",
}


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _rows(conn: Connection, table: Table, *where: Any, order: Any = None) -> list[dict[str, Any]]:
    query = select(table).where(*where)
    if order is not None:
        query = query.order_by(order)
    return [
        {k: _when(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()}
        for row in conn.execute(query)
    ]


def _drop(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in keys} for r in rows]


class PersonalData:
    """Reached as `store.personal_data`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def export(self, user_id: int) -> dict[str, Any]:
        """All the member's data as plain JSON-ready values (one read transaction)."""
        with self._db.snapshot(), self._db.reading() as conn:
            user = conn.execute(select(users).where(users.c.id == user_id)).one_or_none()
            if user is None:
                raise NotFound(f"no member {user_id}")
            mine = collections.c.user_id == user_id
            owned = _rows(conn, collections, mine, order=collections.c.id)
            held = conn.execute(
                select(
                    collection_papers.c.collection_id,
                    collection_papers.c.paper_id,
                    collection_papers.c.added_at,
                )
                .join(collections, collections.c.id == collection_papers.c.collection_id)
                .where(mine)
                .order_by(collection_papers.c.added_at, collection_papers.c.paper_id)
            ).all()
            for c in owned:
                c["papers"] = [
                    {"paper_id": p, "added_at": _when(at)} for cid, p, at in held if cid == c["id"]
                ]
                if c["visibility"] == "private":
                    c.pop("share_token")
            subscription = _rows(conn, subscriptions, subscriptions.c.email == user.email)
            for s in subscription:
                rules = subscription_rules.c.subscription_id == s["id"]
                s["rules"] = _drop(_rows(conn, subscription_rules, rules), "subscription_id")
            by_user = (
                (votes, votes.c.user_id, votes.c.created_at),
                (comments, comments.c.user_id, comments.c.id),
                (submissions, submissions.c.user_id, submissions.c.id),
                (author_claims, author_claims.c.user_id, author_claims.c.created_at),
                (library_notes, library_notes.c.user_id, library_notes.c.updated_at),
                (dismissals, dismissals.c.user_id, dismissals.c.created_at),
                (follows, follows.c.user_id, follows.c.created_at),
                (recommendations, recommendations.c.user_id, recommendations.c.score.desc()),
            )
            tables = {
                table.name: _drop(_rows(conn, table, column == user_id, order=order), "user_id")
                for table, column, order in by_user
            }
            tokens = _drop(
                _rows(conn, api_tokens, api_tokens.c.user_id == user_id, order=api_tokens.c.name),
                "token_hash",
                "user_id",
            )
            open_sessions = len(_rows(conn, sessions, sessions.c.user_id == user_id))
            private_feed = bool(_rows(conn, feed_tokens, feed_tokens.c.user_id == user_id))
        return {
            "account": {
                "id": user.id,
                "email": user.email,
                "name": user.name,
                "role": user.role,
                "created_at": _when(user.created_at),
            },
            "collections": _drop(owned, "user_id"),
            "notes": tables["library_notes"],
            "not_interested": tables["dismissals"],
            "follows": tables["follows"],
            "private_feed": private_feed,
            "recommendations": tables["recommendations"],
            "upvotes": tables["votes"],
            "comments": tables["comments"],
            "submissions": tables["submissions"],
            "author_claims": tables["author_claims"],
            "digest_subscription": _drop(subscription, "confirm_hash"),
            "api_tokens": tokens,
            "open_sessions": open_sessions,
        }

    def erase(self, user_id: int) -> None:
        """Delete the member and everything of theirs, in one transaction: the account row
        takes every table that points at it (ON DELETE CASCADE); their digest subscription
        and sign-in links go by e-mail; their name leaves the daily lists they submitted to.
        Other members' replies to their comments stay, moved up a level."""
        with self._db.writing() as conn:
            user = conn.execute(select(users).where(users.c.id == user_id)).one_or_none()
            if user is None:
                raise NotFound(f"no member {user_id}")
            parents = dict(
                conn.execute(
                    select(comments.c.id, comments.c.parent_id).where(comments.c.user_id == user_id)
                ).all()
            )
            for comment_id in parents:
                above = parents[comment_id]
                while above in parents:  # their own comment: go on up
                    above = parents[above]
                conn.execute(
                    update(comments)
                    .where(comments.c.parent_id == comment_id, comments.c.id.not_in(list(parents)))
                    .values(parent_id=above)
                )
            submitted = select(submissions.c.paper_id).where(submissions.c.user_id == user_id)
            conn.execute(
                update(daily_entries)
                .where(
                    daily_entries.c.source == "community",
                    daily_entries.c.submitted_by == user.name,
                    daily_entries.c.paper_id.in_(submitted),
                )
                .values(submitted_by=None, submitted_by_name=None)
            )
            conn.execute(delete(subscriptions).where(subscriptions.c.email == user.email))
            conn.execute(delete(login_tokens).where(login_tokens.c.email == user.email))
            conn.execute(delete(users).where(users.c.id == user_id))
