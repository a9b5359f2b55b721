"""The `paperfeed` command: a click group over the library, one thin module per command group
(parse the arguments, call the library, print); `paperfeed.cli.common` holds what they share.
Domain errors become a one-line message and exit status 1."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import click

from paperfeed import __version__
from paperfeed.cli.common import fail
from paperfeed.errors import PaperfeedError
from paperfeed.settings import load_settings

# Each command's module and attribute: a command's module (and the library under it) is
# imported only when that command runs, so `ingest kaggle` does not load search, the web stack
# or digests, and neither does its parser process, which imports this module again (it took
# 1.3 s to import with every command in it, 0.26 s without).
COMMANDS = {
    "db": "paperfeed.cli.db:db",
    "stats": "paperfeed.cli.db:stats",
    "ingest": "paperfeed.cli.ingest:ingest",
    "index": "paperfeed.cli.search:index_cmd",
    "search": "paperfeed.cli.search:search",
    "eval": "paperfeed.cli.search:eval_cmd",
    "recommend": "paperfeed.cli.recommend:recommend",
    "serve": "paperfeed.cli.site:serve",
    "users": "paperfeed.cli.site:users",
    "digest": "paperfeed.cli.digest:digest",
    "subscribers": "paperfeed.cli.digest:subscribers",
    "jobs": "paperfeed.cli.jobs:jobs",
    "worker": "paperfeed.cli.jobs:worker",
}


class LazyGroup(click.Group):
    """A group whose commands are named up front and imported on first use (click's
    "Lazily Loading Subcommands" recipe)."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, name = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module), name)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
        serve = cli.get_command(ctx, "serve")
        assert serve is not None
        ctx.invoke(serve)


def main() -> None:
    cli(prog_name="paperfeed")
