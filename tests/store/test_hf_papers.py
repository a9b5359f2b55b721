"""Hugging Face's fields in the store (`store.hf`) on real SQLite and PostgreSQL: written with
each import batch, read back whole; a re-import changes nothing, a later one with higher counts
changes just those."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hand_clock import HandClock
from sqlalchemy import select

from paperfeed.errors import NotFound
from paperfeed.ingest.hf_daily import parse_hf_daily
from paperfeed.ingest.records import Record
from paperfeed.ingest.runner import run_import
from paperfeed.models import Batch, HfFields, IngestSummary, Paper
from paperfeed.store import Store
from paperfeed.store.schema import daily_entries, hf_papers, papers


@pytest.fixture
def daily(data_dir: Path) -> Path:
    return data_dir / "hf" / "daily"


def _import(store: Store, payload: bytes, name: str = "hf") -> IngestSummary:
    return run_import(store, parse_hf_daily(payload, name), "hf-daily")


def _hf_rows(store: Store) -> dict[str, tuple[Any, int, datetime]]:
    with store.db.engine.connect() as conn:
        rows = conn.execute(
            select(
                hf_papers.c.paper_id,
                hf_papers.c.fields,
                hf_papers.c.num_comments,
                hf_papers.c.updated_at,
            )
        )
        return {r.paper_id: (r.fields, r.num_comments, r.updated_at) for r in rows}


def _content(store: Store) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Everything an HF import writes: papers, daily entries and HF fields."""
    with store.db.engine.connect() as conn:
        paper_rows = [tuple(r) for r in conn.execute(select(papers).order_by(papers.c.id))]
        entries = [
            tuple(r)[1:]
            for r in conn.execute(
                select(daily_entries).order_by(daily_entries.c.paper_id, daily_entries.c.day)
            )
        ]
    return paper_rows, entries, _hf_rows(store)


def _facts(store: Store) -> tuple[Any, ...]:
    """What the store knows, without when it learnt it."""
    ids = store.papers.ids()
    return store.papers.get_many(ids), _content(store)[1], store.hf.get_many(ids)


def test_fields_round_trip(store: Store, daily: Path) -> None:
    payload = (daily / "daily_papers_2026-06-09.json").read_bytes()
    _import(store, payload)
    parsed = {
        i.hf.arxiv_id: i.hf for i in parse_hf_daily(payload) if isinstance(i, Record) and i.hf
    }
    assert len(parsed) == 38
    assert store.hf.get_many([*parsed, "2601.99999"]) == parsed
    assert store.hf.get_many([]) == {}
    one = store.hf.get_many(["2606.07297", "2606.07297"])["2606.07297"]
    assert one.fields["paper"]["githubStars"] == 5 and one.num_comments == 1


def test_the_same_file_again_changes_nothing(
    clocked_store: Store, clock: HandClock, daily: Path
) -> None:
    payload = (daily / "daily_papers_2026-06-09.json").read_bytes()
    _import(clocked_store, payload)
    before = _content(clocked_store)
    clock.now += timedelta(hours=1)
    again = _import(clocked_store, payload)
    assert again.line() == "hf-daily: 0 new, 0 updated, 38 unchanged, 0 skipped"
    assert _content(clocked_store) == before  # not even a timestamp moved


def test_higher_counts_update_just_those(
    clocked_store: Store, clock: HandClock, daily: Path
) -> None:
    items = json.loads((daily / "daily_papers_2026-06-09.json").read_bytes())
    _import(clocked_store, json.dumps(items).encode())
    papers_before = {i: clocked_store.papers.get(i) for i in clocked_store.papers.ids()}
    rows_before = _hf_rows(clocked_store)
    _, entries_before, _ = _content(clocked_store)
    for item in items[:5]:
        item["paper"]["upvotes"] += 10
        item["numComments"] += 3
    items[5]["numComments"] += 1
    clock.now += timedelta(hours=1)
    later = _import(clocked_store, json.dumps(items).encode())
    assert (later.counts.new, later.counts.updated, later.counts.unchanged) == (0, 5, 33)
    assert later.daily_entries == 0
    rows = _hf_rows(clocked_store)
    changed = {i["paper"]["id"]: i for i in items[:6]}
    for arxiv_id, (fields, num_comments, updated_at) in rows.items():
        old_fields, old_count, old_updated = rows_before[arxiv_id]
        assert fields == old_fields
        if arxiv_id in changed:
            assert (num_comments, updated_at) == (changed[arxiv_id]["numComments"], clock.now)
        else:
            assert (num_comments, updated_at) == (old_count, old_updated)
    for arxiv_id, old in papers_before.items():
        new = clocked_store.papers.get(arxiv_id)
        assert new is not None and old is not None
        upvotes = {i["paper"]["id"]: i["paper"]["upvotes"] for i in items}[arxiv_id]
        assert new.imported_upvotes == upvotes
        assert new == Paper(**{**_fields(old), "imported_upvotes": upvotes})
    assert _content(clocked_store)[1] == entries_before


def _fields(paper: Paper) -> dict[str, Any]:
    return {name: getattr(paper, name) for name in Paper.__slots__}


def test_all_55_days_twice(store: Store, daily: Path) -> None:
    files = sorted(daily.glob("daily_papers_*.json"))
    assert len(files) == 55
    first = [_import(store, f.read_bytes(), f.name) for f in files]
    assert sum(s.counts.new for s in first) == 1219  # three papers were listed on two days
    assert sum(s.daily_entries for s in first) == 1222
    assert sum(s.skipped for s in first) == 0
    assert len(_hf_rows(store)) == 1219
    after_first = _facts(store)
    rows_after_first = _hf_rows(store)
    second = [_import(store, f.read_bytes(), f.name) for f in files]
    assert sum(s.counts.new for s in second) == 0
    assert sum(s.daily_entries for s in second) == 0
    assert _facts(store) == after_first
    # Nothing moves, not even the three papers HF listed on two days with different counts:
    # imported counts only grow, and their fields stay those of their latest listing.
    assert sum(s.counts.updated for s in second) == 0
    assert _hf_rows(store) == rows_after_first
    # In reverse order too: the older listings bring nothing back.
    for f in reversed(files):
        again = _import(store, f.read_bytes(), f.name)
        assert (again.counts.new, again.counts.updated) == (0, 0)
    assert _facts(store) == after_first
    assert _hf_rows(store) == rows_after_first


def test_a_batch_with_an_unknown_paper_writes_nothing(store: Store) -> None:
    paper = Paper(arxiv_id="2601.00001", title="Known")
    batch = Batch(
        papers=[paper],
        hf=[
            HfFields("2601.00001", {"item": {"thumbnail": "t"}, "paper": {}}, 1),
            HfFields("2601.00002", {"item": {}, "paper": {}}, 0),
        ],
    )
    with pytest.raises(NotFound, match=r"2601\.00002"):
        store.papers.write(batch)
    assert store.papers.get("2601.00001") is None
    assert _hf_rows(store) == {}


def test_the_last_fields_of_a_paper_in_a_batch_win(store: Store) -> None:
    store.papers.write(
        Batch(
            papers=[Paper(arxiv_id="2601.00001", title="Twice")],
            hf=[
                HfFields("2601.00001", {"item": {"thumbnail": "old"}, "paper": {}}, 1),
                HfFields("2601.00001", {"item": {"thumbnail": "new"}, "paper": {}}, 2),
            ],
        )
    )
    assert store.hf.get_many(["2601.00001"]) == {
        "2601.00001": HfFields("2601.00001", {"item": {"thumbnail": "new"}, "paper": {}}, 2)
    }


def test_hf_stars_are_only_shown_for_the_repository_hf_counted(store: Store, daily: Path) -> None:
    _import(store, (daily / "daily_papers_2026-06-09.json").read_bytes())
    before = store.hf.get_many(["2606.07297"])["2606.07297"].fields["paper"]
    hf_repo = before["githubRepo"]
    user = store.accounts.ensure_user("author@example.org")
    # A member links another repository: HF's count was not for it.
    store.papers.set_links("2606.07297", "https://github.com/octocat/Hello-World", None, user.id)
    after = store.hf.get_many(["2606.07297"])["2606.07297"].fields["paper"]
    assert "githubStars" not in after and after["githubRepo"] == hf_repo
    # The same repository written another way is the same repository.
    store.papers.set_links("2606.07297", hf_repo.upper() + "/", None, user.id)
    assert store.hf.get_many(["2606.07297"])["2606.07297"].fields["paper"]["githubStars"] == 5
