"""The real huggingface_hub client against a live server on loopback: our API speaks HF's
`/api/daily_papers`, `/api/papers/{id}` and `/api/papers/search`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from loopback import free_port, serving
from webutil import indexed_search, make_settings

from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.runner import run_import
from paperfeed.store import Store
from paperfeed.web.app import create_app


@pytest.fixture
def live(store: Store, tmp_path: Path, db_url: str, data_dir: Path) -> Iterator[str]:
    with (data_dir / "hf/daily_papers_2024-10-25.json").open("rb") as fh:
        run_import(store, read_hf_daily(fh, "hf"), "hf-daily")
    app = create_app(
        make_settings(tmp_path, db_url),
        store,
        indexed_search(store, tmp_path / "search"),
        fetch=lambda _id: [],
    )
    with serving(app, free_port()) as url:
        yield url


def test_huggingface_hub_client(live: str, data_dir: Path) -> None:
    expected = json.loads((data_dir / "hf/daily_papers_2024-10-25.json").read_text())
    api = HfApi(endpoint=live)
    papers = list(api.list_daily_papers(date="2024-10-25", token=False))
    assert len(papers) == 29
    want = {i["paper"]["id"]: (i["paper"]["title"], i["paper"]["upvotes"]) for i in expected}
    got = {p.id: (p.title, p.upvotes) for p in papers}
    assert {k: v[1] for k, v in got.items()} == {k: v[1] for k, v in want.items()}
    for pid, (title, _) in got.items():
        assert " ".join(title.split()) == " ".join(want[pid][0].split())
    first = next(p for p in papers if p.id == "2410.17243")
    assert first.authors and first.authors[0].name == "Zesen Cheng"
    assert first.published_at is not None and first.summary
    week = list(api.list_daily_papers(week="2024-W43", limit=5, token=False))
    assert len(week) == 5
    assert list(api.list_daily_papers(date="2001-01-01", token=False)) == []

    info = api.paper_info("2410.17243")
    assert info.id == "2410.17243" and info.upvotes == 64
    assert info.title and info.title.startswith("Breaking the Memory Barrier")

    found = list(api.list_papers(query="contrastive loss", token=False))
    assert "2410.17243" in [p.id for p in found]
