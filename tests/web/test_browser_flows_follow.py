"""Debian's Chromium (driven by Playwright) on the demo, months after its last day, on SQLite
and PostgreSQL: a member follows an author from the author's page (htmx swaps the button, no
reload), a paper's author with its small "+", and a search from its results; /following lists
them and unfollows one; the private feed it links to lists the followed author's papers, and a
new link retires the old."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import feedparser
import httpx
import pytest
from chromium import ARGS, CHROMIUM, sign_in
from demo_copy import copy_demo
from loopback import free_port, serving
from playwright.sync_api import expect, sync_playwright
from smtp_server import SmtpServer
from webutil import make_settings

from paperfeed.store import Store
from paperfeed.web.app import create_app

NOW = datetime(2026, 12, 1, 12)
AUTHOR = "Yijiang Li"  # four papers in the demo's last week


@pytest.fixture
def live(db_url: str, tmp_path: Path, smtp: SmtpServer) -> Iterator[tuple[str, Store]]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required: apt-get install -y chromium")
    store = Store.open(db_url, clock=lambda: NOW)
    try:
        search = copy_demo(store, tmp_path / "search", at=NOW)
        port = free_port()
        settings = make_settings(tmp_path, db_url, PAPERFEED_PORT=str(port), **smtp.env())
        app = create_app(settings, store, search, fetch=lambda _id: [])
        with serving(app, port) as url:
            yield url, store
    finally:
        store.close()


def test_follow_from_pages_manage_them_and_read_the_private_feed(
    live: tuple[str, Store], smtp: SmtpServer
) -> None:
    base, store = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, base, smtp.recorder.last_link, "member@example.org", "@member")

        # The author's page: one click follows, in place (the page is not loaded again).
        page.goto(f"{base}/papers/author/{quote(AUTHOR)}")
        page.evaluate("window.notReloaded = true")
        button = page.locator("section.head form.follow button")
        expect(button).to_have_text(f"+ Follow author {AUTHOR}")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_contain_text("✓ Following")
        assert page.evaluate("window.notReloaded") is True

        # A paper's page: the small "+" beside another author.
        paper = store.listings.by_author(AUTHOR)[0].paper
        other = next(a.name for a in paper.authors or () if a.name != AUTHOR)
        page.goto(f"{base}/papers/{paper.arxiv_id}")
        expect(page.get_by_role("button", name=f"Follow author {AUTHOR}")).to_have_attribute(
            "aria-pressed", "true"
        )
        plus = page.get_by_role("button", name=f"Follow author {other}")
        plus.click()
        expect(plus).to_have_attribute("aria-pressed", "true")

        # A search's results: "Follow this search".
        page.goto(f"{base}/papers?q=diffusion")
        follow = page.locator("section.head form.follow button")
        expect(follow).to_contain_text("+ Follow this search")
        follow.click()
        expect(follow).to_have_attribute("aria-pressed", "true")

        # /following lists all three; Unfollow takes one away.
        page.goto(base + "/following")
        expect(page.locator("#authors li")).to_have_count(2)
        expect(page.locator("#searchs li")).to_contain_text("diffusion")
        page.get_by_role("button", name=f"Unfollow author {other}").click()
        expect(page.locator("#authors li")).to_have_count(1)
        expect(page.locator("#authors li")).to_contain_text(AUTHOR)

        # The private feed it links to lists the followed author's papers of the last week.
        atom = page.get_by_label("Your private Atom feed").input_value()
        assert atom.startswith("http://127.0.0.1:") and "/feeds/private/" in atom
        parsed = feedparser.parse(httpx.get(atom).content)
        assert not parsed.bozo and len(parsed.entries) >= 4
        assert any(f"author {AUTHOR}" in e.summary for e in parsed.entries)
        page.get_by_role("button", name="Make a new link").click()
        expect(page.locator("#feed .flash")).to_be_visible()
        assert page.get_by_label("Your private Atom feed").input_value() != atom
        assert httpx.get(atom).status_code == 404
        assert errors == []
        browser.close()
