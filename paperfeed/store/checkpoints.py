"""Where resumable jobs stopped (e.g. the last OAI-PMH harvest of a set): small key/value facts."""

from __future__ import annotations

from sqlalchemy import delete, select

from paperfeed.store.database import Database
from paperfeed.store.schema import ingest_state


class Checkpoints:
    """Reached as `store.checkpoints`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> str | None:
        with self._db.reading() as conn:
            value: str | None = conn.scalar(
                select(ingest_state.c.value).where(ingest_state.c.key == key)
            )
            return value

    def set(self, key: str, value: str) -> None:
        stmt = self._db.insert(ingest_state).values(key=key, value=value)
        with self._db.writing() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[ingest_state.c.key], set_={"value": stmt.excluded.value}
                )
            )

    def delete(self, key: str) -> None:
        """Forget `key` (a finished job's resume point); nothing happens when it is not set."""
        with self._db.writing() as conn:
            conn.execute(delete(ingest_state).where(ingest_state.c.key == key))
