"""Debian's Chromium (driven by Playwright) on the demo, on SQLite and PostgreSQL: a member
claims to be an author of a paper from its page, an admin verifies the claim on /admin, and
the member, now a verified author, is marked on the author list and sets the paper's code link
with the page's form."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from chromium import ARGS, CHROMIUM, SCREENSHOTS, sign_in
from demo_copy import copy_demo
from loopback import free_port, serving
from playwright.sync_api import Browser, Page, expect, sync_playwright
from smtp_server import SmtpServer
from webutil import make_settings

from paperfeed.store import Store
from paperfeed.web.app import create_app

MEMBER = "grace@example.org"
ADMIN = "ada@example.org"


@pytest.fixture
def live(db_url: str, tmp_path: Path, smtp: SmtpServer) -> Iterator[tuple[str, Store]]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required: apt-get install -y chromium")
    store = Store.open(db_url)
    try:
        search = copy_demo(store, tmp_path / "search")
        store.accounts.ensure_user(ADMIN, role="admin")
        port = free_port()
        settings = make_settings(tmp_path, db_url, PAPERFEED_PORT=str(port), **smtp.env())
        app = create_app(settings, store, search, fetch=lambda _id: [])
        with serving(app, port) as url:
            yield url, store
    finally:
        store.close()


def _signed_in(browser: Browser, base: str, smtp: SmtpServer, email: str) -> Page:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, base, smtp.recorder.last_link, email, "@" + email.split("@")[0])
    return page


def test_claim_verify_and_set_the_code_link(live: tuple[str, Store], smtp: SmtpServer) -> None:
    base, store = live
    paper = store.listings.featured(date(2026, 8, 20), date(2026, 8, 20)).items[0].paper
    authors = [a.name for a in paper.authors or ()]
    assert len(authors) > 2
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        errors: list[str] = []
        member = _signed_in(browser, base, smtp, MEMBER)
        member.on("pageerror", lambda exc: errors.append(str(exc)))
        member.goto(f"{base}/papers/{paper.arxiv_id}")
        # Not (yet) allowed to set links; the claim form lists the authors.
        expect(member.locator("#link-github")).to_have_count(0)
        member.select_option("#claim-position", label=authors[2])
        member.get_by_role("button", name="This is me").click()
        expect(member.locator("#claim")).to_contain_text(
            f"You claim to be {authors[2]}: waiting for an admin to verify it"
        )

        admin = _signed_in(browser, base, smtp, ADMIN)
        admin.goto(base + "/admin")
        claims = admin.locator("section#claims")
        expect(claims).to_contain_text(f"says they are {authors[2]} of {paper.arxiv_id}")
        admin.get_by_role("button", name=f"Verify @{store_name(store)} as author 2").click()
        expect(admin.locator("body")).not_to_contain_text(f"says they are {authors[2]}")

        member.reload()
        expect(member.locator("#claim")).to_contain_text(f"You claim to be {authors[2]}: verified")
        badge = member.locator("div.authors .badge.verified")
        expect(badge).to_have_count(1)
        expect(badge).to_contain_text("verified author @")
        member.fill("#link-github", "https://github.com/octocat/Hello-World")
        member.get_by_role("button", name="Save links").click()
        code = member.locator('a.button[href="https://github.com/octocat/Hello-World"]')
        expect(code).to_be_visible()
        # HF's star count was for the repository HF linked, not this one: none until counted.
        expect(code.locator(".stars")).to_have_count(0)
        if os.environ.get("PAPERFEED_UPDATE_SCREENSHOTS") == "1":
            member.locator("div.authors").first.scroll_into_view_if_needed()
            member.screenshot(path=str(SCREENSHOTS / "paper-verified-author.png"))
        assert errors == []
        browser.close()
    stored = store.papers.get(paper.arxiv_id)
    assert stored is not None and stored.code_url == "https://github.com/octocat/Hello-World"


def store_name(store: Store) -> str:
    user = store.accounts.by_email(MEMBER)
    assert user is not None
    return user.name
