"""Curators' decisions: hide a paper from listings, search and feeds; feature one on a day."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from paperfeed.errors import NotFound
from paperfeed.store.schema import daily_entries, hidden_papers, papers
from paperfeed.store.timeutil import utcnow

if TYPE_CHECKING:
    from paperfeed.store.store import Store


class Moderation:
    def __init__(self, store: Store) -> None:
        self._store = store

    def hide(self, arxiv_id: str, user_id: int | None, reason: str = "") -> None:
        with self._store._writing() as conn:
            if conn.scalar(select(papers.c.id).where(papers.c.id == arxiv_id)) is None:
                raise NotFound(f"no paper {arxiv_id}")
            conn.execute(
                self._store._insert(hidden_papers)
                .values(paper_id=arxiv_id, hidden_by=user_id, hidden_at=utcnow(), reason=reason)
                .on_conflict_do_nothing()
            )

    def unhide(self, arxiv_id: str) -> None:
        with self._store._writing() as conn:
            conn.execute(hidden_papers.delete().where(hidden_papers.c.paper_id == arxiv_id))

    def hidden_ids(self) -> set[str]:
        with self._store.engine.connect() as conn:
            return set(conn.scalars(select(hidden_papers.c.paper_id)))

    def is_hidden(self, arxiv_id: str) -> bool:
        with self._store.engine.connect() as conn:
            found = conn.scalar(
                select(hidden_papers.c.paper_id).where(hidden_papers.c.paper_id == arxiv_id)
            )
            return found is not None

    def feature(self, arxiv_id: str, day: date, curator: str, source: str = "curator") -> bool:
        """List a paper among `day`'s papers; False when it already was."""
        with self._store._writing() as conn:
            if conn.scalar(select(papers.c.id).where(papers.c.id == arxiv_id)) is None:
                raise NotFound(f"no paper {arxiv_id}")
            done = conn.execute(
                self._store._insert(daily_entries)
                .values(
                    paper_id=arxiv_id,
                    day=day,
                    submitted_by=curator,
                    submitted_by_name=curator,
                    submitted_at=utcnow(),
                    source=source,
                )
                .on_conflict_do_nothing()
            )
            return done.rowcount == 1

    def unfeature(self, arxiv_id: str, day: date) -> None:
        with self._store._writing() as conn:
            conn.execute(
                daily_entries.delete().where(
                    daily_entries.c.paper_id == arxiv_id, daily_entries.c.day == day
                )
            )
