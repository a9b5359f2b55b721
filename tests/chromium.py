"""Debian's Chromium for the browser tests (driven by Playwright; never `playwright install`):
where it is, how it is started, where the screenshots in docs/ go, and signing in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
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


def sign_in(page: Page, base: str, last_link: Callable[[str], str], email: str, shown: str) -> None:
    """Sign `email` in on the site at `base` as a person does: ask for the link on /login,
    open the link the e-mail holds (`last_link`), confirm; the header then shows `shown`."""
    page.goto(base + "/login")
    page.fill("#email", email)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("status")).to_contain_text(email)
    page.goto(last_link(email))
    page.get_by_role("button", name="Sign in to paperfeed").click()
    expect(page.get_by_role("link", name=shown)).to_be_visible()
