"""A simulated arXiv and Hugging Face for the living-site tests, on a clock the test moves.

`build_world` makes the papers of every announcement day in a date range: real quant-ph titles
and abstracts (shared/data/arxiv/quant-ph) under new 2611.xxxxx ids, each submitted before the
cut-off of the announcement that lists it (so arXiv's own days agree with
`paperfeed.arxiv_calendar`); new submissions, cross-lists from cs.LG, replacements of papers of
earlier days and of older (2610.xxxxx) papers, and a withdrawal. Hugging Face's daily lists are
real responses (shared/data/hf/daily) with their dates rewritten to the simulated days.

`WorldServer` serves, at the simulated time: the RSS feed of arXiv's latest announcement, the
OAI-PMH records whose datestamp falls in the asked window (`oai_feed.OaiRepository`), and HF's
daily papers of a day once that day's list is out. `expected_day` and `expected_digest` say,
independently of paperfeed, what a day page and a digest must then hold.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import tantivy
from hand_clock import HandClock
from loopback import BackgroundServer
from oai_feed import OaiRecord, OaiRepository
from replay import DATA
from rss_feed import FeedItem, rss_feed

from paperfeed.arxiv_calendar import (
    CUTOFF_AT,
    EASTERN,
    announcement_day,
    announcement_days,
    announcement_time,
    latest_announcement_day,
)
from paperfeed.jobs import JobRunner, RunResult
from paperfeed.search import SearchService
from paperfeed.store import Store

FOLLOWED = ("quant-ph",)
QUANT_PH = DATA / "arxiv" / "quant-ph" / "quantph_records.jsonl"
HF_DAILY = DATA / "hf" / "daily"
KIND_ORDER = ("new", "cross", "replace", "replace-cross")
# Hugging Face's list of a day is served from this hour (UTC) of that day on.
HF_OUT_AT = time(5, 0)
HF_ITEMS = 5  # items kept of each real daily response
_ABS_LINK = re.compile(r"arXiv: https://arxiv\.org/abs/(\S+)")


# ----------------------------------------------------------------------------- the papers


@dataclass(frozen=True, slots=True)
class Event:
    """arXiv announcing one version of a paper in the listing dated `day`."""

    day: date
    kind: str
    version: int
    submitted: datetime  # naive UTC


@dataclass(frozen=True, slots=True)
class SimPaper:
    arxiv_id: str
    title: str
    abstract: str
    authors: str
    categories: tuple[str, ...]
    events: tuple[Event, ...]
    withdrawn_on: date | None = None  # the day its record is deleted

    @property
    def first_day(self) -> date:
        """The day the calendar gives its first version."""
        return announcement_day(self.events[0].submitted)

    def visible(self, now: datetime) -> list[Event]:
        return [e for e in self.events if announcement_time(e.day) <= now]

    def record(self, now: datetime) -> OaiRecord | None:
        """Its OAI-PMH record as of `now` (None before its first announcement)."""
        seen = self.visible(now)
        if not seen:
            return None
        sets = tuple(dict.fromkeys(_oai_set(c) for c in self.categories))
        if self.withdrawn_on is not None and announcement_time(self.withdrawn_on) <= now:
            return OaiRecord(self.arxiv_id, self.withdrawn_on, sets, deleted=True)
        return OaiRecord(
            self.arxiv_id,
            seen[-1].day,
            sets,
            title=self.title,
            abstract=self.abstract,
            authors=self.authors,
            categories=self.categories,
            versions=tuple(e.submitted for e in seen),
        )

    def feed_items(self, day: date) -> list[tuple[int, FeedItem]]:
        return [
            (
                KIND_ORDER.index(e.kind),
                FeedItem(
                    self.arxiv_id,
                    self.title,
                    self.abstract,
                    self.categories,
                    kind=e.kind,
                    version=e.version,
                    authors=self.authors,
                ),
            )
            for e in self.events
            if e.day == day
        ]


def _oai_set(category: str) -> str:
    archive = category.split(".")[0]
    top = ("cs", "econ", "eess", "math", "q-bio", "q-fin", "stat")  # arXiv's sets outside physics
    return archive if archive in top else f"physics:{archive}"


@dataclass(frozen=True, slots=True)
class HfDay:
    """Hugging Face's daily list of `day`: a real response, its dates rewritten."""

    day: date
    source: date
    items: tuple[dict[str, Any], ...]

    @property
    def body(self) -> bytes:
        return json.dumps(list(self.items)).encode()

    def ranked(self) -> list[tuple[str, int]]:
        """(id, upvotes), most upvoted first, as HF lists them."""
        return [(i["paper"]["id"], i["paper"]["upvotes"]) for i in self.items]


def hf_day(day: date, source: date) -> HfDay:
    """The first HF_ITEMS items of HF's real list of `source`, listed on `day` instead."""
    items = json.loads((HF_DAILY / f"daily_papers_{source.isoformat()}.json").read_bytes())
    kept = []
    for item in items[:HF_ITEMS]:
        stamp = item["paper"]["submittedOnDailyAt"]
        assert stamp.startswith(source.isoformat()), stamp
        item["paper"]["submittedOnDailyAt"] = day.isoformat() + stamp[10:]
        kept.append(item)
    return HfDay(day, source, tuple(kept))


def _texts(n: int) -> list[tuple[str, str]]:
    """Titles and abstracts of the first `n` real quant-ph records of ordinary length."""
    found = []
    with QUANT_PH.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if 200 < len(record["abstract"]) < 900 and len(record["title"]) < 120:
                found.append((record["title"], record["abstract"]))
                if len(found) == n:
                    break
    return found


def _cutoff(day: date) -> datetime:
    """The cut-off (naive UTC) of the announcement dated `day`: 14:00 Eastern the evening
    before, or the Friday before for Sunday's."""
    evening = day - timedelta(days=1)
    closes = evening - timedelta(days=2) if evening.weekday() == 6 else evening
    return datetime.combine(closes, CUTOFF_AT, tzinfo=EASTERN).astimezone(UTC).replace(tzinfo=None)


@dataclass
class World:
    """Every paper and HF list of the simulation, and what arXiv and HF show at a time."""

    papers: list[SimPaper]
    hf: dict[date, HfDay]
    clock: HandClock
    oai: OaiRepository = field(init=False)

    def __post_init__(self) -> None:
        self.oai = OaiRepository(self.records, page_size=5)

    def records(self, now: datetime) -> list[OaiRecord]:
        return [r for p in self.papers if (r := p.record(now)) is not None]

    def feed(self, day: date) -> bytes:
        """arXiv's quant-ph feed of the announcement dated `day`, in arXiv's order."""
        items = sorted(
            (entry for p in self.papers for entry in p.feed_items(day)),
            key=lambda entry: entry[0],
        )
        return rss_feed("quant-ph", day, [item for _rank, item in items])

    def answer(self, path: str, params: Mapping[str, str]) -> tuple[int, bytes, str]:
        now = self.clock.now
        if path == "/rss/quant-ph":
            day = latest_announcement_day(now)
            assert day is not None
            return 200, self.feed(day), "application/rss+xml"
        if path == "/oai":
            return 200, self.oai.answer(params, now), "text/xml; charset=utf-8"
        if path == "/api/daily_papers" and params.get("limit") == "100" and "p" not in params:
            day = date.fromisoformat(params["date"])
            listed = self.hf.get(day)
            if listed is None or now < datetime.combine(day, HF_OUT_AT):
                return 200, b"[]", "application/json"
            return 200, listed.body, "application/json"
        return 404, f"nothing at {path}\n".encode(), "text/plain"


WITHDRAWN = (date(2026, 11, 17), 1, date(2026, 11, 23))  # (listing day, which new paper, when)


def build_world(clock: HandClock, first: date, last: date, hf: Mapping[date, date]) -> World:
    """The papers of every announcement day in [first, last], and HF's lists of `hf` (a
    simulated day -> the real day whose response it serves).

    Each listing day has 3 to 5 new submissions and a cross-list from cs.LG; every other day
    a paper of two listing days before is replaced, every third day an October paper is; one
    cross-list is replaced (replace-cross); the second new paper of 2026-11-17 is withdrawn
    on 2026-11-23 (its OAI record deleted). Submissions go in 3 hours apart before the
    cut-off, so the announcement after Thanksgiving holds papers sent in on Thanksgiving."""
    numbers, old_numbers = itertools.count(1), itertools.count(101)
    categories: dict[str, tuple[str, ...]] = {}
    events: dict[str, list[Event]] = {}
    new_on: dict[date, list[str]] = {}
    cross_on: dict[date, str] = {}
    days = announcement_days(first, last)
    for i, day in enumerate(days):
        cutoff = _cutoff(day)
        slots = (cutoff - timedelta(hours=3 * (k + 1)) for k in itertools.count())
        new_on[day] = [f"2611.{next(numbers):05d}" for _ in range(3 + i % 3)]
        for arxiv_id in new_on[day]:
            categories[arxiv_id] = ("quant-ph",)
            events[arxiv_id] = [Event(day, "new", 1, next(slots))]
        cross_on[day] = cross = f"2611.{next(numbers):05d}"
        categories[cross] = ("cs.LG", "quant-ph")
        events[cross] = [Event(day, "cross", 1, next(slots))]
        if i % 2 == 1 and i >= 2:
            events[new_on[days[i - 2]][0]].append(Event(day, "replace", 2, next(slots)))
        if i % 3 == 2:
            old = f"2610.{next(old_numbers):05d}"
            v1 = datetime(2026, 10, 1, 15) + timedelta(days=i)
            categories[old] = ("quant-ph",)
            events[old] = [
                Event(announcement_day(v1), "new", 1, v1),
                Event(day, "replace", 2, next(slots)),
            ]
        if i == 4:
            events[cross_on[days[1]]].append(Event(day, "replace-cross", 2, next(slots)))
    listed_on, which, withdrawn_on = WITHDRAWN
    withdrawn = new_on[listed_on][which] if listed_on in new_on else None
    papers = []
    for (arxiv_id, happened), (title, abstract) in zip(
        events.items(), _texts(len(events)), strict=True
    ):
        papers.append(
            SimPaper(
                arxiv_id,
                title,
                abstract,
                f"Ada Lovelace, Author {int(arxiv_id.split('.')[1])}",
                categories[arxiv_id],
                tuple(happened),
                withdrawn_on=withdrawn_on if arxiv_id == withdrawn else None,
            )
        )
    for p in papers:  # arXiv's days and the calendar's agree
        assert all(announcement_day(e.submitted) == e.day for e in p.events), p
    return World(papers, {day: hf_day(day, source) for day, source in hf.items()}, clock)


# ----------------------------------------------------------------------------- expectations


Row = tuple[str, str | None, str | None]  # (arXiv id, announced as, source) as a day lists it


def expected_day(
    world: World,
    day: date,
    *,
    feeds: Iterable[date],
    hf_days: Iterable[date] = (),
    withdrawn: bool = True,
) -> list[Row]:
    """What the page of `day` lists, in its order, once every record arXiv showed was
    harvested and the RSS feeds of `feeds` and HF's lists of `hf_days` were imported: papers
    announced in a feed seen are on that day, labelled as arXiv labelled them; the others
    on the day the calendar gives their first version (labelled new), unless a feed seen
    announced them new or cross-list; a withdrawn paper nowhere (unless `withdrawn` is False:
    before its deletion was harvested)."""
    seen_feeds = set(feeds)
    picks: list[tuple[int, int, Row]] = []
    if day in set(hf_days) and day in world.hf:
        for position, (arxiv_id, upvotes) in enumerate(world.hf[day].ranked()):
            picks.append((-upvotes, position, (arxiv_id, None, "huggingface")))
    announced: list[tuple[int, str]] = []
    for p in world.papers:
        if withdrawn and p.withdrawn_on is not None:
            continue
        seen = [e for e in p.events if e.day in seen_feeds]
        kinds = [e.kind for e in seen if e.day == day]
        if not any(e.kind in ("new", "cross") for e in seen) and p.first_day == day:
            kinds.append("new")
        if kinds:
            announced.append((min(KIND_ORDER.index(k) for k in kinds), p.arxiv_id))
    # Equal votes: arXiv's order (new, cross-lists, replacements), then the newest id first.
    announced.sort(key=lambda entry: entry[1], reverse=True)
    announced.sort(key=lambda entry: entry[0])
    return [row for *_key, row in sorted(picks)] + [
        (arxiv_id, KIND_ORDER[rank], None) for rank, arxiv_id in announced
    ]


def expected_digest(
    world: World,
    days: Sequence[date],
    *,
    feeds: Iterable[date],
    hf_days: Iterable[date],
    category: str | None = None,
    top_n: int = 0,
    already_sent: Iterable[str] = (),
    withdrawn: bool = False,
) -> list[str]:
    """The arXiv ids a digest of `days` (a day or a week) lists, in its order: the `top_n`
    most upvoted papers (those with upvotes), then the others in `category` by id, leaving
    out `already_sent` (and the withdrawn paper, once its withdrawal is harvested)."""
    hf = list(hf_days)
    on_days = {
        arxiv_id
        for day in days
        for arxiv_id, _kind, _source in expected_day(
            world, day, feeds=feeds, hf_days=hf, withdrawn=withdrawn
        )
    }
    sent = set(already_sent)
    upvotes = {i: v for listed in world.hf.values() for i, v in listed.ranked()}
    trending = sorted(
        (i for i in on_days if upvotes.get(i, 0) > 0), key=lambda i: (-upvotes[i], i)
    )[:top_n]
    chosen = [i for i in trending if i not in sent]
    if category is not None:
        chosen += sorted(
            i
            for i in on_days
            if i not in chosen and i not in sent and category in _categories(world, i)
        )
    return chosen


def _categories(world: World, arxiv_id: str) -> tuple[str, ...]:
    found = [p.categories for p in world.papers if p.arxiv_id == arxiv_id]
    return found[0] if found else ()


def digest_ids(message: EmailMessage) -> list[str]:
    """The arXiv ids a digest e-mail lists, in its order (from the plain-text part)."""
    body = message.get_body(("plain",))
    assert body is not None
    return _ABS_LINK.findall(body.get_content())


# ----------------------------------------------------------------------------- the server


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    params: dict[str, str]
    at: datetime  # the simulated time it came in


Answer = Callable[[str, Mapping[str, str]], tuple[int, bytes, str]]
Match = Callable[[str, Mapping[str, str]], bool]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""

    def do_GET(self) -> None:
        with contextlib.suppress(ConnectionError):
            self.server.owner.handle(self)


class _Server(ThreadingHTTPServer):
    owner: WorldServer


class WorldServer(BackgroundServer):
    """A ThreadingHTTPServer on 127.0.0.1:0 asking `answer(path, params)` for each GET:
    what a recording cannot give, the answers of whatever the simulated time is. Requests
    matching `hold(...)` get no answer until `release()`, or ever if the server closes first
    (the connection is then dropped); those matching `fail(...)` get HTTP 500."""

    def __init__(self, answer: Answer, clock: HandClock) -> None:
        self.answer = answer
        self.clock = clock
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._held: Match | None = None
        self._failing: Match | None = None
        self._released = threading.Event()
        self._closing = threading.Event()
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.owner = self
        super().__init__(httpd)

    def stopping(self) -> None:
        self._closing.set()
        self._released.set()

    def hold(self, match: Match) -> None:
        self._released.clear()
        self._held = match

    def release(self) -> None:
        self._held = None
        self._released.set()

    def fail(self, match: Match | None) -> None:
        self._failing = match

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        with self._lock:
            self._requests.append(Request(split.path, params, self.clock.now))
        held, failing = self._held, self._failing
        if held is not None and held(split.path, params):
            self._released.wait()
            if self._closing.is_set():
                return
        if failing is not None and failing(split.path, params):
            status, body, content_type = 500, b"HTTP 500\n", "text/plain"
        else:
            status, body, content_type = self.answer(split.path, params)
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()


# ----------------------------------------------------------------------------- the site


def indexed_ids(search: SearchService) -> set[str]:
    """Every paper in the node's keyword index (read from the tantivy index itself)."""
    index = search.keyword.index
    index.reload()
    searcher = index.searcher()
    if searcher.num_docs == 0:
        return set()
    hits = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs).hits
    return {searcher.doc(address)["id"][0] for _score, address in hits}


def live_ids(store: Store) -> set[str]:
    """The papers of the store that are not withdrawn."""
    return set(store.papers.get_many(store.papers.ids()))


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    results: tuple[RunResult, ...]
    indexed: frozenset[str] | None  # after an index run that did something: the index…
    live: frozenset[str] | None  # …and the store's live papers


@dataclass
class Node:
    """One node of the site: its runner, its own search index, what each step ran."""

    runner: JobRunner
    search: SearchService
    clock: HandClock
    steps: list[Step] = field(default_factory=list)

    def step(self, at: datetime) -> list[RunResult]:
        self.clock.now = at
        results = self.runner.run_due(at)
        indexed = live = None
        if any(r.name == "index" and r.message != "nothing to do" for r in results):
            indexed = frozenset(indexed_ids(self.search))
            live = frozenset(live_ids(self.runner.store))
        self.steps.append(Step(at, tuple(results), indexed, live))
        return results

    def ran(self, name: str) -> list[Step]:
        return [s for s in self.steps if any(r.name == name for r in s.results)]


def next_stop(node: Node, after: datetime) -> datetime:
    """The next time to wake the site: the next time an arXiv job is due (20:30 US Eastern
    Sunday to Thursday, 02:00 every day). The other jobs (hourly, every 5 minutes, every few
    seconds) are due then too and run once, missed times coalesced: waking the site more
    often would change no result and cost time, each job run opening an HTTP or SMTP client
    (~50 ms loading CA certificates)."""
    due = [
        s.next_run
        for s in node.runner.status(after)
        if s.name in ("arxiv-announcements", "arxiv-oai") and s.next_run is not None
    ]
    return max(min(due), after + timedelta(seconds=1))


def run_until(nodes: Sequence[Node], start: datetime, end: datetime) -> None:
    """Wake every node at each stop after `start` up to `end` (the first node first)."""
    at = start
    while True:
        at = next_stop(nodes[0], at)
        if at > end:
            return
        for node in nodes:
            node.step(at)


def day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def listing(store: Store, day: date) -> list[Row]:
    return [(i.paper.arxiv_id, i.kind, i.source) for i in store.listings.featured(day, day).items]
