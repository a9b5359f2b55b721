"""Categories for papers imported without them (as from Hugging Face), from the arXiv API: the
`arxiv-categories` job against a loopback server replaying recorded arXiv answers, and the
library function killed halfway and run again, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

import pytest
from replay import API_RECORDINGS, ReplayServer

from paperfeed.categories import CategoryFilter
from paperfeed.ingest import arxiv_categories
from paperfeed.ingest.records import Item, Record
from paperfeed.jobs import JobConfig, JobContext, build_jobs, tasks
from paperfeed.models import Batch, DailyEntry, Paper
from paperfeed.store import Store

DAY = date(2026, 6, 9)
# One recorded answer (`id_list=0808.05394,1707.08567`) holds 1707.08567 (cs.IT) only: arXiv
# has no 0808.05394. 0000.0000's answer is empty.
RECORDED = ("0808.05394", "1707.08567")


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        s.add_arxiv_recordings(API_RECORDINGS)
        yield s


def _as_from_hf(store: Store, ids: Sequence[str]) -> None:
    """Papers as a Hugging Face import leaves them: picked for a day, no categories."""
    store.papers.write(
        Batch(
            papers=[Paper(i, f"Paper {i}", categories=()) for i in ids],
            daily_entries=[DailyEntry(i, DAY, None, None, None, "hf") for i in ids],
        )
    )


def _config(server: ReplayServer, **kw: object) -> JobConfig:
    return JobConfig(
        rss_url=f"{server.url}/rss/",
        oai_url=f"{server.url}/oai",
        hf_url=server.url,
        arxiv_api_url=f"{server.url}/api/query",
        http_delay=0,
        http_timeout=5,
        http_retries=0,
        **kw,  # type: ignore[arg-type]
    )


def _context(store: Store) -> JobContext:
    def no_search() -> object:
        raise AssertionError("this job does not search")

    return JobContext(store, datetime(2026, 6, 9, 12), no_search)  # type: ignore[arg-type]


@pytest.mark.network
def test_the_job_gives_hf_papers_their_arxiv_categories(server: ReplayServer, store: Store) -> None:
    _as_from_hf(store, RECORDED)
    store.papers.write(Batch(papers=[Paper("2410.17243", "Has some", categories=("cs.CV",))]))
    cs_it = CategoryFilter(("cs.IT",))
    assert store.listings.featured(DAY, DAY, categories=cs_it).total == 0

    config = _config(server, arxiv_categories=True)
    (job,) = [j for j in build_jobs(config) if j.name == "arxiv-categories"]
    assert job.enabled
    line = job.run(_context(store))
    assert line == (
        "papers without categories asked for: 2, given categories: 1 (1 arXiv API requests)"
    )
    assert [r.params["id_list"] for r in server.requests] == [",".join(RECORDED)]
    got = store.papers.get_many(list(RECORDED))
    assert got["1707.08567"].categories == ("cs.IT",)
    assert not got["0808.05394"].categories
    assert got["1707.08567"].title != "Paper 1707.08567"  # arXiv's record, merged in
    # The papers stay on the day they were picked for, one now in its category too.
    listed = store.listings.featured(DAY, DAY, categories=cs_it).items
    assert [i.paper.arxiv_id for i in listed] == ["1707.08567"]
    assert {i.paper.arxiv_id for i in store.listings.featured(DAY, DAY).items} == set(RECORDED)

    # Nothing left to ask (arXiv does not know the other): a quiet run, no request.
    assert tasks.fill_categories(config, _context(store)) is None
    assert len(server.requests) == 1


@pytest.mark.network
def test_a_paper_arxiv_does_not_know_is_not_asked_for_again(
    server: ReplayServer, store: Store
) -> None:
    _as_from_hf(store, ["0000.0000"])
    config = _config(server, arxiv_categories=True)
    line = tasks.fill_categories(config, _context(store))
    assert line == (
        "papers without categories asked for: 1, given categories: 0 (1 arXiv API requests)"
    )
    assert tasks.fill_categories(config, _context(store)) is None
    assert len(server.requests) == 1


def test_off_unless_turned_on(server: ReplayServer) -> None:
    (job,) = [j for j in build_jobs(_config(server)) if j.name == "arxiv-categories"]
    assert not job.enabled and job.reason == "arxiv_categories is off"


class Killed(Exception):
    pass


def test_killed_halfway_it_keeps_what_it_wrote_and_goes_on_from_there(store: Store) -> None:
    ids = [f"2606.{n:05d}" for n in range(1, 251)]
    _as_from_hf(store, ids)
    asked: list[list[str]] = []

    def fetch(wanted: Sequence[str], *, die_after: int | None = None) -> Iterable[Item]:
        asked.append(list(wanted))
        for n, pid in enumerate(wanted):
            if die_after is not None and len(asked) == 2 and n == die_after:
                raise Killed
            yield Record(pid, Paper(pid, f"Paper {pid}", categories=("cs.LG", "stat.ML")))

    with pytest.raises(Killed):
        arxiv_categories.fill_categories(store, lambda w: fetch(w, die_after=50))
    # The first request's 100 papers were written; the second's none (one transaction each).
    done = {p.arxiv_id for p in store.papers.get_many(ids).values() if p.categories}
    assert done == set(ids[:100])

    asked.clear()
    report = arxiv_categories.fill_categories(store, fetch)
    assert [len(a) for a in asked] == [100, 50]
    assert asked[0][0] == ids[100]
    assert (report.asked, report.filled, report.requests) == (150, 150, 2)
    assert all(p.categories for p in store.papers.get_many(ids).values())
    assert arxiv_categories.fill_categories(store, fetch).asked == 0
