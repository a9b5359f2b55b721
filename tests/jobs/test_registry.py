"""When each job is due (pure): arXiv's evenings in US Eastern time across daylight saving
time and weekends, the daily harvest, the hourly mirror and the intervals; which jobs a
configuration enables, and why the others are off."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from paperfeed.arxiv_calendar import is_holiday, next_announcement
from paperfeed.jobs import Job, JobConfig, build_jobs
from paperfeed.jobs.tasks import hf_days, missed_periods, oai_sets
from paperfeed.mail.smtp import SmtpConfig

URLS = {"rss_url": "http://rss/", "oai_url": "http://oai", "hf_url": "http://hf"}


def jobs(**config: object) -> dict[str, Job]:
    return {j.name: j for j in build_jobs(JobConfig(**URLS, **config))}  # type: ignore[arg-type]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("after", "due"),
    [
        # Winter (EST, UTC-5): Monday 20:30 Eastern is Tuesday 01:30 UTC.
        ("2026-01-12 12:00", "2026-01-13 01:30"),
        # Exactly at a due time: the next one, a day later.
        ("2026-01-13 01:30", "2026-01-14 01:30"),
        ("2026-01-13 01:29:59", "2026-01-13 01:30"),
        # Thursday evening's run, then none on Friday or Saturday: Sunday evening is next.
        ("2026-01-16 01:30", "2026-01-19 01:30"),
        # Clocks go forward on Sunday 8 March 2026: that evening is EDT (UTC-4).
        ("2026-03-06 12:00", "2026-03-09 00:30"),
        ("2026-03-09 00:30", "2026-03-10 00:30"),
        # …and back on Sunday 1 November 2026: EST again that evening.
        ("2026-10-29 12:00", "2026-10-30 00:30"),  # Thursday, still EDT
        ("2026-10-30 00:30", "2026-11-02 01:30"),
    ],
)
def test_announcements_are_fetched_half_an_hour_after_arxiv_announces(after: str, due: str) -> None:
    assert jobs(fetch_arxiv=True)["arxiv-announcements"].next_run(utc(after)) == utc(due)


def test_announcement_times_follow_the_arxiv_calendar() -> None:
    """Every evening the job is due for a whole year is 30 minutes after an announcement
    (holidays aside: the job runs then too, and finds the last announcement again)."""
    job = jobs(fetch_arxiv=True)["arxiv-announcements"]
    at = datetime(2026, 1, 1)
    while at < datetime(2027, 1, 1):
        due = job.next_run(at)
        expected = next_announcement(at - timedelta(minutes=30)) + timedelta(minutes=30)
        evening = (due - timedelta(hours=6)).date()  # the Eastern date of the evening
        if not is_holiday(evening):
            assert due == expected, at
        at = due


@pytest.mark.parametrize(
    ("after", "due"),
    [
        ("2026-01-12 12:00", "2026-01-13 07:00"),  # 02:00 EST
        ("2026-07-12 12:00", "2026-07-13 06:00"),  # 02:00 EDT
        ("2026-03-07 08:00", "2026-03-08 07:00"),  # 02:00 on the night clocks go forward…
        ("2026-03-08 07:00", "2026-03-09 06:00"),  # …and the night after
        ("2026-01-17 08:00", "2026-01-18 07:00"),  # weekends too
    ],
)
def test_the_harvest_runs_nightly_in_eastern_time(after: str, due: str) -> None:
    assert jobs(fetch_arxiv=True)["arxiv-oai"].next_run(utc(after)) == utc(due)


def test_the_hf_mirror_runs_hourly() -> None:
    job = jobs(mirror_hf=True)["hf-daily"]
    assert job.next_run(utc("2026-03-08 06:59")) == utc("2026-03-08 07:10")
    assert job.next_run(utc("2026-03-08 07:10")) == utc("2026-03-08 08:10")


def test_intervals_are_the_same_on_every_node() -> None:
    index = jobs(index_interval_seconds=2.0)["index"]
    assert index.next_run(utc("2026-03-02 09:00:00")) == utc("2026-03-02 09:00:02")
    assert index.next_run(utc("2026-03-02 09:00:01")) == utc("2026-03-02 09:00:02")
    digests = jobs()["digests"]
    assert digests.next_run(utc("2026-03-02 09:03:10")) == utc("2026-03-02 09:05")
    assert digests.next_run(utc("2026-03-02 09:05")) == utc("2026-03-02 09:10")
    thumbnails = jobs()["thumbnails"]
    assert thumbnails.next_run(utc("2026-03-02 09:03:10")) == utc("2026-03-02 09:30")
    assert thumbnails.next_run(utc("2026-03-02 09:30")) == utc("2026-03-02 10:00")


def test_what_a_configuration_enables() -> None:
    off = jobs()
    assert list(off) == [
        "arxiv-announcements",
        "arxiv-oai",
        "hf-daily",
        "index",
        "digests",
        "recommendations",
        "thumbnails",
        "arxiv-categories",
        "github-stars",
    ]
    assert {n: j.reason for n, j in off.items() if not j.enabled} == {
        "arxiv-announcements": "fetch_arxiv is off",
        "arxiv-oai": "fetch_arxiv is off",
        "hf-daily": "mirror_hf is off",
        "digests": "no mail server configured: set smtp_host",
        "recommendations": "recommendations is off",
        "thumbnails": "thumbnails is off",
        "arxiv-categories": "arxiv_categories is off",
        "github-stars": "github_stars is off",
    }
    assert off["index"].enabled and off["index"].per_node
    on = jobs(
        fetch_arxiv=True,
        mirror_hf=True,
        smtp=SmtpConfig("127.0.0.1", 25),
        thumbnails_dir=Path("/srv/paperfeed/thumbnails"),
        arxiv_categories=True,
        github_stars=True,
        recommendations=True,
    )
    assert all(j.enabled and j.reason is None for j in on.values())
    # Both keep files of this node: its search index, its thumbnails.
    assert [n for n, j in on.items() if j.per_node] == ["index", "thumbnails"]
    assert on["index"].schedule == "every 2 s, on each node"
    assert on["thumbnails"].schedule == "every 30 minutes, on each node"


def test_followed_categories_map_to_oai_sets() -> None:
    assert oai_sets(()) == [None]
    assert oai_sets(("cs.LG", "cs.CL", "stat.ML", "quant-ph", "hep-th", "math")) == [
        "cs",
        "stat",
        "physics:quant-ph",
        "physics:hep-th",
        "math",
    ]


def test_hf_days_catch_up_after_downtime() -> None:
    today = utc("2026-03-10 12:00").date()
    recent = [today - timedelta(days=n) for n in (2, 1, 0)]
    assert hf_days(today, None) == recent
    assert hf_days(today, today) == recent
    assert hf_days(today, today - timedelta(days=6)) == [
        today - timedelta(days=n) for n in range(6, -1, -1)
    ]
    assert len(hf_days(today, today - timedelta(days=400))) == 61  # at most 60 days back


def test_missed_digest_periods() -> None:
    # Last ran Tuesday 11:55; back Friday noon: Monday's digest (maybe sent already, for
    # subscribers whose hour had come), Tuesday's and Wednesday's; Thursday's is the
    # regular run's.
    keys = [p.key for p in missed_periods(utc("2026-11-17 11:55"), utc("2026-11-20 12:00"))]
    assert keys == ["2026-11-16", "2026-11-17", "2026-11-18"]
    assert missed_periods(utc("2026-11-20 11:55"), utc("2026-11-20 12:00")) == []
    # Down for a month: the last 14 days, and the weeks in them.
    long = missed_periods(utc("2026-10-30 12:00"), utc("2026-11-30 12:00"))
    assert [p.key for p in long if p.kind == "week"] == ["2026-W46", "2026-W47"]
    days = [p.key for p in long if p.kind == "day"]
    assert (days[0], days[-1], len(days)) == ("2026-11-15", "2026-11-28", 14)
