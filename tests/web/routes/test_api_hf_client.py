"""The real huggingface_hub client, and its `hf papers` CLI, against a live server on loopback
holding the demo (the 55 real days of ../shared/data/hf/daily/): every papers method HF's
client has, with the parameters HF documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from demo_copy import copy_demo
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils._pagination import paginate
from loopback import free_port, serving
from webutil import make_settings

from paperfeed.store import Store
from paperfeed.web.app import create_app

DAY = "2026-06-09"


@pytest.fixture(scope="module")
def live(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo served on loopback; read-only, so shared by the module's tests."""
    tmp = tmp_path_factory.mktemp("site")
    store = Store.open(module_db_url)
    try:
        search = copy_demo(store, tmp / "search")
        app = create_app(make_settings(tmp, module_db_url), store, search, fetch=lambda _id: [])
        with serving(app, free_port()) as url:
            yield url
    finally:
        store.close()


def _day(data_dir: Path, day: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(
        (data_dir / f"hf/daily/daily_papers_{day}.json").read_bytes()
    )
    return items


def _submitted_by(data_dir: Path, name: str) -> set[str]:
    """The papers `name` put on the daily list, on any of the 55 days."""
    return {
        i["paper"]["id"]
        for path in (data_dir / "hf/daily").glob("*.json")
        for i in json.loads(path.read_bytes())
        if i["submittedBy"]["name"] == name
    }


def test_a_day_in_hfs_order_with_hfs_fields(live: str, data_dir: Path) -> None:
    given = _day(data_dir, DAY)
    papers = list(HfApi(endpoint=live).list_daily_papers(date=DAY, limit=100, token=False))
    assert [p.id for p in papers] == [i["paper"]["id"] for i in given]  # most upvoted first
    for paper, item in zip(papers, given, strict=True):
        assert paper.upvotes == (item["paper"]["upvotes"] or None)  # the client reads 0 as None
        assert paper.thumbnail == item["thumbnail"]
        assert paper.comments == item["numComments"]
        assert paper.submitted_at is not None and paper.submitted_by is not None
    # The client keeps only the item's own fields; the paper's are in the JSON, as on HF.
    raw = httpx.get(f"{live}/api/daily_papers", params={"date": DAY, "limit": 100}).json()
    for ours, item in zip(raw, given, strict=True):
        for field in ("githubStars", "ai_summary", "ai_keywords", "organization"):
            assert ours["paper"].get(field) == item["paper"].get(field)


def test_paper_info_has_the_day_it_was_submitted(live: str) -> None:
    info = HfApi(endpoint=live).paper_info("2606.07297")
    assert info.submitted_at == datetime(2026, 6, 9, tzinfo=UTC)
    assert info.submitted_by is not None and info.submitted_by.username == "YerbaPage"
    assert info.discussion_id == "6a26b590e4c258a0294923f0"  # HF's own, kept
    with pytest.raises(HfHubHTTPError) as refused:
        HfApi(endpoint=live).paper_info("2606.99999")
    assert refused.value.response.status_code == 404


def test_a_submitter_without_a_date_on_every_day(live: str, data_dir: Path) -> None:
    api = HfApi(endpoint=live)
    wanted = _submitted_by(data_dir, "taesiri")
    assert len(wanted) > 120  # more than a page: on 51 of the 55 days
    pages = [
        list(api.list_daily_papers(submitter="taesiri", limit=120, p=p, token=False))
        for p in (0, 1, 2)
    ]
    assert [len(page) for page in pages] == [120, len(wanted) - 120, 0]
    found = [paper.id for page in pages for paper in page]
    assert len(found) == len(set(found)) and set(found) == wanted
    dates = [paper.submitted_at for paper in pages[0]]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert list(api.list_daily_papers(submitter="nobody-at-all", token=False)) == []
    on_a_day = list(api.list_daily_papers(date=DAY, submitter="taesiri", token=False))
    assert {p.id for p in on_a_day} == {
        i["paper"]["id"] for i in _day(data_dir, DAY) if i["submittedBy"]["name"] == "taesiri"
    }


def test_list_papers_takes_hfs_limits(live: str) -> None:
    api = HfApi(endpoint=live)
    found = list(api.list_papers(query="language model", limit=120, token=False))
    assert len(found) == 120
    assert len({p.id for p in found}) == 120
    latest = list(api.list_papers(token=False))  # no query: the newest papers, as on HF
    assert len(latest) == 20
    assert all(p.submitted_at is not None for p in latest)
    with pytest.raises(HfHubHTTPError):
        list(api.list_papers(query="x", limit=121, token=False))


def test_every_paper_a_page_at_a_time(live: str, data_dir: Path) -> None:
    """`/api/papers?cursor&limit`, followed by the client's own pager (the `Link` header)."""
    papers = list(paginate(f"{live}/api/papers", {"limit": 120}, {}))
    ids = [p["id"] for p in papers]
    assert len(ids) == len(set(ids)) > 120
    every_day = {
        i["paper"]["id"]
        for path in (data_dir / "hf/daily").glob("*.json")
        for i in json.loads(path.read_bytes())
    }
    assert every_day <= set(ids)
    published = [p["publishedAt"] for p in papers if p["publishedAt"]]
    assert published == sorted(published, reverse=True)  # newest first
    first = httpx.get(f"{live}/api/papers", params={"limit": 3})
    assert [p["id"] for p in first.json()] == ids[:3]
    assert first.links["next"]["url"] == f"{live}/api/papers?cursor=3&limit=3"
    last = httpx.get(f"{live}/api/papers", params={"limit": 3, "cursor": len(ids) - 2})
    assert len(last.json()) == 2 and "next" not in last.links
    assert httpx.get(f"{live}/api/papers", params={"cursor": "abc"}).status_code == 400


def test_read_paper_gives_markdown_with_the_abstract(live: str, data_dir: Path) -> None:
    (item,) = [i for i in _day(data_dir, DAY) if i["paper"]["id"] == "2606.07297"]
    text = HfApi(endpoint=live).read_paper("2606.07297")
    assert text.startswith(f"# {item['paper']['title']}\n")
    assert " ".join(item["paper"]["summary"].split()) in " ".join(text.split())
    assert "https://arxiv.org/abs/2606.07297" in text and "- Upvotes: 90" in text
    with pytest.raises(HfHubHTTPError) as refused:
        HfApi(endpoint=live).read_paper("2606.99999")
    assert refused.value.response.status_code == 404


def _hf(live: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`hf papers …` as a user runs it, with HF_ENDPOINT pointing at the live server."""
    env = {
        **os.environ,
        "HF_ENDPOINT": live,
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",
        "NO_COLOR": "1",
    }
    env.pop("HF_TOKEN", None)
    code = "import sys; from huggingface_hub.cli.hf import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, "papers", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_hf_papers_cli(live: str, tmp_path: Path, data_dir: Path) -> None:
    read = _hf(live, tmp_path, "read", "2606.07297")
    assert read.returncode == 0, read.stderr
    assert read.stdout.startswith("# SWE-Explore: Benchmarking How Coding Agents")
    info = _hf(live, tmp_path, "info", "2606.07297")
    assert info.returncode == 0, info.stderr
    assert "2026-06-09" in info.stdout
    listed = _hf(live, tmp_path, "ls", "--submitter", "Franck-Dernoncourt", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    ids = {p["id"] for p in json.loads(listed.stdout)}
    assert ids == _submitted_by(data_dir, "Franck-Dernoncourt")
    day = _hf(live, tmp_path, "ls", "--date", DAY, "--limit", "120", "--format", "json")
    assert day.returncode == 0, day.stderr
    assert [p["id"] for p in json.loads(day.stdout)] == [
        i["paper"]["id"] for i in _day(data_dir, DAY)
    ]
    search = _hf(live, tmp_path, "search", "language model", "--limit", "120")
    assert search.returncode == 0, search.stderr
    missing = _hf(live, tmp_path, "read", "2606.99999")
    assert missing.returncode != 0 and "not found" in missing.stderr
