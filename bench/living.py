"""A living site: how soon a write shows up in search, and what one day's full cycle costs.

    python3 bench/living.py               # SQLite: 40,000 papers, 1,500 announced, 10,000 digests
    python3 bench/living.py --postgres    # the same on PostgreSQL (127.0.0.1:5432/test)
    python3 bench/living.py --quick       # 1,000 papers, 150 announced, 100 digests
    python3 bench/living.py --write-docs  # also write its part of docs/benchmarks.md

1. Lag. A store of N papers (the real quant-ph records, repeated with rewritten ids, imported
   with `read_generic` and `run_import`) is keyword-indexed (search model "none"). The index
   job runs as a site runs it: `start_scheduler(JobRunner(store, build_jobs(JobConfig(...,
   index_interval_seconds=S))))`. Another Store handle, as another process would, writes one
   new paper at a time; this process polls `search(<its unique title word>, mode="keyword")`
   every 10 ms until the paper is found. Baselines in the same run: a plain loop calling
   `refresh()` every S seconds, and raw tantivy-py (add, commit, reload) on an index of the
   same N documents, which is what the engine underneath allows.
2. A day. 10 categories' announcements (1,500 items: new, cross-lists and replacements about
   60/25/15, real titles and abstracts) in arXiv's RSS format (tests/rss_feed.py), served by a
   loopback HTTP server, fetched and imported by the `arxiv-announcements` job
   (`JobRunner.run`), indexed (`SearchService.index()`), then 10,000 daily digests sent by
   `DigestSender` to an aiosmtpd server in another process. Baselines in the same run: the
   parse alone (`parse_rss`, no store) of the same payload, and 10,000 pre-rendered digests
   sent with smtplib over one connection to the same server.

Everything lives under /tmp/paperfeed-living/<backend>[-quick]/ (started over on each run); on
PostgreSQL in a fresh schema, dropped at the end. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import http.server
import io
import json
import multiprocessing as mp
import os
import platform
import random
import re
import shutil
import smtplib
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The announcement feed builder the tests use (one RSS format for tests and benchmarks).
sys.path.insert(0, str(ROOT / "tests"))

import tantivy  # noqa: E402
from rss_feed import FeedItem, rss_feed  # type: ignore[import-not-found]  # noqa: E402

from paperfeed.clock import utcnow  # noqa: E402
from paperfeed.digest.compose import SearchFn  # noqa: E402
from paperfeed.digest.deliver import DigestSender, compose_period  # noqa: E402
from paperfeed.digest.links import Links  # noqa: E402
from paperfeed.digest.render import digest_message  # noqa: E402
from paperfeed.digest.schedule import period_containing  # noqa: E402
from paperfeed.digest.searching import saved_search  # noqa: E402
from paperfeed.ingest.generic import read_generic  # noqa: E402
from paperfeed.ingest.rss import parse_rss  # noqa: E402
from paperfeed.ingest.runner import run_import  # noqa: E402
from paperfeed.mail.smtp import SmtpClient, SmtpConfig  # noqa: E402
from paperfeed.models import Batch, Paper, SearchFilters, SubscriptionContent  # noqa: E402
from paperfeed.search import SearchService  # noqa: E402
from paperfeed.secret import Secret  # noqa: E402
from paperfeed.store import Store  # noqa: E402

SOURCE = ROOT.parent / "shared" / "data" / "arxiv" / "quant-ph" / "quantph_records.jsonl"
WORK = Path("/tmp/paperfeed-living")
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:living:start -->", "<!-- bench:living:end -->"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")
LINKS = Links("https://papers.example.org", "paperfeed <digest@example.org>", Secret("bench"))

# The announcement day (a Wednesday in the past: the lag probes, published now, stay off it).
DAY = date(2026, 11, 25)
FEEDS = (
    "quant-ph",
    "cs.LG",
    "cs.CL",
    "cs.CV",
    "cs.AI",
    "stat.ML",
    "math.OC",
    "hep-th",
    "cond-mat.mes-hall",
    "physics.optics",
)
# Primary categories of cross-listed papers: not followed, so those papers are new to the site.
ELSEWHERE = ("math-ph", "cs.IT", "eess.SP", "astro-ph.CO", "nlin.CD", "physics.atom-ph")
KINDS = (("new", 0.60), ("cross", 0.25), ("replace", 0.15))
INTERVALS = (2.0, 0.5)  # index_interval_seconds: the default, and a shorter one
POLL_SECONDS = 0.01
GIVE_UP_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Sizes:
    papers: int
    probes: int  # writes per lag measurement
    day_papers: int
    subscribers: int
    members: int  # who vote on the day's papers (trending digests need votes)
    repeats: int  # of the cheap timings (idle refresh, day page)

    @classmethod
    def of(cls, quick: bool) -> Sizes:
        if quick:
            return cls(1_000, 8, 150, 100, 20, 20)
        return cls(40_000, 30, 1_500, 10_000, 200, 200)


# ----------------------------------------------------------------------------- measuring


def pct(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


@dataclass(slots=True)
class Timings:
    """Several timings of one thing, in seconds."""

    values: list[float] = field(default_factory=list)
    failures: int = 0

    def p(self, q: float) -> float:
        return pct(self.values, q) if self.values else float("nan")

    def summary(self) -> dict[str, float]:
        return {
            "n": len(self.values),
            "p50": self.p(0.5),
            "p95": self.p(0.95),
            "max": max(self.values) if self.values else float("nan"),
            "mean": statistics.fmean(self.values) if self.values else float("nan"),
            "failures": self.failures,
        }


def timed(fn: Callable[[], Any], repeats: int) -> Timings:
    out = Timings()
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        out.values.append(time.perf_counter() - started)
    return out


_TICKS = os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """CPU seconds of the local PostgreSQL server so far: every `postgres` process, plus the
    backends that exited (reaped by the postmaster, so in its cutime/cstime)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in raw:
            total += sum(int(x) for x in raw.rsplit(")", 1)[1].split()[11:15])
    return total / _TICKS


@dataclass(slots=True)
class Stage:
    """One measured stage: wall and CPU time of this process (all its threads), the
    PostgreSQL server's CPU time, and the load average when it began and ended."""

    wall: float = 0.0
    cpu: float = 0.0
    pg_cpu: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)


@contextmanager
def stage(into: Stage) -> Iterator[None]:
    load = os.getloadavg()[0]
    pg, cpu, started = postgres_cpu(), time.process_time(), time.perf_counter()
    yield
    into.wall = time.perf_counter() - started
    into.cpu = time.process_time() - cpu
    into.pg_cpu = postgres_cpu() - pg
    into.load = (load, os.getloadavg()[0])


# ----------------------------------------------------------------------------- the store


@contextmanager
def database(backend: str, work: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{work / 'paperfeed.db'}"
        return
    import psycopg

    schema = f"living_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SOURCE.open("rb") if line.strip()]


def bulk_lines(recs: list[dict[str, Any]], n: int) -> bytes:
    """N JSON lines: the records in order, repeated, each with a unique new-style id."""
    out = []
    for i in range(n):
        rec = dict(recs[i % len(recs)])
        rec["id"] = f"{15 + i // 99_999 // 12:02d}{i // 99_999 % 12 + 1:02d}.{i % 99_999 + 1:05d}"
        out.append(json.dumps(rec))
    return "\n".join(out).encode()


# ----------------------------------------------------------------------------- part 1: lag


def probe_word(k: int) -> str:
    """A word no paper has: `lagprobe` and k in letters."""
    letters = ""
    k += 26 * 26
    while k:
        k, r = divmod(k, 26)
        letters = chr(ord("a") + r) + letters
    return f"lagprobe{letters}"


class Probes:
    """Writes one new paper at a time through its own Store handle and times how long the
    search service takes to find it."""

    def __init__(self, writer: Store, search: SearchService, recs: list[dict[str, Any]]) -> None:
        self.writer = writer
        self.search = search
        self.recs = recs
        self.count = 0
        self.writes = Timings()
        self.polls = Timings()

    def write(self) -> tuple[str, str]:
        """Write the next probe paper; (its id, its unique word)."""
        k = self.count
        self.count += 1
        word = probe_word(k)
        rec = self.recs[(k * 7919) % len(self.recs)]
        paper = Paper(
            arxiv_id=f"2612.{90_000 + k:05d}",
            title=f"{word.capitalize()}: {rec['title']}",
            abstract=rec.get("abstract"),
            categories=("quant-ph",),
            published=utcnow(),
        )
        started = time.perf_counter()
        self.writer.papers.write(Batch(papers=[paper]))
        self.writes.values.append(time.perf_counter() - started)
        return paper.arxiv_id, word

    def found(self, arxiv_id: str, word: str) -> bool:
        started = time.perf_counter()
        hits = self.search.search(word, mode="keyword", limit=5, explain=False).hits
        self.polls.values.append(time.perf_counter() - started)
        return any(h.paper.arxiv_id == arxiv_id for h in hits)

    def lag(self, n: int, interval: float, rng: random.Random) -> Timings:
        """N probes, each written at a random moment of the indexer's cycle."""
        out = Timings()
        for _ in range(n):
            time.sleep(rng.uniform(0.05, 0.05 + 1.5 * interval))
            arxiv_id, word = self.write()
            written = time.perf_counter()
            while not self.found(arxiv_id, word):
                if time.perf_counter() - written > GIVE_UP_SECONDS:
                    out.failures += 1
                    break
                time.sleep(POLL_SECONDS)
            else:
                out.values.append(time.perf_counter() - written)
        return out


class RefreshLoop:
    """The baseline driver: a thread calling `refresh()` every `interval` seconds."""

    def __init__(self, search: SearchService, interval: float, runs: list[float]) -> None:
        self._stop = threading.Event()

        def run() -> None:
            next_at = time.monotonic()
            while not self._stop.is_set():
                runs.append(time.monotonic())
                search.refresh()
                next_at += interval
                self._stop.wait(max(0.0, next_at - time.monotonic()))

        self._thread = threading.Thread(target=run, name="refresh loop", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def start_index_job(
    store: Store, search: SearchService, interval: float, runs: list[float]
) -> Callable[[], None]:
    """The site's index job (APScheduler through paperfeed.jobs); returns its stop. Each run
    asks for the search service once: `runs` gets the time of each."""
    from paperfeed.jobs import JobConfig, JobRunner, build_jobs, start_scheduler

    def opened() -> SearchService:
        runs.append(time.monotonic())
        return search

    config = JobConfig(
        rss_url="http://127.0.0.1:9/rss/",
        oai_url="http://127.0.0.1:9/oai",
        hf_url="http://127.0.0.1:9",
        index_interval_seconds=interval,
    )
    runner = JobRunner(store, build_jobs(config), search=opened)
    assert [j.name for j in runner.enabled] == ["index"], runner.enabled
    return start_scheduler(runner).stop


def runs_per_second(runs: list[float], begun: float, ended: float) -> float:
    return sum(1 for t in runs if begun <= t < ended) / (ended - begun)


class RawTantivy:
    """What the engine allows: one document added, committed and made visible in a tantivy
    index of N documents, either through one long-lived writer or, as KeywordIndex.update
    does, a new writer per commit (128 MB heap, merges waited for)."""

    def __init__(self, recs: list[dict[str, Any]], n: int, path: Path, *, keep: bool) -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title")
        builder.add_text_field("text")
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        self.index = tantivy.Index(builder.build(), path=str(path))
        writer = self.index.writer(128_000_000, 1)
        for i in range(n):
            rec = recs[i % len(recs)]
            writer.add_document(
                tantivy.Document(id=f"d{i}", title=rec["title"], text=rec.get("abstract") or "")
            )
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.writer = self.index.writer(128_000_000, 1) if keep else None
        self.count = 0
        self.times = Timings()

    def add_one(self) -> None:
        k = self.count
        self.count += 1
        word = probe_word(100_000 + k)
        started = time.perf_counter()
        writer = self.writer or self.index.writer(128_000_000, 1)
        writer.delete_documents_by_term("id", f"p{k}")
        writer.add_document(tantivy.Document(id=f"p{k}", title=word, text=word))
        writer.commit()
        if self.writer is None:
            writer.wait_merging_threads()
        self.index.reload()
        hits = self.index.searcher().search(self.index.parse_query(word, ["title"]), 1).hits
        self.times.values.append(time.perf_counter() - started)
        assert hits, "the committed document is not visible"


def fsync_once(directory: Path) -> None:
    """Write and fsync 4 KiB in `directory`: the disk's part of any commit."""
    path = directory / "fsync-probe"
    with path.open("wb") as fh:
        fh.write(b"x" * 4096)
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()


def cli_index(url: str, data_dir: Path, repeats: int) -> dict[str, Any]:
    """`paperfeed index --json` with nothing to do, as found on PATH (here possibly pyenv's
    shim) and as the interpreter's own entry point; and what its start-up is made of."""
    env = {
        **os.environ,
        "PAPERFEED_DATABASE_URL": url,
        "PAPERFEED_DATA_DIR": str(data_dir),
        "PAPERFEED_SEARCH_MODEL": "none",
    }
    on_path = shutil.which("paperfeed") or "paperfeed"
    own = Path(sys.executable).parent / "paperfeed"
    entry = str(own) if own.is_file() else on_path

    def run(*command: str) -> Callable[[], None]:
        def go() -> None:
            subprocess.run(command, env=env, capture_output=True, check=True)

        return go

    done = subprocess.run(
        [on_path, "index", "--json"], env=env, capture_output=True, text=True, check=True
    )
    return {
        "on_path": on_path,
        "entry": entry,
        "report": json.loads(done.stdout),
        "cli": timed(run(on_path, "index", "--json"), repeats).summary(),
        "entry_cli": timed(run(entry, "index", "--json"), repeats).summary(),
        "version": timed(run(entry, "--version"), repeats).summary(),
        "imports": timed(run(sys.executable, "-c", "import paperfeed.cli"), repeats).summary(),
        "python": timed(run(sys.executable, "-c", "pass"), repeats).summary(),
    }


def part_lag(url: str, data_dir: Path, sizes: Sizes, recs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rng = random.Random(11)
    store = Store.open(url)
    with stage(imp := Stage()):
        summary = run_import(
            store, read_generic(io.BytesIO(bulk_lines(recs, sizes.papers)), "bulk"), "jsonl"
        )
    out["import"] = {"line": summary.line(), **asdict(imp)}
    print(f"  imported: {summary.line()} in {imp.wall:.1f} s", flush=True)
    search = SearchService.open(store, data_dir, model="none")
    with stage(idx := Stage()):
        report = search.index()
    out["first_index"] = {"line": report.line(), **asdict(idx)}
    print(f"  indexed: {report.keyword_updated:,} papers in {idx.wall:.1f} s", flush=True)

    assert search.refresh() is None
    out["refresh_idle"] = timed(search.refresh, sizes.repeats).summary()
    out["index_idle"] = timed(search.index, max(5, sizes.repeats // 10)).summary()
    print(f"  refresh() idle: {out['refresh_idle']['p50'] * 1000:.2f} ms", flush=True)
    out["cli"] = cli_index(url, data_dir, 5)
    print(f"  paperfeed index: {out['cli']['cli']['p50']:.2f} s", flush=True)

    writer = Store.open(url, migrate=False)
    probes = Probes(writer, search, recs)
    # One new paper, then one refresh(), timed apart (no scheduler running); interleaved with
    # the engine's own floor, so that both see the same machine.
    kept = RawTantivy(recs, sizes.papers, data_dir / "raw-kept", keep=True)
    fresh = RawTantivy(recs, sizes.papers, data_dir / "raw-fresh", keep=False)
    one, fsync = Timings(), Timings()
    for _ in range(sizes.probes):
        arxiv_id, word = probes.write()
        started = time.perf_counter()
        search.refresh()
        one.values.append(time.perf_counter() - started)
        assert probes.found(arxiv_id, word)
        kept.add_one()
        fresh.add_one()
        fsync.values.extend(timed(lambda: fsync_once(data_dir), 1).values)
    out["refresh_one"] = one.summary()
    out["tantivy"] = {
        "kept_writer": kept.times.summary(),
        "writer_per_commit": fresh.times.summary(),
        "fsync": fsync.summary(),
    }
    del kept, fresh
    print(
        f"  refresh() with one new paper: {one.p(0.5) * 1000:.1f} ms; raw tantivy "
        f"{out['tantivy']['kept_writer']['p50'] * 1000:.1f} ms (one writer), "
        f"{out['tantivy']['writer_per_commit']['p50'] * 1000:.1f} ms (a writer per commit)",
        flush=True,
    )

    lags: list[dict[str, Any]] = []
    drivers = [("scheduler", s) for s in INTERVALS] + [("loop", INTERVALS[-1])]
    for driver, interval in drivers:
        runs: list[float] = []
        if driver == "scheduler":
            try:
                stop = start_index_job(store, search, interval, runs)
            except Exception as exc:  # the jobs package is unfinished: say so, use the loop
                print(f"  the index job does not start ({exc!r}): a refresh() loop instead")
                driver = "loop"
        if driver == "loop":
            stop = RefreshLoop(search, interval, runs).stop
        time.sleep(2 * interval + 0.5)
        begun = time.monotonic()
        with stage(st := Stage()):
            lag = probes.lag(sizes.probes, interval, rng)
        rate = runs_per_second(runs, begun, time.monotonic())
        stop()
        lags.append(
            {"interval": interval, "driver": driver, "runs_per_s": rate}
            | lag.summary()
            | asdict(st)
        )
        print(f"  lag ({driver}, every {interval:g} s, {rate:.2f} runs/s): {lag.summary()}")
    out["lag"] = lags
    out["write_one"] = probes.writes.summary()
    out["poll"] = probes.polls.summary()
    out["keyword_docs"] = len(search.keyword)
    writer.close()
    store.close()
    return out


# ----------------------------------------------------------------------------- part 2: a day


def day_items(
    recs: list[dict[str, Any]], existing: list[Paper], n: int, rng: random.Random
) -> list[FeedItem]:
    """N announcement items over FEEDS: new papers, cross-lists from unfollowed categories,
    and replacements (version 2, same title and abstract) of papers already in the store."""
    per_feed = n // len(FEEDS)
    replaced = iter(existing)
    items = []
    serial = 10_001
    for feed in FEEDS:
        counts = [round(per_feed * share) for _, share in KINDS]
        counts[0] += per_feed - sum(counts)
        for (kind, _), count in zip(KINDS, counts, strict=True):
            for _ in range(count):
                rec = rng.choice(recs)
                authors = ", ".join(
                    f"{rng.choice('ABCDEFGHJKLMNPRSTW')}. Author{rng.randint(1, 5000)}"
                    for _ in range(rng.randint(1, 5))
                )
                title, abstract = rec["title"], rec.get("abstract") or ""
                cats: tuple[str, ...]
                if kind == "replace":
                    old = next(replaced)
                    arxiv_id, version, cats = old.arxiv_id, 2, (feed,)
                    title, abstract = old.title, old.abstract or ""
                else:
                    arxiv_id, version = f"2611.{serial:05d}", 1
                    serial += 1
                    cats = (rng.choice(ELSEWHERE), feed) if kind == "cross" else (feed,)
                items.append(
                    FeedItem(
                        arxiv_id=arxiv_id,
                        title=title,
                        abstract=abstract,
                        categories=cats,
                        kind=kind,
                        version=version,
                        authors=authors,
                    )
                )
    return items


@contextmanager
def feed_server(path: str, payload: bytes) -> Iterator[str]:
    """A loopback HTTP server answering `path` with the feed; its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != path:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def smtp_server(port: int, received: Any, size: Any, ready: Any) -> None:
    """An aiosmtpd server that accepts every message and counts messages and bytes."""
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with received.get_lock():
                received.value += 1
                size.value += len(envelope.content)
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    return sum(int(x) for x in raw.rsplit(")", 1)[1].split()[11:13]) / _TICKS


@contextmanager
def smtp() -> Iterator[tuple[int, Any, Any, Callable[[], float]]]:
    """(port, messages received, bytes received, its CPU seconds so far) of an SMTP server in
    another process."""
    ctx = mp.get_context("spawn")  # this process runs threads: never fork it
    port = free_port()
    received, size, ready = ctx.Value("i", 0), ctx.Value("q", 0), ctx.Event()
    process = ctx.Process(target=smtp_server, args=(port, received, size, ready), daemon=True)
    process.start()
    if not ready.wait(60):
        raise SystemExit("the SMTP server did not start")
    pid = process.pid
    assert pid is not None
    try:
        yield port, received, size, lambda: process_cpu(pid)
    finally:
        process.kill()
        process.join()


def subscriptions(store: Store, n: int, queries: list[str], rng: random.Random) -> dict[str, int]:
    """N active daily subscribers: a third top-10 trending only, a third two saved searches
    and a category, a third one or two categories and the top 5."""
    kinds = {"trending": 0, "searches": 0, "categories": 0}
    now = utcnow()
    for i in range(n):
        kind = ("trending", "searches", "categories")[i % 3]
        kinds[kind] += 1
        if kind == "trending":
            content = SubscriptionContent(period="daily", top_n=10)
        elif kind == "searches":
            content = SubscriptionContent(
                period="daily",
                queries=tuple(dict.fromkeys(rng.sample(queries, 2))),
                categories=(rng.choice(FEEDS),),
            )
        else:
            content = SubscriptionContent(
                period="daily", top_n=5, categories=tuple(rng.sample(FEEDS, rng.randint(1, 2)))
            )
        store.subscriptions.save(f"reader{i:05d}@example.org", content, status="active", now=now)
    return kinds


def saved_queries(items: list[FeedItem], recs: list[dict[str, Any]], n: int) -> list[str]:
    """Two-word phrases from the day's titles and older ones, as people save them."""
    pool = []
    for title in [i.title for i in items] + [r["title"] for r in recs[:3000]]:
        words = [w for w in title.lower().split() if w.isalpha() and len(w) > 4]
        if len(words) >= 2:
            pool.append(" ".join(words[:2]))
    return list(dict.fromkeys(pool))[:n]


def part_day(url: str, data_dir: Path, sizes: Sizes, recs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rng = random.Random(23)
    store = Store.open(url, follow=FEEDS)
    search = SearchService.open(store, data_dir, model="none")
    bulk = [i for i in store.papers.ids() if not i.startswith("2612.")]
    existing = store.papers.get_many(rng.sample(bulk, sizes.day_papers))
    items = day_items(recs, list(existing.values()), sizes.day_papers, rng)
    out["kinds"] = {k: sum(1 for i in items if i.kind == k) for k, _ in KINDS}
    payload = rss_feed("+".join(FEEDS), DAY, items)
    out["payload_bytes"] = len(payload)
    queries = saved_queries(items, recs, 500)
    with stage(subs := Stage()):
        out["subscribers"] = subscriptions(store, sizes.subscribers, queries, rng)
    out["subscribers_setup"] = asdict(subs)
    print(f"  {sizes.subscribers:,} subscribers created in {subs.wall:.1f} s", flush=True)

    # Ingest: the job, as the scheduler would run it at 20:30 US Eastern.
    from paperfeed.jobs import JobConfig, JobRunner, build_jobs

    path = "/rss/" + "+".join(FEEDS)
    with feed_server(path, payload) as base:
        config = JobConfig(
            rss_url=f"{base}/rss/",
            oai_url=f"{base}/oai",
            hf_url=base,
            fetch_arxiv=True,
            followed=FEEDS,
            http_delay=0,
            http_retries=0,
        )
        runner = JobRunner(store, build_jobs(config), search=lambda: search)
        with stage(ingest := Stage()):
            result = runner.run("arxiv-announcements")
    if result.outcome != "ok":
        raise SystemExit(f"the announcements job did not run: {result.line()}")
    out["ingest"] = {"line": result.message, **asdict(ingest)}
    print(f"  ingest: {result.message} in {ingest.wall:.2f} s", flush=True)
    parse = timed(lambda: parse_rss(payload, FEEDS), 5)
    out["parse"] = parse.summary()
    print(f"  parse alone: {parse.p(0.5):.3f} s", flush=True)

    with stage(idx := Stage()):
        report = search.index()
    out["index"] = {"updated": report.keyword_updated, "total": report.keyword_total, **asdict(idx)}
    print(f"  index: {report.keyword_updated:,} papers in {idx.wall:.2f} s", flush=True)

    page = store.listings.featured(DAY, DAY, limit=30)
    out["day_total"] = page.total
    out["day_page"] = timed(
        lambda: store.listings.featured(DAY, DAY, limit=30), max(10, sizes.repeats // 10)
    ).summary()
    print(f"  day page: {page.total:,} papers, {out['day_page']['p50'] * 1000:.1f} ms")

    # The day's votes (trending digests list only papers with votes); not timed.
    listed = store.listings.ids_on_days(DAY, DAY)
    members = [store.accounts.ensure_user(f"member{n}@example.org") for n in range(sizes.members)]
    hot = rng.sample(listed, max(1, len(listed) // 5))
    votes = 0
    for member in members:
        for arxiv_id in rng.sample(hot, min(10, len(hot))):
            store.votes.cast(member.id, arxiv_id, True)
            votes += 1
    out["votes"] = votes

    period = period_containing("daily", DAY)
    search_fn: SearchFn = saved_search(search, store)
    out["saved_search_check"] = saved_search_check(store, search, search_fn, queries, period)
    with smtp() as (port, received, size, server_cpu):
        # Pre-rendered messages for the floor: real digests of the first 100 subscribers.
        subs_sample = store.subscriptions.find(status="active", period="daily")[:100]
        mails = [
            digest_message(d, LINKS).raw
            for d in compose_period(store, period, subs_sample, search_fn)
            if not d.is_empty
        ]
        before = server_cpu()
        with (
            stage(send := Stage()),
            SmtpClient(SmtpConfig("127.0.0.1", port, timeout=60)) as mailer,
        ):
            summary = DigestSender(store, mailer, LINKS, search_fn).run(period=period)
        time.sleep(0.5)
        accepted, sent_bytes = received.value, size.value
        out["digests"] = {
            "line": summary.line(),
            "sent": summary.sent,
            "empty": summary.empty,
            "received": accepted,
            "mean_bytes": sent_bytes / max(1, accepted),
            "server_cpu": server_cpu() - before,
            **asdict(send),
        }
        print(f"  digests: {summary.line()} in {send.wall:.1f} s", flush=True)
        received.value = 0
        count = max(summary.sent, 1)
        before = server_cpu()
        with stage(floor := Stage()):
            client = smtplib.SMTP("127.0.0.1", port, timeout=60)
            for i in range(count):
                client.sendmail(
                    "digest@example.org", [f"floor{i}@example.org"], mails[i % len(mails)]
                )
            client.quit()
        time.sleep(0.5)
        out["smtp_floor"] = {
            "sent": count,
            "received": received.value,
            "mean_bytes": statistics.fmean(len(m) for m in mails),
            "server_cpu": server_cpu() - before,
            **asdict(floor),
        }
        print(f"  SMTP floor: {count:,} messages in {floor.wall:.1f} s", flush=True)
    store.close()
    return out


def saved_search_check(
    store: Store, search: SearchService, search_fn: SearchFn, queries: list[str], period: Any
) -> dict[str, int]:
    """What the saved searches found among the day's papers: through the digest's own search
    (restricted to the period by publication date), and by keyword without that restriction,
    kept to the papers the day lists."""
    day_ids = set(store.listings.ids_on_days(period.start, period.last))
    used: set[str] = set()
    for sub in store.subscriptions.find(status="active", period="daily"):
        used.update(sub.content.queries)
    via_digest: set[str] = set()
    via_listing: set[str] = set()
    for q in sorted(used):
        via_digest.update(h.paper.arxiv_id for h in search_fn(q, period))
        hits = search.search(
            q, mode="keyword", limit=1000, filters=SearchFilters(), explain=False
        ).hits
        via_listing.update(h.paper.arxiv_id for h in hits if h.paper.arxiv_id in day_ids)
    unpublished = sum(1 for p in store.papers.get_many(sorted(day_ids)).values() if not p.published)
    return {
        "queries": len(used),
        "day_papers": len(day_ids),
        "day_papers_without_published": unpublished,
        "found_by_digest_search": len(via_digest & day_ids),
        "found_by_keyword_in_day": len(via_listing),
    }


# ----------------------------------------------------------------------------- reporting


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _git(*args: str) -> str:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # read only: never refresh the index
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, env=env)
    return done.stdout.strip()


def machine(backend: str) -> dict[str, str]:
    import aiosmtpd
    import apscheduler  # type: ignore[import-untyped]
    import httpx
    import psycopg
    import sqlalchemy

    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.MULTILINE)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.MULTILINE)
    dirty = _git("status", "--porcelain", "--", "paperfeed")
    info = {
        "CPU": f"{cpu[1] if cpu else platform.processor()}, {os.cpu_count()} cores",
        "RAM": f"{int(mem[1]) / 1024 / 1024:.1f} GiB" if mem else "?",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "SQLAlchemy / psycopg": f"{sqlalchemy.__version__} / {psycopg.__version__}",
        "tantivy-py": str(getattr(tantivy, "__version__", "?")),
        "APScheduler / aiosmtpd / httpx": (
            f"{apscheduler.__version__} / {aiosmtpd.__version__} / {httpx.__version__}"
        ),
        "paperfeed": f"{_git('rev-parse', '--short', 'HEAD')}"
        + (" + uncommitted changes in paperfeed/ (others' work in progress)" if dirty else ""),
    }
    if backend == "postgresql":
        with psycopg.connect(POSTGRES_URL) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        info["PostgreSQL"] = f"{row[0] if row else '?'} (same machine, default configuration)"
    return info


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}" if seconds < 10 else f"{seconds * 1000:,.0f}"


def render(backend: str, sizes: Sizes, command: str, r: dict[str, Any]) -> str:
    """The backend's part of the docs section: machine, two tables, a reading."""
    lag, day = r["lag"], r["day"]
    info = r["machine"]
    load_start, load_end = r["load"]
    title = "SQLite" if backend == "sqlite" else "PostgreSQL"
    lines = [
        f"### {title}",
        "",
        f"Run on {r['date']} with `{command}` (`bench/living.py`).",
        "",
        *(f"- {k}: {v}" for k, v in info.items()),
        f"- Load average (1 min) at start / end: {load_start:.2f} / {load_end:.2f} "
        f"(2 cores, shared with other developers' work)",
        "",
        f"**Lag from a write to search**, {sizes.papers:,} papers "
        f"({lag['import']['line'].split(': ', 1)[-1].split(',')[0]} by `run_import` in "
        f"{lag['import']['wall']:.1f} s, keyword-indexed in {lag['first_index']['wall']:.1f} s), "
        f"{sizes.probes} probes per row. Times in ms.",
        "",
        "| what | p50 | p95 | max | n |",
        "|---|---:|---:|---:|---:|",
    ]

    def row(label: str, s: dict[str, float], scale: float = 1.0) -> str:
        fail = (
            f" ({int(s['failures'])} not found in {GIVE_UP_SECONDS:.0f} s)"
            if s.get("failures")
            else ""
        )
        return (
            f"| {label}{fail} | {ms(s['p50'] * scale)} | {ms(s['p95'] * scale)} | "
            f"{ms(s['max'] * scale)} | {int(s['n'])} |"
        )

    for x in lag["lag"]:
        how = (
            "the `index` job (`start_scheduler(JobRunner(...))`)"
            if x["driver"] == "scheduler"
            else "baseline: a thread calling `refresh()`"
        )
        lines.append(
            row(
                f"write → found by keyword search, {how} every {x['interval']:g} s "
                f"(it ran {x['runs_per_s']:.2f} times/s; load {x['load'][0]:.1f}→"
                f"{x['load'][1]:.1f})",
                x,
            )
        )
    lines += [
        row("`store.papers.write` of one paper (another Store handle)", lag["write_one"]),
        row("`refresh()` after one new paper", lag["refresh_one"]),
        row("`refresh()` with nothing changed (the index job's idle cost)", lag["refresh_idle"]),
        row(
            f"`SearchService.index()` with nothing changed ({lag['keyword_docs']:,} documents)",
            lag["index_idle"],
        ),
        row(
            f"`paperfeed index --json` with nothing changed, wall time (`{lag['cli']['on_path']}`)",
            lag["cli"]["cli"],
        ),
        *(
            [row(f"the same through `{lag['cli']['entry']}`", lag["cli"]["entry_cli"])]
            if lag["cli"]["entry"] != lag["cli"]["on_path"]
            else []
        ),
        row("baseline: `paperfeed --version` (same entry point)", lag["cli"]["version"]),
        row("baseline: `python3 -c 'import paperfeed.cli'`", lag["cli"]["imports"]),
        row("baseline: `python3 -c pass` (interpreter start-up)", lag["cli"]["python"]),
        row(
            f"baseline: raw tantivy add + commit + reload of one document "
            f"({sizes.papers:,} in the index), one long-lived writer",
            lag["tantivy"]["kept_writer"],
        ),
        row(
            "baseline: the same with a new 128 MB writer per commit, as `KeywordIndex.update`",
            lag["tantivy"]["writer_per_commit"],
        ),
        row("baseline: write and fsync 4 KiB in the data directory", lag["tantivy"]["fsync"]),
        row('one poll: `search(word, mode="keyword")`', lag["poll"]),
        "",
    ]
    kinds = day["kinds"]
    ingest, idx, send, floor = day["ingest"], day["index"], day["digests"], day["smtp_floor"]
    n_items = sum(kinds.values())
    total = ingest["wall"] + idx["wall"] + send["wall"]
    pg = backend == "postgresql"

    def cpu(s: dict[str, Any]) -> str:
        return f"{s['cpu']:.1f}" + (f" + {s['pg_cpu']:.1f}" if pg else "")

    lines += [
        f"**A day**: {n_items:,} announcements in {len(FEEDS)} categories ({kinds['new']:,} new, "
        f"{kinds['cross']:,} cross-lists, {kinds['replace']:,} replacements of stored papers), "
        f"one {day['payload_bytes'] / 1e6:.1f} MB feed (the job asks for the 10 categories in "
        f"one request, as it does of rss.arxiv.org) on a loopback HTTP server; then "
        f"{sizes.subscribers:,} daily subscribers (a third top-10 trending, a third two saved "
        f"searches and a category, a third categories and the top 5; {day['votes']:,} votes on "
        f"the day's papers), aiosmtpd in another process. CPU is this process's"
        + (
            " + the PostgreSQL server's (every `postgres` process on the machine: other "
            "developers' tests on it would count too)"
            if pg
            else ""
        )
        + "; load is the 1-minute average at the stage's start → end.",
        "",
        "| stage | wall (s) | CPU (s) | load | rate | baseline, same run |",
        "|---|---:|---:|---|---:|---|",
        f'| ingest: `JobRunner.run("arxiv-announcements")` (fetch, parse, write: '
        f"{ingest['line']}) | {ingest['wall']:.2f} | {cpu(ingest)} | "
        f"{ingest['load'][0]:.1f}→{ingest['load'][1]:.1f} | "
        f"{n_items / ingest['wall']:,.0f} papers/s | `parse_rss` alone: "
        f"{day['parse']['p50']:.2f} s ({n_items / day['parse']['p50']:,.0f} papers/s) |",
        f"| index: `SearchService.index()` ({idx['updated']:,} papers, {idx['total']:,} in the "
        f"index) | {idx['wall']:.2f} | {cpu(idx)} | {idx['load'][0]:.1f}→{idx['load'][1]:.1f} "
        f"| {idx['updated'] / idx['wall']:,.0f} papers/s | |",
        f"| digests: `DigestSender.run` ({send['sent']:,} sent, {send['empty']:,} empty, "
        f"{send['received']:,} accepted by the server, {send['mean_bytes'] / 1024:.0f} KiB "
        f"each; SMTP server CPU {send['server_cpu']:.1f} s) | {send['wall']:.1f} | {cpu(send)} "
        f"| {send['load'][0]:.1f}→{send['load'][1]:.1f}"
        f" | {send['sent'] / send['wall']:,.0f} digests/s | smtplib, one connection, "
        f"{floor['sent']:,} pre-rendered digests ({floor['mean_bytes'] / 1024:.0f} KiB): "
        f"{floor['wall']:.1f} s ({floor['sent'] / floor['wall']:,.0f}/s; CPU "
        f"{floor['cpu']:.1f} s here, {floor['server_cpu']:.1f} s in the SMTP server) |",
        f"| **total** | **{total:.1f}** | | | | |",
        f"| day page: `listings.featured(day, day, limit=30)` ({day['day_total']:,} papers on "
        f"the day) | p50 {ms(day['day_page']['p50'])} ms, p95 {ms(day['day_page']['p95'])} ms "
        f"| | | | |",
        "",
        "Reading:",
        "",
        *(f"- {b}" for b in reading(backend, sizes, r)),
    ]
    return "\n".join(lines)


def reading(backend: str, sizes: Sizes, r: dict[str, Any]) -> list[str]:
    lag, day = r["lag"], r["day"]
    by = {(x["driver"], x["interval"]): x for x in lag["lag"]}
    out = []
    slow, fast = INTERVALS
    s2 = by.get(("scheduler", slow)) or by[("loop", slow)]
    idle = lag["refresh_idle"]["p50"]
    one = lag["refresh_one"]["p50"]
    out.append(
        f"With the default interval ({slow:g} s) a new paper was searchable after "
        f"{s2['p50']:.2f} s at the median and {s2['p95']:.2f} s at p95 (max {s2['max']:.2f}): "
        f"waiting for the job's next run (0 to {slow:g} s, {slow / 2:g} s on average) plus one "
        f"`refresh()` with a new paper ({ms(one)} ms). The engine is not what bounds it: raw "
        f"tantivy makes one document visible in {ms(lag['tantivy']['kept_writer']['p50'])} ms "
        f"with a long-lived writer, {ms(lag['tantivy']['writer_per_commit']['p50'])} ms opening "
        f"a writer per commit as paperfeed does."
    )
    job_fast = by.get(("scheduler", fast))
    loop_fast = by[("loop", fast)]
    if job_fast is not None:
        text = (
            f"At {fast:g} s the job gave p50 {job_fast['p50']:.2f} s / p95 "
            f"{job_fast['p95']:.2f} s and ran {job_fast['runs_per_s']:.2f} times a second, "
            f"against p50 {loop_fast['p50']:.2f} s / p95 {loop_fast['p95']:.2f} s for a plain "
            f"thread calling `refresh()` every {fast:g} s ({loop_fast['runs_per_s']:.2f} "
            "runs/s)."
        )
        if job_fast["runs_per_s"] < 0.75 / fast:
            text += (
                " **An interval under a second does not work as set.** `JobRunner` decides "
                "whether a per-node job is due by the store's clock, which has whole seconds "
                "(`clock.utcnow`): after a run at 12:00:00.1 the clock says 12:00:00, the next "
                "time is 12:00:00.5, and at the 12:00:00.5 wake-up the clock still says "
                "12:00:00, so the job is not due; it runs at the next whole second."
            )
        out.append(text)
    cli = lag["cli"]
    out.append(
        f"The index job's idle cost is one `refresh()` with nothing changed: "
        f"{ms(idle)} ms at the median (one `max(change_seq)` query and the index's state "
        f"file), i.e. {idle / slow * 100:.2f}% of a core at {slow:g} s and "
        f"{idle / fast * 100:.2f}% at {fast:g} s. `SearchService.index()` with nothing to do "
        f"takes {ms(lag['index_idle']['p50'])} ms in-process, but the command "
        f"`paperfeed index --json` takes {cli['cli']['p50']:.2f} s of wall time"
        + (
            f" ({cli['entry_cli']['p50']:.2f} s without pyenv's shim), "
            if cli["entry"] != cli["on_path"]
            else ", "
        )
        + "about as long as "
        f"`paperfeed --version` ({cli['version']['p50']:.2f} s), which does nothing: it is "
        f"start-up, chiefly `import paperfeed.cli` ({cli['imports']['p50']:.2f} s), which "
        "imports the store and the search service for every command (`cli/common.py`): "
        "SQLAlchemy, Alembic (`store/migrate.py`), numpy and usearch; a bare interpreter "
        f"starts in {cli['python']['p50']:.2f} s."
    )
    ingest, idx, send, floor = day["ingest"], day["index"], day["digests"], day["smtp_floor"]
    n = sum(day["kinds"].values())
    total = ingest["wall"] + idx["wall"] + send["wall"]
    busy = send["cpu"] + send["server_cpu"] + (send["pg_cpu"] if backend == "postgresql" else 0)
    out.append(
        f"A day of {n:,} announcements and {sizes.subscribers:,} digests took {total:.0f} s, "
        f"{send['wall'] / total * 100:.0f}% of it sending digests. Importing ran at "
        f"{n / ingest['wall']:,.0f} papers/s, against {n / day['parse']['p50']:,.0f} papers/s "
        f"for parsing alone: everything but the parse (the loopback fetch, the job's "
        f"bookkeeping and the store's merge-and-write) is "
        f"{(1 - day['parse']['p50'] / ingest['wall']) * 100:.0f}% of the job. Indexing the day "
        f"took {idx['wall']:.2f} s. Digests went out at {send['sent'] / send['wall']:,.0f}/s "
        f"against {floor['sent'] / floor['wall']:,.0f}/s for smtplib handing the same server "
        f"pre-rendered digests: composing, the ledger (a claim per 200 and a mark-sent per "
        f"digest) and rendering make the stage {send['wall'] / floor['wall']:.1f}x the bare "
        f"hand-off. The sender used {send['cpu']:.1f} s of CPU "
        f"({send['cpu'] / max(1, send['sent']) * 1000:.1f} ms a digest)"
        + (f", the PostgreSQL server {send['pg_cpu']:.1f} s" if backend == "postgresql" else "")
        + f" and the aiosmtpd server {send['server_cpu']:.1f} s: together "
        f"{busy:.0f} s of the stage's {send['wall']:.0f} s. They take turns rather than "
        "overlap: on its one SMTP connection the sender waits for each message's 250 before "
        f"the next (the floor too: {floor['cpu']:.1f} s + {floor['server_cpu']:.1f} s of CPU "
        f"in {floor['wall']:.1f} s). The test server's "
        f"{floor['server_cpu'] / max(1, floor['sent']) * 1000:.1f} ms a message is aiosmtpd's "
        "cost, not paperfeed's."
    )
    check = day["saved_search_check"]
    if check["found_by_digest_search"] == 0 and check["found_by_keyword_in_day"] > 0:
        out.append(
            f"**Saved searches found none of the day's papers.** The {check['queries']} "
            f"distinct saved searches match {check['found_by_keyword_in_day']:,} of the day's "
            f"{check['day_papers']:,} papers by keyword (each search's first 1,000 hits over "
            "the whole index, kept to the day's listing), but 0 through the digest's search "
            "(`digest/searching.saved_search`), which keeps hits *published* within the "
            f"period: {check['day_papers_without_published']:,} of the day's papers have no "
            "publication date, because the RSS feed gives none (`ingest/rss.py` builds its "
            "`Paper` without `published`) and the keyword index files them under day 0; the "
            "replaced ones keep their original date. Until the OAI-PMH harvest fills "
            "the date in, a paper announced today reaches saved-search subscribers only "
            "through a category or trending. (Every digest here was non-empty because every "
            "subscriber also had a category or trending.)"
        )
    else:
        out.append(
            f"Saved searches: {check['queries']} distinct, {check['found_by_digest_search']:,} "
            f"of the day's {check['day_papers']:,} papers found through the digest's search, "
            f"{check['found_by_keyword_in_day']:,} by keyword within the day's listing."
        )
    load_start, load_end = r["load"]
    out.append(
        f"The machine's 1-minute load average was {load_start:.1f} at the start and "
        f"{load_end:.1f} at the end (2 cores; other developers' builds and tests included; "
        "per-stage loads above). Above 2, wall times include waiting for a core: the CPU "
        "columns are the steadier figures, and p95s and maxima are inflated."
    )
    return out


INTRO = """## A living site

How soon a new paper can be found, and what one day of a site costs, measured by
`bench/living.py` on SQLite and on PostgreSQL (one subsection each; `--postgres` for the
second). Part 1: a store of N real quant-ph papers (repeated with rewritten ids), keyword
index, search model "none"; the `index` job runs as `paperfeed serve` runs it
(`start_scheduler(JobRunner(store, build_jobs(JobConfig(index_interval_seconds=S))))`), while
another Store handle writes one new paper at a time and the search is polled every 10 ms for
its unique title word. Part 2: one day's arXiv announcements fetched and imported by the
`arxiv-announcements` job from a loopback HTTP server, indexed, then every daily digest sent
by `DigestSender` to aiosmtpd on loopback. Each has a baseline from the same run: raw
tantivy-py, a plain `refresh()` loop, `parse_rss` alone, smtplib alone."""


def write_docs(doc: Path, backend: str, body: str) -> None:
    """Replace this backend's subsection of the section, keeping the other backend's."""
    text = doc.read_text()
    blocks: dict[str, str] = {}
    if START in text and END in text:
        old = text[text.index(START) : text.index(END)]
        for b in BACKENDS:
            m = re.search(rf"<!-- living:{b} -->\n(.*?)\n<!-- /living:{b} -->", old, re.DOTALL)
            if m:
                blocks[b] = m[1]
    blocks[backend] = body
    parts = [START, INTRO, ""]
    for b in BACKENDS:
        if b in blocks:
            parts += [f"<!-- living:{b} -->", blocks[b], f"<!-- /living:{b} -->", ""]
    section = "\n".join(parts) + END
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    partial = doc.with_suffix(".md.partial")
    partial.write_text(text)
    partial.replace(doc)


def work_dir(backend: str, quick: bool) -> Path:
    return WORK / (backend + ("-quick" if quick else ""))


def measure(backend: str, sizes: Sizes, command: str, work: Path) -> dict[str, Any]:
    """One run on `backend`; its results, also kept in the work directory."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.monotonic()
    result: dict[str, Any] = {
        "date": f"{datetime.now():%Y-%m-%d}",
        "command": command,
        "machine": machine(backend),
        "sizes": asdict(sizes),
    }
    load_start = os.getloadavg()[0]
    for k, v in result["machine"].items():
        print(f"{k}: {v}")
    print(f"load average at start: {os.getloadavg()}", flush=True)
    recs = records()
    with database(backend, work) as url:
        print("part 1: lag from a write to search", flush=True)
        result["lag"] = part_lag(url, work, sizes, recs)
        print("part 2: a day", flush=True)
        result["day"] = part_day(url, work, sizes, recs)
    result["load"] = (load_start, os.getloadavg()[0])
    print(f"load average at end: {os.getloadavg()}; {time.monotonic() - started:.0f} s in all")
    (work / "results.json").write_text(json.dumps(result, indent=1, default=str))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--postgres", action="store_true", help="PostgreSQL at " + POSTGRES_URL)
    ap.add_argument("--quick", action="store_true", help="small sizes, a smoke check")
    ap.add_argument("--write-docs", action="store_true", help=f"write the section into {DOCS}")
    ap.add_argument(
        "--from-results",
        action="store_true",
        help=f"measure nothing: render the last run's {WORK}/<backend>[-quick]/results.json "
        "again"
        " (after a change to the wording)",
    )
    ap.add_argument("--docs", type=Path, default=DOCS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    backend = "postgresql" if args.postgres else "sqlite"
    work = work_dir(backend, args.quick)
    if args.from_results:
        result = json.loads((work / "results.json").read_text())
        sizes = Sizes(**result["sizes"])
    else:
        sizes = Sizes.of(args.quick)
        command = "python3 bench/living.py" + (" --postgres" if args.postgres else "")
        result = measure(backend, sizes, command + (" --quick" if args.quick else ""), work)
    if sizes != Sizes.of(False) and args.write_docs and args.docs == DOCS:
        ap.error("a --quick run is a smoke check: its figures do not go into docs/benchmarks.md")
    body = render(backend, sizes, result["command"], result)
    print()
    print(body)
    if args.write_docs:
        write_docs(args.docs, backend, body)
        print(f"wrote {args.docs}")


if __name__ == "__main__":
    main()
