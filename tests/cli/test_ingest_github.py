"""`paperfeed ingest github-stars` against a loopback GitHub replaying recorded answers, on
SQLite and PostgreSQL: one pass now, its report printed, the token taken from the settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from github_replay import GitHubReplay, recorded

from paperfeed.cli import cli
from paperfeed.models import Batch, Paper
from paperfeed.store import Store


@pytest.fixture
def github() -> Iterator[GitHubReplay]:
    with GitHubReplay() as server:
        yield server


def _run(db_url: str, tmp_path: Path, github: GitHubReplay, *args: str, **env: str) -> Result:
    base = {
        "PAPERFEED_DATA_DIR": str(tmp_path / "data"),
        "PAPERFEED_DATABASE_URL": db_url,
        "PAPERFEED_CONFIG": None,
        "PAPERFEED_GITHUB_API_URL": github.url,
        "PAPERFEED_HTTP_DELAY": "0",
        "PAPERFEED_HTTP_RETRIES": "0",
    }
    return CliRunner().invoke(
        cli, ["ingest", "github-stars", *args], env={**base, **env}, catch_exceptions=False
    )


def test_one_pass_now_with_its_report(
    store: Store, db_url: str, tmp_path: Path, github: GitHubReplay
) -> None:
    store.papers.write(
        Batch(
            papers=[
                Paper("2601.00001", "One", code_url="https://github.com/PyGithub/PyGithub"),
                Paper("2601.00002", "Two", code_url="https://github.com/jacquev6/Xxx"),
            ]
        )
    )
    github.serve(recorded("repo-api-version.txt")[0])
    github.serve(recorded("not-found.txt")[0])
    result = _run(db_url, tmp_path, github, "--max", "1", PAPERFEED_GITHUB_TOKEN="ghp_cli")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "GitHub repositories checked: 1 (0 counted, 0 unchanged, 1 missing, 0 failed), "
        "1 left for the next run; paper links synced: 2\n"
    )
    assert [r.headers["authorization"] for r in github.requests] == ["Bearer ghp_cli"]
    assert "ghp_cli" not in result.stdout + result.stderr
    result = _run(db_url, tmp_path, github)
    assert result.stdout.startswith("GitHub repositories checked: 1 (1 counted,")
    assert "authorization" not in github.requests[1].headers
    assert store.github.stars(["2601.00001"]) == {"2601.00001": 7701}
