"""Time to compose and hand every digest to a local SMTP server, and peak memory.

10,000 confirmed subscribers, each with two saved searches and a category, against N papers
(default 1,000,000): the real quant-ph records in ../shared/data repeated with rewritten ids,
synthetic categories, authors and upvotes, and published dates spread so that each day has
about 1,000 new papers. The digests of the last day are sent with `DigestSender` (ledger,
lease, Jinja2 rendering, smtplib) to an aiosmtpd server in another process.

Saved searches run on the keyword index (tantivy BM25, the keyword half of the hybrid search)
through the same adapter as the hybrid search. The baseline in the same run composes by
running every subscriber's searches one by one (the naive design), on a sample.

The database and index are built once and cached under bench/out/ (gitignored); each run
works on a copy.

    python bench/digest.py                      # 1,000,000 papers, writes docs/benchmarks.md
    python bench/digest.py --papers 100000      # smaller, still writes the docs (says so)
    python bench/digest.py --papers 20000 --no-docs
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from paperfeed.digest.compose import SearchFn, compose, index_period  # noqa: E402
from paperfeed.digest.deliver import DigestSender, compose_period, plan  # noqa: E402
from paperfeed.digest.links import Links  # noqa: E402
from paperfeed.digest.schedule import period_containing  # noqa: E402
from paperfeed.digest.searching import saved_search  # noqa: E402
from paperfeed.mail.smtp import SmtpClient, SmtpConfig  # noqa: E402
from paperfeed.models import (  # noqa: E402
    Author,
    Batch,
    Hit,
    IndexDoc,
    Paper,
    SearchFilters,
    SearchResults,
    SubscriptionContent,
    Why,
)
from paperfeed.search.keyword_index import KeywordIndex  # noqa: E402
from paperfeed.search.query import parse_query  # noqa: E402
from paperfeed.secret import Secret  # noqa: E402
from paperfeed.store import Store  # noqa: E402

SOURCE = ROOT.parent / "shared" / "data" / "arxiv" / "quant-ph" / "quantph_records.jsonl"
OUT = ROOT / "bench" / "out"
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:digest:start -->", "<!-- bench:digest:end -->"
PER_DAY = 1_000
LAST_DAY = datetime(2026, 11, 25)
CATEGORIES = [
    "quant-ph",
    "cs.LG",
    "cs.CL",
    "cs.CV",
    "cs.AI",
    "stat.ML",
    "math.OC",
    "hep-th",
    "hep-ph",
    "gr-qc",
    "cond-mat.str-el",
    "cond-mat.mes-hall",
    "physics.optics",
    "physics.atom-ph",
    "cs.IT",
    "math.PR",
    "math.AP",
    "cs.DS",
    "cs.CR",
    "cs.NE",
    "eess.SP",
    "eess.SY",
    "astro-ph.CO",
    "astro-ph.GA",
    "nlin.CD",
    "math-ph",
    "cs.RO",
    "cs.DC",
    "q-bio.NC",
    "econ.EM",
]
LINKS = Links("https://papers.example.org", "paperfeed <digest@example.org>", Secret("bench"))


def synthetic(rng: random.Random) -> tuple[tuple[str, ...], tuple[Author, ...], int]:
    cats = tuple(dict.fromkeys(rng.choice(CATEGORIES) for _ in range(rng.randint(1, 3))))
    authors = tuple(Author(f"Author {rng.randint(1, 20_000)}") for _ in range(rng.randint(1, 6)))
    upvotes = rng.choice((0, 0, 0, 0, 1, 2, 3, 5, 8, 13, 40))
    return cats, authors, upvotes


def build(workdir: Path, n_papers: int, n_subscribers: int, n_queries: int) -> None:
    """The cached database and keyword index; idempotent (a marker says it is complete)."""
    marker = workdir / "ready.json"
    params = {"papers": n_papers, "subscribers": n_subscribers, "queries": n_queries}
    if marker.exists() and json.loads(marker.read_text()) == params:
        return
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    started = time.monotonic()
    records = [json.loads(line) for line in SOURCE.open()]
    rng = random.Random(7)
    store = Store.open(f"sqlite:///{workdir / 'paperfeed.db'}")
    index = KeywordIndex(workdir / "index")
    first_day = LAST_DAY - timedelta(days=(n_papers - 1) // PER_DAY)
    papers: list[Paper] = []
    docs: list[IndexDoc] = []
    now = datetime(2026, 11, 26)
    titles_of_last_day: list[str] = []
    for k in range(n_papers):
        rec = records[k % len(records)]
        published = first_day + timedelta(days=k // PER_DAY, hours=12)
        cats, authors, upvotes = synthetic(rng)
        paper = Paper(
            arxiv_id=f"b{k // len(records):02d}-{k % len(records):05d}",
            title=rec["title"],
            abstract=rec["abstract"],
            authors=authors,
            categories=cats,
            published=published,
            imported_upvotes=upvotes,
        )
        papers.append(paper)
        docs.append(
            IndexDoc(
                paper.arxiv_id,
                paper.title,
                rec["abstract"],
                tuple(a.name for a in authors),
                cats,
                published,
                False,
                now,
            )
        )
        if published.date() == LAST_DAY.date():
            titles_of_last_day.append(rec["title"])
        if len(papers) == 5_000:
            store.papers.write(Batch(papers=papers))
            papers = []
        if len(docs) == 100_000:
            index.update(docs)
            docs = []
        if k % 100_000 == 0:
            print(f"  built {k:,} papers in {time.monotonic() - started:.0f} s", flush=True)
    store.papers.write(Batch(papers=papers))
    index.update(docs)
    # Saved searches: two-word phrases from recent titles (so they match like real ones do),
    # plus rarer ones from older titles; subscribers pick them with a skewed distribution.
    pool: list[str] = []
    for title in titles_of_last_day + [r["title"] for r in records[:5000]]:
        words = [w for w in title.lower().split() if w.isalpha() and len(w) > 4]
        if len(words) >= 2:
            pool.append(" ".join(words[:2]))
    queries = list(dict.fromkeys(pool))[:n_queries]
    weights = [1 / (i + 1) for i in range(len(queries))]
    for i in range(n_subscribers):
        store.subscriptions.save(
            f"reader{i:05d}@example.org",
            SubscriptionContent(
                period="daily",
                queries=tuple(dict.fromkeys(rng.choices(queries, weights, k=2))),
                categories=(rng.choice(CATEGORIES),),
            ),
            status="active",
            now=now,
        )
    store.close()
    print(f"  built the cache in {time.monotonic() - started:.0f} s", flush=True)
    marker.write_text(json.dumps(params))


class KeywordEngine:
    """The keyword half of the hybrid search, behind the same interface as SearchService."""

    def __init__(self, store: Store, index: KeywordIndex) -> None:
        self.store = store
        self.index = index

    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 20,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
    ) -> SearchResults:
        found = self.index.search(parse_query(query), filters, limit=limit)
        papers = self.store.papers.get_many([i for i, _ in found.hits])
        hits = [
            Hit(papers[i], score, Why(keyword_rank=rank))
            for rank, (i, score) in enumerate(found.hits, 1)
            if i in papers
        ]
        return SearchResults(query, "keyword", hits, found.total)


def smtp_server(port: int, received: Any, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with received.get_lock():
                received.value += 1
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


def measure_send(workdir: Path) -> dict[str, Any]:
    """One run of `digest send` for the last day, in this (fresh) process."""
    db = workdir / "run.db"
    shutil.copy(workdir / "paperfeed.db", db)
    port = free_port()
    received = mp.Value("i", 0)
    ready = mp.Event()
    server = mp.Process(target=smtp_server, args=(port, received, ready), daemon=True)
    server.start()
    ready.wait(30)
    store = Store.open(f"sqlite:///{db}")
    engine = KeywordEngine(store, KeywordIndex(workdir / "index"))
    period = period_containing("daily", LAST_DAY.date())
    started = time.monotonic()
    cpu = time.process_time()
    load = os.getloadavg()[0]
    with SmtpClient(SmtpConfig("127.0.0.1", port, timeout=30)) as mailer:
        summary = DigestSender(store, mailer, LINKS, saved_search(engine, store)).run(period=period)
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu
    load = max(load, os.getloadavg()[0])
    time.sleep(0.5)
    server.kill()
    server.join()
    server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    store.close()
    db.unlink()
    return {
        "seconds": elapsed,
        "sent": summary.sent,
        "empty": summary.empty,
        "received": received.value,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_s": cpu,
        "server_cpu_s": server_cpu.ru_utime + server_cpu.ru_stime,
        "load": load,
    }


def measure_compose(workdir: Path, sample: int) -> dict[str, Any]:
    """Composing only: ours (each distinct saved search once) against the naive design
    (every subscriber's searches run for that subscriber), the latter on a sample."""
    store = Store.open(f"sqlite:///{workdir / 'paperfeed.db'}", migrate=False)
    engine = KeywordEngine(store, KeywordIndex(workdir / "index"))
    search: SearchFn = saved_search(engine, store)
    period = period_containing("daily", LAST_DAY.date())
    (p,) = plan(store, datetime(2026, 11, 26, 12), kinds=("daily",), period=period)
    subs = p.fresh
    started = time.monotonic()
    digests = compose_period(store, period, subs, search)
    ours = time.monotonic() - started
    distinct = len({q for s in subs for q in s.content.queries})
    papers = sum(len(d.items) for d in digests)
    started = time.monotonic()
    new = index_period(
        store.papers.get_many(store.listings.ids_on_days(period.start, period.last)).values(),
        store.papers.upvote_counts(store.listings.ids_on_days(period.start, period.last)),
    )
    for s in subs[:sample]:
        matches = {q: list(search(q, period)) for q in s.content.queries}
        compose(s, period, new, matches)
    naive = (time.monotonic() - started) * len(subs) / min(sample, len(subs))
    store.close()
    return {
        "subscribers": len(subs),
        "distinct_searches": distinct,
        "papers_listed": papers,
        "compose_s": ours,
        "naive_s": naive,
        "sample": min(sample, len(subs)),
    }


def child(mode: str, workdir: Path, sample: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            mode,
            "--workdir",
            str(workdir),
            "--sample",
            str(sample),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def write_docs(table: str) -> None:
    text = DOCS.read_text()
    block = f"{START}\n{table}\n{END}"
    if START in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n## E-mail digests\n\n" + block + "\n"
    DOCS.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--papers", type=int, default=1_000_000)
    ap.add_argument("--subscribers", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=500, help="distinct saved searches")
    ap.add_argument("--sample", type=int, default=500, help="subscribers in the naive baseline")
    ap.add_argument("--no-docs", action="store_true")
    ap.add_argument("--child", choices=("send", "compose"), help=argparse.SUPPRESS)
    ap.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        fn = measure_send if args.child == "send" else measure_compose
        result = fn(args.workdir) if args.child == "send" else fn(args.workdir, args.sample)
        print(json.dumps(result))
        return
    workdir = OUT / f"digest-{args.papers}-{args.subscribers}"
    print(f"cache: {workdir}", flush=True)
    build(workdir, args.papers, args.subscribers, args.queries)
    send = child("send", workdir, args.sample)
    comp = child("compose", workdir, args.sample)
    import aiosmtpd
    import sqlalchemy
    import tantivy  # type: ignore[import-untyped]

    versions = (
        f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}, "
        f"SQLAlchemy {sqlalchemy.__version__}, {getattr(tantivy, '__version__', 'tantivy')}, "
        f"aiosmtpd {aiosmtpd.__version__}"
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    bar = "yes" if send["seconds"] <= 120 else "**no**"
    size_note = (
        ""
        if args.papers >= 1_000_000
        else f"\n\n**Run at {args.papers:,} papers, not the 1,000,000 of the bar.**"
    )
    header = (
        f"`python bench/digest.py --papers {args.papers}` at {commit}, "
        f"{datetime.now():%Y-%m-%d}; {os.cpu_count()} cores, shared with other developers' "
        f"work (load below); {versions}. SQLite, one sender process, aiosmtpd in "
        f"another process on 127.0.0.1.{size_note}\n\n"
        f"{args.subscribers:,} confirmed daily subscribers, each with two saved searches (from "
        f"a pool of {args.queries} phrases, skewed: {comp['distinct_searches']} distinct in "
        f"use) and one category; {args.papers:,} papers, {PER_DAY:,} of them new on the "
        "digest's day. Saved searches run on the tantivy keyword index.\n"
    )
    rows = [
        (
            "compose + ledger + render + SMTP hand-off, all due digests",
            f"**{send['seconds']:.1f} s** (bar: 120 s: {bar})",
        ),
        (
            "digests sent / accepted by the SMTP server / empty (not sent)",
            f"{send['sent']:,} / {send['received']:,} / {send['empty']:,}",
        ),
        ("throughput", f"{send['sent'] / send['seconds']:,.0f} digests/s"),
        (
            "CPU time: sending process / SMTP server process",
            f"{send['cpu_s']:.1f} s / {send['server_cpu_s']:.1f} s",
        ),
        (
            "load average on the 2-core machine during the run (max of start, end)",
            f"{send['load']:.1f}",
        ),
        ("peak RSS of the sending process", f"{send['peak_rss_mb']:,.0f} MB"),
        (
            "compose only: each distinct saved search once per period (ours)",
            f"{comp['compose_s']:.1f} s for {comp['subscribers']:,} subscribers "
            f"({comp['papers_listed']:,} papers listed)",
        ),
        (
            "compose only: every subscriber's searches run for that subscriber (baseline)",
            f"{comp['naive_s']:.1f} s (measured on {comp['sample']:,} subscribers, scaled)",
        ),
    ]
    table = header + "\n| measure | value |\n|---|---|\n"
    table += "\n".join(f"| {k} | {v} |" for k, v in rows)
    print(table)
    if not args.no_docs:
        write_docs(table)
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
