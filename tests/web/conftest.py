"""Web fixtures: a real store (SQLite and PostgreSQL) holding the bundled demo (a copy of it,
demo_copy.py), the app
in-process and a real SMTP server taking its e-mails, held as a `Site` (tests/web_site.py),
which signs in through the real e-mail-link flow."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from demo_copy import copy_demo
from fastapi.testclient import TestClient
from smtp_server import SmtpServer
from web_site import Site
from webutil import make_settings

from paperfeed.ingest.records import Item
from paperfeed.store import Store
from paperfeed.web.app import create_app


@pytest.fixture
def site(store: Store, tmp_path: Path, db_url: str, smtp: SmtpServer) -> Iterator[Site]:
    search = copy_demo(store, tmp_path / "search")
    settings = make_settings(tmp_path, db_url, **smtp.env())
    holder: dict[str, Site] = {}

    def fetch(arxiv_id: str) -> Iterable[Item]:
        holder["site"].fetched.append(arxiv_id)
        return []

    app = create_app(settings, store, search, fetch=fetch)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        holder["site"] = Site(client, store, settings, smtp)
        yield holder["site"]
