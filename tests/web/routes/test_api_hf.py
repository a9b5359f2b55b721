"""The real huggingface_hub client against a live server on loopback: our API speaks HF's
`/api/daily_papers`, `/api/papers/{id}` and `/api/papers/search`, and gives back every field
an import from HF kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from huggingface_hub import HfApi
from loopback import free_port, serving
from webutil import indexed_search, make_settings

from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.runner import run_import
from paperfeed.models import Batch, DailyEntry, Paper
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


# ------------------------------------------------------------------ the fields HF gave back

JUNE_9 = "hf/daily/daily_papers_2026-06-09.json"


@pytest.fixture
def api(store: Store, tmp_path: Path, db_url: str, data_dir: Path) -> Iterator[TestClient]:
    with (data_dir / JUNE_9).open("rb") as fh:
        run_import(store, read_hf_daily(fh, "hf"), "hf-daily")
    app = create_app(
        make_settings(tmp_path, db_url),
        store,
        indexed_search(store, tmp_path / "search"),
        fetch=lambda _id: [],
    )
    with TestClient(app) as client:
        yield client


def _as_we_keep_it(item: dict[str, Any]) -> dict[str, Any]:
    """HF's item with what paperfeed does differently: white space in abstracts collapsed."""
    out = {**item, "summary": " ".join(item["summary"].split())}
    out["paper"] = {**item["paper"], "summary": " ".join(item["paper"]["summary"].split())}
    return out


def test_daily_papers_give_back_what_hf_gave(api: TestClient, data_dir: Path) -> None:
    given = {i["paper"]["id"]: i for i in json.loads((data_dir / JUNE_9).read_bytes())}
    got = api.get("/api/daily_papers", params={"date": "2026-06-09", "limit": 100}).json()
    assert len(got) == 38
    for item in got:
        assert item == _as_we_keep_it(given[item["paper"]["id"]])
    first = next(i for i in got if i["paper"]["id"] == "2606.07297")
    assert first["thumbnail"].endswith("/papers/2606.07297.png")
    assert first["submittedBy"]["avatarUrl"].startswith("https://cdn-avatars.huggingface.co/")
    assert first["paper"]["githubStars"] == 5 and first["paper"]["ai_keywords"]
    assert first["paper"]["discussionId"] == "6a26b590e4c258a0294923f0"


def test_comments_here_add_to_hf_count(api: TestClient, store: Store) -> None:
    user = store.accounts.ensure_user("ada@example.org")
    store.comments.add("2606.07297", user.id, "Nice benchmark.")
    got = api.get("/api/daily_papers", params={"date": "2026-06-09", "limit": 100}).json()
    assert next(i for i in got if i["paper"]["id"] == "2606.07297")["numComments"] == 1 + 1
    paper = api.get("/api/papers/2606.07297").json()
    assert paper["numComments"] == 2
    assert paper["ai_summary"].startswith("SWE-Explore introduces a benchmark")
    assert paper["organization"]["name"] == "SJTU"
    assert paper["authors"][0]["_id"] == "6a26b590e4c258a0294923e5"
    claimed = api.get("/api/papers/2606.05753").json()["authors"][0]
    assert (claimed["status"], claimed["user"]["user"]) == ("claimed_verified", "xiuyuz")


def test_search_gives_the_fields_back(api: TestClient) -> None:
    found = api.get("/api/papers/search", params={"q": "SWE-Explore repository"}).json()
    hit = next(i for i in found if i["paper"]["id"] == "2606.07297")
    assert hit["thumbnail"].endswith("/papers/2606.07297.png") and hit["numComments"] == 1


def test_without_hf_fields_the_defaults_stand(api: TestClient, store: Store) -> None:
    day = date(2026, 6, 9)
    store.papers.write(
        Batch(
            papers=[Paper(arxiv_id="2606.00001", title="Local only", authors=None)],
            daily_entries=[DailyEntry("2606.00001", day, "ada", source="curator")],
        )
    )
    got = api.get("/api/daily_papers", params={"date": "2026-06-09", "limit": 100}).json()
    local = next(i for i in got if i["paper"]["id"] == "2606.00001")
    assert local["thumbnail"] == "http://127.0.0.1:8000/papers/2606.00001/thumbnail"  # ours
    assert local["numComments"] == 0 and "mediaUrls" not in local
    # HF's ids are its own (MongoDB object ids): none is made up for a paper HF never had.
    assert "discussionId" not in local["paper"] and "_id" not in local["submittedBy"]
    # The avatar this site draws for the member (routes/avatars.py), relative as HF's are.
    assert local["submittedBy"]["avatarUrl"] == f"/avatars/{local['submittedBy']['name']}.svg"
    assert local["paper"]["submittedOnDailyAt"].startswith("2026-06-09T")
    assert "ai_summary" not in local["paper"] and "organization" not in local


def test_a_listing_by_someone_else_does_not_borrow_the_hf_submitter(
    api: TestClient, store: Store
) -> None:
    store.moderation.feature("2606.07297", date(2026, 6, 20), "bob")
    got = api.get("/api/daily_papers", params={"date": "2026-06-20"}).json()
    (item,) = got
    assert item["submittedBy"]["name"] == "bob"
    assert item["submittedBy"]["avatarUrl"] == "/avatars/bob.svg"
    assert item["paper"]["submittedOnDailyBy"]["name"] == "bob"
    (listed,) = store.listings.featured(date(2026, 6, 20), date(2026, 6, 20)).items
    assert listed.submitted_at is not None  # when bob listed it, not when HF did
    assert (
        item["paper"]["submittedOnDailyAt"]
        == listed.submitted_at.isoformat(timespec="milliseconds") + "Z"
    )
    assert item["thumbnail"].endswith("/papers/2606.07297.png")  # the paper's own fields stay
