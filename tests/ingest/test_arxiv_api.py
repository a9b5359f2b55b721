"""The arXiv API source: fetch_ids / fetch_query through a replay server on 127.0.0.1 into SQLite
and PostgreSQL (the Atom parser itself: test_atom.py)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

import pytest
from replay import API_RECORDINGS, FakeClock, ReplayServer

from paperfeed.errors import Upstream
from paperfeed.ingest.arxiv_api import fetch_ids, fetch_query
from paperfeed.ingest.atom import ArxivApiError
from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.records import Item, Record
from paperfeed.ingest.runner import run_import
from paperfeed.store import Store


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        s.add_arxiv_recordings(API_RECORDINGS)
        yield s


def api(server: ReplayServer) -> str:
    return f"{server.url}/api/query"


@pytest.mark.network
def test_fetch_ids_into_the_store(store: Store, server: ReplayServer, client: PoliteClient) -> None:
    def items() -> Iterator[Item]:
        return chain(
            fetch_ids(client, api(server), ["1707.08567"]),
            fetch_ids(client, api(server), ["astro-ph/0601001"]),
        )

    first = run_import(store, items(), "arxiv")
    assert (first.counts.new, first.counts.updated, first.counts.unchanged) == (2, 0, 0)
    assert [r.params["id_list"] for r in server.requests] == ["1707.08567", "astro-ph/0601001"]
    assert store.papers.ids() == ["1707.08567", "astro-ph/0601001"]
    stored = store.papers.get("1707.08567")
    assert stored is not None and "Dirk Wübben" in [a.name for a in stored.authors or ()]
    old = store.papers.get("astro-ph/0601001")
    assert old is not None and old.authors and old.authors[0].affiliations == ("Ohio State",)
    assert old.categories == ("astro-ph",)

    again = run_import(store, items(), "arxiv")
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, 2)
    assert store.stats().papers == 2


@pytest.mark.network
def test_fetch_query_pages_into_the_store(
    store: Store, server: ReplayServer, client: PoliteClient, clock: FakeClock
) -> None:
    first = run_import(store, fetch_query(client, api(server), "testing", 30, page_size=10), "q")
    pages = [(r.params["start"], r.params["max_results"]) for r in server.requests]
    assert pages == [("0", "10"), ("10", "10"), ("20", "10")]
    assert {r.params["search_query"] for r in server.requests} == {"testing"}
    assert clock.sleeps == [3.0, 3.0]  # the polite pause between pages
    assert first.counts.new == 30 and first.skipped == 0
    assert len(store.papers.ids()) == 30  # exactly one paper per distinct id

    again = run_import(store, fetch_query(client, api(server), "testing", 30, page_size=10), "q")
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, 30)
    assert len(store.papers.ids()) == 30


@pytest.mark.network
def test_fetch_query_keeps_its_page_size_and_stops_at_max(
    server: ReplayServer, client: PoliteClient
) -> None:
    """25 results in pages of 10: three full pages (start 0, 10, 20), 25 records yielded."""
    items = list(fetch_query(client, api(server), "testing", 25, page_size=10))
    pages = [(r.params["start"], r.params["max_results"]) for r in server.requests]
    assert pages == [("0", "10"), ("10", "10"), ("20", "10")]
    assert len(items) == 25
    ids = [i.paper.arxiv_id for i in items if isinstance(i, Record) and i.paper]
    assert len(set(ids)) == 25


@pytest.mark.network
def test_fetch_ids_without_a_match_yields_nothing(
    server: ReplayServer, client: PoliteClient
) -> None:
    items = list(fetch_ids(client, api(server), ["0000.0000"]))
    assert items == [] and len(server.requests) == 1


@pytest.mark.network
def test_api_error_entry_is_not_retried(server: ReplayServer, client: PoliteClient) -> None:
    with pytest.raises(ArxivApiError, match="incorrect id format for abc"):
        list(fetch_ids(client, api(server), ["abc"]))
    assert len(server.requests) == 1


@pytest.mark.network
def test_http_error_without_atom_fails_at_once(server: ReplayServer, client: PoliteClient) -> None:
    """A 404 (wrong endpoint, unknown path) is not a truncated payload: no retries, and the
    message names the status."""
    with pytest.raises(Upstream, match="HTTP 404"):
        list(fetch_ids(client, f"{server.url}/api/nowhere", ["1707.08567"]))
    assert len(server.requests) == 1
