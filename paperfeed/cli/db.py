"""`paperfeed db upgrade` and `paperfeed stats`: the database itself."""

from __future__ import annotations

import json

import click

from paperfeed.cli.common import handle_errors, open_store, say, settings
from paperfeed.serialize import stats_json
from paperfeed.store import Store


@click.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Apply pending schema migrations (also done automatically on first use)."""
    with Store.open(settings().database_url, migrate=False) as store:
        before, after = store.upgrade()
    if before == after:
        say(f"database is up to date (revision {after})")
    else:
        say(f"database upgraded from revision {before or '(empty)'} to {after}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def stats(as_json: bool) -> None:
    """Counts of papers, versions, daily entries, votes, and the date range."""
    with open_store() as store:
        data = stats_json(store.stats())
    if as_json:
        click.echo(json.dumps(data))
        return
    width = max(len(k) for k in data)
    for key, value in data.items():
        shown = f"{value:,}" if isinstance(value, int) else (value or "-")
        say(f"{key.replace('_', ' '):<{width}}  {shown}")
