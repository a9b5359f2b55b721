"""The `paperfeed` group itself (paperfeed/cli/__init__.py): help for every command, and the
options every command shares."""

from pathlib import Path

from cli_helpers import KAGGLE
from click.testing import CliRunner

from paperfeed.cli import cli


def test_help_explains_every_command() -> None:
    runner = CliRunner()
    for args in (
        ["--help"],
        ["ingest", "--help"],
        ["db", "--help"],
        ["stats", "--help"],
        ["db", "upgrade", "--help"],
        *tuple(
            ["ingest", c, "--help"] for c in ("kaggle", "jsonl", "hf-daily", "arxiv", "oai", "rss")
        ),
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, args
        assert len(result.output.splitlines()) > 4


def test_default_database_lives_in_the_data_dir(tmp_path: Path, data_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--data-dir", str(tmp_path / "d"), "ingest", "kaggle", str(data_dir / KAGGLE)],
        env={"PAPERFEED_DATABASE_URL": ""},
    )
    assert result.exit_code == 0
    assert (tmp_path / "d" / "paperfeed.db").is_file()
