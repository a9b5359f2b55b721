"""Web fixtures: a real store (SQLite and PostgreSQL) loaded with the bundled demo, the app
in-process and a real SMTP server taking its e-mails, held as a `Site` (tests/web_site.py),
which signs in through the real e-mail-link flow."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from smtp_server import SmtpServer
from web_site import Site
from webutil import indexed_search, make_settings

from paperfeed.demo import load_demo
from paperfeed.ingest.records import Item
from paperfeed.store import Store
from paperfeed.web.app import create_app


@pytest.fixture
def site(store: Store, tmp_path: Path, db_url: str, smtp: SmtpServer) -> Iterator[Site]:
    load_demo(store)
    settings = make_settings(tmp_path, db_url, **smtp.env())
    holder: dict[str, Site] = {}

    def fetch(arxiv_id: str) -> Iterable[Item]:
        holder["site"].fetched.append(arxiv_id)
        return []

    app = create_app(
        settings,
        store,
        indexed_search(store, tmp_path / "search"),
        fetch=fetch,
    )
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        holder["site"] = Site(client, store, settings, smtp)
        yield holder["site"]
