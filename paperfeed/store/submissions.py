"""Community submissions: a member lists a paper on a day, within a daily cap."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from paperfeed.errors import Invalid, RateLimited
from paperfeed.models import User
from paperfeed.store.database import Database
from paperfeed.store.papers import require_paper
from paperfeed.store.schema import daily_entries, submissions


class Submissions:
    def __init__(self, db: Database) -> None:
        self._db = db

    def submit(self, arxiv_id: str, user: User, day: date, daily_cap: int) -> None:
        """List `arxiv_id` on `day` as submitted by `user`. The cap is checked and the
        submission written in one transaction, so parallel requests cannot exceed it."""
        now = self._db.now()
        start = datetime.combine(now.date(), time())
        with self._db.writing() as conn:
            if self._db.dialect == "postgresql":
                # Serialise one user's submissions so the count below stays true.
                conn.execute(select(func.pg_advisory_xact_lock(4_000_000 + user.id)))
            require_paper(conn, arxiv_id)
            listed = conn.scalar(
                select(daily_entries.c.id).where(
                    daily_entries.c.paper_id == arxiv_id, daily_entries.c.day == day
                )
            )
            if listed is not None:
                raise Invalid(f"{arxiv_id} is already among the papers of {day.isoformat()}")
            used = conn.scalar(
                select(func.count())
                .select_from(submissions)
                .where(submissions.c.user_id == user.id, submissions.c.submitted_at >= start)
            )
            if (used or 0) >= daily_cap:
                retry = int((start + timedelta(days=1) - now).total_seconds())
                raise RateLimited(
                    f"you have submitted {daily_cap} papers today, the daily maximum; "
                    "try again tomorrow (UTC)",
                    retry_after=max(retry, 1),
                )
            conn.execute(
                submissions.insert().values(paper_id=arxiv_id, user_id=user.id, submitted_at=now)
            )
            conn.execute(
                daily_entries.insert().values(
                    paper_id=arxiv_id,
                    day=day,
                    submitted_by=user.name,
                    submitted_by_name=user.name,
                    submitted_at=now,
                    source="community",
                )
            )

    def is_submitter(self, arxiv_id: str, user_id: int) -> bool:
        """Whether `user_id` submitted `arxiv_id` (on any day)."""
        with self._db.reading() as conn:
            found = conn.scalar(
                select(submissions.c.id)
                .where(submissions.c.paper_id == arxiv_id, submissions.c.user_id == user_id)
                .limit(1)
            )
        return found is not None

    def count_today(self, user_id: int) -> int:
        start = datetime.combine(self._db.now().date(), time())
        with self._db.reading() as conn:
            return int(
                conn.scalar(
                    select(func.count())
                    .select_from(submissions)
                    .where(submissions.c.user_id == user_id, submissions.c.submitted_at >= start)
                )
                or 0
            )
