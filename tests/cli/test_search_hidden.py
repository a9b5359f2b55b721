"""`paperfeed search` leaves out the papers curators hid, on SQLite and PostgreSQL, as the site
does: they neither show nor count."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from paperfeed.cli import cli
from paperfeed.models import Batch, Paper
from paperfeed.store import Store


def _search(tmp_path: Path, db_url: str, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(tmp_path), "--database-url", db_url, "search", *args, "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_hidden_papers_are_not_found(db_url: str, tmp_path: Path) -> None:
    with Store.open(db_url) as store:
        store.papers.write(
            Batch(papers=[Paper(f"2601.0000{i}", f"Tape sorting, part {i}") for i in range(1, 6)])
        )
        store.moderation.hide("2601.00002", None, "spam")
    CliRunner().invoke(
        cli,
        ["--data-dir", str(tmp_path), "--database-url", db_url, "index", "--model", "none"],
        catch_exceptions=False,
    )
    found = _search(tmp_path, db_url, "tape sorting", "--mode", "keyword", "--limit", "2")
    assert found["total"] == 4 and len(found["hits"]) == 2
    every = _search(tmp_path, db_url, "tape sorting", "--mode", "keyword")
    assert sorted(h["id"] for h in every["hits"]) == [
        "2601.00001",
        "2601.00003",
        "2601.00004",
        "2601.00005",
    ]
    # Named by its id, it is not pinned first either.
    assert _search(tmp_path, db_url, "2601.00002", "--mode", "keyword")["hits"] == []
