"""Every main page in a real Chromium (Debian's, driven by Playwright), as a signed-out visitor
and as an admin member: axe-core (vendored from npm, tests/vendor/axe-core) finds no serious or
critical violation, the controls work from the keyboard, a cookie copied before sign-out opens
nothing after it, and the screenshots in
docs/screenshots/ (desktop and mobile width) are refreshed on request
(PAPERFEED_UPDATE_SCREENSHOTS=1).

SQLite only: the markup comes from the templates, not from the database (the flows that write
run on both databases in test_browser.py), and each page costs a browser load and an axe run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from chromium import ARGS, CHROMIUM, SCREENSHOTS, sign_in
from loopback import free_port, serving
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect, sync_playwright
from smtp_server import SmtpServer, running_smtp
from webutil import indexed_search, make_settings

from paperfeed.demo import load_demo
from paperfeed.feed.claims import claim_authorship
from paperfeed.ingest.github import sync_links
from paperfeed.store import Store
from paperfeed.web.app import create_app

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
ADMIN = "ada@example.org"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
MOBILE: ViewportSize = {"width": 390, "height": 844}

# (screenshot name, path) of every main page a signed-out visitor sees.
PUBLIC = [
    ("front", "/"),
    ("day", "/papers/date/2026-08-20"),
    ("week", "/papers/week/2026-W33"),
    ("month", "/papers/month/2026-08"),
    ("trending", "/papers/trending"),
    ("trending-code", "/papers/trending?by=code&window=month"),
    ("paper", "/papers/{paper}"),
    ("search", "/papers?q=contrastive+learning"),
    ("author", "/papers/author/{author}"),
    ("subscribe", "/digest/subscribe"),
    ("login", "/login"),
    ("api-docs", "/api/v1/docs"),
]
# ... and what only a member (here an admin) sees.
MEMBER = [
    ("front-member", "/"),
    ("paper-member", "/papers/{paper}"),
    ("submit", "/papers/submit"),
    ("settings", "/settings"),
    ("admin", "/admin"),
    ("admin-jobs", "/admin/jobs"),
]


@dataclass
class Live:
    base: str
    smtp: SmtpServer
    store: Store
    paper: str
    author: str


def _count_stars(store: Store) -> None:
    """GitHub counts for the demo's linked repositories, as the github-stars job keeps them:
    one a week ago and one today, so that trending by code has papers to rank."""
    sync_links(store)
    now = store.db.now()
    for i, due in enumerate(store.github.due(now, 12)):
        repo = due.repo
        for days_ago, stars in ((7, 100 * i), (0, 100 * i + 7 * (12 - i))):
            when = now - timedelta(days=days_ago)
            store.github.record(repo, "ok", when, full_name=repo, stars=stars, etag=None)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required: apt-get install -y chromium")
    tmp = tmp_path_factory.mktemp("a11y")
    url = f"sqlite:///{tmp / 'paperfeed.db'}"
    store = Store.open(url)
    load_demo(store)
    day = store.listings.featured(date(2026, 8, 20), date(2026, 8, 20))
    first = day.items[0].paper
    _count_stars(store)
    # A member claims to be the paper's second author: the admin page lists it to decide.
    grace = store.accounts.ensure_user("grace@example.org")
    claim_authorship(store, first.arxiv_id, 1, grace)
    with running_smtp() as smtp:
        port = free_port()
        settings = make_settings(tmp, url, PAPERFEED_PORT=str(port), **smtp.env())
        search = indexed_search(store, tmp / "search")
        app = create_app(settings, store, search, fetch=lambda _id: [])
        with serving(app, port) as base:
            author = (first.authors or ())[0].name
            yield Live(base, smtp, store, first.arxiv_id, author)
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _keep() -> bool:
    return os.environ.get("PAPERFEED_UPDATE_SCREENSHOTS") == "1"


def _url(live: Live, path: str) -> str:
    return live.base + path.format(paper=live.paper, author=live.author.replace(" ", "%20"))


def _axe(page: Page) -> list[dict[str, object]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "count": len(v["nodes"]),
            "first": " ".join(v["nodes"][0]["target"]),
        }
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def _visit(page: Page, live: Live, name: str, path: str) -> list[dict[str, object]]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(_url(live, path))
    assert response is not None and response.status == 200, (name, response and response.status)
    page.wait_for_load_state("networkidle")
    problems = [] if name == "api-docs" else _axe(page)
    assert errors == [], (name, errors)
    return problems


def _sign_in(page: Page, live: Live) -> None:
    live.store.accounts.ensure_user(ADMIN, role="admin")
    sign_in(page, live.base, live.smtp.recorder.last_link, ADMIN, "@ada")


@pytest.fixture(scope="module")
def member_state(browser: Browser, live: Live) -> Any:
    """The browser state (cookies) of the admin member, signed in once for the module: sign-ins
    are rate limited (5 per address per 15 minutes), and the module's tests need several."""
    context = browser.new_context(viewport=DESKTOP)
    _sign_in(context.new_page(), live)
    state = context.storage_state()
    context.close()
    return state


def _member_page(browser: Browser, state: Any, **options: Any) -> Page:
    return browser.new_context(viewport=DESKTOP, storage_state=state, **options).new_page()


def _check_all(
    browser: Browser, live: Live, pages: list[tuple[str, str]], state: Any = None
) -> None:
    found: dict[str, list[dict[str, object]]] = {}
    for viewport, suffix in ((DESKTOP, ""), (MOBILE, "-mobile")):
        # The site's CSP forbids inline scripts, axe's included: the test context lets axe in.
        context = browser.new_context(
            viewport=viewport,
            bypass_csp=True,
            storage_state=state,
        )
        page = context.new_page()
        for name, path in pages:
            problems = _visit(page, live, name, path)
            if problems:
                found[f"{name}{suffix}"] = problems
            if _keep():
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{name}{suffix}.png"))
        context.close()
    assert found == {}, "\n".join(f"{name}: {json.dumps(v)}" for name, v in found.items())


def test_every_public_page_passes_axe(browser: Browser, live: Live) -> None:
    _check_all(browser, live, PUBLIC)


def test_every_member_page_passes_axe(browser: Browser, live: Live, member_state: Any) -> None:
    _check_all(browser, live, MEMBER, member_state)


def test_a_visitor_subscribes_from_the_front_page_by_keyboard(browser: Browser, live: Live) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live.base + "/")
    field = page.locator("input[type=email]").first
    _tab_to(page, field)
    page.keyboard.type("keyboard@example.org")
    # Wait for the navigation Enter starts: the page can still be idle when the press returns.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "Form expired" not in page.content()
    expect(page.locator("body")).to_contain_text("keyboard@example.org")
    page.close()


def test_a_member_votes_and_searches_by_keyboard(
    browser: Browser, live: Live, member_state: Any
) -> None:
    page = _member_page(browser, member_state)
    page.goto(live.base + "/")
    card = page.locator("article.card").first
    arxiv_id = (card.get_attribute("id") or "")[2:]
    before = live.store.papers.upvote_counts([arxiv_id])[arxiv_id]
    vote = card.locator("form.vote button")
    _tab_to(page, vote)
    page.keyboard.press("Enter")
    expect(card.locator("form.vote button")).to_have_attribute("aria-pressed", "true")
    assert live.store.papers.upvote_counts([arxiv_id])[arxiv_id] == before + 1
    # Undo, also from the keyboard: the swapped-in button keeps the focus where it was.
    card.locator("form.vote button").focus()
    page.keyboard.press("Enter")
    expect(card.locator("form.vote button")).to_have_attribute("aria-pressed", "false")

    search = page.locator("#q-top")
    _tab_to(page, search, start_over=True)
    page.keyboard.type("contrastive")
    page.keyboard.press("Enter")
    expect(page.locator("mark").first).to_be_visible()
    page.close()


def _tab_to(page: Page, target: Locator, start_over: bool = False, limit: int = 200) -> None:
    """Press Tab until `target` has the focus: it is reachable from the keyboard, in order."""
    if start_over:
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
    handle = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
    raise AssertionError(f"{target} cannot be reached with Tab")


def test_a_cookie_saved_before_sign_out_opens_nothing_after(browser: Browser, live: Live) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _sign_in(page, live)
    saved = context.storage_state()
    page.goto(live.base + "/settings")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    context.close()
    # Someone who copied the cookie before the sign-out gets the sign-in page, not /settings.
    replay = browser.new_context(viewport=DESKTOP, storage_state=saved)
    page = replay.new_page()
    page.goto(live.base + "/settings")
    assert "/login" in page.url
    expect(page.get_by_role("link", name="@ada")).to_have_count(0)
    replay.close()


# Visible controls, less two that are rightly out of the Tab order: a link hidden from
# assistive technology because it repeats the one beside it (a card's thumbnail links where
# its title does), and the unchecked buttons of a radio group (arrow keys move within it).
_CONTROLS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(el => el.offsetParent !== null && !el.disabled)
  .filter(el => !el.closest('[aria-hidden=true]'))
  .filter(el => !(el.type === 'radio' && !el.checked
                  && document.querySelector(`input[name="${el.name}"]:checked`)))"""


@pytest.mark.parametrize("path", ["/", "/papers/{paper}", "/settings", "/papers?q=contrastive"])
def test_tab_reaches_every_control_of_a_members_page(
    browser: Browser, live: Live, member_state: Any, path: str
) -> None:
    """Every visible link, button and field is reached by Tab, in turn: nothing is a mouse-only
    control (a clickable div, a tabindex of -1)."""
    page = _member_page(browser, member_state)
    page.goto(_url(live, path))
    count = page.evaluate(f"() => ({_CONTROLS})().length")
    page.evaluate(
        f"""() => {{
          window.__controls = ({_CONTROLS})();
          window.__reached = new Set();
          document.addEventListener('focusin', e => window.__reached.add(e.target));
        }}"""
    )
    for _ in range(count + 20):
        page.keyboard.press("Tab")
    missed = page.evaluate(
        """() => window.__controls.filter(el => !window.__reached.has(el))
             .map(el => el.outerHTML.slice(0, 120))"""
    )
    assert count > 5 and missed == []
    page.close()
