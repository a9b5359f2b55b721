"""PoliteClient against a real HTTP server on 127.0.0.1: the pause between requests, retries on
each kind of transient failure, Retry-After, and a clear error when the failures persist.

Time is a FakeClock shared by the client and the server: pauses are recorded, never waited for.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import httpx
import pytest
from replay import (
    API_RECORDINGS,
    DROPPED,
    SERVE,
    TRUNCATED,
    Behaviour,
    FakeClock,
    ReplayServer,
    error,
    stall,
    unavailable,
)

from paperfeed.errors import Upstream
from paperfeed.ingest.arxiv_api import fetch_ids
from paperfeed.ingest.http import USER_AGENT, PoliteClient
from paperfeed.ingest.records import Record

pytestmark = pytest.mark.network

ID = "1605.08386"  # a one-entry recorded API response
BACKOFF = 0.01


def timeout_for(fault: Behaviour) -> float:
    """Short only where the test waits for it: a stalled server (stall(1.0)) times out."""
    return 0.3 if fault.kind == "stall" else 5.0


@pytest.fixture
def server(clock: FakeClock) -> Iterator[ReplayServer]:
    with ReplayServer(clock=clock) as s:
        s.add_arxiv_recordings(API_RECORDINGS)
        yield s


def polite(
    clock: FakeClock,
    log: list[str] | None = None,
    *,
    delay: float = 0.0,
    timeout: float = 5.0,
    retries: int = 3,
    max_wait: float = 600.0,
) -> PoliteClient:
    return PoliteClient(
        delay=delay,
        timeout=timeout,
        retries=retries,
        backoff=BACKOFF,
        max_wait=max_wait,
        sleep=clock.sleep,
        clock=clock,
        log=log.append if log is not None else None,
    )


def fetch_one(client: PoliteClient, server: ReplayServer) -> list[str]:
    items = list(fetch_ids(client, f"{server.url}/api/query", [ID]))
    assert all(isinstance(i, Record) for i in items)
    return [i.paper.arxiv_id for i in items if isinstance(i, Record) and i.paper]


def test_at_least_delay_between_the_starts_of_two_requests(
    server: ReplayServer, clock: FakeClock
) -> None:
    with polite(clock, delay=3.0) as client:
        fetch_one(client, server)
        fetch_one(client, server)  # at once: waits the whole delay
        clock.advance(1.25)  # time spent elsewhere counts towards the delay
        fetch_one(client, server)
        clock.advance(10.0)  # long enough: no wait
        fetch_one(client, server)
    starts = [r.time for r in server.requests]
    assert clock.sleeps == [3.0, 1.75]
    assert all(b - a >= 3.0 for a, b in pairwise(starts))
    assert client.requests == 4


def test_identifies_itself(server: ReplayServer, clock: FakeClock) -> None:
    with polite(clock) as client:
        fetch_one(client, server)
    (request,) = server.requests
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["user-agent"].startswith("paperfeed/")


@pytest.mark.parametrize(
    ("fault", "logged"),
    [
        (error(500), "HTTP 500"),
        (error(502), "HTTP 502"),
        (error(503), "HTTP 503"),  # without Retry-After: the usual backoff
        (stall(1.0), "timed out"),
        (TRUNCATED, "incomplete response (malformed Atom"),
        (DROPPED, "connection failed (RemoteProtocolError"),
    ],
    ids=["500", "502", "503-no-retry-after", "timeout", "truncated-xml", "dropped-connection"],
)
def test_retries_a_transient_failure_then_succeeds(
    server: ReplayServer, clock: FakeClock, fault: Behaviour, logged: str
) -> None:
    log: list[str] = []
    server.script(fault, fault, SERVE)
    with polite(clock, log, timeout=timeout_for(fault)) as client:
        assert fetch_one(client, server) == [ID]
    assert [r.behaviour for r in server.requests] == [fault.kind, fault.kind, "serve"]
    assert clock.sleeps == [BACKOFF, 2 * BACKOFF]  # exponential backoff
    assert len(log) == 2
    assert logged in log[0] and log[0].endswith("retry 1/3")
    assert log[1].endswith("retry 2/3")


def test_truncated_body_really_is_cut_short(server: ReplayServer) -> None:
    """The fault is what the test says: half of the real body, with a matching length."""
    server.script(TRUNCATED)
    query = {
        "search_query": "",
        "id_list": ID,
        "sortBy": "relevance",
        "sortOrder": "descending",
        "start": "0",
        "max_results": "100",
    }
    with httpx.Client() as http:
        cut = http.get(f"{server.url}/api/query", params=query)
        whole = http.get(f"{server.url}/api/query", params=query)
    assert cut.status_code == 200 and whole.status_code == 200
    assert int(cut.headers["content-length"]) == len(cut.content) == len(whole.content) // 2
    assert whole.content.startswith(cut.content)


@pytest.mark.parametrize("status", [503, 429])
def test_retry_after_is_honoured(server: ReplayServer, clock: FakeClock, status: int) -> None:
    log: list[str] = []
    server.script(unavailable(7, status=status))
    with polite(clock, log) as client:
        assert fetch_one(client, server) == [ID]
    assert clock.sleeps == [7.0]
    assert log == [f"arXiv API: HTTP {status}, retry after 7s; retry 1/3"]


def test_retry_after_is_capped_by_max_wait(server: ReplayServer, clock: FakeClock) -> None:
    server.script(unavailable(3600))
    with polite(clock, max_wait=60.0) as client:
        fetch_one(client, server)
    assert clock.sleeps == [60.0]


def test_delay_still_applies_after_a_short_retry_after(
    server: ReplayServer, clock: FakeClock
) -> None:
    """A 1-second Retry-After does not let the client come back sooner than `delay`."""
    server.script(unavailable(1))
    with polite(clock, delay=3.0) as client:
        fetch_one(client, server)
    starts = [r.time for r in server.requests]
    assert starts[1] - starts[0] >= 3.0
    assert clock.sleeps == [1.0, 2.0]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (error(500), "HTTP 500"),
        (unavailable(5), "HTTP 503, retry after 5s"),
        (stall(1.0), "timed out"),
        (TRUNCATED, "incomplete response (malformed Atom"),
        (DROPPED, "connection failed"),
    ],
    ids=["500", "503", "timeout", "truncated-xml", "dropped-connection"],
)
def test_gives_up_after_the_last_retry_with_a_clear_message(
    server: ReplayServer, clock: FakeClock, fault: Behaviour, reason: str
) -> None:
    server.always(fault)
    with (
        polite(clock, retries=2, timeout=timeout_for(fault)) as client,
        pytest.raises(Upstream) as exc,
    ):
        fetch_one(client, server)
    message = str(exc.value)
    assert message.startswith(f"arXiv API at {server.url}/api/query failed after 3 attempts: ")
    assert reason in message
    assert len(server.requests) == 3 and client.requests == 3


def test_no_pause_after_the_last_attempt(server: ReplayServer, clock: FakeClock) -> None:
    """Once the client has given up, sleeping again only delays the error."""
    server.always(error(500))
    with polite(clock, retries=2) as client, pytest.raises(Upstream):
        fetch_one(client, server)
    assert clock.sleeps == [BACKOFF, 2 * BACKOFF]


def test_no_retries_means_one_attempt(server: ReplayServer, clock: FakeClock) -> None:
    server.always(error(500))
    with polite(clock, retries=0) as client, pytest.raises(Upstream, match="HTTP 500"):
        fetch_one(client, server)
    assert len(server.requests) == 1
