"""The digest delivery ledger and the lease that keeps one `digest send` running at a time.

Ledger rows move `claimed` → `sent` | `deferred` (transient failure, retried next run) |
`failed` (permanent). A `claimed` or `deferred` row not held by the current lease holder is
outstanding: its digest must be (re)sent, with the content and Message-ID stored in the row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update

from paperfeed.errors import Busy
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.leases import LeaseHolder, Leases
from paperfeed.store.schema import digest_deliveries, subscriptions

SETTLED = ("sent", "failed")
OUTSTANDING = ("claimed", "deferred")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One (subscription, period) digest in the ledger."""

    subscription_id: int
    period_key: str
    status: str
    message_id: str
    content: dict[str, Any]
    holder: str
    attempts: int = 0
    error: str | None = None
    sent_at: datetime | None = None


class DeliveryLedger:
    """Reached as `store.deliveries`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._leases = Leases(db)

    # ------------------------------------------------------------------- lease

    def acquire_lease(
        self,
        name: str,
        me: LeaseHolder,
        now: datetime,
        is_dead: Callable[[LeaseHolder], bool],
    ) -> None:
        """Take lease `name` for `me`, or raise Busy naming its live holder (store/leases.py)."""
        current = self._leases.take(name, me, now, is_dead)
        if current is not None:
            raise Busy(
                f"another `digest send` is running (pid {current.pid} on {current.host}, "
                f"lease until {current.expires_at:%Y-%m-%d %H:%M:%S} UTC)"
            )

    def renew_lease(self, name: str, holder: str, expires_at: datetime) -> bool:
        """Extend a held lease; False when it was lost (taken over after it ran out)."""
        return self._leases.renew(name, holder, expires_at)

    def release_lease(self, name: str, holder: str) -> None:
        self._leases.release(name, holder)

    # ------------------------------------------------------------------ ledger

    def settled(self, period_key: str) -> set[int]:
        """Subscriptions whose digest for `period_key` was sent or permanently failed."""
        with self._db.reading() as conn:
            return set(
                conn.scalars(
                    select(digest_deliveries.c.subscription_id).where(
                        digest_deliveries.c.period_key == period_key,
                        digest_deliveries.c.status.in_(SETTLED),
                    )
                )
            )

    def outstanding(self, period_key: str) -> list[Delivery]:
        """Digests of `period_key` claimed by an earlier run and not known to be sent, or
        deferred after a transient failure: they are sent again with their stored content."""
        with self._db.reading() as conn:
            rows = conn.execute(
                select(digest_deliveries)
                .where(
                    digest_deliveries.c.period_key == period_key,
                    digest_deliveries.c.status.in_(OUTSTANDING),
                )
                .order_by(digest_deliveries.c.subscription_id)
            )
            return [_delivery(r) for r in rows]

    def get(self, sub_id: int, period_key: str) -> Delivery | None:
        with self._db.reading() as conn:
            row = conn.execute(
                select(digest_deliveries).where(
                    digest_deliveries.c.subscription_id == sub_id,
                    digest_deliveries.c.period_key == period_key,
                )
            ).first()
        return _delivery(row) if row else None

    def history(self, sub_id: int, limit: int = 20) -> list[Delivery]:
        with self._db.reading() as conn:
            rows = conn.execute(
                select(digest_deliveries)
                .where(digest_deliveries.c.subscription_id == sub_id)
                .order_by(digest_deliveries.c.claimed_at.desc())
                .limit(limit)
            )
            return [_delivery(r) for r in rows]

    def sent_paper_ids(self, sub_ids: Sequence[int], since: datetime) -> dict[int, set[str]]:
        """Papers each subscription was sent since `since`, so a digest does not repeat them."""
        found: dict[int, set[str]] = {}
        with self._db.reading() as conn:
            for chunk in chunks(sub_ids):
                rows = conn.execute(
                    select(digest_deliveries.c.subscription_id, digest_deliveries.c.content).where(
                        digest_deliveries.c.subscription_id.in_(chunk),
                        digest_deliveries.c.status == "sent",
                        digest_deliveries.c.sent_at >= since,
                    )
                )
                for r in rows:
                    found.setdefault(r.subscription_id, set()).update(
                        item["id"] for item in r.content["items"]
                    )
        return found

    def claim(self, deliveries: Sequence[Delivery], holder: str, now: datetime) -> list[Delivery]:
        """Record the intent to send, before sending: new rows are inserted (a row already
        there wins), outstanding rows of another holder are taken over only if unchanged
        since they were read. Returns the deliveries now held by `holder`."""
        won: list[Delivery] = []
        with self._db.writing() as conn:
            for d in deliveries:
                if d.holder == holder:  # new: not in the ledger yet
                    result = conn.execute(
                        self._db.insert(digest_deliveries)
                        .values(
                            subscription_id=d.subscription_id,
                            period_key=d.period_key,
                            status="claimed",
                            message_id=d.message_id,
                            content=d.content,
                            holder=holder,
                            attempts=0,
                            claimed_at=now,
                        )
                        .on_conflict_do_nothing()
                        .returning(digest_deliveries.c.subscription_id)
                    )
                    taken = result.first() is not None
                else:
                    result = conn.execute(
                        update(digest_deliveries)
                        .where(
                            digest_deliveries.c.subscription_id == d.subscription_id,
                            digest_deliveries.c.period_key == d.period_key,
                            digest_deliveries.c.holder == d.holder,
                            digest_deliveries.c.status == d.status,
                        )
                        .values(holder=holder, status="claimed", claimed_at=now)
                    )
                    # An UPDATE's rowcount is reliable on both databases (an INSERT's is not:
                    # see Moderation.feature).
                    taken = bool(result.rowcount)
                if taken:
                    won.append(_replace_holder(d, holder))
        return won

    def mark_sent(self, d: Delivery, now: datetime, *, reset_failures: bool = True) -> None:
        """The server accepted it; a subscription's count of failures in a row restarts."""
        with self._db.writing() as conn:
            self._finish(conn, d, status="sent", error=None, sent_at=now)
            if not reset_failures:
                return
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.id == d.subscription_id, subscriptions.c.failures != 0)
                .values(failures=0)
            )

    def mark_deferred(self, d: Delivery, error: str) -> None:
        """A transient failure: the next run tries again."""
        with self._db.writing() as conn:
            self._finish(conn, d, status="deferred", error=error, sent_at=None)

    def mark_failed(self, d: Delivery, error: str, now: datetime, pause_after: int) -> bool:
        """A permanent failure; the subscription is paused after `pause_after` in a row.
        Returns True when this failure paused it."""
        with self._db.writing() as conn:
            self._finish(conn, d, status="failed", error=error, sent_at=None)
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.id == d.subscription_id)
                .values(failures=subscriptions.c.failures + 1, updated_at=now)
            )
            result = conn.execute(
                update(subscriptions)
                .where(
                    subscriptions.c.id == d.subscription_id,
                    subscriptions.c.status == "active",
                    subscriptions.c.failures >= pause_after,
                )
                .values(
                    status="paused",
                    paused_reason=f"{pause_after} digests in a row were refused: {error}",
                )
            )
            return bool(result.rowcount)

    def _finish(
        self,
        conn: Any,
        d: Delivery,
        *,
        status: str,
        error: str | None,
        sent_at: datetime | None,
    ) -> None:
        conn.execute(
            update(digest_deliveries)
            .where(
                and_(
                    digest_deliveries.c.subscription_id == d.subscription_id,
                    digest_deliveries.c.period_key == d.period_key,
                )
            )
            .values(
                status=status,
                error=error,
                sent_at=sent_at,
                attempts=digest_deliveries.c.attempts + 1,
            )
        )


def _replace_holder(d: Delivery, holder: str) -> Delivery:
    """`d` as claimed by `holder`, with what its earlier attempt left (error, sent_at) cleared."""
    return replace(d, status="claimed", holder=holder, error=None, sent_at=None)


def _delivery(r: Any) -> Delivery:
    return Delivery(
        subscription_id=r.subscription_id,
        period_key=r.period_key,
        status=r.status,
        message_id=r.message_id,
        content=r.content,
        holder=r.holder,
        attempts=r.attempts,
        error=r.error,
        sent_at=r.sent_at,
    )
