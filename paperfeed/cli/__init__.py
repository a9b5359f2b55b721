"""The `paperfeed` command: a click group over the library, one thin module per command group
(parse the arguments, call the library, print); `paperfeed.cli.common` holds what they share.
Domain errors become a one-line message and exit status 1."""

from __future__ import annotations

from pathlib import Path

import click

from paperfeed import __version__
from paperfeed.cli.common import fail
from paperfeed.cli.db import db, stats
from paperfeed.cli.digest import digest, subscribers
from paperfeed.cli.ingest import ingest
from paperfeed.cli.jobs import jobs, worker
from paperfeed.cli.search import eval_cmd, index_cmd, search
from paperfeed.cli.site import serve, users
from paperfeed.errors import PaperfeedError
from paperfeed.settings import load_settings


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
        fail(str(exc))
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


for command in (
    db,
    stats,
    ingest,
    index_cmd,
    search,
    eval_cmd,
    serve,
    users,
    digest,
    subscribers,
    jobs,
    worker,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="paperfeed")
