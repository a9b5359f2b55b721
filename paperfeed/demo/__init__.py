"""The bundled demo: real arXiv metadata (CC0; see PROVENANCE.txt) plus clearly labelled demo
members, votes, comments and daily entries, so a fresh install shows a living site offline."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.runner import run_import
from paperfeed.store import Store

HERE = Path(__file__).parent
KAGGLE = HERE / "arxiv-kaggle-head.jsonl"
HF_DAILY = HERE / "hf-daily-2024-10-25.json"
DEMO_MEMBERS = ("ada", "grace", "alan", "emmy", "claude", "sofia")
DAYS = 7
PER_DAY = 8
COMMENTS = (
    "*(demo comment)* The related-work section is a good entry point if you are new to this.",
    "*(demo comment)* Has anyone reproduced the main table? The setup looks **clean**.",
    "*(demo comment)* Nice to see a careful error analysis, see section 4.",
)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    papers: int
    daily_entries: int
    votes: int
    comments: int


def load_demo(store: Store, today: date) -> DemoSummary | None:
    """Load the demo into an empty store, in one transaction; None (and nothing written) when
    it has papers."""
    with store.transaction():
        if store.stats().papers:
            return None
        return _load(store, today)


def _load(store: Store, today: date) -> DemoSummary:
    with KAGGLE.open("rb") as fh:
        run_import(store, read_kaggle(fh, KAGGLE.name), "demo")
    with HF_DAILY.open("rb") as fh:
        run_import(store, read_hf_daily(fh, HF_DAILY.name), "demo")
    members = [store.accounts.ensure_user(f"demo-{n}@demo.invalid") for n in DEMO_MEMBERS]
    rng = random.Random(2024)
    # Recent days get demo entries drawn from the real papers, so today's page is not empty.
    ids = sorted(store.papers.ids())
    rng.shuffle(ids)
    entries = 0
    for offset in range(DAYS):
        day = today - timedelta(days=offset)
        for arxiv_id in ids[offset * PER_DAY : (offset + 1) * PER_DAY]:
            who = rng.choice(members)
            entries += store.moderation.feature(arxiv_id, day, who.name, source="demo")
    votes = 0
    for member in members:
        for arxiv_id in rng.sample(ids[: DAYS * PER_DAY], k=DAYS * PER_DAY // 3):
            store.votes.cast(member.id, arxiv_id, True)
            votes += 1
    comments = 0
    for i, arxiv_id in enumerate(ids[: len(COMMENTS)]):
        top = store.comments.add(arxiv_id, members[i].id, COMMENTS[i])
        store.comments.add(
            arxiv_id, members[i + 1].id, "*(demo reply)* Agreed, thanks for the pointer.", top.id
        )
        comments += 2
    return DemoSummary(store.stats().papers, entries, votes, comments)
