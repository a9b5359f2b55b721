"""The recommendations made for each member, kept until the next are made, best first by score:
an on-demand run replaces a member's list in one transaction; the daily job adds each member's
new ones and takes out those that fell off the list (`amend`), so `/for-you` reads a ready
list."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from paperfeed.models import Reason, StoredRecommendation
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database, Upsert
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


def _stored(row: Any, rank: int) -> StoredRecommendation:
    return StoredRecommendation(row.paper_id, rank, row.score, _reason(row.reason), row.made_at)


def _best_first(query: Any) -> Any:
    return query.order_by(recommendations.c.score.desc(), recommendations.c.paper_id)


@dataclass(frozen=True, slots=True)
class Listed:
    """A paper on a member's list, without its reason (what the daily run merges)."""

    paper_id: str
    score: float
    made_at: datetime


@dataclass(frozen=True, slots=True)
class Amendment:
    """A change to a member's list: papers taken off it, and new ones put on it."""

    removed: Collection[str] = ()
    added: Ranked = ()


# A paper put on a member's list (`Recommendations.replace_many`, `amend`).
_ADDED = Upsert(
    recommendations,
    ("user_id", "paper_id", "score", "reason", "made_at"),
    keys=("user_id", "paper_id"),
    update=("score", "reason", "made_at"),
)


class Recommendations:
    """Reached as `store.recommendations`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def replace(self, user_id: int, ranked: Ranked, made_at: datetime) -> None:
        """Make `ranked` (best first) the member's recommendations, in place of the last."""
        self.replace_many({user_id: ranked}, made_at)

    def replace_many(self, lists: Mapping[int, Ranked], made_at: datetime) -> None:
        """`replace` for many members at once: one statement deletes their lists and one
        inserts the new ones."""
        with self._db.writing() as conn:
            for part in chunks(sorted(lists)):
                conn.execute(delete(recommendations).where(recommendations.c.user_id.in_(part)))
            _ADDED.run(self._db, conn, self._rows(lists, made_at), converted=True)

    def amend(self, changes: Mapping[int, Amendment], made_at: datetime) -> None:
        """Take papers off members' lists and put new ones on (made at `made_at`; one already
        there is made again; a member's new papers are distinct), leaving the papers that stay
        as they are: a statement for all the papers taken off and one for all those put on,
        sent straight to the driver (the daily run writes hundreds of thousands; SQLAlchemy's
        handling of each row's values cost more than the database's own work)."""
        removed = [
            (user_id, paper_id)
            for user_id, change in changes.items()
            for paper_id in sorted(set(change.removed))
        ]
        added = self._rows({u: change.added for u, change in changes.items()}, made_at)
        with self._db.writing() as conn:
            if removed:
                # Each found by the primary key (a `(user_id, paper_id) IN (...)` list was a
                # scan of the table on SQLite, for every 900 pairs).
                mark = "?" if self._db.dialect == "sqlite" else "%s"
                conn.exec_driver_sql(
                    f"DELETE FROM {recommendations.name} "
                    f"WHERE user_id = {mark} AND paper_id = {mark}",
                    removed,
                )
            _ADDED.run(self._db, conn, added, converted=True)

    def _rows(self, lists: Mapping[int, Ranked], made_at: datetime) -> list[list[Any]]:
        """Members' papers as `_ADDED`'s rows, converted for the driver."""
        return [
            _ADDED.convert(
                self._db.dialect, [user_id, paper_id, float(score), reason_json(r), made_at]
            )
            for user_id, ranked in lists.items()
            for paper_id, score, r in ranked
        ]

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
        """The member's recommendations best first, ranked from `offset + 1`."""
        with self._db.reading() as conn:
            rows = conn.execute(
                _best_first(select(recommendations).where(recommendations.c.user_id == user_id))
                .limit(limit)
                .offset(offset)
            )
            return [_stored(r, offset + n) for n, r in enumerate(rows, 1)]

    def listed(self, user_ids: Sequence[int]) -> dict[int, list[Listed]]:
        """Each member's list best first, without the reasons (members with none are left
        out), in a few queries."""
        found: dict[int, list[Listed]] = {}
        columns = (recommendations.c.paper_id, recommendations.c.score, recommendations.c.made_at)
        with self._db.reading() as conn:
            for part in chunks(sorted(set(user_ids))):
                rows = conn.execute(
                    _best_first(
                        select(recommendations.c.user_id, *columns)
                        .where(recommendations.c.user_id.in_(list(part)))
                        .order_by(recommendations.c.user_id)
                    )
                )
                for user_id, paper_id, score, made in rows:
                    found.setdefault(user_id, []).append(Listed(paper_id, score, made))
        return found

    def stamps(self, user_ids: Sequence[int]) -> dict[int, tuple[int, datetime]]:
        """Each member's list's length and latest `made_at` (members with none are left out):
        what changes when a list is replaced, amended or a paper is taken off it, read without
        the rows."""
        found: dict[int, tuple[int, datetime]] = {}
        c = recommendations.c
        with self._db.reading() as conn:
            for part in chunks(sorted(set(user_ids))):
                rows = conn.execute(
                    select(c.user_id, func.count(), func.max(c.made_at))
                    .where(c.user_id.in_(list(part)))
                    .group_by(c.user_id)
                )
                for user_id, count, latest in rows:
                    found[user_id] = (count, latest)
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
