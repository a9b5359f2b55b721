"""`paperfeed ingest …`: each source a subcommand, with a progress bar and one summary line."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

import click

from paperfeed.arxiv_id import parse_reference
from paperfeed.categories import validate_categories
from paperfeed.cli.common import (
    FILE,
    handle_errors,
    note,
    open_store,
    parse_date,
    progress,
    say,
    settings,
)
from paperfeed.errors import Invalid
from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.lines import RowsAhead, open_source
from paperfeed.ingest.records import Item
from paperfeed.ingest.runner import bulk_import_gc, run_import
from paperfeed.models import IngestSummary, RecordError

# The sources on the network (and httpx under them) are imported by their commands: a file
# import does not need them.
if TYPE_CHECKING:
    from paperfeed.ingest.http import PoliteClient

    class LinesReader(Protocol):
        def __call__(
            self, raw: IO[bytes], name: str, *, workers: int, ahead: RowsAhead
        ) -> Iterator[Item]: ...


MAX_SHOWN_ERRORS = 20


def _report_error(error: RecordError, shown: list[int]) -> None:
    shown[0] += 1
    if shown[0] <= MAX_SHOWN_ERRORS:
        note(f"skipped {error.position}: {error.message}")
    elif shown[0] == MAX_SHOWN_ERRORS + 1:
        note("(further skipped records are counted, not shown)")


def _run(
    items: Iterable[Item],
    source: str,
    *,
    total: int | None = None,
    position: Callable[[], int] | None = None,
    unit_bytes: bool = False,
    ahead: RowsAhead | None = None,
) -> IngestSummary:
    """Import `items` with a progress bar (bytes of a file, or records) and print the summary.
    `ahead`: what the items' reader was given."""
    shown = [0]
    done = [0]
    started = time.monotonic()
    with open_store() as store, progress(unit_bytes=unit_bytes) as bars:
        task = bars.add_task(source, total=total, rate="")

        def on_batch(_summary: IngestSummary, n: int) -> None:
            done[0] += n
            rate = done[0] / max(time.monotonic() - started, 1e-9)
            bars.update(
                task, completed=position() if position else done[0], rate=f"{rate:,.0f} records/s"
            )

        with bulk_import_gc():
            summary = run_import(
                store,
                items,
                source,
                batch_size=settings().batch_size,
                on_error=lambda e: _report_error(e, shown),
                on_batch=on_batch,
                ahead=ahead,
            )
        if total is not None:
            bars.update(task, completed=total)
    say(summary.line())
    return summary


def _import_file(
    path: Path,
    reader: Callable[[IO[bytes], str], Iterator[Item]],
    source: str,
    ahead: RowsAhead | None = None,
) -> None:
    with open_source(path) as raw:
        _run(
            reader(raw, path.name),
            source,
            total=path.stat().st_size,
            position=raw.tell,
            unit_bytes=True,
            ahead=ahead,
        )


def _import_lines(path: Path, reader: LinesReader, source: str) -> None:
    """Import a big JSON Lines file with parser processes, which work out each new paper's
    rows for the store's database (`lines.RowsAhead`; `run_import` gives it the dialect)."""
    from paperfeed.store.papers import new_paper_rows

    ahead = RowsAhead(new_paper_rows)
    workers = settings().parse_workers
    read = functools.partial(reader, workers=workers, ahead=ahead)
    _import_file(path, read, source, ahead)


def _client() -> PoliteClient:
    from paperfeed.ingest.http import PoliteClient

    s = settings()
    return PoliteClient(
        delay=s.http_delay, timeout=s.http_timeout, retries=s.http_retries, log=note
    )


@click.group()
def ingest() -> None:
    """Import arXiv metadata from files and from arXiv's services.

    Every import validates each record, skips (and reports, with its position) malformed
    ones, writes in transactional batches, and can be re-run: a second run changes nothing.
    """


@ingest.command("kaggle")
@click.argument("file", type=FILE)
@handle_errors
def ingest_kaggle(file: Path) -> None:
    """Import the Kaggle arxiv-metadata-oai-snapshot.json (JSON Lines, optionally .gz).

    Streams the file in batches, so the whole 2.7M-record snapshot imports in flat memory.
    """
    _import_lines(file, read_kaggle, "kaggle")


@ingest.command("jsonl")
@click.argument("file", type=FILE)
@handle_errors
def ingest_jsonl(file: Path) -> None:
    """Import generic JSON Lines {id, title, abstract, authors, categories, date}.

    authors and categories are optional; ids may be arXiv ids or local ids (CACM-0001).
    """
    _import_lines(file, read_generic, "jsonl")


MAX_HF_DAYS = 400


def _hf_days(day: str | None, since: str | None, until: str | None) -> list[date]:
    """The days `--date` or `--from`/`--until` name (weekends included)."""
    if day is not None:
        if since is not None or until is not None:
            raise Invalid("give --date DATE or --from DATE --until DATE, not both")
        one = parse_date(day, "--date")
        assert one is not None
        return [one]
    first, last = parse_date(since, "--from"), parse_date(until, "--until")
    if first is None or last is None:
        raise Invalid("--from and --until go together: give both")
    if last < first:
        raise Invalid(f"--until {last} is before --from {first}")
    count = (last - first).days + 1
    if count > MAX_HF_DAYS:
        raise Invalid(f"{count} days is too long a range: at most {MAX_HF_DAYS} at a time")
    return [first + timedelta(days=n) for n in range(count)]


@ingest.command("hf-daily")
@click.argument("files", nargs=-1, type=FILE)
@click.option("--date", "day", default=None, metavar="DATE", help="Fetch this day (YYYY-MM-DD).")
@click.option("--from", "since", default=None, metavar="DATE", help="Fetch every day from DATE…")
@click.option("--until", default=None, metavar="DATE", help="…to DATE (inclusive).")
@handle_errors
def ingest_hf_daily(
    files: tuple[Path, ...], day: str | None, since: str | None, until: str | None
) -> None:
    """Import Hugging Face's daily papers: saved /api/daily_papers responses (FILE…), or
    fetched from HF (PAPERFEED_HF_URL) for --date DATE or --from DATE --until DATE.

    Keeps each paper, the day it was on the daily list (HF's submittedOnDailyAt), its
    submitter, its upvotes and comment count, and every other field HF gives as given.
    """
    from paperfeed.ingest.hf_daily import fetch_hf_daily, read_hf_daily

    dated = day is not None or since is not None or until is not None
    if files and dated:
        raise Invalid("give files or dates (--date, --from/--until), not both")
    if not files and not dated:
        raise Invalid("give FILE… or --date DATE or --from DATE --until DATE")
    for file in files:
        _import_file(file, read_hf_daily, "hf-daily")
    if not dated:
        return
    days = _hf_days(day, since, until)
    url = settings().hf_url
    with _client() as client:
        _run((i for d in days for i in fetch_hf_daily(client, url, d)), "hf-daily")


@ingest.command("arxiv")
@click.option(
    "--id",
    "ids",
    multiple=True,
    metavar="ID",
    help="arXiv id, with or without version; repeat or separate with commas.",
)
@click.option(
    "--query", default=None, help="arXiv search query, e.g. 'cat:cs.LG AND ti:diffusion'."
)
@click.option(
    "--max",
    "max_results",
    type=click.IntRange(1, 100_000),
    default=100,
    show_default=True,
    help="With --query: how many results to fetch at most.",
)
@handle_errors
def ingest_arxiv(ids: tuple[str, ...], query: str | None, max_results: int) -> None:
    """Fetch papers from the arXiv API by id or by search query.

    Waits at least 3 seconds between requests (PAPERFEED_HTTP_DELAY) and retries timeouts
    and server errors with backoff.
    """
    from paperfeed.ingest.arxiv_api import fetch_ids, fetch_query

    wanted = [i.strip() for raw in ids for i in raw.split(",") if i.strip()]
    if bool(wanted) == bool(query):
        raise Invalid("give either --id ID… or --query QUERY")
    if query is not None and not query.strip():
        raise Invalid("the query is empty")
    refs = []
    bad = []
    for i in wanted:
        try:
            arxiv_id, version = parse_reference(i)
            refs.append(f"{arxiv_id}v{version}" if version else arxiv_id)
        except Invalid as exc:
            bad.append(str(exc))
    if bad:
        raise Invalid("; ".join(bad))
    url = settings().arxiv_api_url
    with _client() as client:
        if refs:
            _run(fetch_ids(client, url, refs), "arxiv", total=len(refs))
        else:
            assert query is not None
            _run(fetch_query(client, url, query.strip(), max_results), "arxiv", total=max_results)


@ingest.command("oai")
@click.option(
    "--from",
    "since",
    default=None,
    metavar="DATE",
    help="Harvest records changed on or after DATE (YYYY-MM-DD). "
    "Default: where the last harvest of this set stopped.",
)
@click.option("--until", default=None, metavar="DATE", help="…and on or before DATE.")
@click.option("--set", "set_spec", default=None, help="OAI set, e.g. cs or physics:quant-ph.")
@handle_errors
def ingest_oai(since: str | None, until: str | None, set_spec: str | None) -> None:
    """Harvest arXiv's OAI-PMH endpoint (arXivRaw): full version history, incremental.

    Follows resumption tokens, marks deleted records, and honours 503 Retry-After. Each
    page is stored with the token of the next one, so a harvest that was killed or failed
    resumes after its last stored page when run again (same dates, or no --from).
    """
    from paperfeed.ingest.checkpoints import run_harvest

    start, end = parse_date(since, "--from"), parse_date(until, "--until")
    shown = [0]
    done = [0]
    started = time.monotonic()
    with (
        open_store() as store,
        _client() as client,
        progress() as bars,
        bulk_import_gc(),
    ):
        task = bars.add_task("oai", total=None, rate="")

        def on_batch(_summary: IngestSummary, n: int) -> None:
            done[0] += n
            rate = done[0] / max(time.monotonic() - started, 1e-9)
            bars.update(task, completed=done[0], rate=f"{rate:,.0f} records/s")

        summary, _ = run_harvest(
            store,
            client,
            settings().oai_url,
            set_spec=set_spec,
            since=start,
            until=end,
            batch_size=settings().batch_size,
            on_error=lambda e: _report_error(e, shown),
            on_batch=on_batch,
            log=note,
        )
    say(summary.line())


@ingest.command("rss")
@click.argument("categories", nargs=-1, required=True)
@handle_errors
def ingest_rss(categories: tuple[str, ...]) -> None:
    """Import today's arXiv announcements for CATEGORIES (e.g. cs.LG cs.CL).

    New papers, cross-lists and replacements are recorded with the day they were announced.
    """
    from paperfeed.ingest.rss import fetch_rss

    feeds = validate_categories(categories)
    with _client() as client:
        _run(fetch_rss(client, settings().rss_url, feeds), "rss")


@ingest.command("github-stars")
@click.option(
    "--max",
    "max_requests",
    type=click.IntRange(1, 5000),
    default=None,
    help="Requests to GitHub at most [default: 50, or 1,000 with github_token].",
)
@handle_errors
def ingest_github_stars(max_requests: int | None) -> None:
    """Count the GitHub stars of the repositories papers link to, once, now.

    This is what the `github-stars` job does.

    Repositories never counted go first, then those counted longest ago; each is asked at
    most once a day, conditionally (a 304 costs no rate limit). An exhausted rate limit ends
    the run, saying when it resets.
    """
    from paperfeed.ingest import github
    from paperfeed.ingest.http import PoliteClient

    s = settings()
    token = s.github_token.reveal() if s.github_token else None
    with (
        open_store() as store,
        PoliteClient(
            delay=min(s.http_delay, github.REQUEST_DELAY),
            timeout=s.http_timeout,
            retries=s.http_retries,
            log=note,
        ) as client,
    ):
        report = github.check_stars(
            store,
            github.github_fetcher(client, s.github_api_url, token),
            store.db.now(),
            max_requests=max_requests or github.max_requests_for(token),
        )
    say(report.line())
