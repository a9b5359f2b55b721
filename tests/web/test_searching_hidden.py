"""Papers the curators hid, on the site's search (page, JSON API, feed), on SQLite and
PostgreSQL: left out before the page is cut, so pages stay full and the totals count only
what a visitor can page through."""

from __future__ import annotations

import re

from web_site import Site

QUERY = "language"


def _search(site: Site, limit: int, page: int = 1) -> dict:  # type: ignore[type-arg]
    r = site.client.get("/api/v1/search", params={"q": QUERY, "limit": limit, "page": page})
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def _ids(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [item["paper"]["id"] for item in body["items"]]


def test_hidden_papers_leave_full_pages_and_honest_totals(site: Site) -> None:
    before = _search(site, limit=5)
    assert before["total"] > 10
    hidden = _ids(before)[:3]
    curator = site.store.accounts.ensure_user("curator@example.org")
    for arxiv_id in hidden:
        site.store.moderation.hide(arxiv_id, curator.id, "off-topic")

    after = _search(site, limit=5)
    assert after["total"] == before["total"] - 3
    assert len(after["items"]) == 5 and not set(hidden) & set(_ids(after))
    assert _ids(after)[:2] == _ids(before)[3:]
    # Paging on: the second page is full too and repeats nothing.
    second = _search(site, limit=5, page=2)
    assert len(second["items"]) == 5 and not set(_ids(after)) & set(_ids(second))

    html = site.client.get("/papers", params={"q": QUERY}).text
    assert f"{after['total']} results · keyword search" in html
    shown = re.findall(r'<article class="card[^"]*" id="p-([^"]+)"', html)
    assert len(shown) == min(20, after["total"]) and not set(hidden) & set(shown)

    feed = site.client.get("/feeds/search.rss", params={"q": QUERY}).text
    assert not any(f"/papers/{arxiv_id}<" in feed for arxiv_id in hidden)
