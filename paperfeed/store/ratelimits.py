"""Fixed-window rate limits kept in the database, so every server process shares them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case

from paperfeed.store.schema import rate_limits
from paperfeed.store.timeutil import utcnow

if TYPE_CHECKING:
    from paperfeed.store.store import Store


class RateLimits:
    def __init__(self, store: Store) -> None:
        self._store = store

    def hit(self, key: str, limit: int, window: timedelta) -> int:
        """Count one request against `key`; returns 0 when allowed, else the seconds until the
        window resets. One upsert, so concurrent requests on any server count exactly."""
        now = utcnow()
        expired = now - window
        insert = self._store._insert(rate_limits).values(key=key[:200], window_start=now, hits=1)
        fresh = rate_limits.c.window_start <= expired
        stmt = insert.on_conflict_do_update(
            index_elements=[rate_limits.c.key],
            set_={
                "hits": case((fresh, 1), else_=rate_limits.c.hits + 1),
                "window_start": case((fresh, now), else_=rate_limits.c.window_start),
            },
        ).returning(rate_limits.c.hits, rate_limits.c.window_start)
        with self._store._writing() as conn:
            hits, started = conn.execute(stmt).one()
        if hits <= limit:
            return 0
        return max(1, int((started + window - now).total_seconds()))
