"""Benchmark the speed of members' recommendations (issue 16, item 7): the daily run for
10,000 readers over a day's 1,000 new papers (bar: 60 s), and a reader's `/for-you` page at
1,000,000 papers (bar: p95 50 ms).

    python bench/recommend_speed.py                      # both parts
    python bench/recommend_speed.py --part daily         # the daily run only
    python bench/recommend_speed.py --part page --papers 200000
    python bench/recommend_speed.py --part docs          # docs/benchmarks.md from the last runs

The daily run. A SQLite store of the 38,858 real quant-ph records (`paperfeed ingest jsonl`),
the 1,000 with the latest dates listed on the day after the last (the newest listed day), and
10,000 members who each saved 5-20 papers drawn around a random seed paper: the seed and
papers near it in the `words` view's LSA rows (the fitted feature space's own), so each reader
has a topic; a tenth of them also follow a category. Written through the Store API once and
kept (bench/out/recommend_speed/); every run starts from a copy. The feature space is fitted
beforehand (`Recommender.open`, not timed). Timed: `recommend_new(store, recommender, now)` for
every reader, as the job calls it. Then the same run again for the first --profile-readers
readers (`readers=`, the checkpoint set back a day) with a timer around each step it takes, for
where the time goes.

The baseline, in the same run: the same readers and candidates ranked by the pure ranker alone
(`paperfeed.recommend.ranker`), with the candidates' and readers' feature rows and signals
already in memory and nothing read or written: `recommend()` (fit_profile, then rank with the
top KEEP explained) per reader, which is the floor for the store code's calls; and the ranker's
batched path (`score_many` over readers in blocks, then `rank(scores=...)`), the floor for any
code at all. Both make the lists `recommend_new` stores (checked).

The page. bench/web.py's prepared store of N papers (its preparation: run it first or let this
script run it), where some members get saved papers, follows and a stored list of
recommendations (`store.recommendations.replace`, 50 listed papers each, with reasons). The real
server (`paperfeed serve`, one process) is loaded with `wrk` on `/for-you` with one member's
session cookie, beside the same server's static file (the baseline: the framework and wrk with
no paperfeed code in the way) and `/api/v1/recommendations` with an API token.

Prints the machine, versions and load averages; writes docs/benchmarks.md between the
recommend-speed markers.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web as web_bench

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "recommend_speed"
DOCS = ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- recommend-speed:start -->"
END_MARKER = "<!-- recommend-speed:end -->"
SOURCE = ROOT.parent / "shared" / "data" / "arxiv" / "quant-ph" / "quantph_records.jsonl"

READERS = 10_000
NEW_PAPERS = 1_000
SAVED = (5, 20)  # papers each reader saved
NEAR_POOL = 3  # a reader's papers are drawn from the seed's nearest NEAR_POOL * n papers
FOLLOWING = 0.1  # share of readers who also follow a category
BAR_SECONDS = 60.0
BAR_P95_MS = 50.0
BATCH = 500  # readers per score_many block in the batched baseline
LAYOUT = 2  # the readers' store: 2 = a second day's papers held out
SEED = 16

PAGE_MEMBERS = 200  # members given a list on the page's store
PAGE_SAVED = 20
PAGE_LIST = 50


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg()}] {text}", flush=True)


def machine_info() -> dict[str, str]:
    import numpy
    import scipy
    import sklearn
    import sqlalchemy

    info = web_bench.machine_info("sqlite", web_bench.DEFAULT_POSTGRES)
    info["NumPy / SciPy / scikit-learn"] = (
        f"{numpy.__version__} / {scipy.__version__} / {sklearn.__version__}"
    )
    info["SQLAlchemy"] = sqlalchemy.__version__
    info["CPU"] = info["CPU"].replace(" (shared with other developers: see the *other* column)", "")
    info["CPU"] += " (shared with other developers: see the load averages)"
    return info


# ------------------------------------------------------------------------- the daily run


@dataclass
class Prepared:
    db: Path
    data_dir: Path
    now: datetime
    notes: dict[str, Any]


def _newest_records(count: int) -> list[str]:
    rows = [json.loads(line) for line in SOURCE.read_text().splitlines() if line.strip()]
    rows.sort(key=lambda r: (r["date"], r["id"]))
    return [r["id"] for r in rows[-count:]]


def prepare_readers() -> Prepared:
    """The readers' store (cached): papers, the newest day's listing, 10,000 members' saves
    and follows, and the fitted feature space."""
    from paperfeed.feed.recommending import Recommender
    from paperfeed.store import Store

    base = OUT / "readers"
    db, data_dir, marker = base / "pristine.db", base / "data", base / "ready.json"
    if marker.is_file():
        notes = json.loads(marker.read_text())
        if notes.get("layout") == LAYOUT:
            say(f"readers' store {db} (cached; set up in {notes['setup_s']:.0f} s)")
            return Prepared(db, data_dir, datetime.fromisoformat(notes["now"]), notes)
    if base.exists():
        shutil.rmtree(base)
    data_dir.mkdir(parents=True)
    url = f"sqlite:///{db}"
    notes: dict[str, Any] = {}
    started = time.perf_counter()
    env = web_bench._env(data_dir, url)
    subprocess.run(
        [sys.executable, "-m", "paperfeed", "ingest", "jsonl", str(SOURCE)], env=env, check=True
    )
    notes["ingest_s"] = time.perf_counter() - started
    say(f"imported {SOURCE.name} in {notes['ingest_s']:.0f} s")
    rng = random.Random(SEED)
    with Store.open(url) as store:
        last = store.listings.latest_day()
        assert last is not None
        day = last + timedelta(days=1)
        now = datetime(day.year, day.month, day.day, 12)
        # The newest 2,000 records: the first day's papers and the second's (listed by the
        # run, between the two timed days); readers save among the others.
        held = _newest_records(2 * NEW_PAPERS)
        new, second = held[:NEW_PAPERS], held[NEW_PAPERS:]
        t = time.perf_counter()
        with store.transaction():
            for pid in new:
                store.moderation.feature(pid, day, "bench", "bench")
        notes["list_s"] = time.perf_counter() - t
        t = time.perf_counter()
        recommender = Recommender.open(store, data_dir)
        notes["fit_s"] = time.perf_counter() - t
        say(f"listed {len(new):,} papers on {day}; feature space fitted in {notes['fit_s']:.0f} s")
        # Readers' topics: a random seed paper and its nearest papers in the words view's LSA.
        t = time.perf_counter()
        fresh = set(held)
        old = [pid for pid in store.papers.ids() if pid not in fresh]
        lsa = np.zeros((len(old), recommender.space.words.components.shape[0]), np.float32)
        for lo in range(0, len(old), 4000):
            chunk = old[lo : lo + 4000]
            papers = store.papers.get_many(chunk)
            texts = [f"{papers[i].title}. {papers[i].abstract or ''}".strip() for i in chunk]
            lsa[lo : lo + len(chunk)] = recommender.space.words.transform(texts)[1]
        seeds = [rng.randrange(len(old)) for _ in range(READERS)]
        sizes = [rng.randint(*SAVED) for _ in range(READERS)]
        chosen: list[list[str]] = []
        for lo in range(0, READERS, 500):
            sims = lsa[seeds[lo : lo + 500]] @ lsa.T
            for k, row in enumerate(sims):
                n = sizes[lo + k]
                near = np.argpartition(-row, NEAR_POOL * n)[: NEAR_POOL * n]
                near = near[np.argsort(-row[near])]
                picks = [int(near[0]), *rng.sample([int(i) for i in near[1:]], n - 1)]
                chosen.append([old[i] for i in picks])
        notes["topics_s"] = time.perf_counter() - t
        say(f"readers' topics drawn in {notes['topics_s']:.0f} s")
        t = time.perf_counter()
        saves = follows = 0
        for lo in range(0, READERS, 500):
            with store.transaction():
                for n in range(lo, min(lo + 500, READERS)):
                    user = store.accounts.ensure_user(f"reader-{n}@bench.invalid")
                    for pid in chosen[n]:
                        store.library.save(user.id, pid)
                        saves += 1
                    if rng.random() < FOLLOWING:
                        store.follows.follow(user.id, "category", "quant-ph")
                        follows += 1
        notes["save_s"] = time.perf_counter() - t
        say(f"{READERS:,} members, {saves:,} saves, {follows:,} follows in {notes['save_s']:.0f} s")
        notes.update(
            layout=LAYOUT,
            second_day=second,
            papers=len(store.papers.ids()),
            day=day.isoformat(),
            now=now.isoformat(),
            saves=saves,
            follows=follows,
            readers=len(store.recommendations.readers()),
            candidates=len(store.listings.ids_on_days(day, day)),
        )
    notes["setup_s"] = time.perf_counter() - started
    marker.write_text(json.dumps(notes, indent=1))
    return Prepared(db, data_dir, now, notes)


@dataclass
class Timers:
    """Seconds and calls per step, from wrappers put around recommend_new's steps."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def wrap(self, name: str | Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            key = name(*args, **kwargs) if callable(name) else name
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[key] += time.perf_counter() - t
                self.calls[key] += 1

        return timed


@contextmanager
def instrumented(store: Any, timers: Timers) -> Iterator[None]:
    """Timers around every step recommend_new takes (undone on exit)."""
    import paperfeed.feed.recommending as rec
    from paperfeed.recommend.features import FeatureSpace

    patches: list[tuple[Any, str, Any]] = [
        (
            rec.Recommender,
            "signals_of",
            timers.wrap("reading signals", rec.Recommender.signals_of),
        ),
        (rec.Recommender, "rows", timers.wrap("reading papers", rec.Recommender.rows)),
        (FeatureSpace, "transform", timers.wrap("transforming", FeatureSpace.transform)),
        (rec, "fit_profile", timers.wrap("fitting profiles", rec.fit_profile)),
        (rec, "rank", timers.wrap("ranking (no explanations)", rec.rank)),
        (rec, "explained", timers.wrap("explaining the papers put on lists", rec.explained)),
        (rec, "score_many", timers.wrap("scoring", rec.score_many)),
        (rec, "score", timers.wrap("scoring", rec.score)),
        (store.follows, "of_members", timers.wrap("reading follows", store.follows.of_members)),
        (rec, "_follow_bonus", timers.wrap("follow bonus", rec._follow_bonus)),
        (
            store.recommendations,
            "listed",
            timers.wrap("reading earlier lists", store.recommendations.listed),
        ),
        (rec, "_gone", timers.wrap("reading saves and dismissals", rec._gone)),
        (rec, "_amend", timers.wrap("merging with earlier lists", rec._amend)),
        (store.recommendations, "amend", timers.wrap("writing", store.recommendations.amend)),
        (
            rec.Recommender,
            "term_counts",
            timers.wrap("reading kept term counts", rec.Recommender.term_counts),
        ),
        (
            rec.Recommender,
            "keep_term_counts",
            timers.wrap("keeping term counts", rec.Recommender.keep_term_counts),
        ),
    ]
    original_transaction = store.transaction

    @contextmanager
    def transaction() -> Iterator[Any]:
        cm = original_transaction()
        conn = cm.__enter__()
        try:
            yield conn
        except BaseException:
            if not cm.__exit__(*sys.exc_info()):
                raise
        else:
            t = time.perf_counter()
            cm.__exit__(None, None, None)
            timers.seconds["committing"] += time.perf_counter() - t
            timers.calls["committing"] += 1

    saved = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in patches]
    for obj, attr, new in patches:
        setattr(obj, attr, new)
    store.transaction = transaction
    try:
        yield
    finally:
        for obj, attr, old in saved:
            setattr(obj, attr, old)
        del store.transaction


# Nested steps: their time is inside the outer one's and is taken out of it.
_INSIDE = {"transforming": "reading papers"}
_ORDER = (
    "reading kept term counts",
    "reading signals",
    "reading papers",
    "transforming",
    "fitting profiles",
    "scoring",
    "reading follows",
    "follow bonus",
    "ranking (no explanations)",
    "reading earlier lists",
    "reading saves and dismissals",
    "merging with earlier lists",
    "explaining the papers put on lists",
    "writing",
    "committing",
    "keeping term counts",
)


def breakdown(timers: Timers, total: float) -> list[tuple[str, float, int]]:
    own = dict(timers.seconds)
    for inner, outer in _INSIDE.items():
        own[outer] = own.get(outer, 0.0) - own.get(inner, 0.0)
    rows = [(name, own.get(name, 0.0), timers.calls.get(name, 0)) for name in _ORDER]
    rows.append(("the rest (the follow lift, the loops)", total - sum(own.values()), 0))
    return rows


def _work_copy(prepared: Prepared, name: str) -> tuple[str, Path]:
    """A fresh copy of the readers' store and its data directory (the fitted space; the term
    counts a run keeps go there too, not into the pristine one)."""
    work = OUT / "readers" / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copy(prepared.db, work / "store.db")
    shutil.copytree(prepared.data_dir, work / "data")
    return f"sqlite:///{work / 'store.db'}", work / "data"


def _list_second_day(store: Any, prepared: Prepared) -> datetime:
    """List the second day's papers (not timed); the time of the second day's run."""
    day = (prepared.now + timedelta(days=1)).date()
    with store.transaction():
        for pid in prepared.notes["second_day"]:
            store.moderation.feature(pid, day, "bench", "bench")
    return prepared.now + timedelta(days=1)


def _timed_day(store: Any, data_dir: Path, now: datetime, label: str) -> dict[str, Any]:
    """The recommendations job's work for a day, timed: opening the recommender (loading the
    fitted space, transforming the background) and `recommend_new` for every reader."""
    from paperfeed.feed.recommending import Recommender, recommend_new

    web_bench.wait_for_quiet()
    load_before = loadavg()
    say(f"timing Recommender.open and recommend_new for every reader: {label}")
    cpu = time.process_time()
    t = time.perf_counter()
    recommender = Recommender.open(store, data_dir)
    opened = time.perf_counter() - t
    report = recommend_new(store, recommender, now)
    total = time.perf_counter() - t
    cpu = time.process_time() - cpu
    assert report is not None and report.readers == READERS, report
    say(
        f"{label}: open {opened:.1f} s, recommend_new {report.line()} in {total - opened:.1f} "
        f"s; the job {total:.1f} s ({READERS / total:,.0f} readers/s; CPU {cpu:.1f} s)"
    )
    return {
        "open_s": opened,
        "run_s": total - opened,
        "total_s": total,
        "cpu_s": cpu,
        "candidates": report.candidates,
        "load": f"{load_before} before, {loadavg()} after",
    }


def run_daily(args: argparse.Namespace) -> dict[str, Any]:
    from paperfeed.feed.recommending import KEEP, Recommender
    from paperfeed.recommend.ranker import fit_profile, rank, recommend, score_many
    from paperfeed.store import Store

    prepared = prepare_readers()
    url, data_dir = _work_copy(prepared, "timed")
    result: dict[str, Any] = {"notes": prepared.notes, "keep": KEEP}
    with Store.open(url) as store:
        who = store.recommendations.readers()
        assert len(who) == READERS, len(who)
        latest = store.listings.latest_day()
        assert latest is not None
        result["first"] = _timed_day(store, data_dir, prepared.now, "the first day")
        stored = {
            uid: [r.paper_id for r in store.recommendations.of(uid, limit=KEEP)] for uid in who
        }
        listed = sum(len(v) for v in stored.values())
        second_now = _list_second_day(store, prepared)
        result["second"] = _timed_day(store, data_dir, second_now, "the second day")
        recommender = Recommender.open(store, data_dir)
        after = {uid: store.recommendations.of(uid, limit=KEEP) for uid in who}
        came = sum(r.made_at == second_now for recs in after.values() for r in recs)
        result["second"].update(
            came=came,
            left=listed - sum(len(v) for v in after.values()) + came,
            listed=listed,
        )
        say(f"second day: {came:,} new recommendations on the lists, of {listed:,} listed")
        # The baselines' inputs: the first day's readers and candidates.
        candidates = recommender.rows(store.listings.ids_on_days(latest, latest))
        signals = recommender.signals_of(who)
        theirs = sorted({p.paper_id for s in signals.values() for p in s.positives})
        known = recommender.rows(theirs)
        space, background = recommender.space, recommender.background

    # Where the time goes on the second day: the same two days on another copy, the second
    # with a timer around each step (the timers cost a little; the timed run had none).
    url, data_dir = _work_copy(prepared, "instrumented")
    with Store.open(url) as store:
        from paperfeed.feed.recommending import recommend_new

        recommender = Recommender.open(store, data_dir)
        sample = store.recommendations.readers()[: args.profile_readers]
        recommend_new(store, recommender, prepared.now)
        second_now = _list_second_day(store, prepared)
        timers = Timers()
        profiler = cProfile.Profile() if args.cprofile else None
        with instrumented(store, timers):
            if profiler is not None:
                profiler.enable()
            t = time.perf_counter()
            everyone = len(sample) == READERS  # then as the job runs, keeping term counts
            recommend_new(store, recommender, second_now, readers=None if everyone else sample)
            profiled_total = time.perf_counter() - t
            if profiler is not None:
                profiler.disable()
        result["steps"] = breakdown(timers, profiled_total)
        result["profiled"] = (len(sample), profiled_total)
        say(f"instrumented second day over {len(sample):,} readers: {profiled_total:.1f} s")
        for name, seconds, calls in result["steps"]:
            print(
                f"    {name:<44} {seconds:8.2f} s  {100 * seconds / profiled_total:5.1f}%  {calls}"
            )
        if profiler is not None:
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(30)
            (OUT / "cprofile.txt").write_text(text.getvalue())
            print(text.getvalue()[:6000])

    # The baselines: the first day's readers and candidates, in memory, the pure ranker alone.
    web_bench.wait_for_quiet()
    say("baseline: recommend() per reader, features in memory")
    t = time.perf_counter()
    per_reader = {
        uid: [
            r.paper_id
            for r in recommend(
                signals[uid], known, candidates, space, limit=KEEP, background=background
            )
        ]
        for uid in who
    }
    result["floor_s"] = time.perf_counter() - t
    say(f"  {result['floor_s']:.1f} s ({READERS / result['floor_s']:,.0f} readers/s)")
    say(f"baseline: score_many in blocks of {BATCH}, then rank(scores=...)")
    t = time.perf_counter()
    batched: dict[int, list[str]] = {}
    for lo in range(0, len(who), BATCH):
        block = who[lo : lo + BATCH]
        profiles = [fit_profile(signals[uid], known, space) for uid in block]
        scores = score_many(profiles, candidates, background)
        for uid, profile, row in zip(block, profiles, scores, strict=True):
            batched[uid] = [r.paper_id for r in rank(profile, candidates, limit=KEEP, scores=row)]
    result["batched_s"] = time.perf_counter() - t
    say(f"  {result['batched_s']:.1f} s ({READERS / result['batched_s']:,.0f} readers/s)")
    result["same_lists"] = (
        sum(stored[u] == per_reader[u] for u in who),
        sum(stored[u] == batched[u] for u in who),
        len(who),
    )
    say(
        f"same first-day lists as recommend_new stored (per reader, batched): "
        f"{result['same_lists']}"
    )
    return result


# ------------------------------------------------------------------------------ the page


SECRET = "recommend-speed-bench-secret"
WRK_SCRIPT = """
headers = {}
values = {%s}
local n = 0
request = function()
  n = n + 1
  if #values > 0 then headers["%s"] = values[(n %% #values) + 1] end
  return wrk.format("GET", "%s", headers)
end
done = function(summary, latency, requests)
  for _, p in pairs({50, 95, 99}) do
    io.write(string.format("PERCENTILE %%d %%d\\n", p, latency:percentile(p)))
  end
end
"""


@dataclass
class PageStore:
    data_dir: Path
    url: str
    members: list[int]
    notes: dict[str, Any]


def prepare_page(papers: int) -> PageStore:
    """A copy of bench/web.py's store of `papers` papers (prepared by it if need be) where
    PAGE_MEMBERS members saved papers, follow an author, a category and a search, and have a
    list of recommendations made by `recommend_new` over the last days' papers (cached)."""
    from paperfeed.feed.recommending import CHECKPOINT, SPACE_FILE, Recommender, recommend_new
    from paperfeed.store import Store

    base = OUT / f"page-{papers}"
    marker = base / "ready.json"
    if marker.is_file():
        notes = json.loads(marker.read_text())
        say(f"page store {base} (cached)")
        return PageStore(base, f"sqlite:///{base / 'paperfeed.db'}", notes["members"], notes)
    source_dir, _url, community = web_bench.prepare(papers, "sqlite", web_bench.DEFAULT_POSTGRES)
    if base.exists():
        shutil.rmtree(base)
    started = time.perf_counter()
    subprocess.run(["cp", "-a", "--reflink=auto", str(source_dir), str(base)], check=True)
    (base / "ready.txt").unlink(missing_ok=True)
    notes: dict[str, Any] = {"community": community, "copy_s": time.perf_counter() - started}
    url = f"sqlite:///{base / 'paperfeed.db'}"
    rng = random.Random(SEED)
    # The space fitted on the readers' store: the same records, so fitted again here it would
    # differ only by which 20,000 are newest (and cost minutes on this machine).
    space = OUT / "readers" / "data" / SPACE_FILE
    if not space.is_file():
        raise SystemExit(f"{space} is missing: run --part daily first")
    shutil.copy(space, base / SPACE_FILE)
    with Store.open(url) as store:
        t = time.perf_counter()
        recommender = Recommender.open(store, base)
        notes["open_s"] = time.perf_counter() - t
        latest = store.listings.latest_day()
        assert latest is not None
        recent = store.listings.ids_on_days(latest - timedelta(days=59), latest)
        everything = store.papers.ids()
        members: list[int] = []
        t = time.perf_counter()
        with store.transaction():
            for n in range(PAGE_MEMBERS):
                user = store.accounts.ensure_user(f"for-you-{n}@bench.invalid")
                members.append(user.id)
                half = PAGE_SAVED // 2
                for pid in rng.sample(recent, half) + rng.sample(everything, PAGE_SAVED - half):
                    store.library.save(user.id, pid)
                store.follows.follow(user.id, "category", "quant-ph")
                store.follows.follow(user.id, "author", "John Preskill")
                store.follows.follow(user.id, "search", "quantum error correction")
        notes["members_s"] = time.perf_counter() - t
        now = datetime.combine(latest, datetime.min.time()) + timedelta(hours=12)
        t = time.perf_counter()
        report = recommend_new(store, recommender, now, readers=members)
        notes["recommend_s"] = time.perf_counter() - t
        # The day done, as the daily job would leave it: the server's recommendations job then
        # finds no new day, and the page is measured without a daily run beside it.
        store.checkpoints.set(CHECKPOINT, latest.isoformat())
        assert report is not None
        notes["report"] = report.line()
        lengths = [len(store.recommendations.of(uid, limit=100)) for uid in members]
        notes["list_lengths"] = (min(lengths), max(lengths))
        notes["papers"] = len(everything)
    notes["members"] = members
    marker.write_text(json.dumps(notes, indent=1))
    say(f"page store ready: {notes}")
    return PageStore(base, url, members, notes)


def wrk_run(
    port: int, path: str, header: str, values: list[str], connections: int, seconds: int
) -> dict[str, float]:
    """requests/s and p50/p95/p99 (ms) of one wrk run, each request carrying `header` with
    the next of `values` (none when empty)."""
    quoted = ", ".join(json.dumps(v) for v in values)
    script = OUT / "logs" / "wrk.lua"
    script.write_text(WRK_SCRIPT % (quoted, header, path))
    out = subprocess.run(
        [
            "wrk",
            "-t1" if connections == 1 else "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pct = {int(a): int(b) / 1000 for a, b in re.findall(r"^PERCENTILE (\d+) (\d+)$", out, re.M)}
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", out, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if not (rps and total and len(pct) == 3):
        raise SystemExit(f"could not read wrk's output:\n{out}")
    errors = (int(non2xx[1]) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return {
        "requests": int(total[1]),
        "rps": float(rps[1]),
        "p50": pct[50],
        "p95": pct[95],
        "p99": pct[99],
        "errors": errors,
    }


def run_page(args: argparse.Namespace) -> dict[str, Any]:
    import urllib.request

    from paperfeed.store import Store
    from paperfeed.web.session import COOKIE, Session, SessionCodec

    page = prepare_page(args.papers)
    codec = SessionCodec(SECRET)
    with Store.open(page.url) as store:
        cookies = [
            f"{COOKIE}="
            + codec.dump(Session(store.accounts.start_session(uid, timedelta(days=2)), "bench"))
            for uid in page.members
        ]
        tokens = ["Bearer " + store.accounts.create_api_token(uid, "bench") for uid in page.members]
        first = store.recommendations.of(page.members[0], limit=5)
    os.environ["PAPERFEED_SECRET_KEY"] = SECRET
    (web_bench.OUT / "logs").mkdir(parents=True, exist_ok=True)
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    endpoints = (
        ("static file, the baseline", "/static/style.css", "X-Bench", []),
        ("/for-you (session cookie)", "/for-you", "Cookie", cookies),
        ("/api/v1/recommendations (API token)", "/api/v1/recommendations", "Authorization", tokens),
    )
    results: list[dict[str, Any]] = []
    for memo, rows in (("on", None), ("off", "0")):
        server = web_bench.Server(
            f"1 process, read memo {memo}", ROOT, 1, "default", "2", memo_rows=rows
        )
        say(f"server {server.label}: starting")
        server.start(page.data_dir, page.url, web_bench.free_port())
        try:
            base = f"http://127.0.0.1:{server.port}"
            request = urllib.request.Request(base + "/for-you", headers={"Cookie": cookies[0]})
            with urllib.request.urlopen(request) as r:
                body = r.read().decode()
                if r.status != 200 or r.geturl() != base + "/for-you":
                    raise SystemExit(f"/for-you answered {r.status} from {r.geturl()}")
            missing = [rec.paper_id for rec in first if rec.paper_id not in body]
            if missing or ("Sign out" not in body and "sign out" not in body.lower()):
                raise SystemExit(f"/for-you does not show the member's list: missing {missing}")
            for name, path, header, values in endpoints:
                # Warm-up: every member's page asked once (a reader's page is read again and
                # again; its first read after a change, which fills the read memo, is what
                # the read-memo-off server measures), then 3 s of wrk.
                for value in values:
                    warm = urllib.request.Request(base + path, headers={header: value})
                    with urllib.request.urlopen(warm) as r:
                        r.read()
                for connections in args.connection_levels:
                    wrk_run(server.port, path, header, values, connections, 3)  # warm-up
                    web_bench.wait_for_quiet()
                    load_before = loadavg()
                    cpu = server.cpu_seconds()
                    m = wrk_run(server.port, path, header, values, connections, args.seconds)
                    # The server's CPU per request: what a request costs whatever else runs.
                    m["cpu_ms"] = 1000 * (server.cpu_seconds() - cpu) / max(m["requests"], 1)
                    m.update(
                        server=server.label,
                        endpoint=name,
                        connections=connections,
                        load=load_before,
                    )
                    results.append(m)
                    say(
                        f"  {server.label:<26} {name:<38} c={connections:<3} "
                        f"{m['rps']:8,.0f} req/s  p50 {m['p50']:6.1f}  p95 {m['p95']:6.1f}  "
                        f"p99 {m['p99']:6.1f} ms  errors {m['errors']}  "
                        f"server CPU {m['cpu_ms']:.1f} ms/request"
                    )
        finally:
            server.stop()
    return {"notes": page.notes, "results": results, "papers": args.papers}


# ---------------------------------------------------------------------------------- docs


def _fill(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), 95)


def daily_section(d: dict[str, Any]) -> str:
    n = d["notes"]
    first, second = d["first"], d["second"]
    floor, batched = d["floor_s"], d["batched_s"]

    def verdict(seconds: float) -> str:
        return "meets" if seconds <= BAR_SECONDS else "misses"

    rows = [
        "| run | what it does | opening s | recommend_new s | the job's seconds | CPU s | "
        "readers/s | x the per-reader floor | bar (60 s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, day, what in (
        (
            "paperfeed, first day",
            first,
            "no earlier lists, no kept term counts: every reader's top "
            f"{d['keep']} explained and written",
        ),
        (
            "paperfeed, second day",
            second,
            "the next day's papers merged with the first day's lists; the term counts kept "
            "from the first day",
        ),
    ):
        rows.append(
            f"| {label} | `Recommender.open` then `recommend_new(store, recommender, now)`: "
            f"{what} | {day['open_s']:.1f} | {day['run_s']:.1f} | {day['total_s']:.1f} | "
            f"{day['cpu_s']:.1f} | {READERS / day['total_s']:,.0f} | "
            f"{day['total_s'] / floor:.2f}x | {verdict(day['total_s'])} |"
        )
    rows += [
        f"| baseline: pure ranker, per reader | `recommend()` per reader (fit_profile, rank, "
        f"top {d['keep']} explained), the first day's features and signals in memory | | | "
        f"{floor:.1f} | | {READERS / floor:,.0f} | 1.00x | |",
        f"| baseline: pure ranker, batched | `score_many` over blocks of {BATCH} readers, then "
        f"`rank(scores=...)` with the top {d['keep']} explained, in memory | | | "
        f"{batched:.1f} | | {READERS / batched:,.0f} | {batched / floor:.2f}x | |",
    ]
    readers, profiled = d["profiled"]
    steps = [
        f"| step (the second day instrumented, {readers:,} readers, {profiled:.1f} s) | "
        "seconds | share | calls |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds, calls in d["steps"]:
        steps.append(
            f"| {name} | {seconds:.1f} | {100 * seconds / profiled:.0f}% | {calls or ''} |"
        )
    same = d["same_lists"]
    prose = f"""Store: SQLite, the {n["papers"]:,} real quant-ph records (`paperfeed ingest
    jsonl`; no authors or categories in them). The newest {2 * NEW_PAPERS:,} by date are two
    days' papers: the older {n["candidates"]:,} listed on {n["day"]} (the newest listed day),
    the newer {len(n["second_day"]):,} on the day after, listed between the two timed runs
    (not timed). {READERS:,} members with {n["saves"]:,} saved papers among the others
    ({SAVED[0]}-{SAVED[1]} each: a random seed paper and papers drawn from its nearest in the
    words view's LSA rows, so each reader has a topic), and {n["follows"]:,} of them following a
    category (which matches no paper here: the follow bonus's lookups are paid, no bonus is
    given). Set-up, not measured, written once through the Store API (`store.library.save`, 500
    members per transaction) and copied with its data directory for each run: import
    {n["ingest_s"]:.0f} s, listing {n["list_s"]:.0f} s, fitting the feature space
    {n["fit_s"]:.0f} s (`Recommender.open`, before the timed calls), readers' topics
    {n["topics_s"]:.0f} s, members, saves and follows {n["save_s"]:.0f} s. Timed: what the
    daily job does, opening the recommender (loading the saved space, transforming the
    background papers) and one call of `recommend_new` for all {READERS:,} readers, on the
    first day (load averages {first["load"]}) and on the second (load averages
    {second["load"]}). The second day put
    {second["came"]:,} new recommendations on the readers' lists ({second["came"] / READERS:.1f}
    a reader) and took {second["left"]:,} off, of the {second["listed"]:,} listed after the
    first; the rest stayed as they were. The baselines get the first day's readers' signals,
    candidate and reader feature rows and background, already in memory (read and transformed
    once before they start, not timed), and nothing is read or written: the first calls what
    the ranker offers one reader at a time, the second its batched scoring. Their lists are
    the ones `recommend_new` stored on the first day for {same[0]:,} and {same[1]:,} of
    {same[2]:,} readers. Where the time goes: the two days again on another copy, the second
    with a timer around each step: *reading kept term counts* and *keeping term counts* the
    data directory's `recommend-counts.npz`; *reading signals* `Recommender.signals_of`
    (every reader's saves, upvotes and dismissed papers, a query per kind); *reading papers*
    `Recommender.rows` less *transforming* (`FeatureSpace.transform`, the candidates once and
    every reader's papers once, counting terms only for papers not kept); *fitting profiles*
    `fit_profile`; *scoring* `score_many` over each block of readers (every candidate and the
    background); *reading follows* a block's follows; *follow bonus* `_follow_bonus`;
    *ranking* `rank` without explanations (the best {d["keep"]} new papers of each reader);
    *reading earlier lists* `store.recommendations.listed`, a block's lists (and, in the
    transaction that writes, the lists of the members whose stamp changed: none here; reading
    the stamps, before and in that transaction, is in *the rest*); *saves and dismissals* a
    block's, before and again in that transaction (`_gone`); *merging* `_amend`;
    *explaining* `explained`, for the new papers that go on a list; *writing*
    `store.recommendations.amend`, a block's changes in a statement or two; *committing* each
    block's transaction's commit."""
    return "\n\n".join(
        [
            f"### The daily run: {READERS:,} readers over {n['candidates']:,} new papers a day",
            _fill(prose),
            "\n".join(rows),
            "\n".join(steps),
        ]
    )


def page_section(pg: dict[str, Any]) -> str:
    n = pg["notes"]
    rows = [
        "| server | endpoint | connections | requests/s | p50 ms | p95 ms | p99 ms | errors | "
        "x static req/s | server CPU ms per request | load averages before |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    static = {
        (r["server"], r["connections"]): r["rps"]
        for r in pg["results"]
        if r["endpoint"].startswith("static")
    }
    for r in pg["results"]:
        ratio = r["rps"] / static[(r["server"], r["connections"])]
        rows.append(
            f"| {r['server']} | {r['endpoint']} | {r['connections']} | {r['rps']:,.0f} | "
            f"{r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['errors']} | "
            f"{ratio:.2f} | {r['cpu_ms']:.1f} | {r['load']} |"
        )
    worst = max(
        (r for r in pg["results"] if r["endpoint"].startswith("/for-you")), key=lambda r: r["p95"]
    )
    reader = "; ".join(
        f"{r['p95']:.1f} ms with the {r['server'].split(', ')[-1]}, which "
        + ("meets it" if r["p95"] <= BAR_P95_MS else "misses it")
        for r in pg["results"]
        if r["endpoint"].startswith("/for-you") and r["connections"] == 1
    )
    lo, hi = n["list_lengths"]
    prose = f"""Store: bench/web.py's prepared SQLite store of {n["papers"]:,} papers
    ({n["community"]}), copied, in which {PAGE_MEMBERS} members each saved {PAGE_SAVED}
    papers (half listed in the last 60 days, half from the whole store), follow a category, an
    author and a search ("quantum error correction"), and have a list of {lo}-{hi}
    recommendations made by `recommend_new` over the last days' papers ({n["report"]}), with
    the feature space fitted on the readers' store above (the same records), so the page shows
    a ready recommender. The server is `paperfeed serve`, one process, with the default page cache
    (it never holds a signed-in page) and the read memo on (the default) or off
    (`read_memo_rows = 0`: every request reads the database, as the first one after a write
    does). `wrk` with `-c1` (one reader at a time: the latency a reader sees) and `-c8`
    (requests queue behind each other in the one process); each request carries the next
    member's session cookie (`/for-you`) or API token (`/api/v1/recommendations`), cycling over
    all {PAGE_MEMBERS}. Warm-up: each member's page asked once on each server (a reader
    reads their page again and again; the first read after a change fills the read memo, which
    is what the read-memo-off server measures for every request; with only a 3 s warm-up, the
    members not yet seen made the timed run's slowest 5%), then 3 s of wrk before each run.
    The static file on the same server, with
    the same connections, is the baseline: the framework and wrk with no paperfeed code in the
    way. Percentiles are wrk's (its `done` hook). Bar: p95 <= {BAR_P95_MS:.0f} ms for a reader
    (one connection): {reader}. With 8 connections requests queue behind each other in the one
    process; the worst `/for-you` p95 here is {worst["p95"]:.1f} ms ({worst["server"]},
    {worst["connections"]} connection{"s" if worst["connections"] != 1 else ""})."""
    return "\n\n".join([f"### `/for-you` at {n['papers']:,} papers", _fill(prose), "\n".join(rows)])


def _ran(result: dict[str, Any]) -> str:
    return (
        f"Run at {result['when'].replace('T', ' ')} UTC with `{result['command']}`, on paperfeed "
        f"{result['revision']}."
    )


def render_docs(
    info: dict[str, str], daily: dict[str, Any] | None, page: dict[str, Any] | None
) -> str:
    machine = "\n".join(f"- {k}: {v}" for k, v in info.items() if k != "paperfeed")
    parts = [
        "## Recommendations: speed of the daily run and of `/for-you` (issue 16, item 7)",
        "Written by `bench/recommend_speed.py`. Bars: the daily run for 10,000 readers over a "
        f"day's 1,000 new papers in <= {BAR_SECONDS:.0f} s; `/for-you` p95 <= "
        f"{BAR_P95_MS:.0f} ms.",
        machine,
    ]
    if daily is not None:
        parts.append(daily_section(daily).replace("\n\n", f"\n\n{_ran(daily)}\n\n", 1))
    if page is not None:
        parts.append(page_section(page).replace("\n\n", f"\n\n{_ran(page)}\n\n", 1))
    return "\n\n".join(parts)


def write_docs(section: str) -> None:
    text = DOCS.read_text()
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    block = f"{START_MARKER}\n{section.strip()}\n{END_MARKER}"
    if start != -1 and end != -1:
        text = text[:start] + block + text[end + len(END_MARKER) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    partial = DOCS.with_suffix(".md.partial")
    partial.write_text(text)
    partial.replace(DOCS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--part",
        choices=("daily", "page", "both", "docs"),
        default="both",
        help="what to measure (docs: nothing, write the docs from the last runs)",
    )
    parser.add_argument("--papers", type=int, default=1_000_000, help="the page's store")
    parser.add_argument("--seconds", type=int, default=20, help="each wrk run")
    parser.add_argument(
        "--connection-levels", type=int, nargs="+", default=[1, 8], help="wrk connections"
    )
    parser.add_argument(
        "--profile-readers", type=int, default=READERS, help="readers in the instrumented run"
    )
    parser.add_argument("--cprofile", action="store_true", help="also cProfile 500 readers")
    parser.add_argument("--no-docs", action="store_true", help="print, do not write docs")
    args = parser.parse_args()
    info = machine_info()
    for key, value in info.items():
        print(f"{key}: {value}")
    say("start")
    daily = run_daily(args) if args.part in ("daily", "both") else None
    page = run_page(args) if args.part in ("page", "both") else None
    command = ("python bench/recommend_speed.py " + " ".join(sys.argv[1:])).strip()
    # A part not run this time is written from its last run, which names its own command.
    found: dict[str, dict[str, Any] | None] = {}
    for name, result in (("daily", daily), ("page", page)):
        path = OUT / f"{name}.json"
        if result is not None:
            result.update(
                command=command,
                when=datetime.now().isoformat(timespec="minutes"),
                revision=info["paperfeed"],
            )
            path.write_text(json.dumps(result, indent=1))
        elif path.is_file():
            result = json.loads(path.read_text())
        found[name] = result
    say("done")
    if not args.no_docs:
        write_docs(render_docs(info, found["daily"], found["page"]))
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
