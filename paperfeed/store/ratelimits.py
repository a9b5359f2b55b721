"""Fixed-window rate limits kept in the database, so every server process shares them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case

from paperfeed.store.database import Database
from paperfeed.store.schema import rate_limits


class RateLimits:
    def __init__(self, db: Database) -> None:
        self._db = db

    def hit(self, key: str, limit: int, window: timedelta) -> int:
        """Count one request against `key`; returns 0 when allowed, else the seconds until the
        window resets. One upsert, so concurrent requests on any server count exactly."""
        now = self._db.now()
        expired = now - window
        insert = self._db.insert(rate_limits).values(key=key[:200], window_start=now, hits=1)
        fresh = rate_limits.c.window_start <= expired
        stmt = insert.on_conflict_do_update(
            index_elements=[rate_limits.c.key],
            set_={
                "hits": case((fresh, 1), else_=rate_limits.c.hits + 1),
                "window_start": case((fresh, now), else_=rate_limits.c.window_start),
            },
        ).returning(rate_limits.c.hits, rate_limits.c.window_start)
        with self._db.writing() as conn:
            hits, started = conn.execute(stmt).one()
        if hits <= limit:
            return 0
        return max(1, int((started + window - now).total_seconds()))
