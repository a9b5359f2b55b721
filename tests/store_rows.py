"""What the database holds, read straight from its tables: for tests that check what an import
wrote where no page or API reads it (announcements, deleted papers, rate-limit counts)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from paperfeed.models import Announcement, DailyEntry
from paperfeed.store import Store
from paperfeed.store.schema import announcements, daily_entries, papers, rate_limits


def announcements_on(store: Store, day: date) -> list[Announcement]:
    with store.db.engine.connect() as conn:
        rows = conn.execute(
            select(announcements)
            .where(announcements.c.day == day)
            .order_by(announcements.c.category, announcements.c.paper_id)
        )
        return [Announcement(r.paper_id, r.day, r.category, r.kind) for r in rows]


def daily_entries_on(store: Store, day: date) -> list[DailyEntry]:
    with store.db.engine.connect() as conn:
        rows = conn.execute(
            select(daily_entries).where(daily_entries.c.day == day).order_by(daily_entries.c.id)
        )
        return [
            DailyEntry(
                r.paper_id, r.day, r.submitted_by, r.submitted_by_name, r.submitted_at, r.source
            )
            for r in rows
        ]


def is_deleted(store: Store, arxiv_id: str) -> bool:
    """The paper's row is kept, marked deleted."""
    with store.db.engine.connect() as conn:
        return bool(conn.scalar(select(papers.c.deleted).where(papers.c.id == arxiv_id)))


def rate_limit_hits(store: Store, key: str) -> int:
    """Requests counted against a rate-limit key in its current window (0 when none)."""
    with store.db.engine.connect() as conn:
        return int(conn.scalar(select(rate_limits.c.hits).where(rate_limits.c.key == key)) or 0)
