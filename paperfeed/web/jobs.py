"""The scheduled jobs as a running site has them: their configuration from the settings, the
scheduler `paperfeed serve` starts beside the site (`jobs = on`), and `paperfeed worker`,
which runs only the jobs. Imports no web framework: the CLI uses it too."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from paperfeed.jobs import Job, JobConfig, JobRunner, JobScheduler, build_jobs, start_scheduler
from paperfeed.search import SearchService
from paperfeed.settings import Settings
from paperfeed.store import Store
from paperfeed.thumbnails.files import ThumbnailFiles
from paperfeed.web.logs import configure_logging

log = logging.getLogger("paperfeed.jobs")


def job_config(settings: Settings) -> JobConfig:
    return JobConfig(
        rss_url=settings.rss_url,
        oai_url=settings.oai_url,
        hf_url=settings.hf_url,
        fetch_arxiv=settings.fetch_arxiv,
        mirror_hf=settings.mirror_hf,
        followed=settings.followed,
        index_interval_seconds=settings.index_interval_seconds,
        batch_size=settings.batch_size,
        http_delay=settings.http_delay,
        http_timeout=settings.http_timeout,
        http_retries=settings.http_retries,
        smtp=settings.smtp(),
        links=settings.links(),
        thumbnails_dir=ThumbnailFiles.under(settings.data_dir).directory
        if settings.thumbnails
        else None,
        arxiv_pdf_url=settings.arxiv_pdf_url,
        arxiv_api_url=settings.arxiv_api_url,
        arxiv_categories=settings.arxiv_categories,
        github_stars=settings.github_stars,
        github_api_url=settings.github_api_url,
        github_token=settings.github_token,
        recommendations=settings.recommendations,
    )


def site_jobs(settings: Settings) -> list[Job]:
    """Every job of the site, the disabled ones included."""
    return build_jobs(job_config(settings))


def start_jobs(settings: Settings, store: Store, search: SearchService) -> JobScheduler:
    """Run the site's enabled jobs in this process, in the background, until `stop()`."""
    runner = JobRunner(store, site_jobs(settings), search=lambda: search)
    scheduler = start_scheduler(runner)
    running = ", ".join(f"{j.name} ({j.schedule})" for j in runner.enabled)
    off = "; ".join(f"{j.name}: {j.reason}" for j in runner.jobs.values() if not j.enabled)
    log.info("jobs on %s: %s%s", runner.node, running, f"; off: {off}" if off else "")
    return scheduler


def run_worker(settings: Settings) -> None:
    """`paperfeed worker`: the jobs without the site, in the foreground until SIGINT or
    SIGTERM."""
    configure_logging()
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Store.open(settings.database_url, follow=settings.followed) as store:
            search = SearchService.open(store, settings.data_dir, model=settings.search_model)
            scheduler = start_jobs(settings, store, search)
            try:
                stop.wait()
            finally:
                scheduler.stop()
                log.info("jobs stopped")
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
