"""`paperfeed db upgrade` on a SQLite file, and `paperfeed stats` after an import from a replay
server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import Paperfeed, run


def test_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    code, out, _ = run(url, tmp_path, "db", "upgrade")
    assert code == 0 and "upgraded" in out
    code, out, _ = run(url, tmp_path, "db", "upgrade")
    assert code == 0 and "up to date" in out


@pytest.mark.network
def test_stats_json(paperfeed: Paperfeed) -> None:
    assert paperfeed("ingest", "rss", "cs.SE").code == 0
    result = paperfeed("stats", "--json")
    assert result.code == 0, result
    stats = json.loads(result.out)
    assert {"papers", "daily_entries", "announcements"} <= set(stats)
    assert (stats["papers"], stats["daily_entries"], stats["announcements"]) == (4, 0, 4)
