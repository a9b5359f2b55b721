"""Waking the jobs on time in a running process (`paperfeed serve`, `paperfeed worker`).

APScheduler 3 keeps the timing: each enabled job wakes at its trigger's times and once at
start, and a check every POLL_SECONDS picks up what is due at other times (a retry after a
failure, a "Run now" from /admin/jobs, a job another node left unfinished). Its job store
is in memory on purpose: 3.x cannot share one between processes, so what nodes share —
when each job is due, how it went, who runs it — is paperfeed's own, in the database, and
each wake-up only asks the `JobRunner` to run the job if it is due.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import BasePoolExecutor  # type: ignore[import-untyped]
from apscheduler.schedulers.background import (  # type: ignore[import-untyped]
    BackgroundScheduler,
)
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from paperfeed.jobs.runner import JobRunner

log = logging.getLogger("paperfeed.jobs")

POLL_SECONDS = 30.0
_POLL = "due-check"


class _DaemonThreads:
    """A pool that runs each call in a daemon thread of its own. concurrent.futures' threads
    are joined when the interpreter exits, so a harvest under way would hold a stopping
    process for as long as it takes; jobs are safe to stop anywhere (imports resume from
    their last batch, digests from their ledger, leases run out), so they are abandoned."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args))
            except BaseException as exc:
                future.set_exception(exc)

        threading.Thread(target=run, name="paperfeed job", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to wait for: see the class."""


class DaemonThreadExecutor(BasePoolExecutor):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(_DaemonThreads())


class JobScheduler:
    """The running schedule of one process; `stop()` ends it."""

    def __init__(self, runner: JobRunner, scheduler: Any) -> None:
        self.runner = runner
        self._scheduler = scheduler

    def stop(self) -> None:
        """Stop waking jobs; a job under way is abandoned (see `_DaemonThreads`)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


def _wake(runner: JobRunner, name: str) -> None:
    try:
        runner.run_if_due(name)
    except Exception:  # the database is away: say so and try at the next wake-up
        log.warning("jobs: could not run %s", name, exc_info=True)


def _poll(runner: JobRunner) -> None:
    try:
        runner.run_due()
    except Exception:
        log.warning("jobs: could not check which jobs are due", exc_info=True)


def start_scheduler(runner: JobRunner, *, poll_seconds: float = POLL_SECONDS) -> JobScheduler:
    """Start waking `runner`'s enabled jobs in background threads."""
    # APScheduler logs each run at INFO (every few seconds for the index job) and warns when
    # a wake-up finds the job still running (an index run longer than its interval, during
    # an import): both expected, both noise. Its errors still show; paperfeed logs the runs.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    scheduler = BackgroundScheduler(
        executors={"default": DaemonThreadExecutor()},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=UTC,
    )
    now = datetime.now(UTC)
    for job in runner.enabled:
        scheduler.add_job(
            _wake,
            job.trigger,
            args=(runner, job.name),
            id=job.name,
            name=job.name,
            next_run_time=now,
        )
    scheduler.add_job(
        _poll,
        IntervalTrigger(seconds=poll_seconds),
        args=(runner,),
        id=_POLL,
        name=_POLL,
    )
    scheduler.start()
    return JobScheduler(runner, scheduler)
