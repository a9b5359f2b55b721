"""The recommendations made for each member, kept until the next are made: the daily job or an
on-demand run replaces a member's list in one transaction, so `/for-you` reads a ready list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from paperfeed.models import Reason, StoredRecommendation
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.memo import remembered
from paperfeed.store.schema import collection_papers, collections, recommendations, votes

Ranked = Sequence[tuple[str, float, Reason]]


def reason_json(reason: Reason) -> dict[str, list[str]]:
    return {
        "because": list(reason.because),
        "words": list(reason.words),
        "authors": list(reason.authors),
        "follows": list(reason.follows),
    }


def _reason(value: Any) -> Reason:
    value = value if isinstance(value, dict) else {}
    return Reason(
        **{k: tuple(str(v) for v in value.get(k, ())) for k in Reason.__dataclass_fields__}
    )


def _stored(row: Any) -> StoredRecommendation:
    return StoredRecommendation(row.paper_id, row.rank, row.score, _reason(row.reason), row.made_at)


class Recommendations:
    """Reached as `store.recommendations`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def replace(self, user_id: int, ranked: Ranked, made_at: datetime) -> None:
        """Make `ranked` (best first) the member's recommendations, in place of the last."""
        self.replace_many({user_id: ranked}, made_at)

    def replace_many(self, lists: Mapping[int, Ranked], made_at: datetime) -> None:
        """`replace` for many members at once: one statement deletes their lists and one
        inserts the new ones (the daily job writes a block of members in one transaction)."""
        rows = [
            {
                "user_id": user_id,
                "paper_id": paper_id,
                "rank": rank,
                "score": float(score),
                "reason": reason_json(reason),
                "made_at": made_at,
            }
            for user_id, ranked in lists.items()
            for rank, (paper_id, score, reason) in enumerate(ranked, 1)
        ]
        with self._db.writing() as conn:
            for part in chunks(sorted(lists)):
                conn.execute(delete(recommendations).where(recommendations.c.user_id.in_(part)))
            if rows:
                conn.execute(recommendations.insert(), rows)

    def drop(self, user_id: int, paper_id: str) -> None:
        """Take one paper off the member's list (they dismissed or saved it)."""
        with self._db.writing() as conn:
            conn.execute(
                delete(recommendations).where(
                    recommendations.c.user_id == user_id, recommendations.c.paper_id == paper_id
                )
            )

    @remembered
    def of(self, user_id: int, *, limit: int = 50, offset: int = 0) -> list[StoredRecommendation]:
        with self._db.reading() as conn:
            rows = conn.execute(
                select(recommendations)
                .where(recommendations.c.user_id == user_id)
                .order_by(recommendations.c.rank)
                .limit(limit)
                .offset(offset)
            )
            return [_stored(r) for r in rows]

    def of_members(
        self, user_ids: Sequence[int], *, limit: int = 50
    ) -> dict[int, list[StoredRecommendation]]:
        """`of` for many members in a few queries: each one's recommendations ranked `limit` or
        better, best first (members with no list are left out)."""
        found: dict[int, list[StoredRecommendation]] = {}
        with self._db.reading() as conn:
            for part in chunks(sorted(set(user_ids))):
                rows = conn.execute(
                    select(recommendations)
                    .where(recommendations.c.user_id.in_(list(part)))
                    .where(recommendations.c.rank <= limit)
                    .order_by(recommendations.c.user_id, recommendations.c.rank)
                )
                for r in rows:
                    found.setdefault(r.user_id, []).append(_stored(r))
        return found

    def made_at(self, user_id: int) -> datetime | None:
        with self._db.reading() as conn:
            found: datetime | None = conn.scalar(
                select(func.max(recommendations.c.made_at)).where(
                    recommendations.c.user_id == user_id
                )
            )
            return found

    def readers(self) -> list[int]:
        """Members with something to learn from: a saved paper or an upvote."""
        saved = (
            select(collections.c.user_id)
            .join(collection_papers, collection_papers.c.collection_id == collections.c.id)
            .distinct()
        )
        with self._db.reading() as conn:
            return sorted(
                set(conn.scalars(saved)) | set(conn.scalars(select(votes.c.user_id).distinct()))
            )

    def upvoted_by(self, user_ids: Sequence[int]) -> dict[int, list[str]]:
        """`upvoted` for many members in a few queries (members with none are left out)."""
        found: dict[int, list[str]] = {}
        with self._db.reading() as conn:
            for part in chunks(sorted(set(user_ids))):
                rows = conn.execute(
                    select(votes.c.user_id, votes.c.paper_id)
                    .where(votes.c.user_id.in_(list(part)))
                    .order_by(votes.c.user_id, votes.c.created_at.desc(), votes.c.paper_id)
                )
                for user_id, paper_id in rows:
                    found.setdefault(user_id, []).append(paper_id)
        return found

    def upvoted(self, user_id: int) -> list[str]:
        """The papers the member upvoted, the latest first."""
        return self.upvoted_by([user_id]).get(user_id, [])
