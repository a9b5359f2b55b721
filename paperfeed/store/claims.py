"""Members' claims to be an author of a paper: one row per member and paper, naming the author
and their position when claimed, kept when rejected so its member sees the answer. The rules
of who may claim what, and where a claim stands on the current author list, are
feed/claims.py's (and authors.place_claims); this writes and reads them."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from paperfeed.errors import NotFound
from paperfeed.models import AuthorClaim
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.memo import remembered
from paperfeed.store.papers import require_paper
from paperfeed.store.schema import author_claims, comments, users

_VERIFIED = ("verified", "assigned")
# PostgreSQL advisory lock keys of papers' claims: above submissions' 4,000,000 + user id.
_LOCK_BASE = 5_000_000_000


def _claim(row: Any) -> AuthorClaim:
    return AuthorClaim(
        arxiv_id=row.paper_id,
        position=row.position,
        author_name=row.author_name,
        user_id=row.user_id,
        user_name=row.name,
        status=row.status,
        created_at=row.created_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
    )


def _claims() -> Select[Any]:
    return select(author_claims, users.c.name).join(users, users.c.id == author_claims.c.user_id)


def _of_papers(*where: Any) -> Select[Any]:
    """Claims on the papers bound as `ids` at execution, by paper and position."""
    return (
        _claims()
        .where(author_claims.c.paper_id.in_(bindparam("ids", expanding=True)), *where)
        .order_by(author_claims.c.paper_id, author_claims.c.position, author_claims.c.user_id)
    )


# Built once (the HF API reads its papers' claims on every request); ids bound at execution.
_ALL_OF_PAPERS = _of_papers()
_VERIFIED_OF_PAPERS = _of_papers(author_claims.c.status.in_(_VERIFIED))
_PARTICIPATING = (
    select(author_claims.c.paper_id)
    .distinct()
    .join(
        comments,
        (comments.c.paper_id == author_claims.c.paper_id)
        & (comments.c.user_id == author_claims.c.user_id),
    )
    .where(
        author_claims.c.paper_id.in_(bindparam("ids", expanding=True)),
        author_claims.c.status.in_(_VERIFIED),
        comments.c.deleted.is_(False),
        comments.c.hidden.is_(False),
    )
)


class Claims:
    """Reached as `store.claims`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ----------------------------------------------------------------- writes

    def lock_paper(self, arxiv_id: str) -> None:
        """Serialise writes to one paper's claims until the open transaction ends, so a rule
        checked on what `for_paper` read still holds when `put` writes (PostgreSQL; SQLite's
        writer takes its lock when the transaction begins)."""
        if self._db.dialect != "postgresql":
            return
        with self._db.writing() as conn:
            key = _LOCK_BASE + zlib.crc32(arxiv_id.encode())
            conn.execute(select(func.pg_advisory_xact_lock(key)))

    def put(
        self,
        arxiv_id: str,
        position: int,
        author_name: str,
        user_id: int,
        status: str,
        decided_by: int | None = None,
    ) -> AuthorClaim:
        """Write the member's claim to be `author_name`, at `position` of the author list now,
        replacing their claim on the paper if they had one (the caller has checked that no
        one else holds that author); a decided status (anything but pending) is stamped as
        decided now by `decided_by`."""
        now = self._db.now()
        decided = status != "pending"
        values = {
            "position": position,
            "author_name": author_name,
            "status": status,
            "created_at": now,
            "decided_at": now if decided else None,
            "decided_by": decided_by if decided else None,
        }
        with self._db.writing() as conn:
            require_paper(conn, arxiv_id)
            conn.execute(
                self._db.insert(author_claims)
                .values(paper_id=arxiv_id, user_id=user_id, **values)
                .on_conflict_do_update(
                    index_elements=[author_claims.c.paper_id, author_claims.c.user_id],
                    set_=values,
                )
            )
        found = self.get(arxiv_id, user_id)
        assert found is not None  # written just now, in this transaction
        return found

    def decide(self, arxiv_id: str, user_id: int, status: str, admin_id: int) -> AuthorClaim:
        """Set the member's claim's status as an admin's decision; NotFound when there is
        none."""
        with self._db.writing() as conn:
            done = conn.execute(
                author_claims.update()
                .where(author_claims.c.paper_id == arxiv_id, author_claims.c.user_id == user_id)
                .values(status=status, decided_at=self._db.now(), decided_by=admin_id)
            )
            if done.rowcount == 0:
                raise NotFound(f"member {user_id} has no claim on {arxiv_id}")
        found = self.get(arxiv_id, user_id)
        assert found is not None
        return found

    def withdraw(self, arxiv_id: str, user_id: int) -> bool:
        """Remove the member's claim on the paper, whatever its status; False if none."""
        with self._db.writing() as conn:
            done = conn.execute(
                author_claims.delete().where(
                    author_claims.c.paper_id == arxiv_id, author_claims.c.user_id == user_id
                )
            )
            return done.rowcount > 0

    # ----------------------------------------------------------------- reads

    def get(self, arxiv_id: str, user_id: int) -> AuthorClaim | None:
        """The member's claim on the paper, if any."""
        with self._db.reading() as conn:
            row = conn.execute(
                _claims().where(
                    author_claims.c.paper_id == arxiv_id, author_claims.c.user_id == user_id
                )
            ).first()
        return _claim(row) if row else None

    @remembered
    def for_paper(self, arxiv_id: str) -> list[AuthorClaim]:
        """Every claim on the paper, rejected ones included, by position when claimed."""
        return self.for_papers([arxiv_id]).get(arxiv_id, [])

    @remembered
    def for_papers(self, ids: Sequence[str]) -> dict[str, list[AuthorClaim]]:
        """Every claim on each paper among `ids` that has any, as `for_paper`: one query per
        900 papers."""
        return self._by_paper(ids, _ALL_OF_PAPERS)

    @remembered
    def of_user(self, user_id: int) -> list[AuthorClaim]:
        """A member's claims, newest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                _claims()
                .where(author_claims.c.user_id == user_id)
                .order_by(author_claims.c.created_at.desc(), author_claims.c.paper_id)
            )
            return [_claim(r) for r in rows]

    def pending(self, limit: int = 200) -> list[AuthorClaim]:
        """Claims waiting for an admin, oldest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                _claims()
                .where(author_claims.c.status == "pending")
                .order_by(
                    author_claims.c.created_at,
                    author_claims.c.paper_id,
                    author_claims.c.position,
                    author_claims.c.user_id,
                )
                .limit(limit)
            )
            return [_claim(r) for r in rows]

    @remembered
    def verified(self, ids: Sequence[str]) -> dict[str, list[AuthorClaim]]:
        """The verified (or assigned) claims of each paper among `ids` that has any, by
        position when claimed: one query per 900 papers, for listings and the API."""
        return self._by_paper(ids, _VERIFIED_OF_PAPERS)

    def _by_paper(self, ids: Sequence[str], stmt: Select[Any]) -> dict[str, list[AuthorClaim]]:
        found: dict[str, list[AuthorClaim]] = {}
        with self._db.reading() as conn:
            for chunk in chunks(list(dict.fromkeys(ids))):
                rows = conn.execute(stmt, {"ids": list(chunk)})
                for row in rows:
                    found.setdefault(row.paper_id, []).append(_claim(row))
        return found

    @remembered
    def participating(self, ids: Sequence[str]) -> set[str]:
        """Papers among `ids` on which a verified author has a visible comment (HF's
        `isAuthorParticipating`)."""
        out: set[str] = set()
        with self._db.reading() as conn:
            for chunk in chunks(list(dict.fromkeys(ids))):
                out.update(conn.scalars(_PARTICIPATING, {"ids": list(chunk)}))
        return out
