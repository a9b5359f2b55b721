"""Benchmark the site: requests/s and latency of `/`, a paper page, a search page and
`/api/daily_papers` under load, one server process against N workers, with the page cache off
and on.

    python bench/web.py                    # 1,000,000 papers in SQLite, the full run
    python bench/web.py --papers 100000 --seconds 10 --rounds 1  # about 5.5 minutes once prepared
    python bench/web.py --before main      # also serve the same store from another revision

Prepares (once, cached under bench/out/web/) a store of N papers: real quant-ph records
repeated with rewritten ids (bench/ingest.py's generator), imported with `paperfeed ingest
jsonl`, keyword-indexed with `paperfeed index`, plus community data for the last DAYS days
(daily entries, members, votes, comments) written through the Store API. Then, for the page
cache off and on, starts the real server (`paperfeed serve` as a child process on 127.0.0.1)
with one process and with N workers, and loads each endpoint with `wrk` at 32 keep-alive
connections. A static file served by the same process is the baseline: what the framework and
the load generator cost with no paperfeed code in the way; each endpoint is reported with the
cache off and on side by side, as a ratio to that file in the same run. Which worker answered
each request is counted from the server's own access log (each line carries the pid of the
process that wrote it); the CPU the server, wrk and everything else on the machine used during
each run is measured from /proc. Writes its tables into docs/benchmarks.md between the
bench:web markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import GENERIC_SOURCE, build_input

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "web"
DOCS = ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- bench:web:start -->"
END_MARKER = "<!-- bench:web:end -->"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"

DAYS = 60
PER_DAY = (30, 50)
MEMBERS = 200
VOTES_PER_MEMBER = 40
COMMENT_DAYS_EVERY = 2
BAR_RPS, BAR_P99_MS = 500.0, 100.0
BAR_SCALING = 1.6  # N workers against one process, on the paperfeed endpoints
# Issue 15: with the page cache off, on N workers, requests/s as a share of the static file's
# in the same run, and p99 at most this.
BAR_UNCACHED_SHARE = 0.5
BAR_UNCACHED_SEARCH_SHARE = 0.25
BAR_UNCACHED_P99_MS = 250.0
README = ROOT / "README.md"
README_START, README_END = "<!-- bench:web:readme:start -->", "<!-- bench:web:readme:end -->"
CACHE_MODES = (("off", "0"), ("on", "2"))  # page_cache_seconds: off, and the default
# And the page cache off with the read memo off too (read_memo_rows = 0): every request reads
# the database, as the first request after a write does. Run on the N-worker server only.
NO_MEMO = "off, read memo off"
QUIET_CORES, QUIET_WAIT_S = 0.3, 10
_TICKS = os.sysconf("SC_CLK_TCK")
STATIC = "static file, the baseline"
PAPER = "a paper page"
SEARCH_PATH = "/papers?q=quantum+error+correction"
# (name, path, graded); the paper page's path is filled in with a paper of the day `/` shows.
ENDPOINTS: tuple[tuple[str, str, bool], ...] = (
    (STATIC, "/static/style.css", False),
    ("/", "/", True),
    (PAPER, "/papers/{paper}", True),
    (SEARCH_PATH, SEARCH_PATH, True),
    ("/api/daily_papers", "/api/daily_papers", True),
)
# Signed-out requests to these never pass the page cache (paperfeed/web/routes/papers.py and
# pages.py render them with `render()` on every request), so cache off and on should agree.
NEVER_CACHED = (PAPER, SEARCH_PATH)


# ------------------------------------------------------------------------------- the store


def _env(data_dir: Path, database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PAPERFEED_DATA_DIR": str(data_dir),
            "PAPERFEED_DATABASE_URL": database_url,
            "PAPERFEED_SEARCH_MODEL": "none",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra or {})
    return env


def _paperfeed(source: Path, env: dict[str, str], *args: str) -> None:
    env = {**env, "PYTHONPATH": str(source)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "paperfeed", *args], env=env, check=True)
    print(f"  paperfeed {' '.join(args)}: {time.perf_counter() - started:.0f} s", flush=True)


def add_community(database_url: str, today: datetime) -> str:
    """Daily entries for the last DAYS days, members, votes and comments, through the Store."""
    from paperfeed.store import Store

    rng = random.Random(2024)
    with Store.open(database_url) as store:
        ids = store.papers.ids()
        members = [store.accounts.ensure_user(f"bench-{n}@bench.invalid") for n in range(MEMBERS)]
        featured: list[str] = []
        for offset in range(DAYS):
            day = (today - timedelta(days=offset)).date()
            for arxiv_id in rng.sample(ids, rng.randint(*PER_DAY)):
                if store.moderation.feature(arxiv_id, day, rng.choice(members).name, "bench"):
                    featured.append(arxiv_id)
        recent = featured[: 7 * PER_DAY[1]]
        votes = 0
        for member in members:
            pool = recent if rng.random() < 0.7 else featured
            for arxiv_id in rng.sample(pool, VOTES_PER_MEMBER):
                store.votes.cast(member.id, arxiv_id, True)
                votes += 1
        comments = 0
        for i, arxiv_id in enumerate(featured[:: DAYS // 3 * COMMENT_DAYS_EVERY]):
            top = store.comments.add(arxiv_id, members[i].id, "A *benchmark* comment.")
            store.comments.add(arxiv_id, members[i + 1].id, "A reply.", top.id)
            comments += 2
    return (
        f"{len(featured):,} daily entries over {DAYS} days, {MEMBERS} members, "
        f"{votes:,} votes, {comments} comments"
    )


def prepare(papers: int, backend: str, postgres_url: str) -> tuple[Path, str, str]:
    """The data directory and database URL of a ready store with `papers` papers (cached)."""
    data_dir = OUT / f"{backend}-{papers}"
    marker = data_dir / "ready.txt"
    url = f"sqlite:///{data_dir / 'paperfeed.db'}" if backend == "sqlite" else postgres_url
    if marker.is_file():
        print(f"store  {data_dir} (cached)", flush=True)
        return data_dir, url, marker.read_text().strip()
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    inputs = OUT / "inputs" / f"quantph-{papers}.jsonl"
    if not inputs.is_file():
        print(f"input  {inputs}: building", flush=True)
        build_input(GENERIC_SOURCE, inputs, papers)
    env = _env(data_dir, url)
    print(f"store  {data_dir}: importing {papers:,} papers", flush=True)
    _paperfeed(ROOT, env, "ingest", "jsonl", str(inputs))
    _paperfeed(ROOT, env, "index")
    started = time.perf_counter()
    summary = add_community(url, datetime.now(UTC).replace(tzinfo=None))
    print(f"  community data: {summary} ({time.perf_counter() - started:.0f} s)", flush=True)
    marker.write_text(summary + "\n")
    return data_dir, url, summary


# ------------------------------------------------------------------------------ the server


@dataclass
class Server:
    label: str
    source: Path
    workers: int
    cache: str  # "off", "on" or NO_MEMO
    cache_seconds: str
    memo_rows: str | None = None  # None: the default
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    port: int = 0

    def start(self, data_dir: Path, url: str, port: int) -> None:
        self.port = port
        extra = {
            "PAPERFEED_PORT": str(port),
            "PAPERFEED_WORKERS": str(self.workers),
            "PAPERFEED_PAGE_CACHE_SECONDS": self.cache_seconds,
        }
        if self.memo_rows is not None:
            extra["PAPERFEED_READ_MEMO_ROWS"] = self.memo_rows
        env = {**_env(data_dir, url, extra), "PYTHONPATH": str(self.source)}
        slug = re.sub(r"\W+", "_", f"{self.label} cache {self.cache}")
        self.log_path = OUT / "logs" / f"server-{slug}.log"
        log = self.log_path.open("wb")
        # cwd: `python -m` puts it first on sys.path, ahead of PYTHONPATH.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "paperfeed", "serve"],
            env=env,
            stdout=log,
            stderr=log,
            cwd=self.source,
        )
        # Up when every worker has said so: one answering says nothing of the others.
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server ({self.label}) exited; see {self.log_path}")
            if self.log_path.read_text().count("Application startup complete") >= self.workers:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css") as r:
                        if r.status == 200 and self.process.poll() is None:
                            return
                except OSError:
                    pass
            time.sleep(0.5)
        raise SystemExit(f"the server ({self.label}) did not start within 10 minutes")

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path else 0

    def answered_by(self, start: int) -> Counter[str]:
        """Requests logged since byte `start` of the server's log, by the pid that logged
        them (uvicorn's access log, with paperfeed's `[pid]` prefix; a revision older than
        it gives none)."""
        if self.log_path is None:
            return Counter()
        with self.log_path.open("rb") as fh:
            fh.seek(start)
            text = fh.read().decode(errors="replace")
        return Counter(re.findall(r"^INFO \[(\d+)\] uvicorn\.access: ", text, re.MULTILINE))

    def cpu_seconds(self) -> float:
        """CPU time of the server: its parent process and every child (the workers)."""
        if self.process is None:
            return 0.0
        root = self.process.pid
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                raw = stat.read_text()
            except OSError:  # the process ended meanwhile
                continue
            fields = raw.rsplit(")", 1)[1].split()
            if int(stat.parent.name) == root or int(fields[1]) == root:
                total += (int(fields[11]) + int(fields[12])) / _TICKS  # utime stime
        return total

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Result:
    server: str
    workers: int
    cache: str
    endpoint: str
    path: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    answered: str  # share of the requests each worker answered
    server_cores: float
    wrk_cores: float
    other_cores: float
    graded: bool

    @property
    def passes(self) -> bool:
        return self.rps >= BAR_RPS and self.p99_ms <= BAR_P99_MS and self.errors == 0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if m is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(m[1]) * _UNITS[m[2]]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _busy_seconds() -> float:
    """CPU time all cores spent busy since boot (user, system, irq, steal), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / _TICKS


def wait_for_quiet() -> float:
    """Hold the next run (up to QUIET_WAIT_S) while other work keeps the machine busy (on 2
    cores, another developer's test suite would be measured as paperfeed); returns the cores
    that were busy in the last 2 s before it."""
    started = time.monotonic()
    told = False
    while True:
        busy = _busy_seconds()
        time.sleep(2)
        load = (_busy_seconds() - busy) / 2
        if load < QUIET_CORES or time.monotonic() - started > QUIET_WAIT_S:
            return load
        if not told:
            print(f"  waiting for a quiet machine ({load:.2f} cores busy)", flush=True)
            told = True


def load(
    port: int, path: str, connections: int, seconds: int
) -> tuple[int, float, float, float, int, float]:
    """(requests, requests/s, p50 ms, p99 ms, errors, wrk's CPU seconds) of one wrk run."""
    cpu = _children_cpu()
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "5s",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = _children_cpu() - cpu
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", out, re.MULTILINE)
    if not (p50 and p99 and rps and total):
        raise SystemExit(f"could not read wrk's output:\n{out}")
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        errors += int(non2xx[1])
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    return int(total[1]), float(rps[1]), _ms(p50[1]), _ms(p99[1]), errors, cpu


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Endpoint = tuple[str, str, bool]  # name, path, graded


def check_pages(port: int, paper: str | None) -> tuple[tuple[Endpoint, ...], dict[str, bool]]:
    """The loaded endpoints, the paper page's path filled in with `paper` (or, when None, the
    first paper `/api/daily_papers` lists: a paper of the day `/` shows), each checked to
    answer 200 with real content before it is measured; and whether each answered a request
    without a cookie, as every measured request is, with a Set-Cookie header."""
    base = f"http://127.0.0.1:{port}"
    if paper is None:
        with urllib.request.urlopen(base + "/api/daily_papers") as r:
            daily = json.loads(r.read())
        if not daily:
            raise SystemExit("/api/daily_papers returned no papers")
        paper = str(daily[0]["paper"]["id"])
    endpoints = tuple((name, path.format(paper=paper), graded) for name, path, graded in ENDPOINTS)
    cookies: dict[str, bool] = {}
    for name, path, _graded in endpoints:
        with urllib.request.urlopen(base + path) as r:
            body = r.read()
            if r.status != 200 or r.geturl() != base + path:
                raise SystemExit(f"{path} answered {r.status} from {r.geturl()}")
            cookies[name] = r.headers.get("set-cookie") is not None
        content = {
            "/": rb'href="/papers/\d',
            PAPER: re.escape(paper.encode()),
            SEARCH_PATH: rb'href="/papers/\d',
            "/api/daily_papers": rb"^\[\{",
        }.get(name)
        if content is not None and re.search(content, body) is None:
            raise SystemExit(f"{path} shows no papers: {body[:200]!r}")
    return endpoints, cookies


def _shares(answered: Counter[str], workers: int) -> str:
    """ "51% / 49%": the share of the requests each worker answered, largest first."""
    total = sum(answered.values())
    if not total:
        return "?"
    shares = sorted(answered.values(), reverse=True) + [0] * max(workers - len(answered), 0)
    return " / ".join(f"{100 * n / total:.0f}%" for n in shares)


def measure(
    server: Server, endpoint: Endpoint, connections: int, seconds: int, warm: bool
) -> Result:
    """One endpoint of one running server under wrk (after a warm-up, if `warm`)."""
    name, path, graded = endpoint
    if warm:
        load(server.port, path, connections, 3)  # imports, caches, connection pools
    wait_for_quiet()
    offset = server.log_size()
    busy, server_cpu = _busy_seconds(), server.cpu_seconds()
    started = time.perf_counter()
    total, rps, p50, p99, errors, wrk_cpu = load(server.port, path, connections, seconds)
    wall = time.perf_counter() - started
    busy, server_cpu = _busy_seconds() - busy, server.cpu_seconds() - server_cpu
    time.sleep(0.5)  # the last access lines
    by_pid = server.answered_by(offset)
    if server.source == ROOT and sum(by_pid.values()) < total:
        raise SystemExit(
            f"{server.label} logged {sum(by_pid.values())} of wrk's {total} requests: "
            f"did another process answer on port {server.port}?"
        )
    result = Result(
        server=server.label,
        workers=server.workers,
        cache=server.cache,
        endpoint=name,
        path=path,
        requests=total,
        rps=rps,
        p50_ms=p50,
        p99_ms=p99,
        errors=errors,
        answered=_shares(by_pid, server.workers),
        server_cores=server_cpu / wall,
        wrk_cores=wrk_cpu / wall,
        other_cores=max(busy - server_cpu - wrk_cpu, 0.0) / wall,
        graded=graded,
    )
    print(
        f"  {server.label:<28} {name:<36} {rps:>8,.0f} req/s  p50 {p50:6.1f} ms  "
        f"p99 {p99:6.1f} ms  errors {errors}  answered {result.answered}  cores: server "
        f"{result.server_cores:.2f}, wrk {result.wrk_cores:.2f}, other {result.other_cores:.2f}",
        flush=True,
    )
    return result


def run_servers(
    servers: list[Server], data_dir: Path, url: str, args: argparse.Namespace, paper: str | None
) -> tuple[list[Result], tuple[Endpoint, ...], dict[str, bool]]:
    """Start `servers` side by side, then load each endpoint on each in turn, `args.rounds`
    times: the runs compared with each other follow one another, so they share whatever else
    the machine was doing then (an idle server costs nothing but its index job's one query
    every 2 s). Of each server's rounds on an endpoint the fastest is kept: other work on the
    machine only ever slows a run down, and a server of N processes needs N free cores where
    one process needs one, so a busy moment costs it more. Returns the results, the endpoints
    (the paper page of `paper`, or of the one `check_pages` picks) and which set a cookie."""
    best: dict[tuple[str, str], Result] = {}
    endpoints: tuple[Endpoint, ...] = ()
    cookies: dict[str, bool] = {}
    try:
        for server in servers:
            print(f"server {server.label}, page cache {server.cache}: starting", flush=True)
            server.start(data_dir, url, free_port())
            endpoints, seen = check_pages(server.port, paper)
            paper = {name: path for name, path, _ in endpoints}[PAPER].removeprefix("/papers/")
            if server.source != ROOT:
                continue  # an earlier revision may hand out cookies on other pages
            if cookies and seen != cookies:
                raise SystemExit(f"the servers set cookies differently: {cookies} and {seen}")
            cookies = seen
        for endpoint in endpoints:
            for n in range(args.rounds):
                for server in servers:
                    warm = n == 0
                    result = measure(server, endpoint, args.connections, args.seconds, warm)
                    key = (server.label, endpoint[0])
                    if key not in best or result.rps > best[key].rps:
                        best[key] = result
    finally:
        for server in servers:
            server.stop()
    return list(best.values()), endpoints, cookies


# --------------------------------------------------------------------------------- report


def export_revision(rev: str) -> Path:
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = OUT / "revisions" / sha
    if not target.is_dir():
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha, "paperfeed"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def machine_info(backend: str, postgres_url: str) -> dict[str, str]:
    import fastapi
    import jinja2
    import sqlalchemy
    import starlette
    import uvicorn

    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    revision = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "paperfeed"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    info = {
        "CPU": f"{cpu[1] if cpu else platform.processor()}, {os.cpu_count()} cores "
        "(shared with other developers: see the *other* column)",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "FastAPI / Starlette / uvicorn": f"{fastapi.__version__} / {starlette.__version__} / "
        f"{uvicorn.__version__}",
        "Jinja2 / SQLAlchemy": f"{jinja2.__version__} / {sqlalchemy.__version__}",
        "wrk": wrk.split(" [")[0].strip() or "?",
        "paperfeed": f"{revision}{' with uncommitted changes' if dirty else ''}",
    }
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(postgres_url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["PostgreSQL"] = f"{row[0] if row else '?'} (same machine, default config)"
    return info


def label(name: str, path: str) -> str:
    """`/`, or "a paper page (`/papers/…`)": the endpoint's path, after its name if it has
    one."""
    return f"`{path}`" if name == path else f"{name} (`{path}`)"


def side_by_side(results: list[Result], endpoints: tuple[Endpoint, ...]) -> str:
    """Per server and endpoint: the page cache off and on side by side, each with its p99 and
    its requests/s as a ratio to the static file's on the same server in the same cache mode
    (the runs of one cache mode follow one another)."""
    by = {(r.server, r.cache, r.endpoint): r for r in results}
    servers = list(dict.fromkeys(r.server for r in results))
    lines = [
        "| server | endpoint | cache off: req/s | p99 (ms) | x static | cache on: req/s | "
        "p99 (ms) | x static | on / off |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for server in servers:
        for name, path, _graded in endpoints:
            cells = []
            for cache in ("off", "on"):
                r, static = by.get((server, cache, name)), by.get((server, cache, STATIC))
                if r is None:
                    cells += ["", "", ""]
                    continue
                errors = f" ({r.errors:,} errors)" if r.errors else ""
                ratio = f"{r.rps / static.rps:.2f}" if static and static.rps else ""
                cells += [f"{r.rps:,.0f}{errors}", f"{r.p99_ms:.1f}", ratio]
            off, on = by.get((server, "off", name)), by.get((server, "on", name))
            cells.append(f"{on.rps / off.rps:.2f}x" if off and on and off.rps else "")
            lines.append(f"| {server} | {label(name, path)} | {' | '.join(cells)} |")
    return "\n".join(lines)


def uncached_table(
    results: list[Result], endpoints: tuple[Endpoint, ...], workers: int
) -> tuple[str, list[str]]:
    """Issue 15's bar: each page with the page cache off, on `workers` workers, as a share of
    the static file's requests/s in the same run (0.25 for the search page, 0.5 for the
    others) with p99 <= 250 ms and no errors; and the endpoints that miss it. Beside it, the
    same with the read memo off too (every request reads the database)."""
    server = this_many(workers)
    by = {r.endpoint: r for r in results if r.server == server and r.cache == "off"}
    bare = {r.endpoint: r for r in results if r.server == server and r.cache == NO_MEMO}
    static, bare_static = by.get(STATIC), bare.get(STATIC)
    lines = [
        "| endpoint (page cache off, "
        f"{workers} workers) | req/s | static file req/s | x static | bar | p99 (ms) | bar | "
        "read memo off too: req/s | static file req/s | x static | p99 (ms) |",
        "|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|",
    ]
    misses: list[str] = []
    for name, path, graded in endpoints:
        r = by.get(name)
        if not graded or r is None or static is None or not static.rps:
            continue
        share = BAR_UNCACHED_SEARCH_SHARE if name == SEARCH_PATH else BAR_UNCACHED_SHARE
        ratio = r.rps / static.rps
        ok_share = ratio >= share and not r.errors
        ok_p99 = r.p99_ms <= BAR_UNCACHED_P99_MS
        if not (ok_share and ok_p99):
            misses.append(name)
        b = bare.get(name)
        if b is not None and bare_static is not None and bare_static.rps:
            errors = f" ({b.errors:,} errors)" if b.errors else ""
            without = (
                f"{b.rps:,.0f}{errors} | {bare_static.rps:,.0f} | {b.rps / bare_static.rps:.2f} | "
                f"{b.p99_ms:.1f}"
            )
        else:
            without = " | | | "
        lines.append(
            f"| {label(name, path)} | {r.rps:,.0f} | {static.rps:,.0f} | {ratio:.2f} | "
            f">= {share} {verdict(ok_share)} | {r.p99_ms:.1f} | "
            f"<= {BAR_UNCACHED_P99_MS:.0f} {verdict(ok_p99)} | {without} |"
        )
    return "\n".join(lines), misses


def verdict(ok: bool) -> str:
    return "pass" if ok else "**fail**"


def readme_paragraph(results: list[Result], workers: int, papers: int) -> str:
    """The README's figures, from this run."""
    many, one = this_many(workers), THIS_ONE

    def rps(server: str, cache: str, name: str) -> str:
        found = [r for r in results if (r.server, r.cache, r.endpoint) == (server, cache, name)]
        return f"{found[0].rps:,.0f}" if found else "?"

    def share(cache: str, name: str) -> str:
        mine = [r for r in results if (r.server, r.cache, r.endpoint) == (many, cache, name)]
        static = [r for r in results if (r.server, r.cache, r.endpoint) == (many, cache, STATIC)]
        return f"{mine[0].rps / static[0].rps:.2f}" if mine and static and static[0].rps else "?"

    return (
        f"{README_START}\n"
        + textwrap.fill(
            f"With {papers:,} papers on this project's 2-core machine, {workers} workers served "
            f"`/` at {rps(many, 'on', '/')} requests/s and `/api/daily_papers` at "
            f"{rps(many, 'on', '/api/daily_papers')} requests/s under 32 keep-alive "
            f"connections with the page cache on (the default), and with it off at "
            f"{rps(many, 'off', '/')} and {rps(many, 'off', '/api/daily_papers')} requests/s; "
            f"a paper page and a search page, which the cache never holds, at "
            f"{rps(many, 'off', PAPER)} and {rps(many, 'off', SEARCH_PATH)} requests/s. "
            f"With the cache off that is {share('off', '/')}, {share('off', PAPER)}, "
            f"{share('off', SEARCH_PATH)} and {share('off', '/api/daily_papers')} times "
            f"the requests/s of a static file served by the same workers in the same run, "
            f"with each page's reads reused from the read memo while nothing is written; with "
            f"the memo off too, every request reading the database, {share(NO_MEMO, '/')}, "
            f"{share(NO_MEMO, PAPER)}, {share(NO_MEMO, SEARCH_PATH)} and "
            f"{share(NO_MEMO, '/api/daily_papers')} times "
            f"(one process: `/` at {rps(one, 'off', '/')} requests/s with the cache off). "
            "Written by `bench/web.py` ([benchmarks](docs/benchmarks.md)).",
            95,
        )
        + f"\n{README_END}"
    )


def write_readme(paragraph: str) -> None:
    text = README.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start == -1 or end < start:
        raise SystemExit(f"README.md has no {README_START} ... {README_END} markers")
    README.write_text(text[:start] + paragraph + text[end + len(README_END) :])


def results_table(results: list[Result]) -> str:
    lines = [
        "| page cache | server | endpoint | requests | req/s | p50 (ms) | p99 (ms) | errors | "
        "answered by | server (cores) | wrk (cores) | other (cores) | bar |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for r in results:
        bar = ("pass" if r.passes else "**fail**") if r.graded else ""
        lines.append(
            f"| {r.cache} | {r.server} | {label(r.endpoint, r.path)} | {r.requests:,} | "
            f"{r.rps:,.0f} | "
            f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | {r.answered} | "
            f"{r.server_cores:.2f} | {r.wrk_cores:.2f} | {r.other_cores:.2f} | {bar} |"
        )
    return "\n".join(lines)


def scaling_table(results: list[Result], workers: int) -> tuple[str, list[str]]:
    """N workers against one process of this tree, per page cache mode and endpoint; and the
    failures of the scaling bar."""
    one = {(r.cache, r.endpoint): r for r in results if r.server == THIS_ONE}
    many = {(r.cache, r.endpoint): r for r in results if r.server == this_many(workers)}
    lines = [
        f"| page cache | endpoint | 1 process (req/s) | {workers} workers (req/s) | "
        f"{workers} workers / 1 | answered by | bar (>= {BAR_SCALING}x) |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    failures = []
    for key, r1 in one.items():
        rn = many.get(key)
        if rn is None:
            continue
        ratio = rn.rps / r1.rps
        bar = ""
        if r1.graded:
            bar = "pass" if ratio >= BAR_SCALING and rn.errors == 0 else "**fail**"
            if bar != "pass":
                failures.append(f"page cache {key[0]}, {key[1]}: {ratio:.2f}x")
        lines.append(
            f"| {key[0]} | {label(r1.endpoint, r1.path)} | {r1.rps:,.0f} | {rn.rps:,.0f} | "
            f"{ratio:.2f}x | "
            f"{rn.answered} | {bar} |"
        )
    return "\n".join(lines), failures


THIS_ONE = "this tree, 1 process"


def this_many(workers: int) -> str:
    return f"this tree, {workers} workers"


def _listed(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def cookie_text(endpoints: tuple[Endpoint, ...], cookies: dict[str, bool]) -> str:
    """What the servers were seen to do with a request that carries no cookie."""
    shown = {name: label(name, path) for name, path, _ in endpoints}
    setting = [shown[n] for n, _, _ in endpoints if cookies.get(n)]
    not_setting = [shown[n] for n, _, _ in endpoints if not cookies.get(n)]
    text = """A signed-out visitor's session is only a signed cookie holding a CSRF token (no
        database row; a session row exists once signed in, `paperfeed/web/session.py`), and
        the token is made when a page first hands one out."""
    if setting:
        text += f""" Checked on each server before it was loaded: {_listed(setting)}
            answered a request without a cookie with a new cookie and a fresh token, so every
            measured request to them is given one (with the page cache on, `/`'s cached bytes
            get each visitor's token put into their one form, the e-mail digest's)"""
        text += f"; {_listed(not_setting)} set none." if not_setting else "."
    else:
        text += " Checked on each server before it was loaded: no endpoint set a cookie."
    if cookies.get(PAPER):
        text += """ The paper page sets one although it shows a signed-out visitor no form
            with a token: `render()` (`paperfeed/web/page.py`) makes the token for every page
            it renders."""
    return text


def render_section(
    args: argparse.Namespace,
    info: dict[str, str],
    community: str,
    endpoints: tuple[Endpoint, ...],
    cookies: dict[str, bool],
    tables: list[str],
    command: str,
) -> str:
    machine = "\n".join(f"- {k}: {v}" for k, v in info.items())
    database = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    cores = os.cpu_count()
    graded = _listed([label(n, p) for n, p, g in endpoints if g])
    rounds = f"{args.rounds} round{'s' if args.rounds != 1 else ''}"
    never = _listed([label(n, p) for n, p, _ in endpoints if n in NEVER_CACHED])
    prose = [
        f"""Store: {args.papers:,} real quant-ph records (repeated with unique ids, imported with
        `paperfeed ingest jsonl`) and {community}, in {database}. Each server is `paperfeed
        serve` started as a child process on 127.0.0.1 with `search_model = none` (the store
        has a keyword index and no vectors: the search page runs keyword search, and a paper
        page's related papers are the keyword matches of its title) and the `workers` shown;
        with several, each worker listens on its own socket bound with SO_REUSEPORT and the
        kernel spreads new connections over them (`paperfeed/web/server.py`, `Listener`), and
        is a TCP socket, so asyncio sets TCP_NODELAY on what it accepts (on uvicorn's own
        shared socket it did not: each keep-alive response waited about 40 ms for a delayed
        ACK). The load generator is `wrk -t2 -c{args.connections} -d{args.seconds}s`:
        {args.connections} keep-alive connections, opened at the start and kept. The servers of
        one cache mode run side by side and each endpoint is loaded on each in turn, {rounds}
        (a 3 s warm-up before the first); each row is the server's fastest round, since other
        work on the shared machine only slows a run down (and costs N workers, which need N
        free cores, more than one process). Anonymous requests (no cookie), as a first visit or
        a crawler sends them.
        {cookie_text(endpoints, cookies)}""",
        f"""What is cached: with the page cache **on** (`page_cache_seconds = 2`, the default)
        each process renders `/` as signed-out visitors see it, and encodes the
        `/api/daily_papers` response, at most once every 2 s and answers the other requests
        from memory, even when the store has changed meanwhile in another process; **off**
        (`page_cache_seconds = 0`) every request renders. The page cache never holds {never},
        for signed-out visitors or anyone else: their routes (`paper_page` in
        `paperfeed/web/routes/papers.py`, `search_page` in `pages.py`) render on every request
        and never consult it. Beneath both, on every page and for members too, is the **read
        memo** (`read_memo_rows`, on by default; `paperfeed/store/memo.py`): each process keeps
        what its repository reads returned (a listing with its papers and counts, the
        neighbouring days, Hugging Face fields, comments, votes) and reuses one only while
        the store's change stamp is what it was when the read was made. Every request reads
        that stamp, one small query (on SQLite a counter every write transaction bumps, on
        PostgreSQL `pg_current_snapshot()`), so a reused read is exactly what the database
        would answer at that moment; a write in any process changes the stamp, and the next
        request reads again. The store takes no writes during these runs, so after its
        first request each page's reads come from the memo: the *read memo off too* columns
        (`read_memo_rows = 0`, the {args.workers}-worker server only, measured after the other
        modes with its own static-file run) show every request reading the database, which is
        what the first request after each write costs. A paper page's related papers (a
        title search in the keyword index) are kept in the read memo too, under the keyword
        index's generation as well (`SearchService.related`: the bytes of tantivy's
        meta.json, which every commit replaces), so they are searched again after a write to
        the store or the index; the search page's own results are never kept. On SQLite the
        listing pages, the paper page and `/api/daily_papers` run on each worker's event loop
        (`read_endpoint` in `paperfeed/web/deps.py`), the search page in its thread pool.
        Process-wide memos of rendered comment
        Markdown, TeX formulas and listing cards (`paperfeed/web/cards.py`, each card's HTML
        under everything it shows) serve in every mode. The SQLite file and the static file
        are in the operating system's page cache in all of them (warm after the warm-up). The
        static file row is the baseline of each server and mode: Starlette reading a file, the
        framework and wrk with no paperfeed code in the way; *x static* is an endpoint's
        requests/s over that file's on the same server in the same mode, whose runs follow one
        another.""",
        f"""How it is counted: *answered by* is the share of the requests each worker answered,
        counted from the server's access log (every line carries the pid of the process that
        wrote it). *server*, *wrk* and *other* are the cores each used during the run (CPU
        seconds over wall time, from /proc): the server's processes, the load generator, and
        everything else on the machine (other developers' work; each run first waits up to
        {QUIET_WAIT_S} s for fewer than {QUIET_CORES} cores busy). The load generator runs on
        the same {cores} cores as the server, so {args.workers} workers never have all {cores}
        to themselves: the scaling below is bounded by the cores wrk and the other work leave
        them. Bars: {args.workers} workers answer >= {BAR_SCALING}x the requests/s of one
        process on {graded} with the page cache off and on; each row >=
        {BAR_RPS:.0f} req/s with p99 <= {BAR_P99_MS:.0f} ms and no errors.""",
    ]
    text = "\n\n".join(textwrap.fill(" ".join(p.split()), 95) for p in prose)
    body = "\n\n".join(tables)
    return f"""{START_MARKER}
## Web: `/`, a paper page, a search page and `/api/daily_papers` at {args.papers:,} papers, \
1 process and {args.workers} workers

Run on {datetime.now(UTC).date().isoformat()} with `{command}` (`bench/web.py`).

{machine}

{text}

{body}
{END_MARKER}"""


def write_docs(section: str) -> None:
    text = DOCS.read_text()
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start != -1 and end > start:
        text = text[:start] + section + text[end + len(END_MARKER) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    partial = DOCS.with_suffix(".md.partial")
    partial.write_text(text)
    partial.replace(DOCS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each; the best is kept")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server processes of the measured configuration (default: one per core)",
    )
    parser.add_argument(
        "--before",
        default=None,
        metavar="REV",
        help="also serve the same store from this git revision, one process (e.g. main)",
    )
    parser.add_argument("--no-docs", action="store_true", help="print, do not write docs")
    parser.add_argument("--prepare-only", action="store_true", help="build the store and stop")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if args.workers < 2:
        raise SystemExit("--workers: at least 2 (the run compares them with one process)")
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    info = machine_info(args.database, args.postgres_url)
    for key, value in info.items():
        print(f"{key}: {value}")
    data_dir, url, community = prepare(args.papers, args.database, args.postgres_url)
    if args.prepare_only:
        return
    before = export_revision(args.before) if args.before else None
    results: list[Result] = []
    paper: str | None = None
    endpoints: tuple[Endpoint, ...] = ()
    cookies: dict[str, bool] = {}
    for cache, seconds in CACHE_MODES:
        servers = []
        if before is not None:
            servers.append(Server(f"{args.before} (before), 1 process", before, 1, cache, seconds))
        servers.append(Server(THIS_ONE, ROOT, 1, cache, seconds))
        servers.append(Server(this_many(args.workers), ROOT, args.workers, cache, seconds))
        found, endpoints, seen = run_servers(servers, data_dir, url, args, paper)
        if cookies and seen != cookies:
            raise SystemExit(f"the cache modes set cookies differently: {cookies} and {seen}")
        cookies = seen
        paper = {name: path for name, path, _ in endpoints}[PAPER].removeprefix("/papers/")
        results.extend(found)
    no_memo = Server(this_many(args.workers), ROOT, args.workers, NO_MEMO, "0", memo_rows="0")
    results.extend(run_servers([no_memo], data_dir, url, args, paper)[0])
    compared = side_by_side(results, endpoints)
    uncached, misses = uncached_table(results, endpoints, args.workers)
    scaling, failures = scaling_table(results, args.workers)
    table = results_table(results)
    print(compared)
    print()
    print(uncached)
    print()
    print(scaling)
    print()
    print(table)
    if failures:
        print(f"scaling bar ({BAR_SCALING}x) missed: {'; '.join(failures)}")
    if misses:
        print(f"uncached bar (issue 15) missed: {'; '.join(misses)}")
    if not args.no_docs:
        command = "python bench/web.py " + " ".join(sys.argv[1:])
        tables = [compared, uncached, scaling, table]
        section = render_section(args, info, community, endpoints, cookies, tables, command.strip())
        write_docs(section)
        write_readme(readme_paragraph(results, args.workers, args.papers))
        print(f"wrote {DOCS} and {README}")


if __name__ == "__main__":
    main()
