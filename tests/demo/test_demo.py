"""The bundled demo on SQLite and PostgreSQL: the real Hugging Face days on their real dates
with their upvotes and submitters, the few labelled demo additions, loaded once; and the
bundle itself: under 3 MB, what PROVENANCE.txt says, packaged."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import tomllib
from datetime import date
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from paperfeed.demo import HERE, HF_DAILY, hf_days, load_demo
from paperfeed.store import Store

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted(p for p in HERE.iterdir() if p.is_file() and p.suffix not in (".py", ".txt"))


def _submitter(item: dict[str, Any]) -> str | None:
    by = item.get("submittedBy") or item["paper"].get("submittedOnDailyBy") or {}
    return by.get("name")


def test_loads_every_hf_day_with_its_items_upvotes_and_submitters(store: Store) -> None:
    days = hf_days()
    summary = load_demo(store)
    assert summary is not None
    ids = {item["paper"]["id"] for items in days.values() for item in items}
    assert summary.papers == 200 + len(ids) == store.stats().papers
    assert summary.daily_entries == sum(len(items) for items in days.values()) == 1222
    assert len(days) == 55 and (min(days), max(days)) == ("2026-06-08", "2026-08-21")
    # A paper featured twice keeps the upvotes of its latest day.
    upvotes = {item["paper"]["id"]: item["paper"]["upvotes"] for v in days.values() for item in v}
    for key, items in days.items():
        day = date.fromisoformat(key)
        listed = store.listings.featured(day, day, limit=100).items
        on_day = {i.paper.arxiv_id: i for i in listed}
        assert set(on_day) == {item["paper"]["id"] for item in items}, key
        for item in items:
            entry = on_day[item["paper"]["id"]]
            assert (entry.source, entry.submitted_by) == ("huggingface", _submitter(item))
            assert entry.paper.imported_upvotes == upvotes[item["paper"]["id"]]
    assert store.listings.latest_day() == date(2026, 8, 21)


def test_demo_additions_are_few_and_labelled(store: Store) -> None:
    summary = load_demo(store)
    assert summary is not None and (summary.votes, summary.comments) == (12, 4)
    members = store.accounts.all()
    assert len(members) == 4
    assert all(m.name.startswith("demo-") and m.email.endswith("@demo.invalid") for m in members)
    latest = [item["paper"]["id"] for item in hf_days()["2026-08-21"]]
    assert store.votes.community_counts(latest[:4]) == {i: 4 for i in latest[:3]}
    assert store.votes.total() == 12
    comments = [c for arxiv_id in latest for c in store.comments.for_paper(arxiv_id)]
    assert len(comments) == 4 and all(c.body.startswith("*(demo ") for c in comments)
    # No invented daily entries: every day the site lists is a real Hugging Face day.
    stats = store.stats()
    assert (stats.first_daily, stats.last_daily) == (date(2026, 6, 8), date(2026, 8, 21))


def test_loads_once(store: Store) -> None:
    assert load_demo(store) is not None
    before = (store.stats(), store.accounts.count(), store.votes.total())
    assert load_demo(store) is None
    assert (store.stats(), store.accounts.count(), store.votes.total()) == before


def test_the_bundle_is_the_shared_hf_days_unchanged_and_small(data_dir: Path) -> None:
    assert HF_DAILY.stat().st_size <= 3_000_000
    shared = sorted((data_dir / "hf/daily").glob("daily_papers_*.json"))
    assert len(shared) == 55
    expected = {p.stem.removeprefix("daily_papers_"): json.loads(p.read_bytes()) for p in shared}
    bundled = json.loads(gzip.decompress(HF_DAILY.read_bytes()))
    assert list(bundled) == list(expected) and bundled == expected


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_provenance_lists_each_bundled_file_with_its_sha256(path: Path) -> None:
    provenance = (HERE / "PROVENANCE.txt").read_text(encoding="utf-8")
    section = provenance.split(f"File: {path.name}\n", 1)
    assert len(section) == 2, f"{path.name} is not in PROVENANCE.txt"
    listed = re.search(r"^sha256: ([0-9a-f]{64})$", section[1], re.MULTILINE)
    assert listed and listed.group(1) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_bundled_file_is_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["paperfeed"]
    for path in [*BUNDLED, HERE / "PROVENANCE.txt"]:
        relative = path.relative_to(HERE.parent).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative
