"""Upvotes: one per user per paper. Setting a vote is idempotent, so concurrent or repeated
clicks leave exact counts (the primary key refuses a second row)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from paperfeed.store.database import Database
from paperfeed.store.memo import remembered
from paperfeed.store.papers import Papers, require_paper
from paperfeed.store.schema import votes


class Votes:
    def __init__(self, db: Database, papers: Papers) -> None:
        self._db = db
        self._papers = papers

    def cast(self, user_id: int, arxiv_id: str, on: bool) -> int:
        """Upvote (on) or withdraw the upvote; returns the paper's total upvotes."""
        with self._db.writing() as conn:
            require_paper(conn, arxiv_id)
            if on:
                conn.execute(
                    self._db.insert(votes)
                    .values(user_id=user_id, paper_id=arxiv_id, created_at=self._db.now())
                    .on_conflict_do_nothing()
                )
            else:
                conn.execute(
                    votes.delete().where(votes.c.user_id == user_id, votes.c.paper_id == arxiv_id)
                )
            return self._papers.upvote_counts([arxiv_id]).get(arxiv_id, 0)

    @remembered
    def voted(self, user_id: int, ids: Sequence[str]) -> set[str]:
        """Which of `ids` this user has upvoted."""
        if not ids:
            return set()
        with self._db.reading() as conn:
            return set(
                conn.scalars(
                    select(votes.c.paper_id).where(
                        votes.c.user_id == user_id, votes.c.paper_id.in_(list(ids))
                    )
                )
            )

    def community_counts(self, ids: Sequence[str]) -> dict[str, int]:
        """Community (not imported) upvotes per paper among `ids`; papers without any are absent."""
        if not ids:
            return {}
        with self._db.reading() as conn:
            rows = conn.execute(
                select(votes.c.paper_id, func.count())
                .where(votes.c.paper_id.in_(list(ids)))
                .group_by(votes.c.paper_id)
            )
            return {r[0]: int(r[1]) for r in rows}

    def total(self) -> int:
        with self._db.reading() as conn:
            return int(conn.scalar(select(func.count()).select_from(votes)) or 0)
