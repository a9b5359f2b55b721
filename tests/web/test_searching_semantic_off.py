"""A site whose embedding model is missing, on SQLite and PostgreSQL: search says so in plain
words (no server path, no exception text), shows the mode it really used, and the JSON API
says the same; the reason goes to the server log once, at WARNING."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub.constants
import pytest
from demo_copy import copy_demo
from fastapi.testclient import TestClient
from smtp_server import SmtpServer
from webutil import make_settings

from paperfeed.search.service import MODEL_MISSING, SearchService
from paperfeed.store import Store
from paperfeed.web.app import create_app

SELECTED_KEYWORD = "<option selected>keyword</option>"


def _model(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A model spec that cannot be loaded: a folder that is not there, or a hub model not
    cached with the hub unreachable (port 9 on loopback refuses at once, as a machine
    without network fails to resolve the hub)."""
    if kind == "missing path":
        return str(tmp_path / "models" / "no-such-model")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "http://127.0.0.1:9")
    return f"paperfeed-tests/absent-{uuid.uuid4().hex[:8]}"


@pytest.fixture(params=["missing path", "hub unreachable"])
def client(
    request: pytest.FixtureRequest,
    store: Store,
    tmp_path: Path,
    db_url: str,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[TestClient]:
    copy_demo(store, tmp_path / "data")
    model = _model(request.param, tmp_path, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="paperfeed.search.service"):
        search = SearchService.open(store, tmp_path / "data", model=model)
        # A second process of the same site (or a restart) does not repeat the warning.
        SearchService.open(store, tmp_path / "data", model=model)
    search.index()
    settings = make_settings(tmp_path, db_url, **smtp.env())
    app = create_app(settings, store, search, fetch=lambda _id: [])
    with TestClient(app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def test_the_page_says_semantic_search_is_off_and_shows_keyword_mode(
    client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    r = client.get("/papers", params={"q": "language models", "mode": "hybrid"})
    assert r.status_code == 200
    html = r.text
    assert f'<span class="notice">{MODEL_MISSING}</span>' in html
    assert SELECTED_KEYWORD in html and "<option selected>hybrid</option>" not in html
    assert "keyword search" in html
    for leaked in (str(tmp_path), "Error", "Errno", "Hugging Face Hub", "/models"):
        assert leaked not in html, leaked
    # The reason is in the log (written when the site opened its search), once.
    logged = caplog.get_records("setup") + caplog.get_records("call")
    (record,) = [r for r in logged if r.name == "paperfeed.search.service"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "semantic search is unavailable" in message
    assert "no-such-model" in message or str(tmp_path / "data" / "models") in message


def test_keyword_mode_asked_for_needs_no_notice(client: TestClient) -> None:
    html = client.get("/papers", params={"q": "language models", "mode": "keyword"}).text
    assert MODEL_MISSING not in html and SELECTED_KEYWORD in html


@pytest.mark.parametrize("mode", ["hybrid", "semantic"])
def test_the_api_reports_the_mode_used_and_the_same_notice(client: TestClient, mode: str) -> None:
    body = client.get("/api/v1/search", params={"q": "language models", "mode": mode}).json()
    assert (body["mode"], body["notice"]) == ("keyword", MODEL_MISSING)
    assert body["items"]
