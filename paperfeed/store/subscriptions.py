"""Digest subscriptions and their rules (saved searches, categories, followed authors)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from paperfeed.errors import NotFound
from paperfeed.models import Subscription, SubscriptionContent
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.schema import subscription_rules, subscriptions

RULE_KINDS = ("query", "category", "author")


class Subscriptions:
    """Reached as `store.subscriptions`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------ writes

    def save(
        self,
        email: str,
        content: SubscriptionContent,
        *,
        status: str,
        now: datetime,
        confirm_hash: str | None = None,
        confirm_expires: datetime | None = None,
    ) -> Subscription:
        """Create the subscription of `email`, or replace its content and status."""
        values: dict[str, Any] = {
            "status": status,
            "period": content.period,
            "send_hour": content.send_hour,
            "top_n": content.top_n,
            "min_upvotes": content.min_upvotes,
            "confirm_hash": confirm_hash,
            "confirm_expires": confirm_expires,
            "updated_at": now,
        }
        if status == "active":
            values.update(failures=0, paused_reason=None)
        with self._db.writing() as conn:
            stmt = self._db.insert(subscriptions).values(
                {"failures": 0, **values, "email": email, "created_at": now}
            )
            stmt = stmt.on_conflict_do_update(index_elements=[subscriptions.c.email], set_=values)
            conn.execute(stmt)
            sub_id = conn.scalar(select(subscriptions.c.id).where(subscriptions.c.email == email))
            assert sub_id is not None
            conn.execute(
                delete(subscription_rules).where(subscription_rules.c.subscription_id == sub_id)
            )
            rules = [
                {"subscription_id": sub_id, "kind": kind, "value": value}
                for kind, values_ in (
                    ("query", content.queries),
                    ("category", content.categories),
                    ("author", content.authors),
                )
                for value in dict.fromkeys(values_)
            ]
            if rules:
                conn.execute(subscription_rules.insert(), rules)
            return self._load(conn, [sub_id])[0]

    def confirm(self, confirm_hash: str, now: datetime) -> Subscription | None:
        """Activate the pending subscription whose confirmation token hashes to `confirm_hash`
        (None when no such token, or it expired). Used once: the hash is cleared."""
        with self._db.writing() as conn:
            sub_id = conn.scalar(
                select(subscriptions.c.id).where(
                    subscriptions.c.confirm_hash == confirm_hash,
                    subscriptions.c.status == "pending",
                    subscriptions.c.confirm_expires >= now,
                )
            )
            if sub_id is None:
                return None
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.id == sub_id)
                .values(
                    status="active",
                    confirm_hash=None,
                    confirm_expires=None,
                    failures=0,
                    paused_reason=None,
                    updated_at=now,
                )
            )
            return self._load(conn, [sub_id])[0]

    def set_status(
        self, sub_id: int, status: str, now: datetime, reason: str | None = None
    ) -> Subscription:
        with self._db.writing() as conn:
            result = conn.execute(
                update(subscriptions)
                .where(subscriptions.c.id == sub_id)
                .values(
                    status=status,
                    paused_reason=reason,
                    failures=0 if status == "active" else subscriptions.c.failures,
                    updated_at=now,
                )
            )
            if result.rowcount == 0:
                raise NotFound(f"no subscription {sub_id}")
            return self._load(conn, [sub_id])[0]

    def remove(self, email: str) -> bool:
        """Delete a subscription with its rules and ledger; False when there was none."""
        with self._db.writing() as conn:
            result = conn.execute(delete(subscriptions).where(subscriptions.c.email == email))
            return bool(result.rowcount)

    # ------------------------------------------------------------------- reads

    def get(self, sub_id: int) -> Subscription | None:
        with self._db.reading() as conn:
            found = self._load(conn, [sub_id])
        return found[0] if found else None

    def by_email(self, email: str) -> Subscription | None:
        with self._db.reading() as conn:
            sub_id = conn.scalar(select(subscriptions.c.id).where(subscriptions.c.email == email))
            found = self._load(conn, [sub_id]) if sub_id is not None else []
        return found[0] if found else None

    def find(self, *, status: str | None = None, period: str | None = None) -> list[Subscription]:
        """Subscriptions ordered by address, optionally of one status and period."""
        query = select(subscriptions.c.id).order_by(subscriptions.c.email)
        if status is not None:
            query = query.where(subscriptions.c.status == status)
        if period is not None:
            query = query.where(subscriptions.c.period == period)
        with self._db.reading() as conn:
            ids = list(conn.scalars(query))
            return self._load(conn, ids)

    def _load(self, conn: Connection, ids: Sequence[int]) -> list[Subscription]:
        rows: dict[int, Any] = {}
        rules: dict[int, dict[str, list[str]]] = {}
        for chunk in chunks(ids):
            for r in conn.execute(select(subscriptions).where(subscriptions.c.id.in_(chunk))):
                rows[r.id] = r
                rules[r.id] = {kind: [] for kind in RULE_KINDS}
            for r in conn.execute(
                select(subscription_rules)
                .where(subscription_rules.c.subscription_id.in_(chunk))
                .order_by(subscription_rules.c.kind, subscription_rules.c.value)
            ):
                rules[r.subscription_id][r.kind].append(r.value)
        return [_subscription(rows[i], rules[i]) for i in ids if i in rows]


def _subscription(row: Any, rules: dict[str, list[str]]) -> Subscription:
    return Subscription(
        id=row.id,
        email=row.email,
        status=row.status,
        content=SubscriptionContent(
            period=row.period,
            send_hour=row.send_hour,
            top_n=row.top_n,
            min_upvotes=row.min_upvotes,
            queries=tuple(rules["query"]),
            categories=tuple(rules["category"]),
            authors=tuple(rules["author"]),
        ),
        failures=row.failures,
        paused_reason=row.paused_reason,
        created_at=row.created_at,
    )
