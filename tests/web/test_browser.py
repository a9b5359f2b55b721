"""A real Chromium (Debian's, driven by Playwright) signs in by e-mail link, votes, comments,
searches and submits on a live server. It crosses the app, its middleware and several route
modules on purpose, so it mirrors none of them. (The screenshots in docs/ come from
test_accessibility.py, which visits every main page.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import ARGS, CHROMIUM
from demo_copy import copy_demo
from loopback import free_port, serving
from playwright.sync_api import expect, sync_playwright
from smtp_server import SmtpServer
from webutil import make_settings

from paperfeed.store import Store
from paperfeed.web.app import create_app


@pytest.fixture
def live(
    store: Store, tmp_path: Path, db_url: str, smtp: SmtpServer
) -> Iterator[tuple[str, SmtpServer]]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required: apt-get install -y chromium")
    search = copy_demo(store, tmp_path / "search")
    port = free_port()
    settings = make_settings(tmp_path, db_url, PAPERFEED_PORT=str(port), **smtp.env())
    app = create_app(settings, store, search, fetch=lambda _id: [])
    with serving(app, port) as url:
        yield url, smtp


def test_sign_in_vote_comment_search_submit(
    live: tuple[str, SmtpServer], db_url: str, store: Store
) -> None:
    base, smtp = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/")
        expect(page.locator("h1")).to_be_visible()

        page.goto(base + "/papers/date/2026-08-20")

        # sign in by e-mail link
        page.get_by_role("link", name="Sign in").first.click()
        page.fill("#email", "browser@example.org")
        page.get_by_role("button", name="E-mail me a sign-in link").click()
        expect(page.get_by_role("status")).to_contain_text("browser@example.org")
        page.goto(smtp.recorder.last_link("browser@example.org"))
        page.get_by_role("button", name="Sign in to paperfeed").click()
        expect(page.get_by_role("link", name="@browser")).to_be_visible()

        # vote in place (htmx swaps the button)
        first = page.locator("article.card").first
        arxiv_id = (first.get_attribute("id") or "")[2:]
        before = store.papers.upvote_counts([arxiv_id])[arxiv_id]
        first.locator("form.vote button").click()
        expect(first.locator("form.vote button")).to_have_attribute("aria-pressed", "true")
        expect(first.locator(".count")).to_have_text(str(before + 1))
        assert store.papers.upvote_counts([arxiv_id])[arxiv_id] == before + 1

        # comment on the paper page
        page.goto(f"{base}/papers/{arxiv_id}")
        page.fill("#comment-body", "A *browser* comment")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator(".comment em", has_text="browser")).to_be_visible()

        # search from the top bar
        page.fill("#q-top", "contrastive")
        page.press("#q-top", "Enter")
        expect(page.locator("mark").first).to_be_visible()

        # submit a paper
        page.goto(base + "/papers/submit")
        page.fill("#reference", "https://arxiv.org/abs/0704.0060")
        page.get_by_role("button", name="Submit").click()
        expect(page.locator(".flash")).to_contain_text("now among the papers of")
        assert "/papers/0704.0060" in page.url

        page.goto(base + "/papers/trending")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(base + "/")
        assert errors == []
        browser.close()
