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
import time
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
STOP_WAIT_SECONDS = 10.0  # how long a stopping process waits for the jobs under way
_POLL = "due-check"


class _DaemonThreads:
    """A pool that runs each call in a daemon thread of its own. concurrent.futures' threads
    are joined when the interpreter exits, so a harvest under way would hold a stopping
    process for as long as it takes; jobs are safe to stop anywhere (imports resume from
    their last batch, digests from their ledger, leases run out), so a long one is abandoned
    (`JobScheduler.stop` waits a little first)."""

    def __init__(self) -> None:
        self.running: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            try:
                if not future.set_running_or_notify_cancel():
                    return
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:
                    future.set_exception(exc)
            finally:
                with self._lock:
                    self.running.discard(threading.current_thread())

        thread = threading.Thread(target=run, name="paperfeed job", daemon=True)
        with self._lock:
            self.running.add(thread)
        thread.start()
        return future

    def join(self, seconds: float) -> list[threading.Thread]:
        """Wait up to `seconds` for the jobs under way; the ones still running."""
        deadline = time.monotonic() + seconds
        with self._lock:
            running = list(self.running)
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [t for t in running if t.is_alive()]

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to wait for: see the class."""


class DaemonThreadExecutor(BasePoolExecutor):  # type: ignore[misc]
    def __init__(self) -> None:
        self.threads = _DaemonThreads()
        super().__init__(self.threads)


class JobScheduler:
    """The running schedule of one process; `stop()` ends it."""

    def __init__(self, runner: JobRunner, scheduler: Any, threads: _DaemonThreads) -> None:
        self.runner = runner
        self._scheduler = scheduler
        self._threads = threads

    def stop(self, wait_seconds: float = STOP_WAIT_SECONDS) -> None:
        """Stop waking jobs, and give the ones under way `wait_seconds` to end (the index
        job's commit, every few seconds, ends in well under that); a longer one is abandoned
        (see `_DaemonThreads`). Not waiting at all, a process could exit in the middle of an
        index commit, the job's thread stopped by the interpreter's exit inside the search
        engine's native code: the likely cause of a stopping server seen to hang after its
        workers had ended (twice, on a loaded machine)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        left = self._threads.join(wait_seconds)
        if left:
            log.info("jobs: stopping without waiting for %d job(s) under way", len(left))


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
    executor = DaemonThreadExecutor()
    scheduler = BackgroundScheduler(
        executors={"default": executor},
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
    return JobScheduler(runner, scheduler, executor.threads)
