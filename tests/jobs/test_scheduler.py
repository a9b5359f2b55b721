"""The scheduler in real time on SQLite: every enabled job wakes once at start (and runs if
due), a job due at another time than its trigger's (a "Run now") is picked up by the due
check, and disabled jobs never run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from paperfeed.jobs import Job, JobContext, JobRunner, start_scheduler
from paperfeed.store import Store

WAIT = 30.0


def yearly(name: str, ran: threading.Event, *, enabled: bool = True) -> Job:
    def run(_ctx: JobContext) -> str:
        ran.set()
        return f"{name} ran"

    return _on_new_year(name, run, enabled=enabled)


def _on_new_year(name: str, run: Callable[[JobContext], str], *, enabled: bool = True) -> Job:
    return Job(
        name=name,
        description="test job",
        schedule="on 1 January",
        trigger=CronTrigger(month=1, day=1, timezone=UTC),
        run=run,
        enabled=enabled,
        reason=None if enabled else "off in this test",
    )


def test_jobs_wake_at_start_and_when_requested(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'jobs.db'}")
    first, second, never = threading.Event(), threading.Event(), threading.Event()
    # `later` was run recently: not due until next year, unless someone asks.
    store.jobs.ensure("later", store.db.now() + timedelta(days=300))
    runner = JobRunner(
        store,
        [yearly("new", first), yearly("later", second), yearly("off", never, enabled=False)],
        "node-a",
    )
    scheduler = start_scheduler(runner, poll_seconds=0.2)
    try:
        assert first.wait(WAIT)  # never run: due at once
        store.jobs.request("later", store.db.now())
        assert second.wait(WAIT)
    finally:
        scheduler.stop()
        store.close()
    assert not never.is_set()


def test_the_next_run_is_counted_from_the_run(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'jobs.db'}")
    runner = JobRunner(store, [yearly("new", threading.Event())], "node-a")
    scheduler = start_scheduler(runner)
    try:
        deadline = time.monotonic() + WAIT
        while (row := store.jobs.get("new")) is None or row.last_result != "ok":
            assert time.monotonic() < deadline, row
            time.sleep(0.05)
    finally:
        scheduler.stop()
        store.close()
    assert row.next_run is not None
    assert (row.next_run.month, row.next_run.day) == (1, 1)
    assert row.next_run > datetime.now(UTC).replace(tzinfo=None)


def waiting(name: str, started: threading.Event, release: threading.Event) -> Job:
    """A job that, once started, runs until `release` is set."""

    def run(_ctx: JobContext) -> str:
        started.set()
        release.wait(WAIT)
        return f"{name} ran"

    return _on_new_year(name, run)


def test_stopping_waits_a_little_for_a_job_under_way(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'jobs.db'}")
    started, release = threading.Event(), threading.Event()
    scheduler = start_scheduler(JobRunner(store, [waiting("slow", started, release)], "node-a"))
    try:
        assert started.wait(WAIT)
        # Under way and ending soon: stop() returns once it has, its run recorded.
        threading.Timer(0.3, release.set).start()
        scheduler.stop(wait_seconds=WAIT)
        row = store.jobs.get("slow")
        assert row is not None and row.last_result == "ok"
    finally:
        store.close()


def test_stopping_leaves_a_long_job_behind(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'jobs.db'}")
    started, release = threading.Event(), threading.Event()
    scheduler = start_scheduler(JobRunner(store, [waiting("long", started, release)], "node-a"))
    try:
        assert started.wait(WAIT)
        scheduler.stop(wait_seconds=0.2)  # returns, the job still under way
        row = store.jobs.get("long")
        assert row is not None and row.last_result != "ok"
    finally:
        release.set()
        store.close()
