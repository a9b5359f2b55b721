"""Web fixtures: a real store (SQLite and PostgreSQL) loaded with the bundled demo, the app
in-process, and a helper that signs in through the real e-mail-link flow."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperfeed.demo import load_demo
from paperfeed.ingest.records import Item
from paperfeed.models import Hit, SearchFilters, SearchResults, Why
from paperfeed.settings import Settings, load_settings
from paperfeed.store import Store
from paperfeed.web import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class SubstringSearch:
    """Stand-in for paperfeed.search.SearchService until it lands on this branch: every
    query word in the title or abstract, case-insensitive."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 20,
        offset: int = 0,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
    ) -> SearchResults:
        words = [w.lower() for w in query.split()]
        papers = self.store.get_papers(self.store.paper_ids())
        hits = [
            Hit(p, 1.0, Why(terms=tuple(words), keyword_rank=i + 1))
            for i, p in enumerate(
                p
                for p in papers.values()
                if all(w in f"{p.title} {p.abstract}".lower() for w in words)
            )
        ]
        return SearchResults(query, "keyword", hits[offset : offset + limit], len(hits))

    def related(self, arxiv_id: str, limit: int = 10) -> list[Hit]:
        paper = self.store.get_paper(arxiv_id)
        if paper is None:
            return []
        word = paper.title.split()[0]
        return [h for h in self.search(word).hits if h.paper.arxiv_id != arxiv_id][:limit]


@dataclass
class Site:
    client: TestClient
    store: Store
    settings: Settings
    mails: list[tuple[str, str]] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)

    def csrf(self, path: str = "/login") -> str:
        m = CSRF.search(self.client.get(path).text)
        assert m, f"no CSRF token on {path}"
        return m.group(1)

    def sign_in(self, email: str) -> None:
        csrf = self.csrf("/login")
        r = self.client.post("/login", data={"email": email, "csrf": csrf, "next": "/"})
        assert r.status_code == 200 and "sent a sign-in link" in r.text
        to, link = self.mails[-1]
        assert to == email
        path = link.split("8000", 1)[1] if "8000" in link else link
        page = self.client.get(path)
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert token
        r = self.client.post(
            "/login/verify",
            data={"token": token.group(1), "csrf": CSRF.search(page.text).group(1), "next": "/"},  # type: ignore[union-attr]
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text


def make_settings(tmp_path: Path, db_url: str, **env: str) -> Settings:
    return load_settings(
        env={
            "PAPERFEED_DATA_DIR": str(tmp_path),
            "PAPERFEED_DATABASE_URL": db_url,
            "PAPERFEED_SUBMISSION_WINDOW_DAYS": "100000",
            **env,
        }
    )


@pytest.fixture
def site(store: Store, tmp_path: Path, db_url: str) -> Iterator[Site]:
    load_demo(store, datetime.now(UTC).date())
    settings = make_settings(tmp_path, db_url)
    holder: dict[str, Site] = {}

    def fetch(arxiv_id: str) -> Iterable[Item]:
        holder["site"].fetched.append(arxiv_id)
        return []

    app = create_app(
        settings,
        store,
        SubstringSearch(store),
        fetch=fetch,
        mail_hook=lambda to, link: holder["site"].mails.append((to, link)),
    )
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        holder["site"] = Site(client, store, settings)
        yield holder["site"]
