"""Running due jobs by a clock the test moves, on SQLite and PostgreSQL: due or not, a failure
retried with backoff, a job held by a live node left alone, a dead node's run taken over, two
nodes on one database running a job once, catch-up after downtime, per-node jobs."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]
from hand_clock import HandClock

from paperfeed.errors import Invalid, NotFound, Upstream
from paperfeed.jobs import Job, JobContext, JobRunner
from paperfeed.jobs.runner import retry_at
from paperfeed.store import Store
from paperfeed.store.leases import LeaseHolder

T = datetime(2026, 3, 2, 9, 0)
WAIT = 30.0  # seconds a test waits for another thread before it fails


def hourly(name: str, run: Callable[[JobContext], str | None], **kw: object) -> Job:
    """A job due at the top of every hour."""
    return Job(
        name=name,
        description="test job",
        schedule="hourly",
        trigger=CronTrigger(minute=0, timezone=UTC),
        run=run,
        **kw,  # type: ignore[arg-type]
    )


class Calls:
    """A job body that records when it ran, and returns or raises what it is told."""

    def __init__(self, *outcomes: str | Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.at: list[datetime] = []

    def __call__(self, ctx: JobContext) -> str | None:
        self.at.append(ctx.now)
        outcome = self.outcomes.pop(0) if self.outcomes else "done"
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_a_job_runs_when_due_and_not_before(clocked_store: Store, clock: HandClock) -> None:
    calls = Calls("imported 3")
    runner = JobRunner(clocked_store, [hourly("x", calls)], "node-a")
    # Never run before: due at once.
    assert [r.line() for r in runner.run_due()] == ["x: ok: imported 3"]
    row = clocked_store.jobs.get("x")
    assert row is not None
    assert (row.last_result, row.last_message, row.next_run, row.runs, row.last_node) == (
        "ok",
        "imported 3",
        T + timedelta(hours=1),
        1,
        "node-a",
    )
    clock.now = T + timedelta(minutes=59, seconds=59)
    assert runner.run_due() == [] and runner.run_if_due("x") is None
    clock.now = T + timedelta(hours=1)
    assert [r.outcome for r in runner.run_due()] == ["ok"]
    assert calls.at == [T, T + timedelta(hours=1)]


def test_a_failure_is_retried_with_backoff_and_logged(
    clocked_store: Store, clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    calls = Calls(Upstream("arXiv did not answer"), RuntimeError("boom"), "recovered")
    runner = JobRunner(clocked_store, [hourly("x", calls)], "node-a")
    with caplog.at_level(logging.WARNING, logger="paperfeed.jobs"):
        (first,) = runner.run_due()
    assert (first.outcome, first.message) == ("failed", "arXiv did not answer")
    assert "job x failed (1 in a row" in caplog.text and "arXiv did not answer" in caplog.text
    row = clocked_store.jobs.get("x")
    assert row is not None
    assert (row.last_result, row.failures, row.next_run) == ("failed", 1, T + timedelta(minutes=1))
    clock.now = T + timedelta(seconds=59)
    assert runner.run_due() == []
    clock.now = T + timedelta(minutes=1)
    (second,) = runner.run_due()
    assert second.message == "RuntimeError: boom"
    row = clocked_store.jobs.get("x")
    assert row is not None and (row.failures, row.next_run) == (2, T + timedelta(minutes=3))
    clock.now = T + timedelta(minutes=3)
    assert [r.message for r in runner.run_due()] == ["recovered"]
    row = clocked_store.jobs.get("x")
    assert row is not None
    assert (row.last_result, row.failures, row.next_run) == ("ok", 0, T + timedelta(hours=1))


def test_backoff_doubles_up_to_an_hour_and_never_passes_the_regular_time() -> None:
    far = T + timedelta(days=1)
    waits = [retry_at(n, T, far) - T for n in (1, 2, 3, 7, 8, 50)]
    assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 60, 60, 60]
    assert retry_at(5, T, T + timedelta(minutes=10)) == T + timedelta(minutes=10)


def test_a_job_held_by_a_live_node_is_left_to_it(
    open_store: Callable[[], Store], clock: HandClock
) -> None:
    """Two nodes, each with its store, on one database: while node A runs the job, node B
    finds it due but held, and leaves it; afterwards it is no longer due for either."""
    store_a, store_b = open_store(), open_store()
    started, finish = threading.Event(), threading.Event()

    def slow(_ctx: JobContext) -> str:
        started.set()
        assert finish.wait(WAIT)
        return "harvested"

    b_calls = Calls()
    node_a = JobRunner(store_a, [hourly("x", slow)], "node-a")
    node_b = JobRunner(store_b, [hourly("x", b_calls)], "node-b")
    results: list[str] = []
    a = threading.Thread(target=lambda: results.extend(r.line() for r in node_a.run_due()))
    a.start()
    assert started.wait(WAIT)
    (busy,) = node_b.run_due()
    assert busy.outcome == "busy" and busy.message.startswith("running on node-a/")
    finish.set()
    a.join(WAIT)
    assert results == ["x: ok: harvested"]
    assert node_b.run_due() == [] and b_calls.at == []
    row = store_b.jobs.get("x")
    assert row is not None and (row.last_node, row.runs) == ("node-a", 1)
    assert store_b.jobs.lease("job:x") is None  # released


def test_a_dead_nodes_run_is_taken_over(open_store: Callable[[], Store], clock: HandClock) -> None:
    """Node A started the job and died (on another host): its lease runs out, and the next
    node to look runs the job, which is still due."""
    store = open_store()
    store.jobs.ensure("x", T)
    dead = LeaseHolder("node-a/77/dead", "another-host", 77, T + timedelta(minutes=5))
    assert store.jobs.take_lease("job:x", dead, T, lambda _h: False) is None
    assert store.jobs.start("x", "node-a", T)
    calls = Calls("taken over")
    node_b = JobRunner(open_store(), [hourly("x", calls)], "node-b")
    clock.now = T + timedelta(minutes=4)
    assert [r.outcome for r in node_b.run_due()] == ["busy"]
    clock.now = T + timedelta(minutes=5, seconds=1)
    assert [r.line() for r in node_b.run_due()] == ["x: ok: taken over"]
    row = store.jobs.get("x")
    assert row is not None
    assert (row.last_node, row.last_result, row.runs) == ("node-b", "ok", 2)


def test_a_dead_process_on_this_host_is_taken_over_at_once(
    clocked_store: Store, clock: HandClock
) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(gone.stdout)
    clocked_store.jobs.ensure("x", T)
    holder = LeaseHolder(f"node-a/{pid}/dead", socket.gethostname(), pid, T + timedelta(hours=1))
    clocked_store.jobs.take_lease("job:x", holder, T, lambda _h: False)
    runner = JobRunner(clocked_store, [hourly("x", Calls())], "node-b")
    assert [r.outcome for r in runner.run_due()] == ["ok"]


def test_downtime_is_caught_up_with_one_run(clocked_store: Store, clock: HandClock) -> None:
    calls = Calls()
    JobRunner(clocked_store, [hourly("x", calls)], "node-a").run_due()
    # The site was down from 09:00 to 15:20: six runs were missed; one catches up.
    clock.now = T + timedelta(hours=6, minutes=20)
    runner = JobRunner(clocked_store, [hourly("x", calls)], "node-a")
    assert [r.outcome for r in runner.run_due()] == ["ok"]
    assert runner.run_due() == []
    assert calls.at == [T, clock.now]
    assert clocked_store.jobs.get("x").next_run == T + timedelta(hours=7)  # type: ignore[union-attr]


def test_run_forces_a_job_and_refuses_disabled_or_unknown_ones(
    clocked_store: Store, clock: HandClock
) -> None:
    calls = Calls()
    off = hourly("off", Calls(), enabled=False, reason="fetch_arxiv is off")
    runner = JobRunner(clocked_store, [hourly("x", calls), off], "node-a")
    runner.run_due()
    clock.now = T + timedelta(minutes=10)
    assert runner.run("x").outcome == "ok"  # not due, run anyway
    assert calls.at == [T, clock.now]
    with pytest.raises(Invalid, match="off is disabled: fetch_arxiv is off"):
        runner.run("off")
    with pytest.raises(NotFound, match="no job 'nope'"):
        runner.run("nope")
    assert [r.name for r in runner.run_due()] == []  # disabled jobs never run
    status = {s.name: s for s in runner.status()}
    assert status["x"].next_run == T + timedelta(hours=1) and status["x"].runs == 2
    assert not status["off"].enabled and status["off"].next_run is None


def every_two_seconds(name: str, run: Callable[[JobContext], str | None]) -> Job:
    return Job(
        name=name,
        description="per-node test job",
        schedule="every 2 s",
        trigger=IntervalTrigger(seconds=2, start_date=datetime(2000, 1, 1, tzinfo=UTC)),
        run=run,
        per_node=True,
    )


def test_a_per_node_job_runs_on_every_node_and_records_only_what_it_did(
    open_store: Callable[[], Store], clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    full = RuntimeError("disk full")
    a_calls = Calls(None, "indexed 3", full, full, full, None)
    b_calls = Calls(None)
    node_a = JobRunner(open_store(), [every_two_seconds("index", a_calls)], "node-a")
    node_b = JobRunner(open_store(), [every_two_seconds("index", b_calls)], "node-b")
    store = node_a.store
    assert [r.message for r in node_a.run_due()] == ["nothing to do"]
    assert [r.message for r in node_b.run_due()] == ["nothing to do"]  # no lease between them
    assert store.jobs.get("index") is None  # quiet runs write nothing
    assert node_a.run_due() == []  # its next time is this node's own
    clock.now = T + timedelta(seconds=2)
    assert [r.message for r in node_a.run_due()] == ["indexed 3"]
    row = store.jobs.get("index")
    assert row is not None and (row.last_message, row.last_node) == ("indexed 3", "node-a")
    with caplog.at_level(logging.WARNING, logger="paperfeed.jobs"):
        for seconds in (4, 6, 8):
            clock.now = T + timedelta(seconds=seconds)
            assert [r.outcome for r in node_a.run_due()] == ["failed"]
    row = store.jobs.get("index")
    assert row is not None and (row.last_result, row.failures) == ("failed", 3)
    # Due every 2 s, the same failure is logged on its 1st, 2nd, 4th … time in a row.
    logged = [r.getMessage() for r in caplog.records]
    assert logged == [
        "job index failed (1 in a row): RuntimeError: disk full",
        "job index failed (2 in a row): RuntimeError: disk full",
    ]
    clock.now = T + timedelta(seconds=10)
    assert [r.message for r in node_a.run_due()] == ["nothing to do"]
    row = store.jobs.get("index")
    assert row is not None and (row.last_result, row.failures) == ("ok", 0)  # recovery recorded


def test_a_long_run_keeps_its_lease(clocked_store: Store, clock: HandClock) -> None:
    def long(_ctx: JobContext) -> str:
        clock.now = T + timedelta(hours=2)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            held = clocked_store.jobs.lease("job:x")
            if held is not None and held.expires_at > T + timedelta(hours=2):
                return "renewed"
            time.sleep(0.05)
        return "not renewed"

    runner = JobRunner(clocked_store, [hourly("x", long)], "node-a", lease_seconds=0.3)
    assert [r.message for r in runner.run_due()] == ["renewed"]


def test_a_node_that_lost_its_lease_leaves_the_record_to_the_one_that_took_over(
    clocked_store: Store, clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A node that stalled past its lease (not dead) finishes its run without writing over
    the result of the node that took the job over."""

    def stalled(_ctx: JobContext) -> str:
        # Meanwhile node B takes the expired lease and records its own run.
        clock.now = T + timedelta(hours=1)
        other = LeaseHolder("node-b/1/b", "another-host", 1, clock.now + timedelta(hours=1))
        assert clocked_store.jobs.take_lease("job:x", other, clock.now, lambda _h: False) is None
        clocked_store.jobs.finish("x", "ok", "done on node-b", clock.now, T + timedelta(days=1), 0)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:  # until node A's lease keeper notices
            if any("lost job:x" in r.getMessage() for r in caplog.records):
                break
            time.sleep(0.05)
        return "done on node-a"

    runner = JobRunner(clocked_store, [hourly("x", stalled)], "node-a", lease_seconds=0.3)
    [result] = runner.run_due()
    assert (result.outcome, result.message) == ("busy", "lost the lease to another node meanwhile")
    row = clocked_store.jobs.get("x")
    assert row is not None and row.last_message == "done on node-b"
