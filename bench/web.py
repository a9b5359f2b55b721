"""Benchmark the site: requests/s and latency of `/` and `/api/daily_papers` under load.

    python bench/web.py                    # 1,000,000 papers in SQLite, the full run
    python bench/web.py --papers 50000     # a quick run while developing
    python bench/web.py --before main      # also serve the same store from another revision

Prepares (once, cached under bench/out/web/) a store of N papers: real quant-ph records
repeated with rewritten ids (bench/ingest.py's generator), imported with `paperfeed ingest
jsonl`, keyword-indexed with `paperfeed index`, plus community data for the last DAYS days
(daily entries, members, votes, comments) written through the Store API. Then starts the real
server (`paperfeed serve` as a child process on 127.0.0.1) and loads each endpoint with `wrk`
at 32 connections. A static file served by the same process is the baseline: what the
framework and the load generator cost with no paperfeed code in the way. Writes its table into
docs/benchmarks.md between the bench:web markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import _ID_FIELD, GENERIC_SOURCE, build_input

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
UPDATE_RECORDS = 1000
BAR_RPS, BAR_P99_MS = 500.0, 100.0
ENDPOINTS = (
    ("static file (baseline)", "/static/style.css", False),
    ("/", "/", True),
    ("/api/daily_papers", "/api/daily_papers", True),
)


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


def daily_update(data_dir: Path, url: str, papers: int) -> None:
    """A day's ingest after the bulk import, as on a deployed site: UPDATE_RECORDS papers
    re-imported with changed metadata, then indexed. The search catch-up every `serve` runs
    re-reads the changes of the OVERLAP before the newest one; without this step that window
    holds the tail of the bulk import (the whole of it, when it took under OVERLAP), and each
    server start would re-index it for minutes."""
    from paperfeed.search.indexer import OVERLAP

    marker = data_dir / "updated.txt"
    if marker.is_file():
        return
    wait = OVERLAP.total_seconds() - (time.time() - (data_dir / "ready.txt").stat().st_mtime)
    if wait > 0:
        print(f"  waiting {wait:.0f} s so the bulk import leaves the catch-up window", flush=True)
        time.sleep(wait)
    update = OUT / "inputs" / f"update-{UPDATE_RECORDS}.jsonl"
    # The first UPDATE_RECORDS ids of the bulk input, each with the next records' metadata.
    with (OUT / "inputs" / f"quantph-{papers}.jsonl").open("rb") as fh:
        lines = [next(fh) for _ in range(2 * UPDATE_RECORDS)]
    with update.open("wb") as out:
        for old, new in zip(lines, lines[UPDATE_RECORDS:], strict=False):
            m = _ID_FIELD.match(old)
            assert m is not None
            out.write(_ID_FIELD.sub(m[0], new, count=1))
    env = _env(data_dir, url)
    _paperfeed(ROOT, env, "ingest", "jsonl", str(update))
    _paperfeed(ROOT, env, "index")
    marker.write_text(f"{UPDATE_RECORDS} papers updated\n")


# ------------------------------------------------------------------------------ the server


@dataclass
class Server:
    label: str
    source: Path
    workers: int
    process: subprocess.Popen[bytes] | None = None

    def start(self, data_dir: Path, url: str, port: int) -> None:
        extra = {"PAPERFEED_PORT": str(port), "PAPERFEED_WORKERS": str(self.workers)}
        env = {**_env(data_dir, url, extra), "PYTHONPATH": str(self.source)}
        log = (OUT / "logs" / f"server-{self.label.replace(' ', '_')}.log").open("wb")
        # cwd: `python -m` puts it first on sys.path, ahead of PYTHONPATH.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "paperfeed", "serve"],
            env=env,
            stdout=log,
            stderr=log,
            cwd=self.source,
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server ({self.label}) exited; see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css") as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"the server ({self.label}) did not start within 10 minutes")

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
    endpoint: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    load: str
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


def load(
    port: int, path: str, connections: int, seconds: int
) -> tuple[int, float, float, float, int]:
    """(requests, requests/s, p50 ms, p99 ms, errors) of one wrk run."""
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
    return int(total[1]), float(rps[1]), _ms(p50[1]), _ms(p99[1]), errors


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def check_pages(port: int) -> None:
    """The loaded endpoints answer with real content before they are measured."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/daily_papers") as r:
        body = r.read()
    if not body.startswith(b"[{"):
        raise SystemExit(f"/api/daily_papers returned no papers: {body[:200]!r}")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as r:
        page = r.read()
    if b"/papers/" not in page:
        raise SystemExit("/ lists no papers")


def run_server(
    server: Server, data_dir: Path, url: str, port: int, connections: int, seconds: int
) -> list[Result]:
    results = []
    print(f"server {server.label}: starting", flush=True)
    server.start(data_dir, url, port)
    try:
        check_pages(port)
        for name, path, graded in ENDPOINTS:
            load(port, path, connections, 3)  # warm-up: imports, caches, connection pools
            before = _loadavg()
            total, rps, p50, p99, errors = load(port, path, connections, seconds)
            result = Result(server.label, name, total, rps, p50, p99, errors, f"{before}", graded)
            print(
                f"  {name:<24} {rps:>8,.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                f"errors {errors}  (load {before})",
                flush=True,
            )
            results.append(result)
    finally:
        server.stop()
    return results


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
    info = {
        "CPU": f"{cpu[1] if cpu else platform.processor()}, {os.cpu_count()} cores "
        "(shared with other developers: see the load column)",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "FastAPI / Starlette / uvicorn": f"{fastapi.__version__} / {starlette.__version__} / "
        f"{uvicorn.__version__}",
        "Jinja2 / SQLAlchemy": f"{jinja2.__version__} / {sqlalchemy.__version__}",
        "wrk": wrk.split(" [")[0].strip() or "?",
    }
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(postgres_url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["PostgreSQL"] = f"{row[0] if row else '?'} (same machine, default config)"
    return info


def results_table(results: list[Result]) -> str:
    lines = [
        "| server | endpoint | requests | req/s | p50 (ms) | p99 (ms) | errors | load avg | bar |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        bar = ("pass" if r.passes else "**fail**") if r.graded else ""
        lines.append(
            f"| {r.server} | `{r.endpoint}` | {r.requests:,} | {r.rps:,.0f} | {r.p50_ms:.1f} | "
            f"{r.p99_ms:.1f} | {r.errors} | {r.load} | {bar} |"
        )
    return "\n".join(lines)


def render_section(
    args: argparse.Namespace, info: dict[str, str], community: str, tables: str, command: str
) -> str:
    machine = "\n".join(f"- {k}: {v}" for k, v in info.items())
    return f"""{START_MARKER}
## Web: `/` and `/api/daily_papers` at {args.papers:,} papers

Run on {datetime.now(UTC).date().isoformat()} with `{command}` (`bench/web.py`).

{machine}

Store: {args.papers:,} real quant-ph records (repeated with unique ids, imported with
`paperfeed ingest jsonl`) and {community}. Each server is `paperfeed serve` started as a
child process on 127.0.0.1 with `search_model = none` (the loaded pages do not search) and
the `workers` shown; the load generator is `wrk -t2 -c{args.connections} -d{args.seconds}s`
on the same 2-core machine, after a 3 s warm-up. Anonymous requests (no cookie), as a first
visit or a crawler sends them: each gets a fresh session cookie. *load avg* is the 1-minute
load average just before the run (other developers' work included). The static file row is
the baseline: the framework and wrk with no paperfeed code in the way. Bar: >= {BAR_RPS:.0f}
req/s with p99 <= {BAR_P99_MS:.0f} ms and no errors.

{tables}
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
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-docs", action="store_true", help="print, do not write docs")
    parser.add_argument("--prepare-only", action="store_true", help="build the store and stop")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    info = machine_info(args.database, args.postgres_url)
    for key, value in info.items():
        print(f"{key}: {value}")
    data_dir, url, community = prepare(args.papers, args.database, args.postgres_url)
    daily_update(data_dir, url, args.papers)
    if args.prepare_only:
        return
    servers = []
    if args.before:
        before = export_revision(args.before)
        servers.append(Server(f"{args.before} (before), 1 process", before, 1))
    servers.append(Server("this tree, 1 process", ROOT, 1))
    if args.workers > 1:
        servers.append(Server(f"this tree, {args.workers} workers", ROOT, args.workers))
    results: list[Result] = []
    for server in servers:
        results.extend(run_server(server, data_dir, url, args.port, args.connections, args.seconds))
    table = results_table(results)
    print(table)
    if not args.no_docs:
        command = "python bench/web.py " + " ".join(sys.argv[1:])
        write_docs(render_section(args, info, community, table, command.strip()))
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
