"""The `paperfeed` command: thin over the library; domain errors become clean exits."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from paperfeed import __version__
from paperfeed.arxiv_id import parse_reference
from paperfeed.digest.compose import SearchFn
from paperfeed.digest.deliver import DigestSender, compose_period, plan, preview, utcnow
from paperfeed.digest.periods import PERIODS, Period, parse_key
from paperfeed.digest.render import digest_html, digest_text
from paperfeed.digest.searching import saved_search
from paperfeed.digest.send import Mailer
from paperfeed.digest.subscribe import add_confirmed, normalize_address, request_subscription
from paperfeed.errors import Invalid, NotFound, PaperfeedError
from paperfeed.ingest.arxiv_api import fetch_ids, fetch_query
from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.lines import open_source
from paperfeed.ingest.oai import Harvest, harvest
from paperfeed.ingest.records import Item
from paperfeed.ingest.rss import fetch_rss, validate_categories
from paperfeed.ingest.runner import bulk_import_gc, run_import
from paperfeed.models import (
    Hit,
    IngestSummary,
    RecordError,
    SearchFilters,
    SearchResults,
    SubscriptionContent,
    Why,
)
from paperfeed.search.evaluation import evaluate
from paperfeed.search.service import MODES, SORTS, SearchService
from paperfeed.settings import Settings, load_settings
from paperfeed.store import Store
from paperfeed.web.mail import Mailer as WebMailer
from paperfeed.web.mail import digest_links, smtp_config
from paperfeed.web.serialize import why_json

F = TypeVar("F", bound=Callable[..., Any])

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)
MAX_SHOWN_ERRORS = 20


def _fail(message: str) -> None:
    # The message may quote user input or a server's text: never read it as markup, never wrap.
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)
    sys.exit(1)


def handle_errors(fn: F) -> F:
    """Turn paperfeed's own errors into a one-line message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PaperfeedError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            err.print(
                "interrupted: every completed batch is saved; run the command again to continue"
            )
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory [env PAPERFEED_DATA_DIR; default: the user data dir].",
)
@click.option(
    "--database-url",
    default=None,
    help="Database URL, sqlite:///FILE or postgresql://… [env PAPERFEED_DATABASE_URL].",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML config file [env PAPERFEED_CONFIG].",
)
@click.version_option(__version__, prog_name="paperfeed")
@click.pass_context
def cli(
    ctx: click.Context, data_dir: Path | None, database_url: str | None, config_file: Path | None
) -> None:
    """paperfeed: a self-hostable Daily Papers for research communities.

    Without a command, serves the site (`paperfeed serve`). Import arXiv metadata with
    `paperfeed ingest …`, inspect it with `paperfeed stats`.
    Settings come from flags, PAPERFEED_* environment variables, or a TOML config file;
    see docs/configuration.md.
    """
    try:
        ctx.obj = load_settings(
            {"data_dir": data_dir, "database_url": database_url}, config_file=config_file
        )
    except PaperfeedError as exc:
        _fail(str(exc))
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


def _settings() -> Settings:
    obj = click.get_current_context().obj
    assert isinstance(obj, Settings)
    return obj


def _open_store() -> Store:
    return Store.open(_settings().database_url)


# ------------------------------------------------------------------------------------ db


@cli.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Apply pending schema migrations (also done automatically on first use)."""
    with Store.open(_settings().database_url, migrate=False) as store:
        before, after = store.upgrade()
    if before == after:
        out.print(f"database is up to date (revision {after})")
    else:
        out.print(f"database upgraded from revision {before or '(empty)'} to {after}")


# -------------------------------------------------------------------------------- ingest


def _progress(**columns: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        DownloadColumn() if columns.get("bytes") else MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )


def _report_error(error: RecordError, shown: list[int]) -> None:
    shown[0] += 1
    if shown[0] <= MAX_SHOWN_ERRORS:
        err.print(f"skipped {error.position}: {error.message}", markup=False)
    elif shown[0] == MAX_SHOWN_ERRORS + 1:
        err.print("(further skipped records are counted, not shown)")


def _run(
    items: Iterable[Item],
    source: str,
    *,
    total: int | None = None,
    position: Callable[[], int] | None = None,
    unit_bytes: bool = False,
) -> IngestSummary:
    """Import `items` with a progress bar (bytes of a file, or records) and print the summary."""
    settings = _settings()
    store = _open_store()
    shown = [0]
    done = [0]
    started = time.monotonic()
    try:
        with _progress(bytes=unit_bytes) as progress:
            task = progress.add_task(source, total=total, rate="")

            def on_batch(_summary: IngestSummary, n: int) -> None:
                done[0] += n
                rate = done[0] / max(time.monotonic() - started, 1e-9)
                progress.update(
                    task,
                    completed=position() if position else done[0],
                    rate=f"{rate:,.0f} records/s",
                )

            with bulk_import_gc():
                summary = run_import(
                    store,
                    items,
                    source,
                    batch_size=settings.batch_size,
                    on_error=lambda e: _report_error(e, shown),
                    on_batch=on_batch,
                )
            if total is not None:
                progress.update(task, completed=total)
    finally:
        store.close()
    out.print(summary.line(), markup=False)
    return summary


def _import_file(
    path: Path, reader: Callable[[IO[bytes], str], Iterator[Item]], source: str
) -> None:
    with open_source(path) as raw:
        _run(
            reader(raw, path.name),
            source,
            total=path.stat().st_size,
            position=raw.tell,
            unit_bytes=True,
        )


def _client() -> PoliteClient:
    s = _settings()
    return PoliteClient(
        delay=s.http_delay,
        timeout=s.http_timeout,
        retries=s.http_retries,
        log=lambda m: err.print(m, markup=False),
    )


@cli.group()
def ingest() -> None:
    """Import arXiv metadata from files and from arXiv's services.

    Every import validates each record, skips (and reports, with its position) malformed
    ones, writes in transactional batches, and can be re-run: a second run changes nothing.
    """


FILE = click.Path(path_type=Path)


@ingest.command("kaggle")
@click.argument("file", type=FILE)
@handle_errors
def ingest_kaggle(file: Path) -> None:
    """Import the Kaggle arxiv-metadata-oai-snapshot.json (JSON Lines, optionally .gz).

    Streams the file in batches, so the whole 2.7M-record snapshot imports in flat memory.
    """
    _import_file(file, functools.partial(read_kaggle, workers=_settings().parse_workers), "kaggle")


@ingest.command("jsonl")
@click.argument("file", type=FILE)
@handle_errors
def ingest_jsonl(file: Path) -> None:
    """Import generic JSON Lines {id, title, abstract, authors, categories, date}.

    authors and categories are optional; ids may be arXiv ids or local ids (CACM-0001).
    """
    _import_file(file, functools.partial(read_generic, workers=_settings().parse_workers), "jsonl")


@ingest.command("hf-daily")
@click.argument("file", type=FILE)
@handle_errors
def ingest_hf_daily(file: Path) -> None:
    """Import a Hugging Face /api/daily_papers response (JSON).

    Keeps each paper, the day it was featured, its submitter, and its upvotes.
    """
    _import_file(file, read_hf_daily, "hf-daily")


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
    wanted = [i.strip() for raw in ids for i in raw.split(",") if i.strip()]
    if bool(wanted) == bool(query):
        raise Invalid("give either --id ID… or --query QUERY")
    url = _settings().arxiv_api_url
    with _client() as client:
        if wanted:
            bad = []
            for i in wanted:
                try:
                    parse_reference(i)
                except Invalid as exc:
                    bad.append(str(exc))
            if bad:
                raise Invalid("; ".join(bad))
            refs = [_versioned(parse_reference(i)) for i in wanted]
            _run(fetch_ids(client, url, refs), "arxiv", total=len(refs))
        else:
            assert query is not None
            if not query.strip():
                raise Invalid("the query is empty")
            _run(fetch_query(client, url, query.strip(), max_results), "arxiv", total=max_results)


def _versioned(ref: tuple[str, int | None]) -> str:
    arxiv_id, version = ref
    return f"{arxiv_id}v{version}" if version else arxiv_id


def _parse_date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{flag} must be a date like 2024-10-25, got {value!r}") from None


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

    Follows resumption tokens, marks deleted records, and honours 503 Retry-After.
    """
    start = _parse_date(since, "--from")
    end = _parse_date(until, "--until")
    key = f"oai:{set_spec or '*'}:last"
    store = _open_store()
    try:
        if start is None:
            stored = store.get_state(key)
            if stored is None:
                raise Invalid("no earlier harvest of this set: give --from DATE")
            start = date.fromisoformat(stored)
    finally:
        store.close()
    if end is not None and end < start:
        raise Invalid("--until is before --from")
    state = Harvest()
    with _client() as client:
        _run(
            harvest(
                client,
                _settings().oai_url,
                since=start,
                until=end,
                set_spec=set_spec,
                progress=state,
            ),
            "oai",
        )
    if state.response_date:
        stopped = end or date.fromisoformat(state.response_date[:10])
        with _open_store() as store:
            store.set_state(key, stopped.isoformat())


@ingest.command("rss")
@click.argument("categories", nargs=-1, required=True)
@handle_errors
def ingest_rss(categories: tuple[str, ...]) -> None:
    """Import today's arXiv announcements for CATEGORIES (e.g. cs.LG cs.CL).

    New papers, cross-lists and replacements are recorded with the day they were announced.
    """
    feeds = validate_categories(categories)
    with _client() as client:
        _run(fetch_rss(client, _settings().rss_url, feeds), "rss")


# --------------------------------------------------------------------------------- stats


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def stats(as_json: bool) -> None:
    """Counts of papers, versions, daily entries, votes, and the date range."""
    with _open_store() as store:
        s = store.stats()
    data = {
        "papers": s.papers,
        "versions": s.versions,
        "daily_entries": s.daily_entries,
        "votes": s.votes,
        "announcements": s.announcements,
        "deleted": s.deleted,
        "first_published": s.first_published.date().isoformat() if s.first_published else None,
        "last_published": s.last_published.date().isoformat() if s.last_published else None,
        "first_daily": s.first_daily.isoformat() if s.first_daily else None,
        "last_daily": s.last_daily.isoformat() if s.last_daily else None,
    }
    if as_json:
        click.echo(json.dumps(data))
        return
    width = max(len(k) for k in data)
    for key, value in data.items():
        shown = f"{value:,}" if isinstance(value, int) else (value or "-")
        out.print(f"{key.replace('_', ' '):<{width}}  {shown}", markup=False)


# -------------------------------------------------------------------------------- search

MODEL_OPTION = click.option(
    "--model",
    default=None,
    metavar="NAME_OR_PATH",
    help="Embedding model: model2vec hub id or directory, st:NAME_OR_PATH, or none "
    "[env PAPERFEED_SEARCH_MODEL].",
)


def _open_search(store: Store, model: str | None) -> SearchService:
    settings = _settings()
    return SearchService.open(store, settings.data_dir, model=model or settings.search_model)


def _stage_progress() -> tuple[Progress, Callable[[str, int, int], None]]:
    progress = _progress()
    tasks: dict[str, Any] = {}
    started: dict[str, float] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total, rate="")
            started[stage] = time.monotonic()
        rate = done / max(time.monotonic() - started[stage], 1e-9)
        progress.update(tasks[stage], completed=done, total=total, rate=f"{rate:,.0f} papers/s")

    return progress, update


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Start the local indexes over.")
@MODEL_OPTION
@handle_errors
def index_cmd(rebuild: bool, model: str | None) -> None:
    """Bring the search indexes up to date with the store.

    Updates the keyword index, the stored embeddings and the vector index with papers new or
    changed since the last run. Embeddings are kept in the database: a second machine sharing
    it reuses them instead of embedding again. --rebuild rebuilds the local index files.
    """
    with _open_store() as store:
        service = _open_search(store, model)
        if service.notice:
            err.print(f"note: {service.notice}", markup=False)
        progress, update = _stage_progress()
        with progress:
            report = service.index(rebuild=rebuild, progress=update)
    out.print(report.line(), markup=False, soft_wrap=True)


@cli.command()
@click.argument("query")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="hybrid",
    show_default=True,
    help="keyword (BM25), semantic (embeddings) or hybrid (both, fused).",
)
@click.option("--limit", type=click.IntRange(1, 200), default=10, show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--category", "categories", multiple=True, help="Only papers in CATEGORY.")
@click.option("--from", "date_from", default=None, metavar="DATE", help="Published on or after.")
@click.option("--until", "date_to", default=None, metavar="DATE", help="Published on or before.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@MODEL_OPTION
@handle_errors
def search(
    query: str,
    mode: str,
    limit: int,
    sort: str,
    categories: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    as_json: bool,
    model: str | None,
) -> None:
    """Search every paper.

    QUERY is plain text; these operators are understood: "exact phrase", -exclude,
    author:NAME (author:"Full Name"), cat:CATEGORY, year:2024 or year:2020-2024. An arXiv id or
    an arXiv / Hugging Face paper URL puts that paper first, and so does an exact title.
    """
    filters = SearchFilters(
        date_from=_parse_date(date_from, "--from"),
        date_to=_parse_date(date_to, "--until"),
        categories=categories,
    )
    with _open_store() as store:
        # Keyword search needs no model: do not load (or try to download) one.
        service = _open_search(store, "none" if mode == "keyword" and not model else model)
        results = service.search(query, mode=mode, limit=limit, filters=filters, sort=sort)
    if as_json:
        click.echo(json.dumps(results_json(results)))
        return
    if results.notice:
        err.print(f"note: {results.notice}", markup=False)
    out.print(f"{results.total:,} results ({results.mode})", markup=False)
    for i, hit in enumerate(results.hits, 1):
        p = hit.paper
        when = p.published.date().isoformat() if p.published else "-"
        out.print(f"{i:>3}. {p.arxiv_id}  {when}  {p.title}", markup=False)
        out.print(f"     {describe_why(hit.why)}", markup=False, style="dim")


def results_json(results: SearchResults) -> dict[str, Any]:
    return {
        "query": results.query,
        "mode": results.mode,
        "total": results.total,
        "notice": results.notice,
        "hits": [
            {
                "id": h.paper.arxiv_id,
                "title": h.paper.title,
                "authors": [a.name for a in h.paper.authors or ()],
                "published": h.paper.published.isoformat() if h.paper.published else None,
                "categories": list(h.paper.categories or ()),
                "score": round(h.score, 6),
                "why": why_json(h.why, digits=4),
            }
            for h in results.hits
        ],
    }


def describe_why(why: Why) -> str:
    parts = []
    if why.pinned:
        parts.append(f"pinned: {why.pinned}")
    if why.terms:
        parts.append("matched " + ", ".join(why.terms))
    if why.keyword_rank:
        parts.append(f"keyword #{why.keyword_rank}")
    if why.semantic_rank:
        sim = f" (similarity {why.similarity:.2f})" if why.similarity is not None else ""
        parts.append(f"semantic #{why.semantic_rank}{sim}")
    return "; ".join(parts) or "-"


@cli.command("eval")
@click.option("--corpus", type=FILE, required=True, help="corpus.jsonl")
@click.option("--queries", type=FILE, required=True, help="queries.tsv (qid<TAB>text)")
@click.option("--qrels", type=FILE, required=True, help="TREC qrels (qid 0 docid gain)")
@click.option(
    "--mode",
    "modes",
    type=click.Choice(MODES),
    multiple=True,
    help="Mode(s) to score [default: keyword, and semantic and hybrid with --model].",
)
@click.option(
    "--model",
    default=None,
    metavar="NAME_OR_PATH",
    help="Embedding model for semantic and hybrid modes (model2vec id or directory, or "
    "st:NAME_OR_PATH).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object keyed by mode.")
@handle_errors
def eval_cmd(
    corpus: Path,
    queries: Path,
    qrels: Path,
    modes: tuple[str, ...],
    model: str | None,
    as_json: bool,
) -> None:
    """Measure search quality on a relevance collection.

    Indexes the corpus in a throwaway data directory and prints MAP, nDCG@10, Recall@100 and
    P@10 for each mode, with query latency p50/p95. The format is the plain one of
    shared/data/relevance/*/eval/ (docs/search.md).
    """
    chosen = modes or (("keyword", "semantic", "hybrid") if model else ("keyword",))
    progress, update = _stage_progress()
    with progress:
        result = evaluate(corpus, queries, qrels, chosen, model=model, progress=update)
    if as_json:
        click.echo(json.dumps({m: r.as_json() for m, r in result.results.items()}))
        return
    out.print(
        f"{result.corpus_size:,} documents ({result.skipped} skipped), model {result.model or '-'}",
        markup=False,
    )
    out.print(
        f"{'mode':<9} {'MAP':>7} {'nDCG@10':>8} {'R@100':>7} {'P@10':>7} {'p50 ms':>8} "
        f"{'p95 ms':>8}  queries",
        markup=False,
    )
    for mode, r in result.results.items():
        sc = r.scores
        out.print(
            f"{mode:<9} {sc['map']:>7.4f} {sc['ndcg@10']:>8.4f} {sc['recall@100']:>7.4f} "
            f"{sc['p@10']:>7.4f} {r.latency_ms_p50:>8.2f} {r.latency_ms_p95:>8.2f}  {r.queries}",
            markup=False,
        )


# ---------------------------------------------------------------------------------- web


@cli.command()
@click.option("--demo", is_flag=True, help="On an empty data dir, first load the bundled demo.")
@click.option("--host", default=None, help="Address to listen on [default 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port to listen on [default 8000].")
@click.option(
    "--workers", type=click.IntRange(1), default=None, help="Server processes [default 1]."
)
@handle_errors
def serve(demo: bool, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web site and its APIs (the default command)."""
    # Imported here: the web stack is slow to import and other commands do not need it.
    from paperfeed.web.server import serve as run_server

    settings = _settings()
    settings = dataclasses.replace(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
    )
    run_server(settings, demo=demo)


@cli.group()
def users() -> None:
    """Community accounts."""


@users.command("list")
@handle_errors
def users_list() -> None:
    """List accounts with their roles."""
    with _open_store() as store:
        for user in store.accounts.all(limit=10_000):
            out.print(f"{user.id:>5}  {user.role:<8} {user.name:<24} {user.email}", markup=False)


@users.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(["admin", "curator", "member"]))
@handle_errors
def users_role(email: str, role: str) -> None:
    """Give the account of EMAIL a role (the account is created if needed)."""
    with _open_store() as store:
        user = store.accounts.ensure_user(email.strip().lower())
        user = store.accounts.set_role(user.id, role)
    out.print(f"{user.email} is now {user.role}", markup=False)


# -------------------------------------------------------------------------------- digest


def _digest_search(store: Store) -> SearchFn:
    """Saved searches through the hybrid search, opened on first use only, after indexing
    the papers that arrived since the last index run (a digest is about new papers)."""
    opened: list[SearchFn] = []

    def search(query: str, period: Period) -> Sequence[Hit]:
        if not opened:
            settings = _settings()
            service = SearchService.open(store, settings.data_dir, model=settings.search_model)
            service.refresh()
            opened.append(saved_search(service))
        return opened[0](query, period)

    return search


def _parse_period(value: str | None) -> Period | None:
    return parse_key(value) if value is not None else None


@cli.group()
def digest() -> None:
    """E-mail digests: send the due ones, preview one.

    Run `paperfeed digest send` from cron or a systemd timer, e.g. hourly: each run sends
    every digest that is due and not yet sent, exactly once (docs/digests.md).
    """


@digest.command("send")
@click.option(
    "--period",
    "kind",
    type=click.Choice(PERIODS),
    default=None,
    help="Only daily or only weekly subscriptions [default: both].",
)
@click.option(
    "--for",
    "for_period",
    default=None,
    metavar="PERIOD",
    help="Send the digest of this period now, whatever the hour: a day (2026-11-25) or an "
    "ISO week (2026-W47). Default: each subscription's last completed period, once due.",
)
@click.option("--dry-run", is_flag=True, help="Compose and show what would be sent; send nothing.")
@click.option("--to", "to", default=None, metavar="ADDRESS", help="Only this subscriber.")
@handle_errors
def digest_send(kind: str | None, for_period: str | None, dry_run: bool, to: str | None) -> None:
    """Compose each due subscriber's digest and send it over SMTP.

    An empty digest is not sent. Transient SMTP failures are retried with backoff; a
    subscription refused 3 times in a row is paused. Killed at any moment, the next run
    finishes the work without sending any digest twice.
    """
    settings = _settings()
    period = _parse_period(for_period)
    if period is not None and kind is not None and period.kind != kind:
        raise Invalid(f"--for {for_period} is a {period.kind} period, not {kind}")
    kinds = (kind,) if kind else PERIODS
    address = normalize_address(to) if to else None
    links = digest_links(settings)
    with _open_store() as store:
        search = _digest_search(store)
        if dry_run:
            _dry_run(store, kinds, period, address, search)
            return
        mailer = Mailer(smtp_config(settings), log=lambda m: err.print(m, markup=False))
        with mailer, _progress() as progress:
            task = progress.add_task("digests", total=None, rate="")
            sender = DigestSender(
                store,
                mailer,
                links,
                search,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
            summary = sender.run(kinds=kinds, period=period, to=address)
    out.print(summary.line(), markup=False)


def _dry_run(
    store: Store,
    kinds: Sequence[str],
    period: Period | None,
    address: str | None,
    search: SearchFn,
) -> None:
    for p in plan(store, utcnow(), kinds=kinds, period=period, to=address):
        digests = compose_period(store, p.period, p.fresh, search)
        out.print(
            f"{p.period.key}: {len(digests) + len(p.outstanding)} due, "
            f"{p.already} already sent, {len(p.outstanding)} to resume",
            markup=False,
        )
        for d in digests:
            first = d.items[0].paper.title if d.items else "(empty: not sent)"
            n = len(d.items) + d.more
            out.print(f"  {d.subscription.email}: {n} paper(s); {first}", markup=False)
        for sub, delivery in p.outstanding:
            n = len(delivery.content["items"])
            out.print(f"  {sub.email}: {n} paper(s), resumed ({delivery.status})", markup=False)


@digest.command("preview")
@click.argument("address")
@click.option("--html", "as_html", is_flag=True, help="Print the HTML part instead of text.")
@handle_errors
def digest_preview(address: str, as_html: bool) -> None:
    """Show the next digest of ADDRESS as it would be composed now."""
    links = digest_links(_settings())
    with _open_store() as store:
        sub = store.subscriptions.by_email(normalize_address(address))
        if sub is None:
            raise NotFound(f"no subscription for {address}")
        d = preview(store, sub, utcnow(), _digest_search(store))
    if d.is_empty:
        out.print(f"{sub.email}: nothing new so far for {d.period.key}", markup=False)
        return
    click.echo(digest_html(d, links) if as_html else digest_text(d, links))


# --------------------------------------------------------------------------- subscribers


@cli.group()
def subscribers() -> None:
    """Digest subscriptions, for operators and scripts."""


@subscribers.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "active", "paused", "unsubscribed"]),
    default=None,
    help="Only subscriptions in this state.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@handle_errors
def subscribers_list(status: str | None, as_json: bool) -> None:
    """List subscriptions with what they receive."""
    with _open_store() as store:
        subs = store.subscriptions.find(status=status)
    for s in subs:
        c = s.content
        if as_json:
            record = {
                "email": s.email,
                "status": s.status,
                "period": c.period,
                "hour": c.send_hour,
                "top": c.top_n,
                "min_upvotes": c.min_upvotes,
                "queries": list(c.queries),
                "categories": list(c.categories),
                "authors": list(c.authors),
                "paused_reason": s.paused_reason,
            }
            click.echo(json.dumps(record))
            continue
        what = [f"top {c.top_n}"] if c.top_n else []
        what += [f"search {q!r}" for q in c.queries]
        what += list(c.categories) + [f"author {a!r}" for a in c.authors]
        if c.min_upvotes:
            what.append(f">= {c.min_upvotes} upvotes")
        line = f"{s.email}  {s.status}  {c.period} at {c.send_hour:02d}:00 UTC  {'; '.join(what)}"
        if s.paused_reason:
            line += f"  (paused: {s.paused_reason})"
        out.print(line, markup=False)
    if not as_json:
        out.print(f"{len(subs)} subscription(s)", markup=False)


@subscribers.command("add")
@click.argument("address")
@click.option(
    "--confirmed",
    is_flag=True,
    help="Active at once. Without it, a confirmation link is e-mailed (double opt-in).",
)
@click.option("--period", type=click.Choice(PERIODS), default="daily", show_default=True)
@click.option(
    "--hour", type=click.IntRange(0, 23), default=6, show_default=True, help="Sending hour, UTC."
)
@click.option("--top", "top_n", type=click.IntRange(0, 100), default=0, help="Top N trending.")
@click.option("--min-upvotes", type=click.IntRange(0), default=0, help="Skip papers with fewer.")
@click.option("--query", "queries", multiple=True, metavar="Q", help="Saved search (repeat).")
@click.option("--category", "categories", multiple=True, metavar="C", help="arXiv category.")
@click.option("--author", "authors", multiple=True, metavar="A", help="Followed author.")
@handle_errors
def subscribers_add(
    address: str,
    confirmed: bool,
    period: str,
    hour: int,
    top_n: int,
    min_upvotes: int,
    queries: tuple[str, ...],
    categories: tuple[str, ...],
    authors: tuple[str, ...],
) -> None:
    """Subscribe ADDRESS (or replace what it receives). With nothing asked for, it gets the
    top 10 trending papers."""
    content = SubscriptionContent(
        period=period,
        send_hour=hour,
        top_n=top_n,
        min_upvotes=min_upvotes,
        queries=queries,
        categories=categories,
        authors=authors,
    )
    settings = _settings()
    now = utcnow()
    with _open_store() as store:
        if confirmed:
            sub = add_confirmed(store, address, content, now=now)
            out.print(f"{sub.email} subscribed ({sub.content.period}), active", markup=False)
            return
        links = digest_links(settings)
        sender = WebMailer(settings)
        sub = request_subscription(
            store,
            address,
            content,
            now=now,
            links=links,
            send=lambda msg, link: sender.send(msg, link, "confirmation"),
        )
    if sub.status == "active":
        out.print(f"{sub.email} is already subscribed; a note was sent to it", markup=False)
    else:
        out.print(f"{sub.email}: confirmation link sent; nothing is sent before it is followed")


@subscribers.command("remove")
@click.argument("address")
@handle_errors
def subscribers_remove(address: str) -> None:
    """Delete the subscription of ADDRESS with its delivery history."""
    with _open_store() as store:
        if not store.subscriptions.remove(normalize_address(address)):
            raise NotFound(f"no subscription for {address}")
    out.print(f"{address} removed", markup=False)


def main() -> None:
    cli(prog_name="paperfeed")
