"""Web fixtures: a real store (SQLite and PostgreSQL) loaded with the bundled demo, the app
in-process, a real SMTP server taking its e-mails, and a helper that signs in through the
real e-mail-link flow."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from smtp_server import SmtpServer
from webutil import indexed_search, make_settings

from paperfeed.demo import load_demo
from paperfeed.ingest.records import Item
from paperfeed.settings import Settings
from paperfeed.store import Store
from paperfeed.web.app import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Site:
    client: TestClient
    store: Store
    settings: Settings
    smtp: SmtpServer
    fetched: list[str] = field(default_factory=list)

    def last_link(self, email: str) -> str:
        """The link in the last e-mail the site sent to `email`, as a path on this site."""
        link = self.smtp.recorder.last_link(email)
        return link.split("8000", 1)[1] if "8000" in link else link

    def csrf(self, path: str = "/login") -> str:
        m = CSRF.search(self.client.get(path).text)
        assert m, f"no CSRF token on {path}"
        return m.group(1)

    def sign_in(self, email: str) -> None:
        csrf = self.csrf("/login")
        r = self.client.post("/login", data={"email": email, "csrf": csrf, "next": "/"})
        assert r.status_code == 200 and "sent a sign-in link" in r.text
        page = self.client.get(self.last_link(email))
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert token
        r = self.client.post(
            "/login/verify",
            data={"token": token.group(1), "csrf": CSRF.search(page.text).group(1), "next": "/"},  # type: ignore[union-attr]
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text


@pytest.fixture
def site(store: Store, tmp_path: Path, db_url: str, smtp: SmtpServer) -> Iterator[Site]:
    load_demo(store, datetime.now(UTC).date())
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
