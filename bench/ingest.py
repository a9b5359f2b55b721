"""Import rate, peak memory and idempotent re-run time of `paperfeed ingest kaggle|jsonl`.

Builds N-record inputs by repeating the real records in ../shared/data with rewritten, unique
arXiv ids, runs the real CLI as a child process into an empty SQLite file and an empty
PostgreSQL schema, then runs the same command again (it must report 0 new, 0 updated).
The baseline in the same run writes the same rows into the same schema with nothing but
`json.loads` and the DB-API driver, so the table shows what validation, normalisation and the
idempotent merge cost on top of raw inserts.

    python bench/ingest.py                 # 200,000 and 1,000,000 records, into the docs
    python bench/ingest.py --quick         # 50,000 records, leaves the docs alone
    python bench/ingest.py --records 200000 --formats kaggle --databases sqlite --skip-baseline
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "arxiv"
KAGGLE_SOURCE = DATA / "kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head.jsonl"
GENERIC_SOURCE = DATA / "quant-ph" / "quantph_records.jsonl"
DOCS = ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- bench:ingest:start -->"
END_MARKER = "<!-- bench:ingest:end -->"

FULL_RECORDS = (200_000, 1_000_000)
QUICK_RECORDS = 50_000
FORMATS = ("kaggle", "jsonl")
DATABASES = ("sqlite", "postgresql")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
# Bars from the issue: first-run import rate per database, and peak RSS of any paperfeed run.
RATE_BARS = {"sqlite": 10_000, "postgresql": 5_000}
# And against the floor (issue 15): a first import at 0.6 of the baseline's rate or more, i.e.
# taking at most 1/0.6 of its wall time in the same run.
FLOOR_SHARE_BAR = 0.6
RSS_BAR_MB = 500
# Above this many cores of unrelated CPU use during a run, its wall time is flagged.
BUSY_CORES = 0.25
QUIET_WAIT_S = 600
DEFAULT_TIMEOUT_MIN = 30.0
# The baseline commits as often as paperfeed does with its default batch_size.
BASELINE_BATCH = 1000

# Synthetic ids: YYMM.NNNNN, YYMM spread over 1501..2412, ascending through the file like the
# real snapshot (which is sorted by id).
FIRST_YEAR, MONTHS = 15, 120
MAX_NUMBER = 99_999
_ID_FIELD = re.compile(rb'^\{"id":\s*"[^"]*"')
_SUMMARY = re.compile(r"(\d+) new, (\d+) updated, (\d+) unchanged, (\d+) skipped")


# ------------------------------------------------------------------------------- inputs


def synthetic_id(index: int, total: int) -> str:
    """The `index`-th of `total` unique new-style arXiv ids, ascending."""
    per_month = math.ceil(total / MONTHS)
    month, number = divmod(index, per_month)
    return f"{FIRST_YEAR + month // 12:02d}{month % 12 + 1:02d}.{number + 1:05d}"


def build_input(source: Path, target: Path, records: int) -> None:
    """Repeat the lines of `source` until `records` lines, rewriting only each line's id.

    Every other byte of a line is kept, so the quirks of the real records survive. Written to a
    temporary file and renamed, so an interrupted build is never mistaken for a cached one.
    """
    if records > MONTHS * MAX_NUMBER:
        raise SystemExit(f"at most {MONTHS * MAX_NUMBER:,} records fit the YYMM.NNNNN id scheme")
    lines = [line.rstrip(b"\n") for line in source.read_bytes().splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        if not _ID_FIELD.match(line):
            raise SystemExit(f"{source}:{number}: does not start with an id field")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for index in range(records):
            new_id = synthetic_id(index, records).encode()
            line = lines[index % len(lines)]
            out.write(_ID_FIELD.sub(b'{"id": "' + new_id + b'"', line, count=1))
            out.write(b"\n")
    partial.replace(target)


def input_file(work_dir: Path, fmt: str, records: int) -> Path:
    source = KAGGLE_SOURCE if fmt == "kaggle" else GENERIC_SOURCE
    target = work_dir / "inputs" / f"{fmt}-{records}.jsonl"
    if target.is_file():
        print(f"input  {target} (cached, {target.stat().st_size / 1e6:,.0f} MB)", flush=True)
        return target
    started = time.perf_counter()
    build_input(source, target, records)
    print(
        f"input  {target} built in {time.perf_counter() - started:.1f} s "
        f"({target.stat().st_size / 1e6:,.0f} MB)",
        flush=True,
    )
    return target


# ---------------------------------------------------------------------------- databases


@dataclass
class Database:
    """One empty database: a SQLite file or a fresh PostgreSQL schema."""

    backend: str
    url: str
    path: Path | None = None
    schema: str | None = None
    admin_url: str | None = None

    def size_bytes(self) -> int:
        if self.path is not None:
            return sum(
                p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists()
            )
        import psycopg

        with psycopg.connect(self.admin_url or "") as conn:
            row = conn.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
                (self.schema,),
            ).fetchone()
        return int(row[0]) if row else 0

    def count(self, table: str) -> int:
        if self.path is not None:
            with sqlite3.connect(self.path) as conn:
                return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        import psycopg

        with psycopg.connect(self.url) as conn:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0

    def drop(self) -> None:
        if self.path is not None:
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                p.unlink(missing_ok=True)
            return
        import psycopg

        with psycopg.connect(self.admin_url or "", autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


def new_database(backend: str, work_dir: Path, name: str, postgres_url: str) -> Database:
    if backend == "sqlite":
        path = work_dir / "db" / f"{name}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(backend, f"sqlite:///{path}", path=path)
        db.drop()
        return db
    import psycopg

    schema = f"bench_ingest_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{sep}options={quote(f'-csearch_path={schema}')}"
    return Database(backend, url, schema=schema, admin_url=postgres_url)


# Runs paperfeed's CLI from a snapshot directory rather than the editable install.
_FROM_SNAPSHOT = """
import sys
src = sys.argv.pop(1)
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in repr(f)]
sys.path.insert(0, src)
from paperfeed.cli import main
sys.argv[0] = "paperfeed"
main()
"""


_COMMAND_SCRIPT = """import sys
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in repr(f)]
sys.path.insert(0, {src!r})
from paperfeed.cli import main
if __name__ == "__main__":
    sys.argv[0] = "paperfeed"
    main()
"""


@dataclass(frozen=True)
class Target:
    """The paperfeed under test: the installed command (working tree), or a git revision
    exported under the work dir, so edits made while the benchmark runs cannot leak in."""

    command: tuple[str, ...]
    source: Path  # the directory holding the `paperfeed` package
    label: str

    @classmethod
    def working_tree(cls) -> Target:
        beside = Path(sys.executable).with_name("paperfeed")  # not a pyenv-style shim
        found = str(beside) if beside.is_file() else shutil.which("paperfeed")
        if found is None:
            raise SystemExit("the `paperfeed` command is not installed: pip install -e . first")
        return cls((str(Path(found).absolute()),), ROOT, f"working tree at {_git_revision()}")

    @classmethod
    def revision(cls, rev: str, work_dir: Path) -> Target:
        sha = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
        if sha is None:
            raise SystemExit(f"--revision: {rev!r} is not a commit of {ROOT}")
        source = work_dir / "src" / sha[:12]
        if not (source / "paperfeed").is_dir():
            partial = source.with_suffix(".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", sha, "paperfeed"],
                capture_output=True,
                check=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(partial)], input=archive, check=True)
            partial.replace(source)
        command = (sys.executable, "-c", _FROM_SNAPSHOT, str(source))
        return cls(command, source, f"{rev} = {sha[:10]}, exported")

    @classmethod
    def snapshot(cls, work_dir: Path) -> Target:
        """The working tree's package as it is now, copied under the work dir: for a tree
        that others keep editing while the benchmark runs."""
        base = cls.working_tree()
        digest = base.fingerprint()
        source = work_dir / "src" / f"tree-{digest}"
        if not (source / "paperfeed").is_dir():
            partial = source.with_suffix(".partial")
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(
                ROOT / "paperfeed",
                partial / "paperfeed",
                ignore=shutil.ignore_patterns("__pycache__"),
            )
            # A script, like the installed command: parser workers (spawned) import the main
            # module again, which `python -c` would spare them.
            (partial / "paperfeed-command.py").write_text(_COMMAND_SCRIPT.format(src=str(source)))
            partial.replace(source)
        command = (sys.executable, str(source / "paperfeed-command.py"))
        return cls(command, source, f"{base.label}, copied")

    def fingerprint(self) -> str:
        """A hash of the package source: one benchmark's numbers must come from one version."""
        digest = hashlib.sha1()
        for path in sorted((self.source / "paperfeed").rglob("*.py")):
            digest.update(str(path.relative_to(self.source)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:12]

    def run(self, *args: str) -> str:
        """Run the CLI unmeasured (e.g. `db upgrade`) and return its output."""
        done = subprocess.run(
            [*self.command, *args], capture_output=True, text=True, env=child_env(None)
        )
        if done.returncode != 0:
            raise SystemExit(f"paperfeed {' '.join(args[-2:])} failed: {done.stderr.strip()}")
        return done.stdout


def create_paperfeed_schema(target: Target, db: Database) -> None:
    """The baseline writes into exactly paperfeed's tables, indexes and keys, created by the
    migrations of the version under test."""
    target.run("--database-url", db.url, "db", "upgrade")


# ------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Measurement:
    """What one child process cost, and what else the machine did meanwhile."""

    wall_s: float
    cpu_s: float  # the child's own user + system time
    peak_rss_mb: float  # the child's and its own children's resident memory, together
    server_cpu_s: float | None  # local PostgreSQL processes, None for SQLite
    other_cores: float  # average cores busy with anything else (other sessions, …)
    timed_out: bool = False


@dataclass
class Run:
    """One measured child process and what it did."""

    fmt: str
    backend: str
    tool: str  # "paperfeed", "baseline" or "baseline COPY"
    attempt: str  # "first" or "re-run"
    records: int
    cost: Measurement
    outcome: str
    ok: bool
    db_size_mb: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    done: int | None = None  # records imported, when the run was stopped before the end

    @property
    def rate(self) -> float:
        return (self.records if self.done is None else self.done) / self.cost.wall_s


def child_env(work_dir: Path | None) -> dict[str, str]:
    """Defaults only: no PAPERFEED_* from the caller's shell, no config file from their data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    env["PAPERFEED_DATA_DIR"] = str((work_dir or ROOT / "bench" / "out") / "data")
    env["PYTHONUNBUFFERED"] = "1"
    return env


# Forks and waits for the measured command from a fresh, small interpreter: a child forked
# straight from this process would count our own pages in its ru_maxrss (Linux carries the
# high-water mark of the pre-exec address space over the exec). While it runs, the resident
# memory of the command and its own child processes (paperfeed's parser workers) is summed
# every 50 ms; the peak reported is the larger of that sum and the command's ru_maxrss.
# A run still going after its time limit gets SIGTERM and is reported as stopped.
_WRAPPER = """
import os, signal, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[3], sys.argv[3:])
expired = []
def stop(*_):
    expired.append(1)
    os.kill(pid, signal.SIGTERM)
signal.signal(signal.SIGALRM, stop)
signal.setitimer(signal.ITIMER_REAL, float(sys.argv[2]))
page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
def tree_rss_kib(root):
    # Resident memory of the process and every process under it (parser workers), together.
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page_kib
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            pass
    return total
peak_tree = 0
while True:
    try:
        done, status, u = os.wait4(pid, os.WNOHANG)
    except InterruptedError:
        continue
    if done:
        break
    peak_tree = max(peak_tree, tree_rss_kib(pid))
    time.sleep(0.05)
signal.setitimer(signal.ITIMER_REAL, 0)
with open(sys.argv[1], "w") as out:
    wall = time.perf_counter() - started
    out.write(f"{wall} {u.ru_utime + u.ru_stime} {max(u.ru_maxrss, peak_tree)} {len(expired)}")
sys.exit(os.waitstatus_to_exitcode(status))
"""
_TICKS = os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """CPU time all cores spent busy since boot (user, system, irq, steal), from /proc/stat."""
    fields = [int(x) for x in _read("/proc/stat").split("\n", 1)[0].split()[1:]]
    if len(fields) < 8:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / _TICKS


def _postgres_seconds() -> float:
    """CPU time of the local PostgreSQL server: every `postgres` process, plus the backends
    that have exited (the postmaster reaps them, so they land in its cutime/cstime)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        raw = _read(str(stat))
        if "(postgres)" not in raw:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / _TICKS


def wait_for_quiet(limit: float) -> None:
    """Hold the next run (up to `limit` seconds) while other work keeps the machine busy:
    on 2 cores, a test suite running beside the benchmark would be measured as paperfeed."""
    started = time.monotonic()
    told = False
    while time.monotonic() - started < limit:
        busy = _busy_seconds()
        time.sleep(2)
        load = (_busy_seconds() - busy) / 2
        if load < BUSY_CORES:
            return
        if not told:
            print(f"       waiting for a quiet machine ({load:.2f} cores busy)", flush=True)
            told = True


def measure(
    cmd: list[str], env: dict[str, str], log: Path, backend: str, timeout: float, quiet_wait: float
) -> tuple[Measurement, int, str, str]:
    """Run `cmd` (stopped after `timeout` seconds); return its cost, exit status, stdout, stderr.

    The peak RSS and CPU time are this one run's (the child's own rusage from wait4, which
    includes its parser workers, and their resident memory sampled together), not the
    running maximum over all children that RUSAGE_CHILDREN would give.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    usage_path = log.with_suffix(".usage")
    usage_path.unlink(missing_ok=True)
    wait_for_quiet(quiet_wait)
    busy, server = _busy_seconds(), _postgres_seconds()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        status = subprocess.run(
            [sys.executable, "-S", "-c", _WRAPPER, str(usage_path), str(timeout), *cmd],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
            check=False,
        ).returncode
    busy, server = _busy_seconds() - busy, _postgres_seconds() - server
    if not usage_path.is_file():
        raise SystemExit(f"{cmd[0]} was killed before it could report (exit {status})")
    wall, cpu, maxrss_kib, expired = (float(x) for x in usage_path.read_text().split())
    cost = Measurement(
        wall_s=wall,
        cpu_s=cpu,
        peak_rss_mb=maxrss_kib * 1024 / 1e6,  # ru_maxrss is in KiB on Linux
        server_cpu_s=server if backend == "postgresql" else None,
        other_cores=max(busy - cpu - server, 0.0) / wall,
        timed_out=bool(expired),
    )
    return (
        cost,
        status,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
    )


def _failure(status: int, out: str, err: str) -> str:
    tail = (err or out).strip().splitlines()[-5:]
    return f"failed (exit {status}): {' / '.join(tail)}"


@dataclass(frozen=True)
class Bench:
    """What every measured run of one benchmark shares."""

    target: Target
    fingerprint: str  # of the target's source when the benchmark started
    records: int
    work_dir: Path
    timeout: float
    postgres_url: str
    skip_baseline: bool
    quiet_wait: float


def run_paperfeed(bench: Bench, fmt: str, db: Database, path: Path, attempt: str) -> Run:
    target, records = bench.target, bench.records
    cmd = [*target.command, "--database-url", db.url, "ingest", fmt, str(path)]
    log = bench.work_dir / "logs" / f"paperfeed-{records}-{fmt}-{db.backend}-{attempt}"
    if target.fingerprint() != bench.fingerprint:
        raise SystemExit(
            f"{target.source / 'paperfeed'} changed while the benchmark was running; its "
            "numbers would mix two versions of the code. Run it again when the code is settled, "
            "or pin one with --revision HEAD."
        )
    cost, status, out, err = measure(
        cmd, child_env(bench.work_dir), log, db.backend, bench.timeout, bench.quiet_wait
    )
    if cost.timed_out:
        done = db.count("papers")
        outcome = (
            f"stopped at the {bench.timeout / 60:g}-minute limit: {done:,} of {records:,} imported"
        )
        return Run(fmt, db.backend, "paperfeed", attempt, records, cost, outcome, False, done=done)
    m = _SUMMARY.search(out)
    if status != 0 or m is None:
        return Run(
            fmt, db.backend, "paperfeed", attempt, records, cost, _failure(status, out, err), False
        )
    new, updated, unchanged, skipped = (int(g) for g in m.groups())
    counts = {"new": new, "updated": updated, "unchanged": unchanged, "skipped": skipped}
    if attempt == "first":
        ok = new == records and updated == 0 and skipped == 0
    else:
        ok = new == 0 and updated == 0 and unchanged == records and skipped == 0
    outcome = f"{new:,} new, {updated:,} updated, {unchanged:,} unchanged, {skipped:,} skipped"
    return Run(fmt, db.backend, "paperfeed", attempt, records, cost, outcome, ok, counts=counts)


def run_baseline(bench: Bench, fmt: str, db: Database, path: Path, attempt: str, mode: str) -> Run:
    records = bench.records
    cmd = [sys.executable, str(Path(__file__).resolve()), "_baseline", fmt, mode, db.url, str(path)]
    tool = "baseline COPY" if mode == "copy" else "baseline"
    log = bench.work_dir / "logs" / f"baseline-{mode}-{records}-{fmt}-{db.backend}-{attempt}"
    cost, status, out, err = measure(
        cmd, child_env(bench.work_dir), log, db.backend, bench.timeout, bench.quiet_wait
    )
    if status != 0:
        return Run(fmt, db.backend, tool, attempt, records, cost, _failure(status, out, err), False)
    papers = db.count("papers")
    ok = papers == records
    outcome = f"{papers:,} rows in papers" if attempt == "first" else "no-op (ON CONFLICT)"
    return Run(fmt, db.backend, tool, attempt, records, cost, outcome, ok)


# ----------------------------------------------------------------------------- baseline

PAPER_COLUMNS = (
    "id",
    "version",
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "published",
    "updated",
    "comments",
    "journal_ref",
    "doi",
    "report_no",
    "license",
    "submitter",
    "imported_upvotes",
    "deleted",
    "first_seen",
    "changed_at",
)
VERSION_COLUMNS = ("paper_id", "version", "submitted")


def baseline_rows(fmt: str, line: bytes, now: str) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """One record as raw column values: no cleaning, no date or author parsing, no merging.

    Dates go in as the source wrote them (SQLite stores text, PostgreSQL parses them);
    Kaggle's precomputed `authors_parsed` stands in for the parsed author list.
    """
    d = json.loads(line)
    if fmt == "kaggle":
        versions = d.get("versions") or []
        numbered = [(int(v["version"][1:]), v.get("created")) for v in versions]
        categories = d.get("categories") or ""
        paper = (
            d["id"],
            numbered[-1][0] if numbered else None,
            d["title"],
            d.get("abstract") or "",
            json.dumps(d.get("authors_parsed") or []),
            categories,
            categories.split(" ", 1)[0] or None,
            numbered[0][1] if numbered else None,
            numbered[-1][1] if numbered else None,
            d.get("comments"),
            d.get("journal-ref"),
            d.get("doi"),
            d.get("report-no"),
            d.get("license"),
            d.get("submitter"),
            0,
            False,
            now,
            now,
        )
        return paper, [(d["id"], n, created) for n, created in numbered]
    paper = (
        d["id"],
        None,
        d["title"],
        d.get("abstract") or "",
        "[]",
        "",
        None,
        d.get("date"),
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        0,
        False,
        now,
        now,
    )
    return paper, []


def _batches(path: Path, fmt: str) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    papers: list[tuple[Any, ...]] = []
    versions: list[tuple[Any, ...]] = []
    with path.open("rb") as fh:
        for line in fh:
            paper, vrows = baseline_rows(fmt, line, now)
            papers.append(paper)
            versions.extend(vrows)
            if len(papers) >= BASELINE_BATCH:
                yield papers, versions
                papers, versions = [], []
    if papers:
        yield papers, versions


def _insert_sql(table: str, columns: tuple[str, ...], keys: str, mark: str) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({keys}) DO NOTHING"
    )


def baseline_child(fmt: str, mode: str, url: str, path: Path) -> None:
    """The floor: json.loads per line, executemany (or COPY) per 1000 records, one
    transaction per batch, into the schema paperfeed uses."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        # The pragmas paperfeed sets on every connection.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        papers_sql = _insert_sql("papers", PAPER_COLUMNS, "id", "?")
        versions_sql = _insert_sql("paper_versions", VERSION_COLUMNS, "paper_id, version", "?")
        for papers, versions in _batches(path, fmt):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(papers_sql, papers)
            conn.executemany(versions_sql, versions)
            conn.execute("COMMIT")
        conn.close()
        return
    import psycopg

    with psycopg.connect(url) as pg:
        if mode == "copy":
            for papers, versions in _batches(path, fmt):
                with pg.transaction(), pg.cursor() as cur:
                    with cur.copy(f"COPY papers ({', '.join(PAPER_COLUMNS)}) FROM STDIN") as cp:
                        for row in papers:
                            cp.write_row(row)
                    with cur.copy(
                        f"COPY paper_versions ({', '.join(VERSION_COLUMNS)}) FROM STDIN"
                    ) as cp:
                        for row in versions:
                            cp.write_row(row)
            return
        papers_sql = _insert_sql("papers", PAPER_COLUMNS, "id", "%s")
        versions_sql = _insert_sql("paper_versions", VERSION_COLUMNS, "paper_id, version", "%s")
        for papers, versions in _batches(path, fmt):
            with pg.transaction(), pg.cursor() as cur:
                cur.executemany(papers_sql, papers)
                if versions:
                    cur.executemany(versions_sql, versions)


# ------------------------------------------------------------------------ machine, docs


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_info(target: Target, postgres_url: str | None) -> dict[str, str]:
    import orjson
    import psycopg
    import sqlalchemy

    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.MULTILINE)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.MULTILINE)
    info = {
        "CPU": f"{cpu[1] if cpu else platform.processor() or '?'}, {os.cpu_count()} cores",
        "RAM": f"{int(mem[1]) / 1024 / 1024:.1f} GiB" if mem else "?",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": "not used",
        "SQLAlchemy": sqlalchemy.__version__,
        "psycopg": f"{psycopg.__version__} ({psycopg.pq.__impl__}, libpq {psycopg.pq.version()})",
        "orjson": orjson.__version__,
        "paperfeed": f"{target.run('--version').split()[-1]} ({target.label}, "
        f"source {target.fingerprint()})",
    }
    if postgres_url:
        with psycopg.connect(postgres_url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["PostgreSQL"] = f"{row[0] if row else '?'} (same machine, default config)"
    return info


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _git_revision() -> str:
    rev = _git("rev-parse", "--short", "HEAD")
    if rev is None:
        return "no git"
    dirty = _git("status", "--porcelain", "--", "paperfeed")
    return f"{rev}{' + uncommitted changes' if dirty else ''}"


def _busy(r: Run) -> bool:
    return r.cost.other_cores > BUSY_CORES


def _baseline_of(r: Run, runs: list[Run]) -> Run | None:
    """The baseline run paperfeed's run `r` is compared with: same size, format, database and
    attempt, in the same benchmark."""
    if r.tool != "paperfeed":
        return None
    key = (r.records, r.fmt, r.backend, r.attempt)
    return next(
        (
            b
            for b in runs
            if b.tool == "baseline" and b.ok and (b.records, b.fmt, b.backend, b.attempt) == key
        ),
        None,
    )


def results_table(runs: list[Run]) -> str:
    lines = [
        "| records | format | database | run | command | wall (s) | records/s | vs baseline "
        "| CPU (s) | PG server CPU (s) | other load (cores) | peak RSS (MB) | DB size (MB) "
        "| result |",
        "|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        c = r.cost
        ref = _baseline_of(r, runs)
        ratio = f"{c.wall_s / ref.cost.wall_s:.2f}x" if ref else ""
        server = f"{c.server_cpu_s:,.1f}" if c.server_cpu_s is not None else ""
        size = f"{r.db_size_mb:,.0f}" if r.db_size_mb is not None else ""
        other = f"{c.other_cores:.2f}{' †' if _busy(r) else ''}"
        flag = "" if r.ok else " **(unexpected)**"
        lines.append(
            f"| {r.records:,} | {r.fmt} | {r.backend} | {r.attempt} | {r.tool} | {c.wall_s:,.1f} | "
            f"{r.rate:,.0f} | {ratio} | {c.cpu_s:,.1f} | {server} | {other} | "
            f"{c.peak_rss_mb:,.0f} | {size} | {r.outcome}{flag} |"
        )
    return "\n".join(lines)


def findings(runs: list[Run]) -> list[str]:
    """Plain statements of which bars are met, computed from the runs."""
    out = []
    firsts = [r for r in runs if r.tool == "paperfeed" and r.attempt == "first"]
    for r in firsts:
        bar = RATE_BARS[r.backend]
        verdict = "meets" if r.ok and r.rate >= bar else "does **not** meet"
        stopped = ""
        if r.cost.timed_out:
            stopped = (
                f" It was stopped at the time limit with {r.done or 0:,} of {r.records:,} "
                "records imported, so the rate is over those, and there is no re-run."
            )
        out.append(
            f"- `ingest {r.fmt}` of {r.records:,} into {r.backend}: {r.rate:,.0f} records/s, "
            f"which {verdict} the bar of {bar:,}/s.{stopped}"
        )
        ref = _baseline_of(r, runs)
        if ref is not None and r.ok:
            share = ref.cost.wall_s / r.cost.wall_s
            verdict = "meets" if share >= FLOOR_SHARE_BAR else "does **not** meet"
            busy = " (†: the machine was busy, see below)" if _busy(r) or _busy(ref) else ""
            out.append(
                f"  Against the floor in the same run: {share:.2f} of its rate (wall "
                f"{r.cost.wall_s / ref.cost.wall_s:.2f}x, CPU "
                f"{r.cost.cpu_s / ref.cost.cpu_s:.2f}x), which {verdict} the bar of "
                f"{FLOOR_SHARE_BAR}{busy}."
            )
    ours = [r for r in runs if r.tool == "paperfeed"]
    if ours:
        worst = max(ours, key=lambda r: r.cost.peak_rss_mb)
        verdict = "under" if worst.cost.peak_rss_mb < RSS_BAR_MB else "**over**"
        out.append(
            f"- Peak RSS of the paperfeed processes (the importer and its parser workers, "
            f"summed): at most {worst.cost.peak_rss_mb:,.0f} MB "
            f"({worst.fmt} into {worst.backend}, {worst.attempt}), {verdict} the {RSS_BAR_MB} MB "
            "bar. The PostgreSQL server's own memory is not included."
        )
    for r in (r for r in ours if r.attempt == "re-run"):
        first = next(
            (f for f in firsts if (f.records, f.fmt, f.backend) == (r.records, r.fmt, r.backend)),
            None,
        )
        share = f", {r.cost.wall_s / first.cost.wall_s:.0%} of the first run" if first else ""
        verdict = "changed nothing" if r.ok else "**was not idempotent**"
        out.append(
            f"- The second `ingest {r.fmt}` of {r.records:,} into {r.backend} {verdict} "
            f"({r.outcome}) and took "
            f"{r.cost.wall_s:,.1f} s{share}."
        )
    busy = [r for r in runs if _busy(r)]
    if busy:
        out.append(
            f"- {len(busy)} run(s) marked † shared the machine with other work (more than "
            f"{BUSY_CORES} of a core busy outside the measured process and PostgreSQL), so "
            "their wall times are pessimistic; compare CPU (s) instead."
        )
    failed = [r for r in runs if not r.ok]
    if failed:
        out.append(f"- {len(failed)} run(s) did not produce the expected result; see the table.")
    return out


def render_section(sizes: list[int], info: dict[str, str], runs: list[Run], command: str) -> str:
    machine = "\n".join(f"- {k}: {v}" for k, v in info.items())
    records = " and ".join(f"{n:,}" for n in sizes)
    return f"""{START_MARKER}
## Ingest: Kaggle and generic JSON Lines at {records} records

Run on {datetime.now(UTC).date().isoformat()} with `{command}` (`bench/ingest.py`).

{machine}

Inputs: the 200 real Kaggle snapshot records and the 38,858 quant-ph records, repeated to
{records} lines each with unique `YYMM.NNNNN` ids; everything but the id is byte-for-byte
real. Each row is one `paperfeed --database-url URL ingest kaggle|jsonl FILE` child process
(start-up and migration included) into an empty SQLite file or an empty PostgreSQL schema,
then the same command again; records/s is records over wall time. *baseline* writes the
same rows into the same tables (same indexes and keys, one transaction per
{BASELINE_BATCH:,} records) with `json.loads` and `sqlite3`/psycopg `executemany` of
`INSERT … ON CONFLICT DO NOTHING`, without validation or merging (it leaves `change_seq` at its
default and `first_day` empty, and stores dates as the source wrote them); *baseline COPY* is
PostgreSQL's bulk path. CPU is the command's own with its parser workers (`wait4` rusage,
per run); peak RSS is the command's and its parser workers' resident memory summed, sampled
every 50 ms; PG server CPU is what the local PostgreSQL processes used meanwhile; other load is the
average number of cores busy with anything else.

{results_table(runs)}

What this shows:

{chr(10).join(findings(runs))}
- "vs baseline" is paperfeed's wall time over the raw-insert floor's (the baseline row of
  the same size, format, database and attempt; the bar is {1 / FLOOR_SHARE_BAR:.2f}x): what
  parsing, normalisation (author lists, LaTeX accents, dates) and the load-compare-merge
  write path cost. On the second run the floor does nothing but hit the primary key, while
  paperfeed re-reads and re-compares every stored row, which is the price of reporting
  "unchanged" truthfully.
{END_MARKER}"""


def write_docs(doc: Path, section: str) -> None:
    """Replace our section between the markers, leaving other benchmarks' sections alone."""
    text = (
        doc.read_text()
        if doc.is_file()
        else (
            "# Benchmarks\n\nEach section is written by a script in `bench/`; "
            "re-run it to refresh the numbers.\n"
        )
    )
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start != -1 and end > start:
        text = text[:start] + section + text[end + len(END_MARKER) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    partial = doc.with_suffix(".md.partial")
    partial.write_text(text)
    partial.replace(doc)


# ---------------------------------------------------------------------------------- main


def _csv(value: str, allowed: tuple[str, ...]) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)}")
    return items


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(v.replace("_", "")) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("give record counts such as 200000,1000000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("record counts must be at least 1")
    return sizes


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "--records",
        type=_sizes,
        default=None,
        help="records per input file, or several sizes separated by commas, each a row of "
        f"the table (default {','.join(str(n) for n in FULL_RECORDS)}; --quick: "
        f"{QUICK_RECORDS})",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_RECORDS:,} records, and leave docs/benchmarks.md alone",
    )
    p.add_argument(
        "--formats",
        type=lambda v: _csv(v, FORMATS),
        default=list(FORMATS),
        help="kaggle,jsonl (default both)",
    )
    p.add_argument(
        "--databases",
        type=lambda v: _csv(v, DATABASES),
        default=list(DATABASES),
        help="sqlite,postgresql (default both)",
    )
    p.add_argument("--skip-baseline", action="store_true", help="only time paperfeed")
    p.add_argument(
        "--work-dir",
        type=Path,
        default=ROOT / "bench" / "out",
        help="inputs (cached between runs), databases and logs (default bench/out)",
    )
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("PAPERFEED_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help=f"server to create scratch schemas in (default {DEFAULT_POSTGRES})",
    )
    p.add_argument(
        "--revision",
        default=None,
        help="benchmark paperfeed as committed at this git revision (exported under the work "
        "dir) instead of the installed working tree, e.g. while the tree is being edited",
    )
    p.add_argument(
        "--snapshot",
        action="store_true",
        help="benchmark a copy of the working tree's package taken at the start (under the "
        "work dir), so that edits made meanwhile cannot leak in",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_MIN,
        help="minutes after which a run is stopped and reported as such (default "
        f"{DEFAULT_TIMEOUT_MIN:.0f}; the slowest bar allows under 4 minutes for 1M records)",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=QUIET_WAIT_S,
        help="seconds to hold each run while other work keeps the machine busy (default "
        f"{QUIET_WAIT_S}); a run that starts on a busy machine is marked † in the table",
    )
    p.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    args = p.parse_args(argv)
    if args.records is None:
        args.records = [QUICK_RECORDS] if args.quick else list(FULL_RECORDS)
    return args


def bench_one(bench: Bench, fmt: str, backend: str, path: Path) -> list[Run]:
    runs: list[Run] = []

    def report(run: Run) -> None:
        runs.append(run)
        c = run.cost
        print(
            f"{run.fmt:6} {run.backend:10} {run.tool:13} {run.attempt:6} "
            f"{c.wall_s:8.1f} s {run.rate:9,.0f}/s cpu {c.cpu_s:7.1f} s "
            f"other {c.other_cores:4.2f} {c.peak_rss_mb:6,.0f} MB  {run.outcome}"
            f"{'' if run.ok else '  <-- UNEXPECTED'}",
            flush=True,
        )

    db = new_database(backend, bench.work_dir, f"{fmt}-paperfeed", bench.postgres_url)
    try:
        first = run_paperfeed(bench, fmt, db, path, "first")
        if first.ok:
            first.db_size_mb = db.size_bytes() / 1e6
            first.outcome += f"; {db.count('paper_versions'):,} versions"
        report(first)
        # A re-run over an incomplete import would import the rest, not test idempotence.
        if first.ok:
            report(run_paperfeed(bench, fmt, db, path, "re-run"))
    finally:
        db.drop()
    if bench.skip_baseline:
        return runs
    modes = ["insert", "copy"] if backend == "postgresql" else ["insert"]
    for mode in modes:
        db = new_database(backend, bench.work_dir, f"{fmt}-baseline-{mode}", bench.postgres_url)
        try:
            create_paperfeed_schema(bench.target, db)
            base = run_baseline(bench, fmt, db, path, "first", mode)
            if base.ok:
                base.db_size_mb = db.size_bytes() / 1e6
            report(base)
            if mode == "insert":
                report(run_baseline(bench, fmt, db, path, "re-run", mode))
        finally:
            db.drop()
    return runs


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> None:
    # `kill` should still drop the scratch schemas and files (the finally blocks).
    signal.signal(signal.SIGTERM, _interrupted)
    if argv[:1] == ["_baseline"]:
        baseline_child(argv[1], argv[2], argv[3], Path(argv[4]))
        return
    args = parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    # Two benchmarks in one work dir would delete each other's databases (and share 2 cores).
    lock = (args.work_dir / ".lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"another bench/ingest.py is running in {args.work_dir}") from None
    if args.revision:
        target = Target.revision(args.revision, args.work_dir)
    elif args.snapshot:
        target = Target.snapshot(args.work_dir)
    else:
        target = Target.working_tree()
    fingerprint = target.fingerprint()
    postgres = args.postgres_url if "postgresql" in args.databases else None
    info = machine_info(target, postgres)
    print("\n".join(f"{k:11} {v}" for k, v in info.items()), flush=True)
    sizes = ", ".join(f"{n:,}" for n in args.records)
    print(f"records    {sizes} per format", flush=True)
    runs: list[Run] = []
    for records in args.records:
        bench = Bench(
            target=target,
            fingerprint=fingerprint,
            records=records,
            work_dir=args.work_dir,
            timeout=args.timeout * 60,
            postgres_url=args.postgres_url,
            skip_baseline=args.skip_baseline,
            quiet_wait=args.quiet_wait,
        )
        for fmt in args.formats:
            path = input_file(args.work_dir, fmt, records)
            for backend in args.databases:
                runs.extend(bench_one(bench, fmt, backend, path))
    print()
    print(results_table(runs))
    print()
    print("\n".join(findings(runs)))
    results = args.work_dir / f"ingest-{'-'.join(str(n) for n in args.records)}.json"
    results.write_text(
        json.dumps(
            {"records": args.records, "machine": info, "runs": [asdict(r) for r in runs]}, indent=2
        )
    )
    print(f"\nraw results: {results}")
    if not (args.quick or args.no_docs):
        command = "python bench/ingest.py" + " ".join(["", *argv]).rstrip()
        write_docs(DOCS, render_section(args.records, info, runs, command))
        print(f"wrote the ingest section of {DOCS}")
    if any(not r.ok for r in runs):
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
