"""Named leases: one holder at a time (one `digest send`, one node running a scheduled job),
with a time limit, so that a holder that died without letting go is replaced once its time
runs out, or at once when it was a process on this machine that no longer exists."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from paperfeed.store.database import Database
from paperfeed.store.schema import leases

_FREE = datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    holder: str
    host: str
    pid: int
    expires_at: datetime


def holder_gone(holder: LeaseHolder) -> bool:
    """A holder on this machine whose process no longer exists."""
    if holder.host != socket.gethostname() or holder.pid <= 0:
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Leases:
    """Reached as `store.leases` (and used by `store.deliveries` and `store.jobs`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def take(
        self,
        name: str,
        me: LeaseHolder,
        now: datetime,
        is_dead: Callable[[LeaseHolder], bool] = holder_gone,
    ) -> LeaseHolder | None:
        """Take lease `name` for `me` and return None; or, when another holder has it and is
        alive, leave it and return that holder. A lease whose time ran out, or whose holder
        `is_dead` says is gone, is taken over."""
        with self._db.writing() as conn:
            conn.execute(
                self._db.insert(leases)
                .values(name=name, holder="", host="", pid=0, expires_at=_FREE)
                .on_conflict_do_nothing(index_elements=[leases.c.name])
            )
            row = conn.execute(select(leases).where(leases.c.name == name).with_for_update()).one()
            current = LeaseHolder(row.holder, row.host, row.pid, row.expires_at)
            if (
                current.holder not in ("", me.holder)
                and current.expires_at > now
                and not is_dead(current)
            ):
                return current
            conn.execute(
                update(leases)
                .where(leases.c.name == name)
                .values(holder=me.holder, host=me.host, pid=me.pid, expires_at=me.expires_at)
            )
        return None

    def renew(self, name: str, holder: str, expires_at: datetime) -> bool:
        """Extend a held lease; False when it was lost (taken over after it ran out)."""
        with self._db.writing() as conn:
            result = conn.execute(
                update(leases)
                .where(leases.c.name == name, leases.c.holder == holder)
                .values(expires_at=expires_at)
            )
            return bool(result.rowcount)

    def release(self, name: str, holder: str) -> None:
        with self._db.writing() as conn:
            conn.execute(
                update(leases)
                .where(leases.c.name == name, leases.c.holder == holder)
                .values(holder="", expires_at=_FREE)
            )

    def holder(self, name: str) -> LeaseHolder | None:
        """Who holds lease `name` (whether or not their time ran out); None when nobody."""
        with self._db.reading() as conn:
            row = conn.execute(select(leases).where(leases.c.name == name)).first()
        if row is None or not row.holder:
            return None
        return LeaseHolder(row.holder, row.host, row.pid, row.expires_at)
