"""The `github-stars` job against a loopback GitHub replaying recorded answers, on SQLite and
PostgreSQL: links synced from the papers, counts and their history day by day, conditional
requests, renamed and missing repositories, an exhausted rate limit, a run killed halfway."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from github_replay import GitHubReplay, failure, recorded

from paperfeed.ingest import github
from paperfeed.ingest.github import RepoCheck, check_stars
from paperfeed.jobs import JobConfig, JobContext, build_jobs
from paperfeed.models import Batch, Paper
from paperfeed.secret import Secret
from paperfeed.store import Store

DAY1 = datetime(2026, 1, 8, 13, 30)  # the days PyGithub's answers were recorded on
DAY2 = datetime(2026, 1, 10, 14, 30)
DAY3 = datetime(2026, 1, 12, 10, 50)


@pytest.fixture
def server() -> Iterator[GitHubReplay]:
    with GitHubReplay() as s:
        yield s


def _config(server: GitHubReplay, **kw: object) -> JobConfig:
    return JobConfig(
        rss_url=f"{server.url}/rss/",
        oai_url=f"{server.url}/oai",
        hf_url=server.url,
        github_api_url=server.url,
        github_stars=True,
        http_delay=0,
        http_timeout=5,
        http_retries=0,
        **kw,  # type: ignore[arg-type]
    )


def _run(server: GitHubReplay, store: Store, now: datetime, **kw: object) -> str | None:
    (job,) = [j for j in build_jobs(_config(server, **kw)) if j.name == "github-stars"]

    def no_search() -> object:
        raise AssertionError("this job does not search")

    return job.run(JobContext(store, now, no_search))  # type: ignore[arg-type]


def _papers(store: Store, links: dict[str, str | None]) -> None:
    store.papers.write(Batch(papers=[Paper(i, f"Paper {i}", code_url=u) for i, u in links.items()]))


def _serve_day(server: GitHubReplay, name: str) -> None:
    server.serve(recorded(name)[0])


def test_the_job_counts_each_linked_repository_once_a_day(
    server: GitHubReplay, store: Store
) -> None:
    _papers(
        store,
        {
            "2601.00001": "https://github.com/PyGithub/PyGithub/tree/main",
            "2601.00002": "https://github.com/protoncoin/protoncoin",
            "2601.00003": "https://github.com/jacquev6/Xxx",
            "2601.00004": "https://gitlab.com/someone/something",
            "2601.00005": "https://github.com/pygithub/pygithub.git",  # the same repository
        },
    )
    _serve_day(server, "repo-2026-01-08.txt")
    server.serve_file("renamed.txt")
    server.serve(recorded("not-found.txt")[0])

    line = _run(server, store, DAY1)
    assert line == (
        "GitHub repositories checked: 3 (2 counted, 0 unchanged, 1 missing, 0 failed), "
        "0 left for the next run; paper links synced: 5"
    )
    # Never checked, in key order; asked by key until GitHub spells the name.
    assert [r.path for r in server.requests] == [
        "/repos/jacquev6/xxx",
        "/repos/protoncoin/protoncoin",
        "/repositories/112116543",
        "/repos/pygithub/pygithub",
    ]
    for seen in server.requests:
        assert seen.headers["x-github-api-version"] == "2022-11-28"
        assert "authorization" not in seen.headers
    ids = ["2601.00001", "2601.00002", "2601.00003", "2601.00004", "2601.00005"]
    assert store.github.stars(ids) == {"2601.00001": 7636, "2601.00002": 5, "2601.00005": 7636}
    assert store.github.statuses() == {"new": 0, "ok": 2, "missing": 1, "failed": 0}

    # Again the same day: nothing is due, nothing is asked, nothing changes.
    before = len(server.requests)
    line = _run(server, store, DAY1 + timedelta(hours=6))
    assert line is not None and line.startswith("GitHub repositories checked: 0 ")
    assert len(server.requests) == before

    # Later days: the renamed repository is asked for under its new name, the counts grow.
    server.serve(recorded("renamed.txt")[1], path="/repos/padima2/protoncoin")
    _serve_day(server, "repo-2026-01-10.txt")
    _run(server, store, DAY2)
    assert "/repos/padima2/protoncoin" in [r.path for r in server.requests[before:]]
    _serve_day(server, "repo-2026-01-12.txt")
    _run(server, store, DAY3)
    assert store.github.history("pygithub/pygithub") == [
        (date(2026, 1, 8), 7636),
        (date(2026, 1, 10), 7638),
        (date(2026, 1, 12), 7640),
    ]
    gained = {g.paper_id: g.gained for g in store.github.gained(date(2026, 1, 10))}
    assert gained == {"2601.00001": 2, "2601.00002": 0, "2601.00005": 2}
    # The 9th has no count: the 8th's is the base.
    assert {g.gained for g in store.github.gained(date(2026, 1, 9))} == {4, 0}


def test_a_cleared_link_drops_the_paper(server: GitHubReplay, store: Store) -> None:
    _papers(store, {"2601.00001": "https://github.com/PyGithub/PyGithub"})
    _serve_day(server, "repo-2026-01-08.txt")
    _run(server, store, DAY1)
    user = store.accounts.ensure_user("ada@example.org")
    store.papers.set_links("2601.00001", "https://gitlab.com/moved/here", None, user.id)
    _run(server, store, DAY2)
    assert store.github.stars(["2601.00001"]) == {}
    assert store.github.gained(date(2026, 1, 1)) == []
    assert len(server.requests) == 1  # a repository no paper links to is not asked about


def test_a_token_is_sent_when_set(server: GitHubReplay, store: Store) -> None:
    _papers(store, {"2601.00001": "https://github.com/PyGithub/PyGithub"})
    server.serve(recorded("repo-api-version.txt")[0])
    _run(server, store, DAY1, github_token=Secret("ghp_replay"))
    assert server.requests[0].headers["authorization"] == "Bearer ghp_replay"
    assert store.github.stars(["2601.00001"]) == {"2601.00001": 7701}


def test_a_conditional_request_keeps_the_count_and_carries_it_to_the_day(
    server: GitHubReplay, store: Store
) -> None:
    not_modified = recorded("not-modified.txt")[0]
    etag = not_modified.request_headers["If-None-Match"]
    _papers(store, {"2601.00001": "https://github.com/akfish/PyGithub"})
    github.sync_links(store)
    store.github.record(
        "akfish/pygithub", "ok", DAY1, full_name="akfish/PyGithub", stars=12, etag=etag
    )
    server.serve_not_modified(not_modified)
    line = _run(server, store, DAY2)
    assert line is not None and "(0 counted, 1 unchanged," in line
    assert server.requests[0].headers["if-none-match"] == etag
    assert store.github.history("akfish/pygithub") == [(DAY1.date(), 12), (DAY2.date(), 12)]


def test_an_exhausted_rate_limit_ends_the_run_and_the_next_goes_on(
    server: GitHubReplay, store: Store
) -> None:
    _papers(
        store,
        {
            "2601.00001": "https://github.com/a/one",
            "2601.00002": "https://github.com/a/two",
            "2601.00003": "https://github.com/a/three",
        },
    )
    answer = recorded("repo-2026-01-08.txt")[0]
    for name in ("one", "two", "three"):
        server.serve(answer, path=f"/repos/a/{name}")
    server.script(answer, recorded("rate-limited.txt")[0])
    line = _run(server, store, DAY1)
    assert line == (
        "GitHub repositories checked: 1 (1 counted, 0 unchanged, 0 missing, 0 failed), "
        "2 left for the next run; paper links synced: 3; stopped: GitHub's rate limit is used "
        "up until an unknown time"
    )
    assert len(server.requests) == 2  # not retried
    line = _run(server, store, DAY1 + timedelta(hours=6))
    assert line is not None and line.startswith("GitHub repositories checked: 2 ")
    asked = [r.path for r in server.requests]
    assert len(asked) == 4 and asked[0] not in asked[2:]


def test_requests_a_run_are_capped(server: GitHubReplay, store: Store) -> None:
    links: dict[str, str | None] = {
        f"2601.{n:05d}": f"https://github.com/a/r{n}" for n in range(1, github.MAX_REQUESTS + 4)
    }
    _papers(store, links)
    answer = recorded("repo-2026-01-08.txt")[0]
    for n in range(1, github.MAX_REQUESTS + 4):
        server.serve(answer, path=f"/repos/a/r{n}")
    line = _run(server, store, DAY1)
    assert line is not None and "checked: 50 " in line and "3 left for the next run" in line
    assert len(server.requests) == 50


def test_github_failing_marks_the_repository_and_stops(server: GitHubReplay, store: Store) -> None:
    _papers(
        store,
        {"2601.00001": "https://github.com/a/one", "2601.00002": "https://github.com/a/two"},
    )
    server.script(failure(502))
    line = _run(server, store, DAY1)
    assert line is not None and "(0 counted, 0 unchanged, 0 missing, 1 failed), 1 left" in line
    assert "stopped: GitHub at" in line and "HTTP 502" in line
    assert store.github.statuses()["failed"] == 1


def test_a_run_killed_halfway_keeps_its_checks_and_the_next_run_goes_on(store: Store) -> None:
    _papers(store, {f"2601.{n:05d}": f"https://github.com/a/r{n}" for n in range(1, 6)})
    asked: list[str] = []

    def fetch(name: str, etag: str | None, die_after: int | None = None) -> RepoCheck:
        if die_after is not None and len(asked) == die_after:
            raise KeyboardInterrupt  # the process is killed mid-run
        asked.append(name)
        return RepoCheck("ok", full_name=name, stars=len(asked))

    with pytest.raises(KeyboardInterrupt):
        check_stars(store, lambda n, e: fetch(n, e, die_after=2), DAY1)
    assert store.github.statuses() == {"new": 3, "ok": 2, "missing": 0, "failed": 0}
    report = check_stars(store, fetch, DAY1 + timedelta(minutes=5))
    assert (report.checked, report.left, report.linked) == (3, 0, 0)
    assert sorted(asked) == [f"a/r{n}" for n in range(1, 6)]  # each once
