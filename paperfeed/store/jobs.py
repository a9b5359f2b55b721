"""Scheduled jobs as every node sees them: when each is next due and how its last run went
(`job_runs`), and the lease (`leases`, named `job:<name>`) that lets one node run it at a time.

A run is taken in two steps, each its own transaction: the lease, then `start`, which marks the
run begun only if the job is still due. A node that wakes just after another finished the job
gets the lease but finds the job no longer due, so a job never runs twice for one due time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from paperfeed.store.database import Database
from paperfeed.store.leases import LeaseHolder, Leases
from paperfeed.store.schema import job_runs

_NEVER = datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class JobRun:
    """One job's row: `last_result` is `running`, `ok` or `failed` (None before any run);
    `failures` counts the failed runs in a row."""

    name: str
    next_run: datetime | None
    last_run: datetime | None = None
    last_finished: datetime | None = None
    last_result: str | None = None
    last_message: str | None = None
    failures: int = 0
    runs: int = 0
    last_node: str | None = None


class JobRuns:
    """Reached as `store.jobs`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._leases = Leases(db)

    # ------------------------------------------------------------------- rows

    def all(self) -> list[JobRun]:
        with self._db.reading() as conn:
            return [_job_run(r) for r in conn.execute(select(job_runs).order_by(job_runs.c.name))]

    def get(self, name: str) -> JobRun | None:
        with self._db.reading() as conn:
            row = conn.execute(select(job_runs).where(job_runs.c.name == name)).first()
        return _job_run(row) if row else None

    def ensure(self, name: str, next_run: datetime) -> JobRun:
        """The row of `name`, created due at `next_run` if there is none yet."""
        with self._db.writing() as conn:
            conn.execute(
                self._db.insert(job_runs)
                .values(name=name, next_run=next_run, failures=0, runs=0)
                .on_conflict_do_nothing(index_elements=[job_runs.c.name])
            )
            row = conn.execute(select(job_runs).where(job_runs.c.name == name)).one()
        return _job_run(row)

    def start(self, name: str, node: str, now: datetime, *, only_if_due: bool = True) -> bool:
        """Mark a run of `name` begun by `node`; with `only_if_due`, only if it is due at `now`
        (False: another node ran it meanwhile). `next_run` stays as it is until the run
        finishes, so a run whose node dies is still due for the next taker of the lease."""
        stmt = update(job_runs).where(job_runs.c.name == name)
        if only_if_due:
            stmt = stmt.where(or_(job_runs.c.next_run.is_(None), job_runs.c.next_run <= now))
        with self._db.writing() as conn:
            result = conn.execute(
                stmt.values(
                    last_run=now,
                    last_node=node,
                    last_result="running",
                    last_message=None,
                    runs=job_runs.c.runs + 1,
                )
            )
            return bool(result.rowcount)

    def finish(
        self,
        name: str,
        result: str,
        message: str,
        now: datetime,
        next_run: datetime,
        failures: int,
    ) -> None:
        """Record how the run begun by `start` ended and when the job is next due."""
        with self._db.writing() as conn:
            conn.execute(
                update(job_runs)
                .where(job_runs.c.name == name)
                .values(
                    last_finished=now,
                    last_result=result,
                    last_message=message,
                    next_run=next_run,
                    failures=failures,
                )
            )

    def record(
        self,
        name: str,
        node: str,
        started: datetime,
        now: datetime,
        *,
        result: str,
        message: str,
        next_run: datetime,
        failures: int,
    ) -> None:
        """Record a whole run at once: for jobs every node runs for itself (no lease, no
        `start`), which write only when a run did something or failed."""
        values = {
            "last_run": started,
            "last_finished": now,
            "last_result": result,
            "last_message": message,
            "next_run": next_run,
            "failures": failures,
            "last_node": node,
        }
        stmt = self._db.insert(job_runs).values(name=name, runs=1, **values)
        with self._db.writing() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[job_runs.c.name],
                    set_={**values, "runs": job_runs.c.runs + 1},
                )
            )

    def request(self, name: str, now: datetime) -> None:
        """Make `name` due at once: the next node to look runs it (`Run now` on /admin/jobs)."""
        stmt = self._db.insert(job_runs).values(name=name, next_run=now, failures=0, runs=0)
        with self._db.writing() as conn:
            conn.execute(
                stmt.on_conflict_do_update(index_elements=[job_runs.c.name], set_={"next_run": now})
            )

    # ------------------------------------------------------------------ lease

    def take_lease(
        self,
        name: str,
        me: LeaseHolder,
        now: datetime,
        is_dead: Callable[[LeaseHolder], bool],
    ) -> LeaseHolder | None:
        """Take lease `name` for `me` (None), or return its live holder (store/leases.py)."""
        return self._leases.take(name, me, now, is_dead)

    def renew_lease(self, name: str, holder: str, expires_at: datetime) -> bool:
        """Extend a held lease; False when it was lost (taken over after it ran out)."""
        return self._leases.renew(name, holder, expires_at)

    def release_lease(self, name: str, holder: str) -> None:
        self._leases.release(name, holder)

    def lease(self, name: str) -> LeaseHolder | None:
        """Who holds lease `name` (whether or not their time ran out); None when nobody."""
        return self._leases.holder(name)


def _job_run(r: Any) -> JobRun:
    return JobRun(
        name=r.name,
        next_run=r.next_run,
        last_run=r.last_run,
        last_finished=r.last_finished,
        last_result=r.last_result,
        last_message=r.last_message,
        failures=r.failures,
        runs=r.runs,
        last_node=r.last_node,
    )
