"""How the busiest pages read the store, with the page cache off, on SQLite and PostgreSQL:
each in one read transaction (one pool checkout, one BEGIN) and a known number of queries,
counted with SQLAlchemy's events on the real database. A page that reads more is slower for
every visitor: change the number here when a page needs another query, and say why. The
counts are with the read memo off (what a page reads after a write); with it on, a page read
again before any write reads only the store's change stamp."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from statement_log import measured_quietly, statements_run
from web_site import Site

from paperfeed.store import Store
from paperfeed.store.memo import ReadMemo
from paperfeed.web.cache import TimedCache


@dataclass
class Reads:
    checkouts: int = 0
    begins: int = 0
    statements: list[str] = field(default_factory=list)
    # SQLite only: every statement SQLite ran but transaction control (`statements_run`).
    driver: list[str] = field(default_factory=list)

    def listing(self) -> str:
        return "\n".join(" ".join(s.split())[:100] for s in self.statements)

    def reset(self) -> None:
        self.checkouts = self.begins = 0
        self.statements.clear()
        self.driver.clear()


@pytest.fixture
def reads(site: Site) -> Iterator[Reads]:
    """What the app's engine does from here on; the page cache and the read memo are off."""
    app: Any = site.client.app
    memo, site.store.db.memo = site.store.db.memo, None
    app.state.page_cache = TimedCache[bytes](0)
    app.state.day_cache = TimedCache[Any](0)
    engine = site.store.db.engine
    seen = Reads()

    def checkout(*_args: Any) -> None:
        seen.checkouts += 1

    def begin(*_args: Any) -> None:
        seen.begins += 1

    def execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's, issued on the begin event
            seen.statements.append(statement)

    listeners = (("checkout", checkout), ("begin", begin), ("before_cursor_execute", execute))
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        with ExitStack() as stack:
            if engine.dialect.name == "sqlite":
                seen.driver = stack.enter_context(statements_run(engine))
            yield seen
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)
        site.store.db.memo = memo


def _paper_with_comments(site: Site) -> str:
    """A paper of the latest day (its page shows related papers, comments and claims)."""
    arxiv_id = site.store.listings.featured(*[site.store.listings.latest_day()] * 2).items[0]
    return arxiv_id.paper.arxiv_id


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # the day (today has no papers in the demo: is today listed, the days around it: 2),
        # its listing: the page, each row carrying the total (1), papers and versions (2),
        # comment counts (1), the days around it (1), Hugging Face fields and GitHub stars (2)
        ("/", 9),
        # the day (2), its listing (1), papers and versions (2), comment counts (1), Hugging
        # Face fields and stars (2), verified authors (1), authors' comments (1)
        ("/api/daily_papers", 10),
    ],
)
def test_a_listing_reads_in_one_transaction(
    site: Site, reads: Reads, path: str, queries: int
) -> None:
    site.client.get(path)  # sessions, statements compiled
    reads.reset()
    assert site.client.get(path).status_code == 200
    assert (reads.checkouts, reads.begins, len(reads.statements)) == (1, 1, queries), (
        reads.listing()
    )


def test_a_paper_page_reads_in_one_transaction(site: Site, reads: Reads) -> None:
    path = f"/papers/{_paper_with_comments(site)}"
    site.client.get(path)
    reads.reset()
    assert site.client.get(path).status_code == 200
    assert (reads.checkouts, reads.begins) == (1, 1), reads.listing()


def test_a_search_page_reads_in_one_transaction(site: Site, reads: Reads) -> None:
    path = "/papers?q=quantum&mode=keyword"
    site.client.get(path)
    reads.reset()
    page = site.client.get(path)
    assert page.status_code == 200 and 'class="card"' in page.text
    assert (reads.checkouts, reads.begins) == (1, 1), reads.listing()


def test_pages_without_a_form_set_no_cookie(site: Site) -> None:
    """A signed-out visitor's CSRF token (and so the session cookie) is made only when a page
    writes it into a form: a paper page has none for them; a search page has one (the digest
    box) and the sign-in page another."""
    site.client.cookies.clear()
    paper = site.client.get(f"/papers/{_paper_with_comments(site)}")
    assert paper.status_code == 200 and "set-cookie" not in paper.headers
    assert 'name="csrf"' not in paper.text
    search = site.client.get("/papers?q=quantum&mode=keyword")
    assert "set-cookie" in search.headers and 'name="csrf"' in search.text
    site.client.cookies.clear()
    login = site.client.get("/login")
    assert "set-cookie" in login.headers and 'name="csrf"' in login.text


@pytest.mark.parametrize("path", ["/", "/api/daily_papers"])
def test_with_the_read_memo_a_listing_read_again_reads_the_stamp(
    site: Site, reads: Reads, path: str
) -> None:
    site.store.db.memo = ReadMemo()
    site.client.get(path)

    def again() -> tuple[int, int, int, int]:
        reads.reset()
        assert site.client.get(path).status_code == 200
        return reads.checkouts, reads.begins, len(reads.statements), len(reads.driver)

    if site.store.db.dialect == "postgresql":
        assert measured_quietly(again, (1, 1, 1, 0)) == (1, 1, 1, 0), reads.listing()
        return
    # On SQLite the stamp goes straight to the driver, before any BEGIN (Database.stamp):
    # SQLite's own trace of the connection shows it as the one statement.
    assert again() == (1, 0, 0, 1), reads.listing()
    assert reads.driver == ["SELECT value FROM sequences WHERE name = 'writes'"]


def test_with_the_read_memo_a_vote_shows_at_once(site: Site, reads: Reads) -> None:
    site.store.db.memo = ReadMemo()
    arxiv_id = _paper_with_comments(site)
    before = site.client.get("/api/daily_papers").json()
    upvotes = {p["paper"]["id"]: p["paper"]["upvotes"] for p in before}
    with Store.open(site.store.db.engine.url.render_as_string(False), migrate=False) as other:
        user = other.accounts.ensure_user("voter@example.org")
        other.votes.cast(user.id, arxiv_id, True)
    after = site.client.get("/api/daily_papers").json()
    assert {p["paper"]["id"]: p["paper"]["upvotes"] for p in after}[arxiv_id] == (
        upvotes[arxiv_id] + 1
    )
