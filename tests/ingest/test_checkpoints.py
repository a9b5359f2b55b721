"""Resumable OAI-PMH harvests on SQLite and PostgreSQL, against a replay server serving a
four-page list (tests/oai_pages.py): a harvest that fails after page N resumes at page N+1, an
expired token starts the window over, a finished harvest forgets its resume point and records
the day it reached, and running it again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from oai_pages import (
    ALL_IDS,
    FIRST_DAY,
    FIRST_QUERY,
    PAGE_IDS,
    expire_session,
    page_bodies,
    queries,
    serve_harvest,
    token_query,
)
from replay import SERVE, ReplayServer, error

from paperfeed.errors import Invalid, StoreUnavailable, Upstream
from paperfeed.ingest.checkpoints import (
    ResumePoint,
    last_harvested,
    resume_point,
    run_harvest,
)
from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.oai import Harvest, OaiError, parse_oai
from paperfeed.ingest.records import Record
from paperfeed.models import IngestSummary
from paperfeed.store import Store

pytestmark = pytest.mark.network

START = date(2014, 10, 1)
FIRST_RESPONSE = "2015-01-06T20:49:59Z"
# Every version of every paper in the list: a page written twice would not add rows, but a
# page lost would miss them.
VERSIONS = sum(
    len(item.paper.versions)
    for body in page_bodies()
    for item in parse_oai(body).items
    if isinstance(item, Record) and item.paper is not None
)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        serve_harvest(s)
        yield s


class Harvester:
    """`run_harvest` against the replay server, keeping what it logged."""

    def __init__(self, store: Store, client: PoliteClient, server: ReplayServer) -> None:
        self.store = store
        self.client = client
        self.url = f"{server.url}/oai"
        self.logged: list[str] = []

    def __call__(
        self,
        since: date | None = START,
        until: date | None = None,
        set_spec: str | None = None,
    ) -> tuple[IngestSummary, Harvest]:
        return run_harvest(
            self.store,
            self.client,
            self.url,
            set_spec=set_spec,
            since=since,
            until=until,
            batch_size=1,
            log=self.logged.append,
        )


@pytest.fixture
def run(store: Store, client: PoliteClient, server: ReplayServer) -> Harvester:
    return Harvester(store, client, server)


def fail_after(server: ReplayServer, pages: int) -> None:
    """Serve `pages` pages, then fail every attempt (3 with the test client) at the next."""
    server.script(*[SERVE] * pages, error(500), error(500), error(500))


def counts(summary: IngestSummary) -> tuple[int, int, int]:
    return summary.counts.new, summary.counts.updated, summary.counts.unchanged


def ids_of_pages(pages: int) -> list[str]:
    return sorted(i for page in PAGE_IDS[:pages] for i in page)


@pytest.mark.parametrize("written", [1, 2, 3])
def test_a_failed_harvest_resumes_after_its_last_written_page(
    run: Harvester, store: Store, server: ReplayServer, written: int
) -> None:
    wanted = queries()
    fail_after(server, written)
    with pytest.raises(Upstream, match="failed after 3 attempts: HTTP 500"):
        run()
    assert [r.params for r in server.requests] == [*wanted[: written + 1], *[wanted[written]] * 2]
    assert store.papers.ids() == ids_of_pages(written)
    assert resume_point(store, None) == ResumePoint(
        set_spec=None,
        since=START,
        until=None,
        token=wanted[written]["resumptionToken"],
        pages=written,
        response_date=FIRST_RESPONSE,
        complete_size=58011,
    )
    assert last_harvested(store, None) is None

    seen = len(server.requests)
    summary, done = run()
    assert [r.params for r in server.requests[seen:]] == wanted[written:]
    assert run.logged == [f"resuming the harvest of all sets from 2014-10-01, after page {written}"]
    # Only the deletion of a paper never imported is unchanged: no page was written twice.
    assert counts(summary) == (8 - 2 * written, 0, 1)
    assert (done.first_page, done.pages, done.restarted) == (written + 1, 4, False)
    assert store.papers.ids() == ALL_IDS
    assert (store.stats().papers, store.stats().versions) == (8, VERSIONS)
    # The day of the list's first page, not of the page the resumed run started with.
    assert done.response_date == FIRST_RESPONSE
    assert last_harvested(store, None) == date.fromisoformat(FIRST_DAY)
    assert resume_point(store, None) is None


def test_without_from_the_unfinished_harvest_is_continued(
    run: Harvester, store: Store, server: ReplayServer
) -> None:
    wanted = queries(first={**FIRST_QUERY, "until": "2015-01-05", "set": "cs"})
    serve_harvest(server, first=wanted[0])
    fail_after(server, 2)
    with pytest.raises(Upstream):
        run(until=date(2015, 1, 5), set_spec="cs")
    assert resume_point(store, None) is None  # another set's harvest is not this one
    with pytest.raises(Invalid, match="run it again without --until to finish it"):
        run(since=None, until=date(2015, 1, 6), set_spec="cs")

    seen = len(server.requests)
    summary, _ = run(since=None, set_spec="cs")
    assert [r.params for r in server.requests[seen:]] == wanted[2:]
    assert run.logged == [
        "resuming the harvest of set cs from 2014-10-01 until 2015-01-05, after page 2"
    ]
    assert counts(summary) == (4, 0, 1)
    assert last_harvested(store, "cs") == date(2015, 1, 5)
    assert resume_point(store, "cs") is None


def test_another_window_drops_the_unfinished_harvest(
    run: Harvester, store: Store, server: ReplayServer
) -> None:
    later = {**FIRST_QUERY, "from": "2014-11-01"}
    serve_harvest(server, "726960", first=later)
    fail_after(server, 2)
    with pytest.raises(Upstream):
        run()
    seen = len(server.requests)
    summary, done = run(since=date(2014, 11, 1))
    assert [r.params for r in server.requests[seen:]] == queries("726960", first=later)
    assert run.logged == [
        "dropping the harvest of all sets from 2014-10-01, after page 2: "
        "starting the harvest of all sets from 2014-11-01"
    ]
    assert counts(summary) == (4, 0, 5)
    assert (done.first_page, done.pages) == (1, 4)
    assert resume_point(store, None) is None


def test_an_expired_token_starts_the_window_over(
    run: Harvester, store: Store, server: ReplayServer
) -> None:
    fail_after(server, 2)
    with pytest.raises(Upstream):
        run()
    # Days later: the server has forgotten the first session and gives new tokens.
    expire_session(server, "726959")
    serve_harvest(server, "726960")

    seen = len(server.requests)
    summary, done = run()
    assert [r.params for r in server.requests[seen:]] == [
        token_query("726959|5"),
        *queries("726960"),
    ]
    assert run.logged == [
        "resuming the harvest of all sets from 2014-10-01, after page 2",
        "the resumption token of the harvest of all sets from 2014-10-01, after page 2 has "
        "expired: harvesting again from 2014-10-01",
    ]
    assert counts(summary) == (4, 0, 5)
    assert (done.first_page, done.pages, done.restarted) == (1, 4, True)
    assert (store.stats().papers, store.stats().versions) == (8, VERSIONS)
    assert last_harvested(store, None) == date.fromisoformat(FIRST_DAY)
    assert resume_point(store, None) is None


def test_a_token_expiring_mid_run_is_an_error_not_a_loop(
    run: Harvester, store: Store, server: ReplayServer
) -> None:
    """Only the stored token may have expired; one the server just gave is its fault."""
    expire_session(server, "726959")
    with pytest.raises(OaiError, match="badResumptionToken"):
        run()
    assert [r.params for r in server.requests] == queries()[:2]
    point = resume_point(store, None)
    assert point is not None and (point.token, point.pages) == ("726959|3", 1)

    with pytest.raises(OaiError, match="badResumptionToken"):
        run()  # the stored token expired: start over, and the server fails again the same way
    assert [r.params for r in server.requests[2:]] == [queries()[1], *queries()[:2]]


@pytest.mark.parametrize(
    ("until", "last"), [(None, date.fromisoformat(FIRST_DAY)), (date(2015, 1, 5), date(2015, 1, 5))]
)
def test_a_finished_harvest_forgets_its_resume_point_and_records_the_day(
    run: Harvester, store: Store, server: ReplayServer, until: date | None, last: date
) -> None:
    first = {**FIRST_QUERY, "until": until.isoformat()} if until else FIRST_QUERY
    serve_harvest(server, first=first)
    summary, done = run(until=until)
    assert [r.params for r in server.requests] == queries(first=first)
    assert counts(summary) == (8, 0, 1)
    assert (done.first_page, done.pages, done.complete_size) == (1, 4, 58011)
    assert resume_point(store, None) is None
    assert last_harvested(store, None) == last


def test_running_a_finished_harvest_again_changes_nothing(
    run: Harvester, store: Store, server: ReplayServer
) -> None:
    run()
    before = (store.stats(), store.papers.ids(), last_harvested(store, None))
    summary, _ = run()
    assert counts(summary) == (0, 0, 9)
    assert (store.stats(), store.papers.ids(), last_harvested(store, None)) == before
    assert resume_point(store, None) is None
    assert [r.params for r in server.requests] == queries() * 2


def test_without_from_a_set_never_harvested_is_refused(
    run: Harvester, server: ReplayServer
) -> None:
    with pytest.raises(Invalid, match="no earlier harvest of this set: give --from DATE"):
        run(since=None)
    with pytest.raises(Invalid, match="--until is before --from"):
        run(until=date(2014, 9, 30))
    assert server.requests == []


def test_a_page_and_its_token_are_written_together(
    run: Harvester, store: Store, server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token is recorded after the page's records: when that fails, the page is gone too."""
    record = store.checkpoints.set
    calls = [0]

    def fail_second(key: str, value: str) -> None:
        record(key, value)
        calls[0] += 1
        if calls[0] == 2:
            raise StoreUnavailable("database write failed: disk I/O error")

    monkeypatch.setattr(store.checkpoints, "set", fail_second)
    with pytest.raises(StoreUnavailable):
        run()
    assert store.papers.ids() == ids_of_pages(1)
    point = resume_point(store, None)
    assert point is not None and (point.token, point.pages) == ("726959|3", 1)

    monkeypatch.undo()
    summary, done = run()
    assert counts(summary) == (6, 0, 1) and done.first_page == 2
    assert (store.stats().papers, store.stats().versions) == (8, VERSIONS)
