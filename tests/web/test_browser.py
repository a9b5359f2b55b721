"""A real Chromium (Debian's, driven by Playwright) signs in by e-mail link, votes, comments,
searches and submits on a live server; it also refreshes the screenshots in docs/. It crosses
the app, its middleware and several route modules on purpose, so it mirrors none of them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import free_port, serving
from playwright.sync_api import Page, expect, sync_playwright
from smtp_server import SmtpServer
from webutil import indexed_search, make_settings

from paperfeed.demo import load_demo
from paperfeed.store import Store
from paperfeed.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live(
    store: Store, tmp_path: Path, db_url: str, smtp: SmtpServer
) -> Iterator[tuple[str, SmtpServer]]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required: apt-get install -y chromium")
    load_demo(store)
    port = free_port()
    settings = make_settings(tmp_path, db_url, PAPERFEED_PORT=str(port), **smtp.env())
    app = create_app(
        settings, store, indexed_search(store, tmp_path / "search"), fetch=lambda _id: []
    )
    with serving(app, port) as url:
        yield url, smtp


def shot(page: Page, name: str, keep: bool) -> None:
    if keep:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def test_sign_in_vote_comment_search_submit(
    live: tuple[str, SmtpServer], db_url: str, store: Store
) -> None:
    base, smtp = live
    # The screenshots in docs/ are refreshed on request (PAPERFEED_UPDATE_SCREENSHOTS=1), from
    # the SQLite run; a plain test run leaves the work tree as it was.
    keep = db_url.startswith("sqlite") and os.environ.get("PAPERFEED_UPDATE_SCREENSHOTS") == "1"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/")
        expect(page.locator("h1")).to_be_visible()
        shot(page, "front", keep)

        page.goto(base + "/papers/date/2026-08-20")
        shot(page, "day", keep)

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
        shot(page, "paper", keep)

        # search from the top bar
        page.fill("#q-top", "contrastive")
        page.press("#q-top", "Enter")
        expect(page.locator("mark").first).to_be_visible()
        shot(page, "search", keep)

        # submit a paper
        page.goto(base + "/papers/submit")
        page.fill("#reference", "https://arxiv.org/abs/0704.0060")
        page.get_by_role("button", name="Submit").click()
        expect(page.locator(".flash")).to_contain_text("today's papers")
        assert "/papers/0704.0060" in page.url

        page.goto(base + "/papers/trending")
        shot(page, "trending", keep)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(base + "/")
        shot(page, "front-mobile", keep)
        assert errors == []
        browser.close()
