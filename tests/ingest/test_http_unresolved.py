"""PoliteClient and a host name that does not resolve (a machine offline, or without DNS):
where a person waits (`retry_unresolved=False`, the site's submission fetcher) it fails at
once, without pausing or asking again; elsewhere it retries as for any dropped connection.

Name resolution is made to fail for one host only, in the process (no DNS server is asked);
time is a FakeClock, so pauses are recorded, never waited for."""

from __future__ import annotations

import pytest
from offline import unresolvable
from replay import FakeClock

from paperfeed.errors import Upstream
from paperfeed.ingest.arxiv_api import fetch_ids
from paperfeed.ingest.http import PoliteClient

HOST = "export.arxiv.invalid"
URL = f"http://{HOST}/api/query"


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt to resolve HOST, which fails as glibc fails offline."""
    return unresolvable(monkeypatch, HOST)


def _client(clock: FakeClock, *, retry_unresolved: bool) -> PoliteClient:
    return PoliteClient(
        delay=0.0,
        timeout=5.0,
        retries=2,
        backoff=5.0,
        sleep=clock.sleep,
        clock=clock,
        retry_unresolved=retry_unresolved,
    )


def test_where_a_person_waits_an_unresolvable_host_fails_at_once(lookups: list[str]) -> None:
    clock = FakeClock()
    with _client(clock, retry_unresolved=False) as client, pytest.raises(Upstream) as raised:
        list(fetch_ids(client, URL, ["2410.17243"]))
    assert (lookups, clock.sleeps, client.requests) == ([HOST], [], 1)
    assert "Name or service not known" in str(raised.value)
    assert str(raised.value).endswith("not retried")


def test_elsewhere_it_is_retried_like_any_dropped_connection(lookups: list[str]) -> None:
    clock = FakeClock()
    with _client(clock, retry_unresolved=True) as client, pytest.raises(Upstream) as raised:
        list(fetch_ids(client, URL, ["2410.17243"]))
    assert (lookups, clock.sleeps) == ([HOST] * 3, [5.0, 10.0])
    assert "failed after 3 attempts" in str(raised.value)
