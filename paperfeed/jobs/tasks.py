"""What each scheduled job does. Each catches up by itself on what it missed while the site was
down: the OAI-PMH harvest from its checkpoint, the Hugging Face mirror from the last day it
fetched, the digests from when their job last ran to the end (the ledger keeps each digest to
one sending); the RSS feed only ever holds the latest announcement, and the harvest fills in
the days before it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from paperfeed.categories import ARCHIVES
from paperfeed.digest.deliver import DigestSender
from paperfeed.digest.schedule import PERIODS, last_completed, period_containing
from paperfeed.digest.searching import lazy_saved_search
from paperfeed.errors import Busy
from paperfeed.ingest import arxiv_categories, github
from paperfeed.ingest.arxiv_api import fetch_ids
from paperfeed.ingest.checkpoints import last_harvested, resume_point, run_harvest
from paperfeed.ingest.hf_daily import fetch_hf_daily
from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.rss import fetch_rss
from paperfeed.ingest.runner import run_import
from paperfeed.mail.smtp import SmtpClient
from paperfeed.models import IngestSummary
from paperfeed.periods import Period
from paperfeed.search import SearchService
from paperfeed.thumbnails import maker
from paperfeed.thumbnails.files import ThumbnailFiles

if TYPE_CHECKING:
    from paperfeed.jobs.registry import JobConfig, JobContext

log = logging.getLogger("paperfeed.jobs")

# A first harvest (no checkpoint yet) starts this many days back.
FIRST_HARVEST_DAYS = 7
# The Hugging Face mirror always fetches this many days (upvotes keep changing for a while)…
HF_RECENT_DAYS = 3
# …and, after downtime, every day since the last one it fetched, up to this many.
HF_CATCH_UP_DAYS = 60
HF_CHECKPOINT = "hf-daily:last"
# The digest job remembers when it last ran to the end, and after downtime sends the periods
# that came due since (at most this many days back: a fortnight of daily digests at once is
# already a lot of mail).
DIGEST_CHECKPOINT = "digests:last-run"
DIGEST_CATCH_UP_DAYS = 14
# arXiv archives outside the physics OAI-PMH set; the others are `physics:<archive>`.
_OAI_TOP_SETS = frozenset({"cs", "econ", "eess", "math", "q-bio", "q-fin", "stat"})


@contextmanager
def _client(config: JobConfig) -> Iterator[PoliteClient]:
    with PoliteClient(
        delay=config.http_delay,
        timeout=config.http_timeout,
        retries=config.http_retries,
        log=log.info,
    ) as client:
        yield client


def fetch_announcements(config: JobConfig, ctx: JobContext) -> str:
    """Import arXiv's latest announcement feed of the followed categories (every archive when
    the site follows all)."""
    feeds = config.followed or ARCHIVES
    with _client(config) as client:
        summary = run_import(
            ctx.store,
            fetch_rss(client, config.rss_url, feeds),
            "rss",
            batch_size=config.batch_size,
        )
    return summary.line()


def oai_sets(followed: tuple[str, ...]) -> list[str | None]:
    """The OAI-PMH sets holding the followed categories (`cs.LG` is in `cs`, `quant-ph` in
    `physics:quant-ph`); [None], every set at once, when the site follows all."""
    if not followed:
        return [None]
    sets: dict[str | None, None] = {}
    for category in followed:
        archive = category.split(".")[0]
        sets[archive if archive in _OAI_TOP_SETS else f"physics:{archive}"] = None
    return list(sets)


def harvest_oai(config: JobConfig, ctx: JobContext) -> str:
    """Harvest each set from where its last harvest stopped (resuming an unfinished one), or,
    the first time, from FIRST_HARVEST_DAYS back."""
    total = IngestSummary(source="oai")
    with _client(config) as client:
        for set_spec in oai_sets(config.followed):
            known = (
                resume_point(ctx.store, set_spec) is not None
                or last_harvested(ctx.store, set_spec) is not None
            )
            since = None if known else ctx.now.date() - timedelta(days=FIRST_HARVEST_DAYS)
            summary, _ = run_harvest(
                ctx.store,
                client,
                config.oai_url,
                set_spec=set_spec,
                since=since,
                batch_size=config.batch_size,
                log=log.info,
            )
            _add(total, summary)
    return total.line()


def fill_categories(config: JobConfig, ctx: JobContext) -> str | None:
    """Categories from the arXiv API for papers imported without them, from where the last
    run stopped; None when no paper lacks them."""
    with _client(config) as client:
        report = arxiv_categories.fill_categories(
            ctx.store, lambda ids: fetch_ids(client, config.arxiv_api_url, ids)
        )
    return report.line() if report.asked else None


def fetch_github_stars(config: JobConfig, ctx: JobContext) -> str:
    """Star counts of the linked GitHub repositories due (one transaction each), after
    bringing the paper → repository links up to date."""
    token = config.github_token.reveal() if config.github_token else None
    with PoliteClient(
        delay=min(config.http_delay, github.REQUEST_DELAY),
        timeout=config.http_timeout,
        retries=config.http_retries,
        log=log.info,
    ) as client:
        report = github.check_stars(
            ctx.store,
            github.github_fetcher(client, config.github_api_url, token),
            ctx.now,
            max_requests=github.max_requests_for(token),
        )
    return report.line()


def hf_days(today: date, last_fetched: date | None) -> list[date]:
    """The days the mirror fetches: the last HF_RECENT_DAYS, and every day from the last one
    fetched (at most HF_CATCH_UP_DAYS back), oldest first."""
    first = today - timedelta(days=HF_RECENT_DAYS - 1)
    if last_fetched is not None:
        first = min(first, max(last_fetched, today - timedelta(days=HF_CATCH_UP_DAYS)))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def mirror_hf_daily(config: JobConfig, ctx: JobContext) -> str:
    """Fetch Hugging Face's daily papers of `hf_days`, remembering each day once imported."""
    stored = ctx.store.checkpoints.get(HF_CHECKPOINT)
    days = hf_days(ctx.now.date(), date.fromisoformat(stored) if stored else None)
    total = IngestSummary(source="hf-daily")
    with _client(config) as client:
        for day in days:
            summary = run_import(
                ctx.store,
                fetch_hf_daily(client, config.hf_url, day),
                "hf-daily",
                batch_size=config.batch_size,
            )
            _add(total, summary)
            if stored is None or day.isoformat() > stored:
                ctx.store.checkpoints.set(HF_CHECKPOINT, day.isoformat())
    return f"{days[0]} to {days[-1]}: {total.line()}"


def refresh_index(ctx: JobContext) -> str | None:
    """Index what changed in the store since this node's index last looked (one query when
    nothing did: then None). A run already under way here, or `paperfeed index` in another
    process, has it: this one does nothing."""
    report = ctx.search().refresh()
    return report.line() if report is not None else None


def missed_periods(last_run: datetime, now: datetime) -> list[Period]:
    """The digest periods that came due after `last_run` and before the last completed one at
    `now` (which `DigestSender.run` sends by itself), oldest first; the first may have been
    sent already (for subscribers whose hour had come), which the ledger knows."""
    since = max(last_run, now - timedelta(days=DIGEST_CATCH_UP_DAYS))
    missed = []
    for kind in PERIODS:
        period, last = last_completed(kind, since), last_completed(kind, now)
        while period.start < last.start:
            missed.append(period)
            period = period_containing(kind, period.end)
    return sorted(missed, key=lambda p: (p.end, p.kind))


def send_digests(config: JobConfig, ctx: JobContext) -> str:
    """`paperfeed digest send`: every digest that is due and not sent yet, each once; after
    downtime, first those of the periods missed since the job last ran to the end."""
    assert config.smtp is not None and config.links is not None, "the job is disabled"

    def opened() -> SearchService:
        search = ctx.search()
        search.refresh()  # a digest is about new papers: index them first
        return search

    stored = ctx.store.checkpoints.get(DIGEST_CHECKPOINT)
    missed = missed_periods(datetime.fromisoformat(stored), ctx.now) if stored else []
    with SmtpClient(config.smtp, log=log.info) as smtp:
        sender = DigestSender(ctx.store, smtp, config.links, lazy_saved_search(opened, ctx.store))
        try:
            lines = [sender.run(period=p, catching_up=True).line() for p in missed]
            lines.append(sender.run().line())
        except Busy as exc:
            return f"skipped: {exc}"
    ctx.store.checkpoints.set(DIGEST_CHECKPOINT, ctx.now.isoformat())
    return "; ".join(lines)


def make_recommendations(ctx: JobContext) -> str | None:
    """Each reader's best among the papers listed since the last run (feed/recommending.py);
    the first run fits the recommender's feature space on the store's newest papers and keeps
    it beside the search index. None when no day was listed since."""
    # Imported here: the recommender brings scikit-learn (2 s), which a web worker, importing
    # this module through the registry, has no use for.
    from paperfeed.feed.recommending import SPACE_FILE, Recommender, new_days, recommend_new

    search = ctx.search()
    if new_days(ctx.store) is None and (search.data_dir / SPACE_FILE).exists():
        # Nothing to do: opening the recommender (loading its space, some seconds on a large
        # store) would be for nothing, every hour.
        return None
    model = search.embedder.name if search.embedder is not None else None
    recommender = Recommender.open(ctx.store, search.data_dir, model=model)
    report = recommend_new(ctx.store, recommender, ctx.now)
    return report.line() if report is not None else None


def make_thumbnails(config: JobConfig, ctx: JobContext) -> str | None:
    """Thumbnails for the papers of the latest days that have none yet (a batch per run);
    None when there were none to make. Runs on each node: the files are in its data
    directory."""
    assert config.thumbnails_dir is not None, "the job is disabled"
    sources = maker.Sources(pdf_url=config.arxiv_pdf_url, hf_url=config.hf_url)
    with _client(config) as client:
        report = maker.make_thumbnails(
            ctx.store,
            ThumbnailFiles(config.thumbnails_dir),
            client,
            sources,
            ctx.now,
            log=log.info,
        )
    return report.line()


def _add(total: IngestSummary, part: IngestSummary) -> None:
    total.counts.add(part.counts)
    total.skipped += part.skipped
    total.daily_entries += part.daily_entries
    total.announcements += part.announcements
