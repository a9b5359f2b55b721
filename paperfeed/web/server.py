"""Running the site: open the store and search, optionally load the demo, serve with uvicorn."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable

import uvicorn
from fastapi import FastAPI

from paperfeed.demo import load_demo
from paperfeed.ingest.arxiv_api import fetch_ids
from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.records import Item
from paperfeed.jobs import JobScheduler
from paperfeed.search import SearchService
from paperfeed.settings import Settings, load_settings, settings_environment
from paperfeed.store import Store
from paperfeed.web.app import create_app
from paperfeed.web.jobs import start_jobs

log = logging.getLogger("paperfeed.web")


class ArxivFetcher:
    """Submissions' metadata from the arXiv API, one request at a time per process, with
    the configured delay between requests."""

    def __init__(self, settings: Settings) -> None:
        self._url = settings.arxiv_api_url
        self._lock = threading.Lock()
        self._client = PoliteClient(
            delay=settings.http_delay, timeout=settings.http_timeout, retries=1
        )

    def __call__(self, arxiv_id: str) -> Iterable[Item]:
        with self._lock:
            return list(fetch_ids(self._client, self._url, [arxiv_id]))


def _prepare(settings: Settings, *, demo: bool) -> tuple[Store, SearchService]:
    """Open the store, load the demo if asked, and bring the search index up to date."""
    store = Store.open(settings.database_url, follow=settings.followed)
    if demo:
        summary = load_demo(store)
        if summary is None:
            log.warning("the data directory already has papers: serving them, demo not loaded")
        else:
            log.warning(
                "demo loaded: %d papers, %d HF daily entries, %d demo votes, %d demo comments",
                summary.papers,
                summary.daily_entries,
                summary.votes,
                summary.comments,
            )
    search = SearchService.open(store, settings.data_dir, model=settings.search_model)
    # Catch up with papers imported since the last run (incremental; the first run indexes all).
    report = search.index()
    log.warning("search: %s", report.line())
    return store, search


def _app(settings: Settings, store: Store, search: SearchService | None = None) -> FastAPI:
    if search is None:
        search = SearchService.open(store, settings.data_dir, model=settings.search_model)
    return create_app(settings, store, search, fetch=ArxivFetcher(settings))


def build_app(settings: Settings, *, demo: bool = False) -> FastAPI:
    return _app(settings, *_prepare(settings, demo=demo))


def _start_jobs(settings: Settings, store: Store, search: SearchService) -> JobScheduler | None:
    """The scheduled jobs, in this process unless `jobs = off`."""
    if settings.jobs == "off":
        log.warning("jobs = off: no scheduled jobs run here (`paperfeed worker` runs them)")
        return None
    return start_jobs(settings, store, search)


def worker_app() -> FastAPI:
    """The app of one worker process: uvicorn calls this in each worker it starts, with the
    settings the parent resolved passed down in the environment."""
    settings = load_settings()
    return _app(settings, Store.open(settings.database_url, follow=settings.followed))


def serve(settings: Settings, *, demo: bool = False) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    store, search = _prepare(settings, demo=demo)
    if settings.workers == 1:
        app = _app(settings, store, search)
        jobs = _start_jobs(settings, store, search)
        log.warning("paperfeed is serving on %s", settings.public_url)
        try:
            uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
        finally:
            if jobs is not None:
                jobs.stop()
        return
    # The demo and the index are prepared once, here, and the jobs run here, in the parent:
    # the workers only read and serve. Their search services read the index files this
    # process keeps up to date (tantivy reloads its reader on each commit, the vector index
    # is re-read when its file changes), so the index job need not run in each worker.
    jobs = _start_jobs(settings, store, search)
    os.environ.update(settings_environment(settings))
    log.warning("paperfeed is serving on %s with %d workers", settings.public_url, settings.workers)
    try:
        uvicorn.run(
            "paperfeed.web.server:worker_app",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_level="info",
        )
    finally:
        if jobs is not None:
            jobs.stop()
        store.close()
