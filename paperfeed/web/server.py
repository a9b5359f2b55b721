"""Running the site: open the store and search, optionally load the demo, serve with uvicorn."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from paperfeed.demo import load_demo
from paperfeed.errors import Invalid
from paperfeed.ingest.arxiv_api import fetch_ids
from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.records import Item
from paperfeed.jobs import JobScheduler
from paperfeed.search import SearchService
from paperfeed.settings import Settings, load_settings, settings_environment
from paperfeed.store import Store
from paperfeed.web.app import create_app
from paperfeed.web.jobs import start_jobs
from paperfeed.web.logs import configure_logging, log_config

log = logging.getLogger("paperfeed.web")


class ArxivFetcher:
    """Submissions' metadata from the arXiv API, one request at a time per process, with
    the configured delay between requests."""

    def __init__(self, settings: Settings) -> None:
        self._url = settings.arxiv_api_url
        self._lock = threading.Lock()
        self._client = PoliteClient(
            delay=settings.http_delay,
            timeout=settings.http_timeout,
            retries=1,
            retry_unresolved=False,
        )

    def __call__(self, arxiv_id: str) -> Iterable[Item]:
        with self._lock:
            return list(fetch_ids(self._client, self._url, [arxiv_id]))


def _prepare(settings: Settings, *, demo: bool) -> tuple[Store, SearchService]:
    """Open the store, load the demo if asked, and bring the search index up to date."""
    store = Store.open(
        settings.database_url, follow=settings.followed, memo_rows=settings.read_memo_rows
    )
    if demo:
        summary = load_demo(store)
        if summary is None:
            log.warning("the data directory already has papers: serving them, demo not loaded")
        else:
            log.info(
                "demo loaded: %d papers, %d HF daily entries, %d demo votes, %d demo comments",
                summary.papers,
                summary.daily_entries,
                summary.votes,
                summary.comments,
            )
    search = SearchService.open(store, settings.data_dir, model=settings.search_model)
    # Catch up with papers imported since the last run (incremental; the first run indexes all).
    report = search.index()
    if report.semantic is not None:
        # Why was said once already: SearchService.open warns when the model is missing.
        report.semantic = "keyword results only"
    log.info("search: %s", report.line())
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
        log.info("jobs = off: no scheduled jobs run here (`paperfeed worker` runs them)")
        return None
    return start_jobs(settings, store, search)


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Only errors from `logger` while the block runs."""
    target = logging.getLogger(logger)
    level = target.level
    target.setLevel(logging.ERROR)
    try:
        yield
    finally:
        target.setLevel(level)


def worker_app() -> FastAPI:
    """The app of one worker process: uvicorn calls this in each worker it starts, with the
    settings the parent resolved passed down in the environment."""
    settings = load_settings()
    store = Store.open(
        settings.database_url, follow=settings.followed, memo_rows=settings.read_memo_rows
    )
    # The parent opened the same model from the same files a moment ago and said what became
    # of it: N workers need not warn N more times that it is missing.
    with _quiet("paperfeed.search.service"):
        search = SearchService.open(store, settings.data_dir, model=settings.search_model)
    return _app(settings, store, search)


def _worker_socket(family: int, address: Any) -> socket.socket:
    """A worker's own socket on the site's address (made in the worker, see `Listener`)."""
    # Said to be TCP: asyncio sets TCP_NODELAY on the connections a socket accepts only when
    # its protocol is IPPROTO_TCP. Without it (protocol 0, as uvicorn's own `--workers` bind
    # has it: uvicorn issue 3149) each response's second segment waited for a delayed ACK:
    # 44 ms p50 on the static file, 696 req/s from 2 workers against 1,159 from one process.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        log.error("worker %d cannot listen on %s: %s", os.getpid(), address, exc)
        # uvicorn's supervisor stops the site on this status instead of restarting the worker.
        raise SystemExit(STARTUP_FAILURE) from None
    return sock


class Listener(socket.socket):
    """The address `serve --workers N` listens on, one socket per worker.

    uvicorn binds one socket and hands it to every worker; each worker's event loop accepts
    every connection waiting when it wakes, so under keep-alive load one worker took all 32
    connections for minutes while the other idled (103 req/s on 2 cores). Instead, uvicorn's
    supervisor is handed this socket, which the parent keeps bound but never listens on (it
    holds the port: a second site on it fails at start), and which, sent to a worker, arrives
    as a new socket of the worker's own, bound to the same address with SO_REUSEPORT: Linux
    then spreads new connections over the workers' sockets by a hash of their addresses. The
    supervisor is otherwise uvicorn's (health checks, restarts, SIGHUP, SIGTTIN/SIGTTOU).
    Connections still waiting in a stopping worker's queue are reset (not handed to another
    worker) unless `net.ipv4.tcp_migrate_req` is set."""

    @classmethod
    def bind_to(cls, host: str, port: int) -> Listener:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = cls(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            # A probe without SO_REUSEPORT first: it fails when a site (this one restarted
            # too early, or another) still listens here, which joining it would not.
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, port))
                port = port or probe.getsockname()[1]
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            raise Invalid(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        return sock

    def __reduce__(self) -> tuple[Any, ...]:
        # multiprocessing pickles the supervisor's sockets to each worker it starts (spawn).
        return (_worker_socket, (self.family, self.getsockname()))


def serve(settings: Settings, *, demo: bool = False) -> None:
    configure_logging()
    if settings.workers == 1:
        store, search = _prepare(settings, demo=demo)
        app = _app(settings, store, search)
        jobs = _start_jobs(settings, store, search)
        log.info("paperfeed is serving on %s", settings.public_url)
        try:
            uvicorn.run(
                app,
                host=settings.host,
                port=settings.port,
                log_config=log_config(),
                log_level="info",
            )
        finally:
            if jobs is not None:
                jobs.stop()
        return
    # Bound first: a port in use is said now, not after the demo and the index catch-up.
    with Listener.bind_to(settings.host, settings.port) as listener:
        _serve_workers(settings, listener, demo=demo)


def _serve_workers(settings: Settings, listener: Listener, *, demo: bool) -> None:
    # The demo and the index are prepared once, here, and the jobs run here, in the parent:
    # the workers only read and serve. Their search services read the index files this
    # process keeps up to date (tantivy reloads its reader on each commit, the vector index
    # is re-read when its file changes), so the index job need not run in each worker.
    store, search = _prepare(settings, demo=demo)
    jobs = _start_jobs(settings, store, search)
    os.environ.update(settings_environment(settings))
    log.info("paperfeed is serving on %s with %d workers", settings.public_url, settings.workers)
    config = uvicorn.Config(
        "paperfeed.web.server:worker_app",
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_config=log_config(),
        log_level="info",
        # A worker imports the site and opens the store and the search index before it says
        # it is alive: a few seconds, more on a loaded machine than uvicorn's 5 s default, past
        # which it kills the worker and starts another, for ever.
        timeout_worker_healthcheck=30,
    )
    try:
        Multiprocess(config, sockets=[listener]).run()
    finally:
        if jobs is not None:
            jobs.stop()
        store.close()
