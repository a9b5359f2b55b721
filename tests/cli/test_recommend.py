"""`paperfeed recommend` on a SQLite file holding the bundled demo: the run for every reader,
nothing to do on a second run, and one member's recommendations over the whole store with
their reasons; an unknown member is a clean failure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli_helpers import Paperfeed, clean_failure

from paperfeed.demo import load_demo
from paperfeed.feed.recommending import SPACE_FILE
from paperfeed.store import Store


def test_recommend_for_readers_and_for_one(
    paperfeed: Paperfeed, db_file: Path, tmp_path: Path, demo_space: Path
) -> None:
    store = Store.open(f"sqlite:///{db_file}")
    try:
        load_demo(store)
        user = store.accounts.ensure_user("reader@example.org")
        seeds = [p for p in store.papers.ids() if p.startswith("25")][:3]
        for pid in seeds:
            store.library.save(user.id, pid)
    finally:
        store.close()
    paperfeed.env["PAPERFEED_SEARCH_MODEL"] = "none"  # no model download in a test
    (tmp_path / "data").mkdir()
    shutil.copy(demo_space, tmp_path / "data" / SPACE_FILE)
    first = paperfeed("recommend", "--json")
    assert first.code == 0, first
    report = json.loads(first.out)
    assert report["readers"] >= 1 and report["candidates"] > 0
    again = paperfeed("recommend")
    assert again.code == 0 and "no day listed since the last run" in again.out
    one = paperfeed("recommend", "--user", "reader@example.org", "--json")
    assert one.code == 0, one
    items = json.loads(one.out)["items"]
    assert len(items) >= 10
    assert all(set(i["because"]) <= set(seeds) and i["because"] for i in items)
    plain = paperfeed("recommend", "--user", "reader@example.org")
    assert plain.code == 0 and "because " in plain.out
    clean_failure(paperfeed("recommend", "--user", "nobody@example.org"), "no member")
