"""What members follow (authors, categories, saved searches) and the secret token of each
member's private feed. Following is idempotent; values are kept as the member gave them, with
their spacing tidied, and matched without regard to case."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import delete, func, select

from paperfeed.errors import Invalid
from paperfeed.models import FOLLOW_KINDS, Follow
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.memo import remembered
from paperfeed.store.schema import feed_tokens, follows

MAX_FOLLOWS = 500  # per member
MAX_VALUE = 500


class Follows:
    """Reached as `store.follows`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def follow(self, user_id: int, kind: str, value: str, on: bool = True) -> bool:
        """Follow (on) or unfollow; returns whether the member now follows it."""
        if kind not in FOLLOW_KINDS:
            raise Invalid(f"one follows an {', a '.join(FOLLOW_KINDS)}, not {kind!r}")
        value = " ".join(value.split())
        if not value:
            raise Invalid(f"which {kind} to follow?")
        if len(value) > MAX_VALUE:
            raise Invalid(f"a followed {kind} is at most {MAX_VALUE} characters")
        with self._db.writing() as conn:
            same = follows.c.user_id == user_id, follows.c.kind == kind
            existing = conn.scalar(
                select(follows.c.value).where(*same, func.lower(follows.c.value) == value.lower())
            )
            if not on:
                if existing is not None:
                    conn.execute(delete(follows).where(*same, follows.c.value == existing))
                return False
            if existing is not None:
                return True
            count = conn.scalar(
                select(func.count()).select_from(follows).where(follows.c.user_id == user_id)
            )
            if (count or 0) >= MAX_FOLLOWS:
                raise Invalid(f"a member follows at most {MAX_FOLLOWS} things")
            conn.execute(
                follows.insert().values(
                    user_id=user_id, kind=kind, value=value, created_at=self._db.now()
                )
            )
            return True

    @remembered
    def of(self, user_id: int) -> list[Follow]:
        """What the member follows, by kind then in the order they followed."""
        return self.of_members([user_id]).get(user_id, [])

    def of_members(self, user_ids: Sequence[int]) -> dict[int, list[Follow]]:
        """`of` for many members in a few queries (members who follow nothing are left out)."""
        found: dict[int, list[Follow]] = {}
        with self._db.reading() as conn:
            for part in chunks(sorted(set(user_ids))):
                rows = conn.execute(
                    select(follows.c.user_id, follows.c.kind, follows.c.value, follows.c.created_at)
                    .where(follows.c.user_id.in_(list(part)))
                    .order_by(
                        follows.c.user_id, follows.c.kind, follows.c.created_at, follows.c.value
                    )
                )
                for r in rows:
                    found.setdefault(r.user_id, []).append(Follow(r.kind, r.value, r.created_at))
        return found

    def members(self) -> list[int]:
        """Every member who follows something."""
        with self._db.reading() as conn:
            return list(conn.scalars(select(follows.c.user_id).distinct()))

    # ------------------------------------------------------------ private feed token
    def feed_token(self, user_id: int, *, renew: bool = False) -> str:
        """The member's private feed token, made on first use; `renew` replaces it (the old
        feed URL stops working)."""
        with self._db.writing() as conn:
            current = conn.scalar(
                select(feed_tokens.c.token).where(feed_tokens.c.user_id == user_id)
            )
            if current is not None and not renew:
                return str(current)
            token = secrets.token_urlsafe(24)
            conn.execute(delete(feed_tokens).where(feed_tokens.c.user_id == user_id))
            conn.execute(
                feed_tokens.insert().values(user_id=user_id, token=token, created_at=self._db.now())
            )
            return token

    def feed_owner(self, token: str) -> int | None:
        """The member whose private feed `token` opens."""
        if not token or len(token) > 64:
            return None
        with self._db.reading() as conn:
            owner = conn.scalar(select(feed_tokens.c.user_id).where(feed_tokens.c.token == token))
        return int(owner) if owner is not None else None
