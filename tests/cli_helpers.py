"""Helpers shared by the CLI tests: running `paperfeed` in-process, with the settings pointing
at a database (and, for the network commands, at a replay server on 127.0.0.1)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from replay import FIXTURES, ReplayServer

from paperfeed.cli import cli

KAGGLE = "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"
OAI = FIXTURES / "oai"
PAGE_1_QUERY = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2014-10-01"}


def run(db_url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    env = {"PAPERFEED_DATA_DIR": str(tmp_path / "data"), "PAPERFEED_DATABASE_URL": db_url}
    result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


class Paperfeed:
    """Runs the command with the settings pointing at the replay server and a SQLite file."""

    def __init__(self, server: ReplayServer, db_file: Path, data_dir: Path) -> None:
        self.env = {
            "PAPERFEED_DATA_DIR": str(data_dir),
            "PAPERFEED_DATABASE_URL": f"sqlite:///{db_file}",
            "PAPERFEED_CONFIG": None,
            "PAPERFEED_ARXIV_API_URL": f"{server.url}/api/query",
            "PAPERFEED_OAI_URL": f"{server.url}/oai",
            "PAPERFEED_RSS_URL": f"{server.url}/rss/",
            "PAPERFEED_HTTP_DELAY": "0",
            "PAPERFEED_HTTP_TIMEOUT": "5",
        }

    def __call__(self, *args: str, retries: int = 1) -> Result:
        env = {**self.env, "PAPERFEED_HTTP_RETRIES": str(retries)}
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)


def clean_failure(result: Result, message: str) -> None:
    """Exit status 1, the message on stderr (line wrapping aside), no traceback."""
    assert result.code == 1, result
    assert message in " ".join(result.err.split()), result.err
    assert "Traceback" not in result.err + result.out
