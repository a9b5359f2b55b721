"""Debian's Chromium (driven by Playwright) on the demo, on SQLite and PostgreSQL: a member
saves a paper from the front page with one click (htmx swaps the button in place), marks
another "not interested" (the card becomes "Hidden. Undo", and Undo brings it back), files the
saved paper in a new collection from its page with a note, shares the collection by link and a
signed-out visitor opens that link; with JavaScript off, the same buttons post and come back
to the page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

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


def test_save_hide_collect_and_share(live: tuple[str, Store], smtp: SmtpServer) -> None:
    base, store = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, base, smtp.recorder.last_link, "member@example.org", "@member")
        member = store.accounts.by_email("member@example.org")
        assert member is not None

        # Save, in place: the button turns into "Saved" without leaving the page.
        page.goto(base + "/")
        cards = page.locator("article.card")
        first, second = (cards.nth(i).get_attribute("id")[2:] for i in (0, 1))  # type: ignore[index]
        card = page.locator(f'article[id="p-{first}"]')
        card.get_by_role("button", name="Save to your library").click()
        expect(card.get_by_role("button", name="Saved: remove from your library")).to_be_visible()
        assert page.url == base + "/"
        assert first in store.library.saved(member.id, [first])

        # Not interested: the card becomes one line with Undo; Undo puts the card back.
        other = page.locator(f'article[id="p-{second}"]')
        other.get_by_role("button", name="Not interested").click()
        expect(other).to_contain_text("Hidden")
        assert store.library.dismissed(member.id) == {second}
        other.get_by_role("button", name="Undo").click()
        expect(other.get_by_role("button", name="Not interested")).to_be_visible()
        assert store.library.dismissed(member.id) == frozenset()
        other.get_by_role("button", name="Not interested").click()
        expect(other).to_contain_text("Hidden")
        page.reload()
        expect(page.locator(f'article[id="p-{second}"]')).to_have_count(0)

        # On the paper's page: a new collection, a note, read.
        page.goto(f"{base}/papers/{first}")
        page.fill("#new-collection", "Reading group")
        page.get_by_role("button", name="Update collections").click()
        expect(page.get_by_role("checkbox", name="Reading group")).to_be_checked()
        page.fill("#note", "Discuss section 3 on Friday.")
        page.get_by_role("button", name="Save note").click()
        expect(page.locator("#note")).to_have_value("Discuss section 3 on Friday.")
        page.get_by_role("button", name="Mark as read").click()
        expect(page.get_by_role("button", name="Mark as unread")).to_be_visible()

        # The library lists it with its note; the collection is shared by link.
        page.get_by_role("link", name="Library", exact=True).click()
        expect(page.locator(".library-extra")).to_contain_text("Discuss section 3")
        page.locator(".library-side").get_by_role("link", name="Reading group").click()
        page.locator("#manage > summary").click()
        page.get_by_label("Anyone with the link").check()
        page.get_by_role("button", name="Save changes").click()
        page.locator("#manage > summary").click()
        link = page.locator(".share a").first.get_attribute("href")
        assert link and link.startswith("/collections/shared/")
        assert errors == []

        # A signed-out visitor opens the link; the collection's own id is not found for them.
        visitor = browser.new_context().new_page()
        visitor.goto(base + link)
        expect(visitor.locator("h1")).to_have_text("Reading group")
        expect(visitor.locator(f'article[id="p-{first}"]')).to_be_visible()
        (reading,) = [c for c in store.library.collections(member.id) if c.name == "Reading group"]
        assert visitor.goto(f"{base}/collections/{reading.id}").status == 404  # type: ignore[union-attr]
        browser.close()


def test_without_javascript_the_buttons_post_and_come_back(
    live: tuple[str, Store], smtp: SmtpServer
) -> None:
    base, store = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_context(java_script_enabled=False).new_page()
        sign_in(page, base, smtp.recorder.last_link, "plain@example.org", "@plain")
        member = store.accounts.by_email("plain@example.org")
        assert member is not None
        page.goto(base + "/papers/trending?window=month")
        first = (page.locator("article.card").first.get_attribute("id") or "")[2:]
        page.locator(f'article[id="p-{first}"]').get_by_role(
            "button", name="Save to your library"
        ).click()
        assert page.url == base + "/papers/trending?window=month"
        assert first in store.library.saved(member.id, [first])
        page.locator(f'article[id="p-{first}"]').get_by_role(
            "button", name="Not interested"
        ).click()
        assert page.url == base + "/papers/trending?window=month"
        expect(page.locator(f'article[id="p-{first}"]')).to_have_count(0)
        browser.close()
