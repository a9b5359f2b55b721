"""Debian's Chromium (driven by Playwright) on the demo as `paperfeed serve --demo` runs it,
months after the demo's last day, with the default 14-day submission window, on SQLite and
PostgreSQL: a member submits the paper the form offers and finds it on the front page; an
empty comment keeps the page, first in the browser (the field is required), then on the
server (blanks only): the message shows beside the field and the page stays as it was."""

from __future__ import annotations

import re
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
        settings = make_settings(
            tmp_path,
            db_url,
            PAPERFEED_PORT=str(port),
            PAPERFEED_SUBMISSION_WINDOW_DAYS="14",
            **smtp.env(),
        )
        app = create_app(settings, store, search, fetch=lambda _id: [])
        with serving(app, port) as url:
            yield url, store
    finally:
        store.close()


def test_submit_the_offered_demo_paper_and_an_empty_comment_keeps_the_page(
    live: tuple[str, Store], smtp: SmtpServer
) -> None:
    base, store = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, base, smtp.recorder.last_link, "member@example.org", "@member")

        # The form offers a demo paper from the window; submitting it works.
        page.goto(base + "/papers/submit")
        expect(page.locator("section.narrow")).to_contain_text("Aug 21, 2026")
        placeholder = page.locator("#reference").get_attribute("placeholder") or ""
        offered = re.search(r"e\.g\. (\S+) or", placeholder)
        assert offered, "the form offers no paper"
        arxiv_id = offered.group(1)
        page.fill("#reference", arxiv_id)
        page.get_by_role("button", name="Submit").click()
        expect(page.locator(".flash")).to_be_visible()
        assert page.url.endswith(f"/papers/{arxiv_id}?submitted=1")
        page.goto(base + "/")
        expect(page.locator(f'article[id="p-{arxiv_id}"]')).to_be_visible()
        page.goto(f"{base}/papers/{arxiv_id}")
        title = page.locator("h1").inner_text()

        # An empty comment is stopped by the browser: nothing is sent, nothing is lost.
        before = page.url
        page.get_by_role("button", name="Post comment").click()
        assert page.locator("#comment-body").evaluate("e => e.validity.valueMissing")
        assert page.url == before
        expect(page.locator("h1")).to_have_text(title)

        # Blanks only get past the browser; the server answers with the page and the message.
        page.fill("#comment-body", "   ")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator("#comment-body-error")).to_have_text("the comment is empty")
        expect(page.locator("h1")).to_have_text(title)
        expect(page.locator("#comment-body")).to_have_attribute("aria-invalid", "true")

        # The same box then takes a real comment.
        page.fill("#comment-body", "Worth reading for the *ablations*.")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator(".comment em", has_text="ablations")).to_be_visible()
        expect(page.locator("#comment-body-error")).to_have_count(0)
        assert errors == []
        browser.close()
    assert [c.body for c in store.comments.for_paper(arxiv_id)][-1] == (
        "Worth reading for the *ablations*."
    )
