"""The scheduled jobs' rows and leases, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from paperfeed.store import Store
from paperfeed.store.leases import LeaseHolder

T = datetime(2026, 3, 2, 9, 0)
LATER = T + timedelta(hours=1)


def never_dead(_holder: LeaseHolder) -> bool:
    return False


def test_ensure_creates_a_row_once(store: Store) -> None:
    assert store.jobs.get("hf-daily") is None
    row = store.jobs.ensure("hf-daily", T)
    assert (row.name, row.next_run, row.runs, row.failures, row.last_result) == (
        "hf-daily",
        T,
        0,
        0,
        None,
    )
    assert store.jobs.ensure("hf-daily", LATER).next_run == T
    store.jobs.ensure("arxiv-oai", LATER)
    assert [r.name for r in store.jobs.all()] == ["arxiv-oai", "hf-daily"]


def test_a_run_starts_only_when_due_and_finishes_with_its_result(store: Store) -> None:
    store.jobs.ensure("arxiv-oai", LATER)
    assert not store.jobs.start("arxiv-oai", "node-a", T)
    assert store.jobs.start("arxiv-oai", "node-a", T, only_if_due=False)
    running = store.jobs.get("arxiv-oai")
    assert running is not None
    assert (running.last_result, running.last_node, running.last_run, running.runs) == (
        "running",
        "node-a",
        T,
        1,
    )
    assert running.next_run == LATER  # unchanged until the run finishes
    store.jobs.finish("arxiv-oai", "failed", "OAI-PMH answered HTTP 500", LATER, LATER, 1)
    assert store.jobs.start("arxiv-oai", "node-b", LATER)
    store.jobs.finish("arxiv-oai", "ok", "oai: 3 new", LATER, LATER + timedelta(days=1), 0)
    done = store.jobs.get("arxiv-oai")
    assert done is not None
    assert (done.last_result, done.last_message, done.failures, done.runs, done.last_node) == (
        "ok",
        "oai: 3 new",
        0,
        2,
        "node-b",
    )
    assert (done.last_finished, done.next_run) == (LATER, LATER + timedelta(days=1))


def test_record_writes_a_whole_run(store: Store) -> None:
    for n in (1, 2):
        store.jobs.record(
            "index",
            f"node-{n}",
            T,
            LATER,
            result="ok",
            message=f"{n} updated",
            next_run=LATER,
            failures=0,
        )
    row = store.jobs.get("index")
    assert row is not None
    assert (row.runs, row.last_node, row.last_message, row.last_run) == (
        2,
        "node-2",
        "2 updated",
        T,
    )


def test_request_makes_a_job_due_at_once(store: Store) -> None:
    store.jobs.request("digests", T)  # a job no node has run yet
    assert store.jobs.get("digests").next_run == T  # type: ignore[union-attr]
    store.jobs.ensure("arxiv-oai", LATER)
    store.jobs.request("arxiv-oai", T)
    assert store.jobs.start("arxiv-oai", "node-a", T)


def holder(name: str, until: datetime, host: str = "elsewhere", pid: int = 4242) -> LeaseHolder:
    return LeaseHolder(name, host, pid, until)


def test_the_lease_is_held_by_one_live_holder(store: Store) -> None:
    a = holder("node-a/1/aaaa", T + timedelta(minutes=5))
    b = holder("node-b/2/bbbb", T + timedelta(minutes=5))
    assert store.jobs.take_lease("job:x", a, T, never_dead) is None
    assert store.jobs.take_lease("job:x", b, T, never_dead) == a
    assert store.jobs.take_lease("job:x", a, T, never_dead) is None  # its own again
    assert store.jobs.lease("job:x") == a
    # Renewed, it outlives its first term; released, anyone takes it.
    assert store.jobs.renew_lease("job:x", a.holder, T + timedelta(minutes=10))
    assert store.jobs.take_lease("job:x", b, T + timedelta(minutes=6), never_dead) is not None
    store.jobs.release_lease("job:x", a.holder)
    assert store.jobs.lease("job:x") is None
    assert store.jobs.take_lease("job:x", b, T, never_dead) is None
    assert not store.jobs.renew_lease("job:x", a.holder, LATER)


def test_an_expired_or_dead_holder_is_taken_over(store: Store) -> None:
    a = holder("node-a/1/aaaa", T + timedelta(minutes=5))
    b = holder("node-b/2/bbbb", T + timedelta(minutes=20))
    store.jobs.take_lease("job:x", a, T, never_dead)
    assert store.jobs.take_lease("job:x", b, T + timedelta(minutes=6), never_dead) is None
    assert store.jobs.lease("job:x") == b
    assert not store.jobs.renew_lease("job:x", a.holder, LATER)  # a lost it

    def gone(h: LeaseHolder) -> bool:
        return h.holder == b.holder

    c = holder("node-c/3/cccc", LATER, host=socket.gethostname(), pid=os.getpid())
    assert store.jobs.take_lease("job:x", c, T + timedelta(minutes=7), gone) is None
    assert store.jobs.lease("job:x") == c
