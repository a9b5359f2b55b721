"""The scheduled jobs: what each does, when it is due (an APScheduler trigger, read as a pure
`next_run(after)`), and whether this site runs it. Built from plain values (`JobConfig`),
which the web and CLI layers take from the settings."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from paperfeed.arxiv_calendar import EASTERN
from paperfeed.digest.links import Links
from paperfeed.jobs import tasks
from paperfeed.mail.smtp import SmtpConfig
from paperfeed.search import SearchService
from paperfeed.secret import Secret
from paperfeed.store import Store

# Interval triggers count from this instant, so their times do not depend on when a process
# started: every node agrees on them.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
DIGEST_MINUTES = 5
THUMBNAIL_MINUTES = 30


class Trigger(Protocol):
    """What paperfeed uses of an APScheduler 3 trigger."""

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job runs with: the store, the time it was started at, and this node's search
    service (opened on first use: most jobs never need it)."""

    store: Store
    now: datetime
    search: Callable[[], SearchService]


@dataclass(frozen=True, slots=True)
class JobConfig:
    """The settings the jobs depend on, as values."""

    rss_url: str
    oai_url: str
    hf_url: str
    fetch_arxiv: bool = False
    mirror_hf: bool = False
    followed: tuple[str, ...] = ()
    index_interval_seconds: float = 2.0
    batch_size: int = 1000
    http_delay: float = 3.0
    http_timeout: float = 30.0
    http_retries: int = 4
    smtp: SmtpConfig | None = None  # None: no digests
    links: Links | None = None  # where digests point; needed with `smtp`
    thumbnails_dir: Path | None = None  # where thumbnails are kept; None: no thumbnails job
    arxiv_pdf_url: str = "https://export.arxiv.org/pdf"
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_categories: bool = False
    github_stars: bool = False
    github_api_url: str = "https://api.github.com"
    github_token: Secret | None = None  # None: unauthenticated, 60 requests an hour
    recommendations: bool = False


@dataclass(frozen=True, slots=True)
class Job:
    """One scheduled job. `run` returns a one-line result, or None when it found nothing to
    do (a `per_node` job's quiet runs are not recorded). A `per_node` job runs on every node
    for that node (its search index), without a lease; the others run on one node at a time.
    A disabled job is listed with the `reason`, never run."""

    name: str
    description: str
    schedule: str
    trigger: Trigger
    run: Callable[[JobContext], str | None]
    enabled: bool = True
    reason: str | None = None
    per_node: bool = False

    def next_run(self, after: datetime) -> datetime:
        """The first time the job is due strictly after `after` (naive UTC), as naive UTC."""
        # APScheduler returns the first fire time at or after `now`, rounded up to the second.
        aware = after.replace(tzinfo=UTC) + timedelta(microseconds=1)
        fire = self.trigger.get_next_fire_time(None, aware)
        if fire is None:  # pragma: no cover - every trigger here fires forever
            raise ValueError(f"job {self.name} is never due again")
        return fire.astimezone(UTC).replace(tzinfo=None)


def build_jobs(config: JobConfig) -> list[Job]:
    """Every job of a site configured by `config`, the disabled ones included."""
    arxiv_off = None if config.fetch_arxiv else "fetch_arxiv is off"
    interval = config.index_interval_seconds
    return [
        Job(
            name="arxiv-announcements",
            description="Import arXiv's latest announcement (RSS) in the followed categories.",
            schedule="Sunday to Thursday at 20:30 US Eastern (30 minutes after arXiv announces)",
            trigger=CronTrigger(
                day_of_week="sun,mon,tue,wed,thu", hour=20, minute=30, timezone=EASTERN
            ),
            run=functools.partial(tasks.fetch_announcements, config),
            enabled=config.fetch_arxiv,
            reason=arxiv_off,
        ),
        Job(
            name="arxiv-oai",
            description="Harvest what changed on arXiv (OAI-PMH) since the last harvest: full "
            "metadata, new versions, withdrawals.",
            schedule="daily at 02:00 US Eastern",
            trigger=CronTrigger(hour=2, minute=0, timezone=EASTERN),
            run=functools.partial(tasks.harvest_oai, config),
            enabled=config.fetch_arxiv,
            reason=arxiv_off,
        ),
        Job(
            name="hf-daily",
            description="Mirror Hugging Face's daily papers: the last 3 days, and every day "
            "since the last fetch.",
            schedule="hourly, at 10 minutes past",
            trigger=CronTrigger(minute=10, timezone=UTC),
            run=functools.partial(tasks.mirror_hf_daily, config),
            enabled=config.mirror_hf,
            reason=None if config.mirror_hf else "mirror_hf is off",
        ),
        Job(
            name="index",
            description="Bring this node's search index up to date with the store.",
            schedule=f"every {interval:g} s, on each node",
            trigger=IntervalTrigger(seconds=interval, start_date=_EPOCH),
            run=tasks.refresh_index,
            per_node=True,
        ),
        Job(
            name="digests",
            description="Send the e-mail digests that are due (each once, missed ones too).",
            schedule=f"every {DIGEST_MINUTES} minutes",
            trigger=IntervalTrigger(minutes=DIGEST_MINUTES, start_date=_EPOCH),
            run=functools.partial(tasks.send_digests, config),
            enabled=config.smtp is not None,
            reason=None if config.smtp is not None else "no mail server configured: set smtp_host",
        ),
        Job(
            name="recommendations",
            description="Rank the papers listed since the last run for every member who saved "
            "or upvoted papers, and keep each one's best (For you, the digest, the API).",
            schedule="hourly, at 50 minutes past",
            trigger=CronTrigger(minute=50, timezone=UTC),
            run=tasks.make_recommendations,
            enabled=config.recommendations,
            reason=None if config.recommendations else "recommendations is off",
        ),
        Job(
            name="thumbnails",
            description="Make the missing thumbnails of the papers on the latest days: Hugging "
            "Face's, or page 1 of the arXiv PDF.",
            schedule=f"every {THUMBNAIL_MINUTES} minutes, on each node",
            trigger=IntervalTrigger(minutes=THUMBNAIL_MINUTES, start_date=_EPOCH),
            run=functools.partial(tasks.make_thumbnails, config),
            enabled=config.thumbnails_dir is not None,
            reason=None if config.thumbnails_dir is not None else "thumbnails is off",
            per_node=True,
        ),
        Job(
            name="arxiv-categories",
            description="Ask the arXiv API for the categories of papers imported without "
            "them (from Hugging Face), 100 a request, at most 10 requests a run.",
            schedule="hourly, at 40 minutes past",
            trigger=CronTrigger(minute=40, timezone=UTC),
            run=functools.partial(tasks.fill_categories, config),
            enabled=config.arxiv_categories,
            reason=None if config.arxiv_categories else "arxiv_categories is off",
        ),
        Job(
            name="github-stars",
            description="Count the GitHub stars of the repositories papers link to, each at "
            "most once a day, at most 50 requests a run (1,000 with a token), and keep "
            "their history for trending by code.",
            schedule="every 6 hours, at 25 minutes past",
            trigger=CronTrigger(hour="*/6", minute=25, timezone=UTC),
            run=functools.partial(tasks.fetch_github_stars, config),
            enabled=config.github_stars,
            reason=None if config.github_stars else "github_stars is off",
        ),
    ]
