"""Pages rendered once for every signed-out visitor (web/page.py), in-process on SQLite and
PostgreSQL: the rendered bytes are shared, and each visitor's forms carry that visitor's own
CSRF token, so a signed-out visitor subscribes from the front page and from day, week and
month pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_site import CSRF, Site

from paperfeed.web.cache import TimedCache
from paperfeed.web.routes import pages

SUBSCRIBE_FORM = re.compile(
    r'<form action="/digest/subscribe" method="post"[^>]*>\s*'
    r'<input type="hidden" name="csrf" value="([^"]*)"'
)
PAGES = ["/", "/papers/date/2026-08-21", "/papers/week/2026-W34", "/papers/month/2026-08"]


def _subscribe(client: TestClient, csrf: str, email: str) -> Any:
    return client.post(
        "/digest/subscribe",
        data={"csrf": csrf, "email": email, "top_n": "10", "period": "daily"},
    )


@pytest.mark.parametrize("path", PAGES)
def test_a_signed_out_visitor_subscribes_from_a_cached_page(
    site: Site, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[str] = []

    def counted(name: str, *args: Any, **kwargs: Any) -> bytes:
        renders.append(name)
        return render_signed_out(name, *args, **kwargs)

    render_signed_out = pages.render_signed_out
    monkeypatch.setattr(pages, "render_signed_out", counted)
    # Kept for the whole test, however slow the machine: both visitors get the same render.
    site.client.app.state.page_cache = TimedCache[bytes](3600)
    first = site.client
    second = TestClient(site.client.app, base_url="http://127.0.0.1:8000")

    first_page, second_page = first.get(path), second.get(path)
    assert renders == ["listing.html"]
    first_token = SUBSCRIBE_FORM.search(first_page.text).group(1)  # type: ignore[union-attr]
    second_token = SUBSCRIBE_FORM.search(second_page.text).group(1)  # type: ignore[union-attr]
    assert len(first_token) == 32 and len(second_token) == 32 and first_token != second_token
    assert CSRF.findall(first_page.text) == [first_token]  # every form of the page
    assert first_page.text.replace(first_token, "T") == second_page.text.replace(second_token, "T")
    for page in (first_page, second_page):
        assert page.headers["cache-control"] == "private"
        assert "paperfeed_session=" in page.headers["set-cookie"]
        assert page.headers["link"].startswith("</api/v1/listings/")

    # A token goes with its visitor's cookie only.
    assert _subscribe(second, first_token, "second@example.org").status_code == 400
    r = _subscribe(first, first_token, "first@example.org")
    assert r.status_code == 200 and "We sent a confirmation link" in r.text
    r = _subscribe(second, second_token, "second@example.org")
    assert r.status_code == 200 and "We sent a confirmation link" in r.text
    statuses = [site.store.subscriptions.by_email(f"{n}@example.org") for n in ("first", "second")]
    assert [s.status if s else None for s in statuses] == ["pending", "pending"]


def test_a_visitor_who_has_a_token_gets_the_same_one_on_cached_pages(site: Site) -> None:
    login_token = site.csrf("/login")
    for path in PAGES:
        page = site.client.get(path)
        assert SUBSCRIBE_FORM.search(page.text).group(1) == login_token  # type: ignore[union-attr]
        assert "set-cookie" not in page.headers  # nothing new to hand out
    assert _subscribe(site.client, login_token, "reader@example.org").status_code == 200
