"""The `paperfeed` group itself (paperfeed/cli/__init__.py): help for every command, and the
options every command shares."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from cli_helpers import KAGGLE
from click.testing import CliRunner

from paperfeed.cli import cli


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_help_explains_every_command() -> None:
    """Every command and subcommand answers --help with its own description; the top-level
    help lists every command group."""
    runner = CliRunner()
    commands = list(_commands(cli))
    assert {("serve",), ("ingest", "kaggle"), ("digest", "send"), ("users", "role")} <= set(
        commands
    )
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    for name in cli.list_commands(click.Context(cli)):
        assert f"  {name} " in top.output, name
    for path in commands:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        command: click.Command | None = cli
        for part in path:
            assert isinstance(command, click.Group)
            command = command.get_command(click.Context(command), part)
        assert command is not None
        summary = (command.help or "").strip().splitlines()[0]
        assert summary and " ".join(summary.split()) in " ".join(result.output.split()), path


def test_default_database_lives_in_the_data_dir(tmp_path: Path, data_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--data-dir", str(tmp_path / "d"), "ingest", "kaggle", str(data_dir / KAGGLE)],
        env={"PAPERFEED_DATABASE_URL": ""},
    )
    assert result.exit_code == 0
    assert (tmp_path / "d" / "paperfeed.db").is_file()


def test_the_root_group_imports_no_command() -> None:
    """Commands are imported when they run: an import's parser process imports this package
    again, and must not pay for search, the web stack or the store."""
    code = "import sys, paperfeed.cli; print(sorted(m for m in sys.modules if m in HEAVY))"
    heavy = ["sqlalchemy", "numpy", "paperfeed.search", "paperfeed.store", "paperfeed.web"]
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {heavy!r}\n{code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
