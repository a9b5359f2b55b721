"""Running the due jobs, once, whichever nodes share the database.

A job's row in `job_runs` says when it is next due. A node that finds it due takes the job's
lease (`job:<name>`), marks the run begun if it is still due, runs it, and records the result
and the next due time, all by the store's clock. Another node meanwhile sees the lease held
and skips the job; if the holder dies, its lease runs out (or, on the same host, its process is
gone) and the next node to look takes over the run. A job that fails is retried after 1, 2,
4 … minutes (at most an hour, and never later than its next regular time), and every failure
is recorded and logged.

Missed times are coalesced: a job due while the site was down runs once when it comes back,
and its next time is counted from then.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from paperfeed.clock import Clock
from paperfeed.errors import Invalid, NotFound, PaperfeedError
from paperfeed.jobs.registry import Job, JobContext
from paperfeed.models import JobStatus
from paperfeed.search import SearchService
from paperfeed.store import Store
from paperfeed.store.jobs import JobRun
from paperfeed.store.leases import LeaseHolder, holder_gone

log = logging.getLogger("paperfeed.jobs")

LEASE_SECONDS = 300.0
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class RunResult:
    """What became of one attempt: `ok` or `failed` (it ran), `busy` (another node, or
    another thread here, is running it) or `skipped` (another node ran it meanwhile)."""

    name: str
    outcome: str
    message: str

    def line(self) -> str:
        return f"{self.name}: {self.outcome}: {self.message}"


def retry_at(failures: int, now: datetime, regular: datetime) -> datetime:
    """When a job that failed `failures` times in a row is tried again."""
    delay = min(FIRST_RETRY * (1 << min(failures - 1, 16)), LAST_RETRY)
    return min(now + delay, regular)


def statuses(
    store: Store, jobs: Sequence[Job], now: datetime, local: dict[str, datetime] | None = None
) -> list[JobStatus]:
    """Every job of `jobs` with its row. A job never run yet is due at once; a per-node job
    is due at the time `local` knows for this node, else at its next regular time."""
    rows = {r.name: r for r in store.jobs.all()}
    out = []
    for job in jobs:
        row = rows.get(job.name) or JobRun(job.name, next_run=None)
        if not job.enabled:
            next_run = None
        elif job.per_node:
            next_run = (local or {}).get(job.name) or job.next_run(now)
        else:
            next_run = row.next_run or now
        out.append(
            JobStatus(
                name=job.name,
                description=job.description,
                schedule=job.schedule,
                enabled=job.enabled,
                reason=job.reason,
                per_node=job.per_node,
                next_run=next_run,
                last_run=row.last_run,
                last_finished=row.last_finished,
                last_result=row.last_result,
                last_message=row.last_message,
                failures=row.failures,
                runs=row.runs,
                last_node=row.last_node,
            )
        )
    return out


def _no_search() -> SearchService:
    raise Invalid("this process has no search index to update")


@dataclass(slots=True)
class _Local:
    """A per-node job's schedule on this node."""

    next_run: datetime | None = None
    failures: int = 0
    last_message: str = ""


class JobRunner:
    """Runs `jobs` for the node called `node_name` (default: the host name)."""

    def __init__(
        self,
        store: Store,
        jobs: Sequence[Job],
        node_name: str | None = None,
        clock: Clock | None = None,
        *,
        search: Callable[[], SearchService] = _no_search,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.store = store
        self.jobs = {j.name: j for j in jobs}
        self.node = node_name or socket.gethostname()
        self.clock = clock or store.db.clock
        self.search = search
        self.lease_seconds = lease_seconds
        self.holder = f"{self.node[:120]}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        self._running = {name: threading.Lock() for name in self.jobs}
        self._local: dict[str, _Local] = {}

    @property
    def enabled(self) -> list[Job]:
        return [j for j in self.jobs.values() if j.enabled]

    # ------------------------------------------------------------- running

    def run_due(self, now: datetime | None = None) -> list[RunResult]:
        """Run every enabled job that is due, one after the other; the results of those
        attempted. Each is looked at when its turn comes, by the clock's time then (one
        before it may have taken an hour), unless the time is given as `now`."""
        results = []
        for job in self.enabled:
            result = self.run_if_due(job.name, now)
            if result is not None:
                results.append(result)
        return results

    def run_if_due(self, name: str, now: datetime | None = None) -> RunResult | None:
        """Run job `name` if it is due (what the scheduler does at each of its times)."""
        now = now or self.clock()
        job = self._job(name)
        if not job.enabled or not self._is_due(job, now):
            return None
        return self._attempt(job, now, force=False)

    def run(self, name: str, now: datetime | None = None) -> RunResult:
        """Run job `name` now, due or not (still one node at a time)."""
        job = self._job(name)
        if not job.enabled:
            raise Invalid(f"job {name} is disabled: {job.reason}")
        return self._attempt(job, now or self.clock(), force=True)

    def status(self, now: datetime | None = None) -> list[JobStatus]:
        local = {n: s.next_run for n, s in self._local.items() if s.next_run is not None}
        return statuses(self.store, list(self.jobs.values()), now or self.clock(), local)

    def _job(self, name: str) -> Job:
        job = self.jobs.get(name)
        if job is None:
            raise NotFound(f"no job {name!r}; the jobs are {', '.join(self.jobs)}")
        return job

    def _is_due(self, job: Job, now: datetime) -> bool:
        """By this node's own time for a per-node job (no query: it is asked every few
        seconds), else by the job's row."""
        if job.per_node:
            mine = self._local.get(job.name)
            return mine is None or mine.next_run is None or mine.next_run <= now
        row = self.store.jobs.get(job.name)
        return row is None or row.next_run is None or row.next_run <= now

    def _attempt(self, job: Job, now: datetime, *, force: bool) -> RunResult:
        running = self._running[job.name]
        if not running.acquire(blocking=False):
            return RunResult(job.name, "busy", "already running on this node")
        try:
            if job.per_node:
                return self._run_here(job, now)
            return self._run_leased(job, now, force=force)
        finally:
            running.release()

    def _run_leased(self, job: Job, now: datetime, *, force: bool) -> RunResult:
        jobs = self.store.jobs
        lease = f"job:{job.name}"
        jobs.ensure(job.name, now)
        me = LeaseHolder(
            self.holder,
            socket.gethostname(),
            os.getpid(),
            now + timedelta(seconds=self.lease_seconds),
        )
        other = jobs.take_lease(lease, me, now, holder_gone)
        if other is not None:
            until = f"{other.expires_at:%Y-%m-%d %H:%M:%S}"
            return RunResult(job.name, "busy", f"running on {other.holder} (lease until {until})")
        try:
            if not jobs.start(job.name, self.node, now, only_if_due=not force):
                return RunResult(job.name, "skipped", "another node ran it meanwhile")
            row = jobs.get(job.name)
            failures = row.failures if row else 0
            with self._keeping(lease) as lost:
                message, error, crash = self._execute(job, now)
            if lost.is_set():
                # Another node took the job over (this one stalled past its lease): its run
                # is the one on record, so this one writes nothing more.
                return RunResult(job.name, "busy", "lost the lease to another node meanwhile")
            finished = self.clock()
            regular = job.next_run(finished)
            if error is None:
                text = message or "nothing to do"
                jobs.finish(job.name, "ok", text, finished, regular, 0)
                log.info("job %s: %s", job.name, text)
                return RunResult(job.name, "ok", text)
            failures += 1
            retry = retry_at(failures, finished, regular)
            jobs.finish(job.name, "failed", error, finished, retry, failures)
            log.warning(
                "job %s failed (%d in a row; retry at %s UTC): %s",
                *(job.name, failures, retry, error),
                exc_info=crash,
            )
            return RunResult(job.name, "failed", error)
        finally:
            jobs.release_lease(lease, self.holder)

    def _run_here(self, job: Job, now: datetime) -> RunResult:
        """A per-node job: no lease; its row is written only when a run did something, failed,
        or recovered, so an idle site does not write every few seconds."""
        mine = self._local.setdefault(job.name, _Local())
        message, error, crash = self._execute(job, now)
        finished = self.clock()
        regular = job.next_run(finished)
        if error is None:
            recovered = mine.failures > 0
            mine.failures, mine.next_run, mine.last_message = 0, regular, ""
            if message is None and not recovered:
                return RunResult(job.name, "ok", "nothing to do")
            text = message or "nothing to do"
            self.store.jobs.record(
                job.name,
                self.node,
                now,
                finished,
                result="ok",
                message=text,
                next_run=regular,
                failures=0,
            )
            log.info("job %s: %s", job.name, text)
            return RunResult(job.name, "ok", text)
        mine.failures += 1
        mine.next_run = retry_at(mine.failures, finished, regular)
        self.store.jobs.record(
            job.name,
            self.node,
            now,
            finished,
            result="failed",
            message=error,
            next_run=mine.next_run,
            failures=mine.failures,
        )
        # A per-node job may be due every few seconds: the same failure again is logged only
        # on its 2nd, 4th, 8th … time in a row (every one is recorded in its row).
        if error != mine.last_message or mine.failures & (mine.failures - 1) == 0:
            log.warning(
                "job %s failed (%d in a row): %s", job.name, mine.failures, error, exc_info=crash
            )
        mine.last_message = error
        return RunResult(job.name, "failed", error)

    def _execute(self, job: Job, now: datetime) -> tuple[str | None, str | None, Exception | None]:
        """(result, None, None), or (None, why it failed, the exception when it was not one
        of paperfeed's own, whose traceback is worth logging): a job's failure never escapes."""
        try:
            return job.run(JobContext(self.store, now, self.search)), None, None
        except PaperfeedError as exc:
            return None, str(exc) or exc.__class__.__name__, None
        except Exception as exc:
            return None, f"{exc.__class__.__name__}: {exc}", exc

    @contextmanager
    def _keeping(self, lease: str) -> Iterator[threading.Event]:
        """Renew `lease` in the background while the block runs (a harvest can take an hour;
        the lease must outlive it, and only it). The event yielded is set when the lease
        was lost to another node."""
        done = threading.Event()
        lost = threading.Event()

        def renew() -> None:
            while not done.wait(self.lease_seconds / 3):
                until = self.clock() + timedelta(seconds=self.lease_seconds)
                try:
                    kept = self.store.jobs.renew_lease(lease, self.holder, until)
                except Exception as exc:  # the database is away: try again next time
                    log.warning("could not renew %s: %s", lease, exc)
                    continue
                if not kept:
                    log.warning("lost %s to another node: the job may run there too", lease)
                    lost.set()
                    return

        keeper = threading.Thread(target=renew, name=f"{lease} lease", daemon=True)
        keeper.start()
        try:
            yield lost
        finally:
            done.set()
            keeper.join()
