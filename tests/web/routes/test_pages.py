"""The listing pages in-process on SQLite and PostgreSQL: the front page, days, weeks, months,
trending, categories, authors and search, with their navigation and JSON twins."""

from __future__ import annotations

from datetime import UTC, datetime


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def test_front_page_shows_todays_demo_papers(site) -> None:
    r = site.client.get("/")
    assert r.status_code == 200
    html = r.text
    assert "Daily Papers" in html and "demo" in html
    items = site.store.listings.featured(datetime.now(UTC).date(), datetime.now(UTC).date()).items
    assert len(items) == 8
    for item in items:
        assert item.paper.arxiv_id in html
    # JSON twin in the head and a Link header; feeds advertised
    assert f"/api/v1/listings/date/{today()}" in r.headers["link"]
    assert 'type="application/rss+xml"' in html and 'type="application/atom+xml"' in html
    assert '<script src="/static/htmx-2.0.4.min.js"' in html
    assert site.client.get("/static/htmx-2.0.4.min.js").status_code == 200


def test_day_week_month_pages_with_navigation(site) -> None:
    r = site.client.get("/papers/date/2024-10-25")
    assert r.status_code == 200
    assert "Breaking the Memory Barrier" in r.text and "29 papers" in r.text
    # most upvoted first, in the page and in its JSON twin
    twin = site.client.get("/api/v1/listings/date/2024-10-25").json()
    upvotes = [i["upvotes"] for i in twin["items"]]
    assert upvotes == sorted(upvotes, reverse=True) and twin["total"] == 29
    first = twin["items"][0]["paper"]["id"]
    assert r.text.index(first) < r.text.index(twin["items"][-1]["paper"]["id"])
    assert 'rel="next"' in r.text  # demo days come later
    week = site.client.get("/papers/week/2024-W43")
    assert week.status_code == 200 and "29 papers" in week.text
    assert (
        'href="/papers/week/2024-W42"' in week.text and 'href="/papers/week/2024-W44"' in week.text
    )
    month = site.client.get("/papers/month/2024-10?sort=published")
    assert month.status_code == 200 and "29 papers" in month.text
    assert 'href="/papers/month/2024-09"' in month.text
    empty = site.client.get("/papers/date/2001-01-01")
    assert empty.status_code == 200 and "No papers were featured" in empty.text


def test_trending_states_its_formula(site) -> None:
    r = site.client.get("/papers/trending?window=week")
    assert r.status_code == 200
    assert "score = upvotes / (hours since featured + 2) ^ 1.5" in r.text
    api = site.client.get("/api/v1/trending?window=day").json()
    assert api["formula"].startswith("score = upvotes")
    scores = [i["score"] for i in api["items"]]
    assert scores == sorted(scores, reverse=True) and scores
    assert site.client.get("/papers/trending?window=decade").status_code == 400


def test_category_and_author_pages(site) -> None:
    r = site.client.get("/papers/category/hep-ph")
    assert r.status_code == 200 and "0704.0001" in r.text
    a = site.client.get("/papers/author/C. Balázs")
    assert a.status_code == 200 and "0704.0001" in a.text
    assert "/feeds/author/" in a.text


def test_search_page_highlights_terms(site) -> None:
    r = site.client.get("/papers", params={"q": "contrastive loss"})
    assert r.status_code == 200
    assert "<mark>Contrastive</mark>" in r.text or "<mark>contrastive</mark>" in r.text
    assert "Why:" in r.text
    assert site.client.get("/papers").status_code == 200
    long = site.client.get("/papers", params={"q": "x" * 600})
    assert long.status_code == 400 and "limit is 500" in long.text
    assert site.client.get("/papers", params={"q": "a", "mode": "magic"}).status_code == 400
