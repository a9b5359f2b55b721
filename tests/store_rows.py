"""What the database holds, read straight from its tables: for tests that check what an import
wrote where no page or API reads it (announcements, deleted papers, rate-limit counts, sign-in
links, why a paper was hidden, the rules of a removed subscription), and every stored paper
and version to compare two stores."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from paperfeed.models import Announcement, DailyEntry
from paperfeed.store import Store
from paperfeed.store.schema import (
    announcements,
    daily_entries,
    hidden_papers,
    login_tokens,
    paper_versions,
    papers,
    rate_limits,
    subscription_rules,
)


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


def login_tokens_kept(store: Store) -> list[tuple[str, datetime, datetime | None]]:
    """(e-mail, expires, used) of every sign-in link the database still holds, oldest first."""
    with store.db.engine.connect() as conn:
        rows = conn.execute(
            select(login_tokens).order_by(login_tokens.c.created_at, login_tokens.c.email)
        )
        return [(r.email, r.expires_at, r.used_at) for r in rows]


def hidden_record(store: Store, arxiv_id: str) -> tuple[int | None, datetime, str] | None:
    """(hidden by, hidden at, reason) of a hidden paper; None when it is not hidden."""
    with store.db.engine.connect() as conn:
        row = conn.execute(
            select(hidden_papers).where(hidden_papers.c.paper_id == arxiv_id)
        ).first()
        return (row.hidden_by, row.hidden_at, row.reason) if row else None


def subscription_rules_of(store: Store, sub_id: int) -> list[tuple[str, str]]:
    """(kind, value) rules stored for a subscription id, whether or not it still exists."""
    with store.db.engine.connect() as conn:
        rows = conn.execute(
            select(subscription_rules.c.kind, subscription_rules.c.value)
            .where(subscription_rules.c.subscription_id == sub_id)
            .order_by(subscription_rules.c.kind, subscription_rules.c.value)
        )
        return [(r.kind, r.value) for r in rows]


# Times a paper row gets from the clock when its batch is written.
WRITE_TIMES = ("first_seen", "changed_at")


def stored_papers(store: Store) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """Every paper row (without its write times) and every version row, in id order."""
    columns = [c for c in papers.columns if c.name not in WRITE_TIMES]
    with store.db.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(*columns).order_by(papers.c.id))]
        order = (paper_versions.c.paper_id, paper_versions.c.version)
        versions = [tuple(r) for r in conn.execute(select(paper_versions).order_by(*order))]
    return rows, versions
