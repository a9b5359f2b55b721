"""Running the site: `paperfeed serve --workers 2` as a deployer runs it, a real child process
on loopback whose workers share the port, the database and the search index; and the site's
real arXiv fetcher, which a submission of a paper new to the store asks (the API is a replay
server on 127.0.0.1 with recorded responses), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from loopback import free_port
from replay import API_RECORDINGS, ReplayServer, error
from smtp_server import SmtpServer
from web_site import Site
from webutil import indexed_search, make_settings

from paperfeed.store import Store
from paperfeed.web.app import create_app
from paperfeed.web.server import ArxivFetcher

ROOT = Path(__file__).resolve().parents[2]


def test_serve_with_two_workers(tmp_path: Path, db_url: str) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PAPERFEED_DATA_DIR": str(tmp_path),
        "PAPERFEED_DATABASE_URL": db_url,
        "PAPERFEED_SEARCH_MODEL": "none",
    }
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "paperfeed",
            "serve",
            "--demo",
            "--workers",
            "2",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/static/style.css").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        # Fresh connections, so the two workers both answer some of them.
        for _ in range(8):
            page = httpx.get(f"{base}/")
            assert page.status_code == 200 and "/papers/" in page.text
            api = httpx.get(f"{base}/api/daily_papers").json()
            assert api and api[0]["paper"]["title"]
            found = httpx.get(f"{base}/api/papers/search", params={"q": "quantum"})
            assert found.status_code == 200
        text = (tmp_path / "serve.log").read_text()
        assert "2 workers" in text and text.count("Application startup complete") == 2
    finally:
        server.terminate()
        server.wait(30)
        log.close()


@pytest.fixture
def arxiv() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        server.add_arxiv_recordings(API_RECORDINGS)
        yield server


@pytest.fixture
def site(
    store: Store, tmp_path: Path, db_url: str, arxiv: ReplayServer, smtp: SmtpServer
) -> Iterator[Site]:
    settings = make_settings(
        tmp_path,
        db_url,
        **smtp.env(),
        PAPERFEED_ARXIV_API_URL=f"{arxiv.url}/api/query",
        PAPERFEED_HTTP_DELAY="0",
        PAPERFEED_HTTP_TIMEOUT="5",
    )
    app = create_app(
        settings, store, indexed_search(store, tmp_path / "search"), fetch=ArxivFetcher(settings)
    )
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield Site(client, store, settings, smtp)


def _submit(site: Site, reference: str) -> tuple[int, str, str]:
    page = site.client.get("/papers/submit").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    r = site.client.post(
        "/papers/submit",
        data={"reference": reference, "csrf": csrf.group(1)},
        follow_redirects=False,
    )
    return r.status_code, r.headers.get("location", ""), r.text


@pytest.mark.network
def test_a_paper_new_to_the_store_is_fetched_from_arxiv(
    site: Site, store: Store, arxiv: ReplayServer
) -> None:
    site.sign_in("submitter@example.org")
    status, location, _ = _submit(site, "https://arxiv.org/abs/1707.08567v1")
    assert (status, location) == (303, "/papers/1707.08567?submitted=1")
    assert [r.params["id_list"] for r in arxiv.requests] == ["1707.08567"]
    paper = store.papers.get("1707.08567")
    assert paper is not None and paper.categories == ("cs.IT",)
    assert "Dirk Wübben" in [a.name for a in paper.authors or ()]
    today = datetime.now(UTC).date()
    listed = store.listings.featured(today, today).items
    assert [(i.paper.arxiv_id, i.source) for i in listed] == [("1707.08567", "community")]
    assert paper.title in site.client.get("/papers/1707.08567").text


@pytest.mark.network
def test_arxiv_failing_is_a_clear_answer_and_stores_nothing(
    site: Site, store: Store, arxiv: ReplayServer
) -> None:
    site.sign_in("submitter@example.org")
    arxiv.always(error(503))
    status, _, page = _submit(site, "2410.17243")
    assert status == 502 and "arXiv did not answer" in page
    assert store.papers.get("2410.17243") is None
    assert len(arxiv.requests) == 2  # the first try and one retry, then the visitor is told
