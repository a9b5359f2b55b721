"""The bundled demo, so a fresh install shows a living site offline: 55 weekdays of real
Hugging Face daily papers (2026-06-08 .. 2026-08-21, Apache-2.0) on their real days with their
real upvotes and submitters, 200 real arXiv records with categories (CC0; see PROVENANCE.txt),
and a few clearly labelled demo members, votes and comments on the latest day's papers."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import orjson

from paperfeed.ingest.hf_daily import parse_hf_daily
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.records import Item
from paperfeed.ingest.runner import run_import
from paperfeed.store import Store

HERE = Path(__file__).parent
KAGGLE = HERE / "arxiv-kaggle-head.jsonl"
# Built by bench/make_demo.py: day -> that day's /api/daily_papers items, as HF gave them.
HF_DAILY = HERE / "hf-daily-2026-06-08_2026-08-21.json.gz"
DEMO_MEMBERS = ("ada", "grace", "alan", "emmy")
# Every demo member upvotes this many of the latest day's papers (in HF's order) ...
VOTED = 3
# ... and each of these opens a thread on one of them, answered by the next member.
COMMENTS = (
    "*(demo comment)* The related-work section is a good entry point if you are new to this.",
    "*(demo comment)* Has anyone reproduced the main table? The setup looks **clean**.",
)
REPLY = "*(demo reply)* Agreed, thanks for the pointer."


@dataclass(frozen=True, slots=True)
class DemoSummary:
    papers: int
    # Real Hugging Face daily entries; votes and comments are the demo's own.
    daily_entries: int
    votes: int
    comments: int


def hf_days() -> dict[str, list[Any]]:
    """The bundle: each day (YYYY-MM-DD) with its items, oldest day first."""
    with gzip.open(HF_DAILY, "rb") as fh:
        days: dict[str, list[Any]] = orjson.loads(fh.read())
    return days


def _hf_items(days: dict[str, list[Any]]) -> Iterator[Item]:
    return chain.from_iterable(
        parse_hf_daily(orjson.dumps(items), f"{HF_DAILY.name}:{day}") for day, items in days.items()
    )


def load_demo(store: Store) -> DemoSummary | None:
    """Load the demo into an empty store, in one transaction; None (and nothing written) when
    it has papers."""
    with store.transaction():
        if store.stats().papers:
            return None
        return _load(store)


def _load(store: Store) -> DemoSummary:
    with KAGGLE.open("rb") as fh:
        run_import(store, read_kaggle(fh, KAGGLE.name), "demo")
    days = hf_days()
    imported = run_import(store, _hf_items(days), "demo")
    members = [store.accounts.ensure_user(f"demo-{n}@demo.invalid") for n in DEMO_MEMBERS]
    latest = [item["paper"]["id"] for item in days[max(days)]]
    votes = 0
    for member in members:
        for arxiv_id in latest[:VOTED]:
            store.votes.cast(member.id, arxiv_id, True)
            votes += 1
    comments = 0
    for i, (arxiv_id, body) in enumerate(zip(latest, COMMENTS, strict=False)):
        top = store.comments.add(arxiv_id, members[i].id, body)
        store.comments.add(arxiv_id, members[i + 1].id, REPLY, top.id)
        comments += 2
    return DemoSummary(store.stats().papers, imported.daily_entries, votes, comments)
