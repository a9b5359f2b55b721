"""Trending by code on the demo site (SQLite and PostgreSQL): the page's switch, formula and
empty states, its JSON twin, and the fresh GitHub counts cards and the HF API show."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from web_site import Site

from paperfeed.feed.code_trending import FORMULA_CODE
from paperfeed.ingest.github import sync_links

# Demo papers whose code links point at GitHub (Hugging Face gave 1, 5 and 7 stars).
REFREE = ("2502.16886", "patrick-ni/refreekv")
INFILL = ("2511.07397", "vysri/conversational-infill")
RCORE = ("2601.16211", "khu-vll/rcore")


def _counted(site: Site) -> None:
    """Three repositories counted over the last days: one gained 50 this week, one 10, one
    was first counted today (gains nothing yet, but has the most stars)."""
    store, now = site.store, site.store.db.now()
    sync_links(store)
    counts = {
        REFREE[1]: [(8, 100), (1, 150)],
        INFILL[1]: [(10, 1000), (0, 1010)],
        RCORE[1]: [(0, 5000)],
    }
    for repo, seen in counts.items():
        for days_ago, stars in seen:
            when = now - timedelta(days=days_ago)
            store.github.record(repo, "ok", when, full_name=repo, stars=stars, etag='W/"x"')


def test_the_switch_and_the_empty_state_when_the_job_is_off(site: Site) -> None:
    page = site.client.get("/papers/trending?by=code&window=week")
    assert page.status_code == 200
    html = page.text
    assert FORMULA_CODE.replace("'", "&#39;") in html
    assert "the <code>github-stars</code> job is off" in html
    assert 'href="/papers/trending?by=code&amp;window=week" aria-current="page">By code' in html
    assert 'href="/papers/trending?window=week">By upvotes' in html
    assert 'href="?window=month&amp;by=code"' in html
    assert "/api/v1/trending?by=code&window=week" in page.headers["link"]
    upvotes = site.client.get("/papers/trending?window=week").text
    assert 'aria-current="page">By upvotes' in upvotes


def test_the_empty_state_before_the_first_counts(site: Site) -> None:
    # The job is on (an admin set github_stars) and has linked the repositories, no more.
    site.client.app.state.settings = replace(site.settings, github_stars=True)  # type: ignore[attr-defined]
    sync_links(site.store)
    waiting = site.store.github.statuses()["new"]
    assert waiting > 0
    html = site.client.get("/papers/trending?by=code").text
    assert "No repository has been counted yet" in html
    assert f"{waiting:,} repositories waiting" in html


def test_papers_ranked_by_stars_gained(site: Site) -> None:
    _counted(site)
    html = site.client.get("/papers/trending?by=code&window=week").text
    first, second, third = (html.index(f'id="p-{paper}"') for paper, _ in (REFREE, INFILL, RCORE))
    assert first < second < third
    assert "+50 this week" in html and "+10 this week" in html and "+0 this week" in html
    # The cards show paperfeed's count, not Hugging Face's older one.
    assert 'aria-label="150 stars"' in html and 'aria-label="5,000 stars"' in html

    api = site.client.get("/api/v1/trending?by=code&window=week&limit=2").json()
    assert api["by"] == "code" and api["formula"] == FORMULA_CODE and api["window"] == "week"
    assert [(i["paper"]["id"], i["stars"], i["gained"]) for i in api["items"]] == [
        (REFREE[0], 150, 50),
        (INFILL[0], 1010, 10),
    ]
    # Over the last day only the 10 since the count 10 days ago; then most stars first.
    day = site.client.get("/api/v1/trending?by=code&window=day").json()["items"]
    assert [(i["paper"]["id"], i["gained"]) for i in day] == [
        (INFILL[0], 10),
        (RCORE[0], 0),
        (REFREE[0], 0),
    ]
    assert "+0 today" in site.client.get("/papers/trending?by=code&window=day").text


def test_the_hf_api_gives_the_fresh_count(site: Site) -> None:
    before = site.client.get(f"/api/papers/{REFREE[0]}").json()
    assert before["githubStars"] == 1  # Hugging Face's
    _counted(site)
    assert site.client.get(f"/api/papers/{REFREE[0]}").json()["githubStars"] == 150
    assert site.client.get(f"/papers/{REFREE[0]}").text.count('aria-label="150 stars"') == 1


def test_by_must_be_upvotes_or_code(site: Site) -> None:
    assert site.client.get("/papers/trending?by=stars").status_code == 400
    r = site.client.get("/api/v1/trending?by=stars")
    assert r.status_code == 400 and "by must be one of upvotes, code" in r.text
    assert site.client.get("/api/v1/trending?window=week").json()["by"] == "upvotes"


def test_trending_by_code_has_a_feed(site: Site) -> None:
    _counted(site)
    page = site.client.get("/papers/trending?by=code&window=week").text
    assert "/feeds/trending/week.rss?by=code" in page
    rss = site.client.get("/feeds/trending/week.rss?by=code")
    assert rss.status_code == 200
    text = rss.text
    assert "Trending by code (week)" in text and "stars gained" in text
    # Ranked as the page ranks them: most stars gained first.
    assert text.index(f"/papers/{REFREE[0]}<") < text.index(f"/papers/{INFILL[0]}<")
    atom = site.client.get("/feeds/trending/week.atom?by=code&category=cs.CL")
    assert atom.status_code == 200 and "Trending by code (week) in cs.CL" in atom.text
    assert site.client.get("/feeds/trending/week.rss?by=stars").status_code == 400
    assert site.client.get("/feeds/trending/year.rss?by=code").status_code == 400


def test_a_hidden_paper_leaves_the_ranking_and_the_next_takes_its_place(site: Site) -> None:
    _counted(site)
    site.store.moderation.hide(REFREE[0], None, "test")
    api = site.client.get("/api/v1/trending?by=code&window=week&limit=2").json()
    assert [(i["paper"]["id"], i["gained"]) for i in api["items"]] == [
        (INFILL[0], 10),
        (RCORE[0], 0),
    ]
