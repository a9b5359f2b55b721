"""Curators' decisions: hide a paper from listings, search and feeds; feature one on a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from paperfeed.store.database import Database
from paperfeed.store.memo import remembered
from paperfeed.store.papers import require_paper
from paperfeed.store.schema import daily_entries, hidden_papers


class Moderation:
    def __init__(self, db: Database) -> None:
        self._db = db

    def hide(self, arxiv_id: str, user_id: int | None, reason: str = "") -> None:
        with self._db.writing() as conn:
            require_paper(conn, arxiv_id)
            conn.execute(
                self._db.insert(hidden_papers)
                .values(
                    paper_id=arxiv_id, hidden_by=user_id, hidden_at=self._db.now(), reason=reason
                )
                .on_conflict_do_nothing()
            )

    def unhide(self, arxiv_id: str) -> None:
        with self._db.writing() as conn:
            conn.execute(hidden_papers.delete().where(hidden_papers.c.paper_id == arxiv_id))

    @remembered
    def hidden_ids(self) -> set[str]:
        with self._db.reading() as conn:
            return set(conn.scalars(select(hidden_papers.c.paper_id)))

    @remembered
    def is_hidden(self, arxiv_id: str) -> bool:
        with self._db.reading() as conn:
            found = conn.scalar(
                select(hidden_papers.c.paper_id).where(hidden_papers.c.paper_id == arxiv_id)
            )
            return found is not None

    def feature(self, arxiv_id: str, day: date, curator: str, source: str = "curator") -> bool:
        """List a paper among `day`'s papers; False when it already was."""
        with self._db.writing() as conn:
            require_paper(conn, arxiv_id)
            done = conn.execute(
                self._db.insert(daily_entries)
                .values(
                    paper_id=arxiv_id,
                    day=day,
                    submitted_by=curator,
                    submitted_by_name=curator,
                    submitted_at=self._db.now(),
                    source=source,
                )
                .on_conflict_do_nothing()
                # RETURNING says whether a row went in: an INSERT's rowcount is -1 on
                # PostgreSQL under SQLAlchemy 2.1 (kept only with preserve_rowcount).
                .returning(daily_entries.c.id)
            )
            return done.first() is not None

    def unfeature(self, arxiv_id: str, day: date) -> None:
        with self._db.writing() as conn:
            conn.execute(
                daily_entries.delete().where(
                    daily_entries.c.paper_id == arxiv_id, daily_entries.c.day == day
                )
            )
