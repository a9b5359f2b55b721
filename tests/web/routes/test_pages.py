"""The listing pages in-process on SQLite and PostgreSQL: the front page, days, weeks, months,
trending, categories, authors and search, with their navigation and JSON twins, over the demo's
real Hugging Face days (2026-06-08 .. 2026-08-21)."""

from __future__ import annotations

from datetime import date, datetime

from hand_clock import HandClock

from paperfeed.models import Announcement, Batch

LATEST = date(2026, 8, 21)


def test_front_page_shows_the_latest_day_with_papers(site) -> None:
    r = site.client.get("/")
    assert r.status_code == 200
    html = r.text
    assert "Daily Papers" in html and "EnvHarness" in html
    items = site.store.listings.featured(LATEST, LATEST).items
    assert len(items) == 17
    for item in items:
        assert item.paper.arxiv_id in html
    # JSON twin in the head and a Link header; feeds advertised
    assert "/api/v1/listings/date/2026-08-21" in r.headers["link"]
    assert 'type="application/rss+xml"' in html and 'type="application/atom+xml"' in html
    assert '<script src="/static/htmx-2.0.4.min.js"' in html
    assert site.client.get("/static/htmx-2.0.4.min.js").status_code == 200


def test_day_week_month_pages_with_navigation(site) -> None:
    r = site.client.get("/papers/date/2026-08-20")
    assert r.status_code == 200
    assert "Zetta" in r.text and "15 papers" in r.text
    # most upvoted first, in the page and in its JSON twin
    twin = site.client.get("/api/v1/listings/date/2026-08-20").json()
    upvotes = [i["upvotes"] for i in twin["items"]]
    assert upvotes == sorted(upvotes, reverse=True) and twin["total"] == 15
    assert twin["items"][0]["paper"]["id"] == "2608.16590" and upvotes[0] == 92
    first = twin["items"][0]["paper"]["id"]
    assert r.text.index(first) < r.text.index(twin["items"][-1]["paper"]["id"])
    assert 'href="/papers/date/2026-08-19"' in r.text and 'href="/papers/date/2026-08-21"' in r.text
    # days jump over the weekend
    monday = site.client.get("/papers/date/2026-08-17")
    assert 'rel="prev" href="/papers/date/2026-08-14"' in monday.text
    week = site.client.get("/papers/week/2026-W34")
    assert week.status_code == 200 and "110 papers" in week.text
    # Nothing links past the latest day with papers (2026-08-21, in W34 and in August)
    assert 'rel="prev" href="/papers/week/2026-W33"' in week.text
    assert 'rel="next"' not in week.text.split('aria-label="Pages"')[0]
    month = site.client.get("/papers/month/2026-07?sort=published")
    assert month.status_code == 200 and "422 papers" in month.text
    assert (
        'href="/papers/month/2026-06"' in month.text
        and 'href="/papers/month/2026-08"' in month.text
    )
    august = site.client.get("/papers/month/2026-08").text
    assert (
        'rel="prev" href="/papers/month/2026-07"' in august
        and "/papers/month/2026-09" not in august
    )
    assert site.client.get("/api/v1/listings/week/2026-W34").json()["next"] is None
    empty = site.client.get("/papers/date/2001-01-01")
    assert empty.status_code == 200 and "No papers were featured" in empty.text


def test_trending_states_its_formula(site) -> None:
    # Trending counts from now: stand at noon of the demo's latest day.
    site.store.db.clock = HandClock(datetime(2026, 8, 21, 12))
    r = site.client.get("/papers/trending?window=week")
    assert r.status_code == 200
    assert "score = upvotes / (hours since featured + 2) ^ 1.5" in r.text
    assert "EnvHarness" in r.text
    api = site.client.get("/api/v1/trending?window=day").json()
    assert api["formula"].startswith("score = upvotes")
    scores = [i["score"] for i in api["items"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 15 + 17
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


def test_a_day_lists_what_arxiv_announced_labelled_votable_and_submittable(site) -> None:
    monday = date(2026, 8, 24)
    site.store.papers.write(
        Batch(
            announcements=[
                Announcement("0704.0001", monday, "hep-ph", "new"),
                Announcement("0704.0002", monday, "math.CO", "cross"),
                Announcement("0704.0004", monday, "math.CO", "replace"),
            ]
        )
    )
    site.store.db.clock = HandClock(datetime(2026, 8, 24, 12))
    front = site.client.get("/")
    assert "Monday, August 24, 2026" in front.text and "3 papers" in front.text
    html = site.client.get("/papers/date/2026-08-24").text
    for arxiv_id, label in (("0704.0001", "new"), ("0704.0002", "cross-list")):
        card = html[html.index(f'id="p-{arxiv_id}"') :]
        card = card[: card.index("</article>")]
        assert "badge arxiv-" in card and f">{label}</span>" in card
        assert f'href="/papers/submit?id={arxiv_id}"' in card
        assert 'class="vote"' in card  # signed out: the vote button asks to sign in
    assert ">replacement</span>" in html
    twin = site.client.get("/api/v1/listings/date/2026-08-24").json()
    assert [i["announced_as"] for i in twin["items"]] == ["new", "cross", "replace"]
    # Only recent papers can be submitted: once the submission window (100,000 days in the
    # test settings) has passed since the front day, the cards no longer offer it.
    site.store.db.clock = HandClock(datetime(2400, 1, 1, 12))
    later = Announcement("0704.0003", date(2400, 1, 1), "hep-ph", "new")
    site.store.papers.write(Batch(announcements=[later]))
    assert "/papers/submit?id=" not in site.client.get("/papers/date/2026-08-24").text
    # The site follows some categories only: math.CO's announcements stay, hep-ph's go.
    site.store.listings.follow = ("math",)
    assert site.client.get("/api/v1/listings/date/2026-08-24").json()["total"] == 2


def test_trending_on_an_archive_says_which_days_it_ranks(site) -> None:
    # Today is months after the demo's last day: trending ranks the week up to that day.
    site.store.db.clock = HandClock(datetime(2026, 11, 30, 12))
    r = site.client.get("/papers/trending?window=week")
    assert "up to Aug 21, 2026 (the newest day with papers)" in r.text
    assert "EnvHarness" in r.text
