"""The site under test, as the web tests hold it: the app's client, its store, settings and
SMTP server, and signing in through the real e-mail-link flow."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from smtp_server import SmtpServer

from paperfeed.settings import Settings
from paperfeed.store import Store

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


def csrf_of(site: Site, path: str) -> str:
    m = CSRF.search(site.client.get(path).text)
    assert m, path
    return m.group(1)
