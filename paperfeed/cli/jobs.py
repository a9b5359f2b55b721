"""`paperfeed jobs` (list the scheduled jobs, run one now) and `paperfeed worker` (run them)."""

from __future__ import annotations

import functools
import json
from datetime import datetime

import click

from paperfeed.cli.common import fail, handle_errors, open_search, open_store, say, settings
from paperfeed.jobs import JobRunner
from paperfeed.jobs.runner import statuses
from paperfeed.models import JobStatus
from paperfeed.serialize import job_status_json
from paperfeed.web.jobs import run_worker, site_jobs


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if value else "never"


def _describe(s: JobStatus) -> list[str]:
    state = "on" if s.enabled else f"off ({s.reason})"
    lines = [f"{s.name}: {state}; {s.schedule}"]
    if s.last_run is not None:
        last = f"  last run {_when(s.last_run)} on {s.last_node}: {s.last_result}"
        if s.last_message:
            last += f": {s.last_message}"
        if s.failures:
            last += f" ({s.failures} failure(s) in a row)"
        lines.append(last)
    if s.enabled:
        lines.append(f"  next run {_when(s.next_run)}")
    return lines


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="A JSON list of the jobs.")
@click.pass_context
@handle_errors
def jobs(ctx: click.Context, as_json: bool) -> None:
    """The scheduled jobs: what each does, when it last ran and how, when it runs next.

    `paperfeed serve` runs them (unless jobs = off), and so does `paperfeed worker`; nodes
    sharing a database share the work (docs/jobs.md).
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_store() as store:
        found = statuses(store, site_jobs(settings()), store.db.now())
    if as_json:
        click.echo(json.dumps([job_status_json(s) for s in found], indent=2))
        return
    for s in found:
        for line in _describe(s):
            say(line)


@jobs.command("run")
@click.argument("name")
@handle_errors
def jobs_run(name: str) -> None:
    """Run job NAME now, due or not, unless another node is running it."""
    with open_store() as store:
        search = functools.cache(functools.partial(open_search, store))
        result = JobRunner(store, site_jobs(settings()), search=search).run(name)
    if result.outcome not in ("ok", "skipped"):
        fail(result.line())
    say(result.line())


@click.command()
@handle_errors
def worker() -> None:
    """Run the scheduled jobs in the foreground until Ctrl-C or SIGTERM (without the site).

    For a site served with jobs = off, or to add a node that shares the work.
    """
    run_worker(settings())
