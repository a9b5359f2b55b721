"""A living site, end to end: the scheduled jobs run by a clock the test moves, against a
simulated arXiv (RSS announcements, OAI-PMH) and Hugging Face served on 127.0.0.1
(tests/living_site.py), a real SMTP server and each node's real search index, on SQLite and
PostgreSQL. A fortnight with US Thanksgiving in it; two days down, then catching up; a node
that dies holding a job's lease; an import killed with SIGKILL.

The simulated papers are those of every announcement day from Monday 9 to Monday 30 November
2026 (real quant-ph titles and abstracts under new ids); Hugging Face's daily lists are real
responses of June 2026 with their dates rewritten to the simulated days in `HF`. The site is
woken at the arXiv jobs' times (`living_site.next_stop`); every other job is due then too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from digest_helpers import LINKS
from hand_clock import HandClock
from living_site import (
    FOLLOWED,
    Node,
    World,
    WorldServer,
    build_world,
    day_range,
    digest_ids,
    expected_day,
    expected_digest,
    indexed_ids,
    listing,
    live_ids,
    run_until,
)
from smtp_server import SmtpServer

from paperfeed.arxiv_calendar import EASTERN, latest_announcement_day
from paperfeed.cli import cli
from paperfeed.digest.subscribe import add_confirmed
from paperfeed.errors import Upstream
from paperfeed.ingest.checkpoints import resume_point, run_harvest
from paperfeed.ingest.http import PoliteClient
from paperfeed.jobs import JobConfig, JobContext, JobRunner, build_jobs, tasks
from paperfeed.jobs.runner import LEASE_SECONDS
from paperfeed.models import SubscriptionContent
from paperfeed.periods import period_of
from paperfeed.search import SearchService
from paperfeed.store import Store
from paperfeed.store.leases import LeaseHolder, holder_gone

pytestmark = pytest.mark.network

FIRST, LAST = date(2026, 11, 9), date(2026, 11, 30)  # the simulated announcement days
START = datetime(2026, 11, 16)  # Monday 00:00 UTC: Sunday 19:00 US Eastern
END = datetime(2026, 11, 30, 8)  # after Monday 30's announcement and harvest
HF = {  # a simulated day: the real day whose Hugging Face list it serves
    date(2026, 11, 17): date(2026, 6, 9),
    date(2026, 11, 19): date(2026, 6, 10),
    date(2026, 11, 21): date(2026, 6, 11),  # a Saturday: HF lists papers at weekends too
    date(2026, 11, 25): date(2026, 6, 16),
}
SET = "physics:quant-ph"
READER = "reader@example.org"  # daily, new quant-ph papers, due at 06:00 UTC
TRENDS = "trends@example.org"  # daily, the day's 3 most upvoted papers, due at 18:00 UTC
WEEKLY = "weekly@example.org"  # weekly, new quant-ph papers, due on Mondays at 06:00 UTC
WAIT = 60.0  # seconds a test waits for another process before it fails


@pytest.fixture
def clock() -> HandClock:
    return HandClock(START)


@pytest.fixture
def world(clock: HandClock) -> World:
    return build_world(clock, FIRST, LAST, HF)


@pytest.fixture
def server(world: World, clock: HandClock) -> Iterator[WorldServer]:
    with WorldServer(world.answer, clock) as s:
        yield s


def job_config(server: WorldServer, smtp: SmtpServer | None = None) -> JobConfig:
    return JobConfig(
        rss_url=f"{server.url}/rss/",
        oai_url=f"{server.url}/oai",
        hf_url=server.url,
        fetch_arxiv=True,
        mirror_hf=True,
        followed=FOLLOWED,
        batch_size=4,
        http_delay=0,
        http_timeout=30,
        http_retries=0,
        smtp=smtp.config() if smtp is not None else None,
        links=LINKS,
    )


@pytest.fixture
def open_node(
    db_url: str, clock: HandClock, server: WorldServer, tmp_path: Path
) -> Iterator[Callable[..., Node]]:
    """Nodes of one site: each its own store connection, runner and search index."""
    stores: list[Store] = []

    def open_one(name: str, smtp: SmtpServer | None = None) -> Node:
        store = Store.open(db_url, clock=clock, follow=FOLLOWED)
        stores.append(store)
        search = SearchService.open(store, tmp_path / name, model="none")
        jobs = build_jobs(job_config(server, smtp))
        runner = JobRunner(store, jobs, name, clock, search=lambda: search)
        return Node(runner, search, clock)

    yield open_one
    for store in stores:
        store.close()


def subscribe(store: Store) -> None:
    quant_ph = SubscriptionContent(period="daily", send_hour=6, categories=("quant-ph",))
    add_confirmed(store, READER, quant_ph, now=START)
    trending = SubscriptionContent(period="daily", send_hour=18, top_n=3)
    add_confirmed(store, TRENDS, trending, now=START)
    weekly = SubscriptionContent(period="weekly", send_hour=6, categories=("quant-ph",))
    add_confirmed(store, WEEKLY, weekly, now=START)


def evening_run(evening: date) -> datetime:
    """When the announcements job runs on an evening: 20:30 US Eastern, in UTC."""
    at = datetime(evening.year, evening.month, evening.day, 20, 30, tzinfo=EASTERN)
    return at.astimezone(UTC).replace(tzinfo=None)


def subject(kind: str, day: date, n: int) -> str:
    label = period_of(kind, day).label
    return f"paperfeed: {n} new paper{'s' if n != 1 else ''} for you · {label}"


def expected_mail(
    world: World,
    days: list[date],
    *,
    feeds: set[date],
    category: str | None = None,
    top_n: int = 0,
) -> list[tuple[str, list[str]]]:
    """(subject, arXiv ids) of each digest a daily subscriber gets for `days`, oldest first:
    none for a day with nothing for them, and no paper sent within the 8 days before."""
    out: list[tuple[str, list[str]]] = []
    sent: dict[date, list[str]] = {}
    for day in days:
        recent = {i for d, ids in sent.items() if d >= day - timedelta(days=9) for i in ids}
        ids = expected_digest(
            world,
            [day],
            feeds=feeds,
            hf_days=HF,
            category=category,
            top_n=top_n,
            already_sent=recent,
        )
        if ids:
            sent[day] = ids
            out.append((subject("day", day, len(ids)), ids))
    return out


def expected_weeks(
    world: World, mondays: list[date], *, feeds: set[date]
) -> list[tuple[str, list[str]]]:
    """(subject, arXiv ids) of the weekly digests of the weeks starting on `mondays`, sent
    the Monday after each at 07:00 (the site's first wake-up past their hour, after that
    morning's harvest: week 47's leaves out the paper whose withdrawal it brought); none
    repeats a paper an earlier one sent (within 8 days)."""
    out: list[tuple[str, list[str]]] = []
    sent: list[str] = []
    for monday in mondays:
        ids = expected_digest(
            world,
            day_range(monday, monday + timedelta(days=6)),
            feeds=feeds,
            hf_days=HF,
            category="quant-ph",
            already_sent=sent,
            withdrawn=True,
        )
        out.append((subject("week", monday, len(ids)), ids))
        sent += ids
    return out


def received(smtp: SmtpServer, to: str) -> list[tuple[str, list[str]]]:
    return [(str(m["Subject"]), digest_ids(m)) for m in smtp.recorder.to(to)]


def hf_listed(world: World, *days: date) -> list[str]:
    """The ids on HF's lists of `days`, in the order it lists them."""
    return [arxiv_id for d in days for arxiv_id, _votes in world.hf[d].ranked()]


# ----------------------------------------------------------------------------- 1. a fortnight


def test_a_fortnight(
    open_node: Callable[..., Node], server: WorldServer, world: World, smtp: SmtpServer
) -> None:
    node = open_node("node-a", smtp)
    store = node.runner.store
    subscribe(store)
    node.step(START)
    run_until([node], START, END)

    # The announcements job ran at START (never run: due at once), then at 20:30 US Eastern
    # each Sunday to Thursday, Thanksgiving included (finding Wednesday's announcement again).
    evenings = [
        e
        for e in day_range(date(2026, 11, 15), date(2026, 11, 29))
        if e.weekday() in (6, 0, 1, 2, 3)
    ]
    rss = [r for r in server.requests if r.path.startswith("/rss/")]
    assert [r.path for r in rss] == ["/rss/quant-ph"] * 12
    assert [r.at for r in rss] == [START, *(evening_run(e) for e in evenings)]
    feeds = [latest_announcement_day(r.at) for r in rss]
    assert feeds == [date(2026, 11, d) for d in (13, 16, 17, 18, 19, 20, 23, 24, 25, 26, 26, 30)]
    seen = {d for d in feeds if d is not None}

    # The harvest: a week back the first time, then daily at 02:00 US Eastern from the day
    # the previous one reached, following every resumption token.
    oai = [r for r in server.requests if r.path == "/oai"]
    firsts = [r for r in oai if "from" in r.params]
    assert [r.params["from"] for r in firsts] == [
        "2026-11-09",
        *(f"2026-11-{d:02d}" for d in (16, *range(16, 30))),
    ]
    assert all(r.params == {**r.params, "set": SET, "metadataPrefix": "arXivRaw"} for r in firsts)
    assert [s.at for s in node.ran("arxiv-oai")] == [
        START,
        *(datetime(2026, 11, d, 7) for d in range(16, 31)),
    ]
    assert any("resumptionToken" in r.params for r in oai)

    # Every day page, exactly: what each feed announced, labelled as arXiv labelled it; the
    # days before the first feed by their first versions; Hugging Face's picks first.
    for day in day_range(FIRST, LAST):
        assert listing(store, day) == expected_day(world, day, feeds=seen, hf_days=HF), day
    # No page is dated a weekend or the Friday after Thanksgiving by arXiv's jobs: only
    # Hugging Face lists papers on Saturday the 21st.
    for n in (14, 15, 21, 22, 27, 28, 29):
        sources = {source for _id, _kind, source in listing(store, date(2026, 11, n))}
        assert sources <= {"huggingface"}, n
    assert {s for *_, s in listing(store, date(2026, 11, 21))} == {"huggingface"}
    assert store.listings.latest_day() == LAST
    withdrawn = [p for p in world.papers if p.withdrawn_on is not None]
    assert len(withdrawn) == 1 and store.papers.get(withdrawn[0].arxiv_id) is None

    # After each index run, the index holds exactly the live papers; at the end those are
    # every paper the simulation showed, the withdrawn one excepted.
    checks = [s for s in node.steps if s.indexed is not None]
    assert len(checks) > 20
    assert all(s.indexed == s.live for s in checks), [s.at for s in checks if s.indexed != s.live]
    shown = {
        p.arxiv_id
        for p in world.papers
        if p.withdrawn_on is None and any(e.day >= FIRST for e in p.visible(END))
    }
    assert indexed_ids(node.search) == live_ids(store) == shown | set(hf_listed(world, *HF))
    title = world.papers[-1].title
    assert world.papers[-1].arxiv_id in [
        h.paper.arxiv_id for h in node.search.search(title, mode="keyword").hits
    ]

    # Each subscriber got one digest per day that had papers for them, none twice.
    days = day_range(date(2026, 11, 15), date(2026, 11, 29))
    assert received(smtp, READER) == expected_mail(world, days, feeds=seen, category="quant-ph")
    assert received(smtp, TRENDS) == expected_mail(world, days, feeds=seen, top_n=3)
    assert len(smtp.recorder.to(READER)) == 9 and len(smtp.recorder.to(TRENDS)) == 4
    # The weekly one, each Monday: the week before START (the last completed one when it
    # subscribed), week 47, and Thanksgiving's week 48 (four days of announcements).
    mondays = [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert received(smtp, WEEKLY) == expected_weeks(world, mondays, feeds=seen)
    ids = [m["Message-ID"] for m in smtp.recorder.messages]
    assert len(ids) == len(set(ids)) == 16

    # `paperfeed jobs`: every job's last run went well (thumbnails are off here).
    statuses = {s.name: s for s in node.runner.status(END) if s.enabled}
    assert sorted(statuses) == sorted(
        ["arxiv-announcements", "arxiv-oai", "hf-daily", "index", "digests"]
    )
    assert all((s.last_result, s.failures) == ("ok", 0) for s in statuses.values()), statuses
    assert statuses["arxiv-announcements"].runs == 12 and statuses["arxiv-oai"].runs == 16


# ----------------------------------------------------------------------------- 2. downtime


DOWN = datetime(2026, 11, 17, 12)  # Tuesday noon UTC: nothing runs …
BACK = datetime(2026, 11, 20, 12)  # … until Friday noon, two announcements later


def test_down_for_two_days_then_catching_up(
    open_node: Callable[..., Node], server: WorldServer, world: World, smtp: SmtpServer
) -> None:
    node = open_node("node-a", smtp)
    store = node.runner.store
    subscribe(store)
    node.step(START)
    run_until([node], START, DOWN)
    runs = {r.name: r.runs for r in store.jobs.all()}
    before = len(server.requests)

    results = node.step(BACK)

    # Each job that came due while the site was down ran once, not once per missed time.
    assert [(r.name, r.outcome) for r in results] == [
        ("arxiv-announcements", "ok"),
        ("arxiv-oai", "ok"),
        ("hf-daily", "ok"),
        ("index", "ok"),
        ("digests", "ok"),
    ]
    after = {r.name: r.runs for r in store.jobs.all()}
    assert {n: after[n] - runs[n] for n in runs} == {n: 1 for n in runs}
    asked = server.requests[before:]
    # RSS holds only the latest announcement (Friday's); the harvest goes on from where the
    # last one stopped (Tuesday), through every page; HF is fetched for every day since.
    assert [r.path for r in asked if r.path.startswith("/rss/")] == ["/rss/quant-ph"]
    oai = [r.params for r in asked if r.path == "/oai"]
    assert oai[0] == {
        "verb": "ListRecords",
        "metadataPrefix": "arXivRaw",
        "from": "2026-11-17",
        "set": SET,
    }
    assert all(set(p) == {"verb", "resumptionToken"} for p in oai[1:])
    assert [r.params["date"] for r in asked if r.path == "/api/daily_papers"] == [
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    ]

    # The missed announcements' papers are on their first versions' days (the calendar's),
    # all labelled new: no feed said cross-list, and replacements are not placed by it.
    feeds = {date(2026, 11, d) for d in (13, 16, 17, 20)}
    hf_days = [d for d in HF if d <= BACK.date()]
    for day in day_range(FIRST, BACK.date()):
        expected = expected_day(world, day, feeds=feeds, hf_days=hf_days, withdrawn=False)
        assert listing(store, day) == expected, day
    for day in (date(2026, 11, 18), date(2026, 11, 19)):
        arxiv = [(kind, source) for _i, kind, source in listing(store, day) if source is None]
        assert arxiv and set(arxiv) == {("new", None)}
    assert set(hf_listed(world, date(2026, 11, 19))) <= {
        i for i, *_ in listing(store, date(2026, 11, 19))
    }
    assert indexed_ids(node.search) == live_ids(store)

    # Every digest missed while down is sent once when the site is back (after the harvest
    # and the mirror caught up, so with their papers); the next ones on time.
    days = day_range(date(2026, 11, 15), date(2026, 11, 19))
    assert received(smtp, READER) == expected_mail(world, days, feeds=feeds, category="quant-ph")
    assert received(smtp, TRENDS) == expected_mail(world, days[:-1], feeds=feeds, top_n=3)
    run_until([node], BACK, datetime(2026, 11, 21, 13))
    days = day_range(date(2026, 11, 15), date(2026, 11, 20))
    assert received(smtp, READER) == expected_mail(world, days, feeds=feeds, category="quant-ph")
    assert received(smtp, TRENDS) == expected_mail(world, days, feeds=feeds, top_n=3)
    assert received(smtp, WEEKLY) == expected_weeks(world, [date(2026, 11, 9)], feeds=feeds)


# ----------------------------------------------------------------------------- 3. two nodes


def test_a_node_dies_holding_a_job_and_another_takes_over(
    db_url: str, open_node: Callable[..., Node], server: WorldServer, world: World
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("several nodes share a PostgreSQL database")
    a, b = open_node("node-a"), open_node("node-b")
    assert [r.name for r in a.step(START)] == [
        "arxiv-announcements",
        "arxiv-oai",
        "hf-daily",
        "index",
    ]
    assert [r.name for r in b.step(START)] == ["index"]  # the rest ran on node A
    # Monday's announcement, imported by node B: node A's index finds its papers.
    at = evening_run(date(2026, 11, 15))
    assert "arxiv-announcements" in [r.name for r in b.step(at)]
    a.step(at)
    monday = [p for p in world.papers if p.events[0].day == date(2026, 11, 16)]
    assert {p.arxiv_id for p in monday} <= indexed_ids(a.search)
    found = a.search.search(monday[0].title, mode="keyword").hits
    assert monday[0].arxiv_id in [h.paper.arxiv_id for h in found]

    # 07:00 UTC, the harvest is due. Node A takes its lease as its runner does, writes the
    # first page, and dies: the lease stays taken until it runs out.
    now = datetime(2026, 11, 16, 7)
    a.clock.now = now
    store_a = a.runner.store
    dead = LeaseHolder(
        a.runner.holder, "node-a.example", 4242, now + timedelta(seconds=LEASE_SECONDS)
    )
    assert store_a.jobs.take_lease("job:arxiv-oai", dead, now, holder_gone) is None
    assert store_a.jobs.start("arxiv-oai", "node-a", now)
    server.fail(lambda path, params: params.get("resumptionToken", "").endswith("|5"))
    with pytest.raises(Upstream):
        tasks.harvest_oai(job_config(server), JobContext(store_a, now, lambda: a.search))
    server.fail(None)
    point = resume_point(store_a, SET)
    assert point is not None and point.pages == 1
    window = [r for r in world.records(now) if r.datestamp >= date(2026, 11, 16) and SET in r.sets]
    assert len(window) == 8  # two pages: node A wrote the first five records

    # Node B leaves the job alone while the lease is live…
    for result in (b.step(now + timedelta(seconds=LEASE_SECONDS - 1)), [b.runner.run("arxiv-oai")]):
        (busy,) = [r for r in result if r.name == "arxiv-oai"]
        assert busy.outcome == "busy" and "node-a" in busy.message and "07:05:00" in busy.message
    row = store_a.jobs.get("arxiv-oai")
    assert row is not None and (row.last_result, row.last_node) == ("running", "node-a")

    # …and takes it over once it has run out, resuming after the page node A wrote.
    asked = len(server.requests)
    later = now + timedelta(seconds=LEASE_SECONDS + 1)
    (took,) = [r for r in b.step(later) if r.name == "arxiv-oai"]
    assert took.outcome == "ok"
    # The second page's three records: each in Monday's feed already, or harvested before
    # (a replacement), so updated with their versions, not new.
    assert took.message == "oai: 0 new, 3 updated, 0 unchanged, 0 skipped"
    oai = [r.params for r in server.requests[asked:] if r.path == "/oai"]
    assert [set(p) for p in oai] == [{"verb", "resumptionToken"}]
    assert oai[0]["resumptionToken"] == point.token
    assert resume_point(store_a, SET) is None
    row = store_a.jobs.get("arxiv-oai")
    assert row is not None
    assert (row.last_result, row.last_node, row.failures) == ("ok", "node-b", 0)
    assert row.next_run == datetime(2026, 11, 17, 7)
    assert "arxiv-oai" not in [r.name for r in a.step(later)]  # done once

    # Tuesday's announcement, imported by node A: node B's index finds its papers.
    at = evening_run(date(2026, 11, 16))
    assert "arxiv-announcements" in [r.name for r in a.step(at)]
    b.step(at)
    tuesday = [p for p in world.papers if p.events[0].day == date(2026, 11, 17)]
    assert {p.arxiv_id for p in tuesday} <= indexed_ids(b.search)
    found = b.search.search(tuesday[-1].title, mode="keyword").hits
    assert tuesday[-1].arxiv_id in [h.paper.arxiv_id for h in found]

    # Each node's index held exactly the live papers after each of its runs.
    for node in (a, b):
        checks = [s for s in node.steps if s.indexed is not None]
        assert checks and all(s.indexed == s.live for s in checks)
    assert indexed_ids(a.search) == indexed_ids(b.search) == live_ids(store_a)
    for day in day_range(FIRST, date(2026, 11, 17)):
        feeds = {date(2026, 11, d) for d in (13, 16, 17)}
        assert listing(store_a, day) == expected_day(world, day, feeds=feeds, withdrawn=False)


# ----------------------------------------------------------------------------- 4. kill -9


KILL_AT = datetime(2026, 11, 20, 12)
HF_FROM, HF_UNTIL = "2026-11-17", "2026-11-20"


def _env(db_url: str, data: Path, server: WorldServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    return {
        **env,
        "PAPERFEED_DATABASE_URL": db_url,
        "PAPERFEED_DATA_DIR": str(data),
        "PAPERFEED_OAI_URL": f"{server.url}/oai",
        "PAPERFEED_HF_URL": server.url,
        "PAPERFEED_CATEGORIES": ",".join(FOLLOWED),
        "PAPERFEED_HTTP_DELAY": "0",
        "PAPERFEED_HTTP_TIMEOUT": "120",
        "PAPERFEED_HTTP_RETRIES": "0",
        "PAPERFEED_BATCH_SIZE": "3",
        "PAPERFEED_SEARCH_MODEL": "none",
    }


def stalled(path: str, params: Mapping[str, str]) -> bool:
    """The harvest's third page, and Hugging Face's list of the 19th."""
    return params.get("resumptionToken", "").endswith("|10") or params.get("date") == "2026-11-19"


def ingest(args: list[str], env: Mapping[str, str], errors: Path) -> subprocess.Popen[bytes]:
    """`paperfeed ingest ARGS` in a process of its own, its stderr in `errors`."""
    with errors.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "paperfeed", "ingest", *args],
            env=dict(env),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def _hf_command(env: Mapping[str, str]) -> str:
    result = CliRunner().invoke(
        cli,
        ["ingest", "hf-daily", "--from", HF_FROM, "--until", HF_UNTIL],
        env=dict(env),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_imports_killed_mid_way_end_as_a_clean_run(
    db_url: str,
    open_node: Callable[..., Node],
    server: WorldServer,
    world: World,
    clock: HandClock,
    tmp_path: Path,
) -> None:
    clock.now = KILL_AT
    node = open_node("node-a")  # the schema, before two processes write at once
    store = node.runner.store
    env = _env(db_url, tmp_path / "cli", server)
    # A harvest (the set the job harvests) and a Hugging Face import, side by side: each
    # stalls on a later page or day, and both are killed there.
    server.hold(stalled)
    errors = [tmp_path / "oai.err", tmp_path / "hf.err"]
    procs = [
        ingest(["oai", "--from", "2026-11-09", "--set", SET], env, errors[0]),
        ingest(["hf-daily", "--from", HF_FROM, "--until", HF_UNTIL], env, errors[1]),
    ]
    try:
        deadline = time.monotonic() + WAIT
        while len([r for r in server.requests if stalled(r.path, r.params)]) < 2:
            ended = [
                e.read_text() for p, e in zip(procs, errors, strict=True) if p.poll() is not None
            ]
            assert not ended, f"an import ended before it was killed: {ended}"
            assert time.monotonic() < deadline, "the imports never reached the stalled requests"
            time.sleep(0.05)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    server.release()

    records = sorted(
        (r for r in world.records(KILL_AT) if r.datestamp >= FIRST and SET in r.sets),
        key=lambda r: (r.datestamp, r.arxiv_id),
    )
    hf_17 = hf_listed(world, date(2026, 11, 17))
    # Whole pages of the harvest (two), whole batches of the HF import: one batch of 3 of
    # the 5 items fetched before the stalled day.
    assert len(hf_17) == 5
    assert set(store.papers.ids()) == {r.arxiv_id for r in records[:10]} | set(hf_17[:3])
    assert store.stats().daily_entries == 3
    point = resume_point(store, SET)
    assert point is not None and point.pages == 2 and point.token.endswith("|10")

    # The harvest job resumes the killed harvest at its third page; the HF command, run
    # again, imports what is missing.
    asked = len(server.requests)
    result = node.runner.run("arxiv-oai", KILL_AT)
    assert (result.outcome, result.message) == (
        "ok",
        f"oai: {len(records) - 10} new, 0 updated, 0 unchanged, 0 skipped",
    )
    oai = [r.params for r in server.requests[asked:] if r.path == "/oai"]
    assert oai[0] == {"verb": "ListRecords", "resumptionToken": point.token}
    assert all("from" not in p for p in oai)
    assert _hf_command(env) == (
        "hf-daily: 7 new, 0 updated, 3 unchanged, 0 skipped, 7 daily entries"
    )

    # The same work done in one go into a fresh database: the same store, day by day.
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    with Store.open(clean_url, clock=clock, follow=FOLLOWED) as clean:
        with PoliteClient(delay=0, retries=0) as client:
            run_harvest(clean, client, f"{server.url}/oai", set_spec=SET, since=FIRST)
        _hf_command({**env, "PAPERFEED_DATABASE_URL": clean_url})
        ids = clean.papers.ids()
        assert store.papers.ids() == ids
        assert store.papers.get_many(ids) == clean.papers.get_many(ids)
        assert store.stats() == clean.stats()
        hf_days = [date(2026, 11, d) for d in (17, 19)]
        for day in day_range(FIRST, date(2026, 11, 22)):
            expected = expected_day(world, day, feeds=(), hf_days=hf_days, withdrawn=False)
            assert listing(store, day) == listing(clean, day) == expected, day

    # The index job then indexes exactly the live papers.
    assert [r.name for r in node.step(KILL_AT)][-1] == "index"
    assert indexed_ids(node.search) == live_ids(store) == set(ids)
