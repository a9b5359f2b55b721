"""Every page in-process on SQLite and PostgreSQL: content, navigation, JSON twins, errors."""

from __future__ import annotations

from datetime import UTC, datetime

from paperfeed.models import Author, Batch, Paper


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


def test_paper_page(site) -> None:
    r = site.client.get("/papers/0704.0001")
    assert r.status_code == 200
    html = r.text
    for expected in (
        "Calculation of prompt diphoton",
        "C. Balázs",
        "P. M. Nadolsky",
        "https://arxiv.org/abs/0704.0001",
        "https://arxiv.org/pdf/0704.0001",
        "hep-ph",
        "v1",
        "v2",
    ):
        assert expected in html, expected
    assert "/api/v1/papers/0704.0001" in r.headers["link"]
    hf = site.client.get("/papers/2410.17243").text
    assert "Zesen Cheng" in hf
    # a versioned id or an arXiv URL redirects to the canonical page
    moved = site.client.get("/papers/0704.0001v2", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/papers/0704.0001"


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


def test_user_text_is_escaped(site) -> None:
    evil = '<script>alert("x")</script> & <b>bold</b>'
    site.store.papers.write(
        Batch(papers=[Paper("2401.00001", evil, abstract=evil, authors=(Author(evil),))])
    )
    r = site.client.get("/papers/2401.00001")
    assert r.status_code == 200
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;alert(" in r.text


def test_errors_help(site) -> None:
    r = site.client.get("/nowhere")
    assert r.status_code == 404 and "There is nothing at /nowhere" in r.text
    r = site.client.get("/api/v1/nowhere")
    assert r.status_code == 404 and "nothing at" in r.json()["error"]
    r = site.client.get("/papers/date/2024-13-45")
    assert r.status_code == 400 and "no such date" in r.text
    r = site.client.get("/papers/week/2024-43")
    assert r.status_code == 400 and "expected YYYY-Www" in r.text
    r = site.client.get("/papers/2410.99999")
    assert r.status_code == 404 and "submit it" in r.text
    r = site.client.get("/api/papers/not-an-id")
    assert r.status_code == 400 and "error" in r.json()
    r = site.client.get("/api/daily_papers", params={"limit": "many"})
    assert r.status_code == 400 and "limit" in r.json()["error"]
    # security headers
    assert r.headers["x-content-type-options"] == "nosniff"


def test_openapi_lists_native_api(site) -> None:
    spec = site.client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    assert "/api/v1/search" in paths and "/api/v1/submissions" in paths
    assert "/api/daily_papers" in paths
    assert not any(p.startswith("/papers") for p in paths)
    assert site.client.get("/api/v1/docs").status_code == 200


def test_production_refuses_the_default_secret(store, tmp_path, db_url) -> None:
    import pytest
    from webutil import indexed_search, make_settings

    from paperfeed.errors import InsecureConfiguration
    from paperfeed.web.app import create_app

    with pytest.raises(InsecureConfiguration, match="default secret key"):
        make_settings(tmp_path, db_url, PAPERFEED_ENVIRONMENT="production")
    ok = make_settings(
        tmp_path, db_url, PAPERFEED_ENVIRONMENT="production", PAPERFEED_SECRET_KEY="s" * 40
    )
    assert "s" * 40 not in repr(ok)
    create_app(ok, store, indexed_search(store, tmp_path / "search"), fetch=lambda _id: [])


def test_rate_limits_are_shared_through_the_database(store) -> None:
    from datetime import timedelta

    from paperfeed.store import Database, Store

    other = Store(Database(store.db.engine))  # another server process on the same database
    window = timedelta(minutes=1)
    assert [store.rate_limits.hit("k", 2, window) for _ in range(2)] == [0, 0]
    assert other.rate_limits.hit("k", 2, window) > 0
