"""What the pages look like to a reader, in-process over the demo: TeX rendered (MathML, decoded
accents, no raw `$\\` or `\\cite`), thumbnails, avatars, icons, GitHub stars, organisations,
author links, pluralised labels, trending without a bare score, and the tidied forms."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from web_site import Site

from paperfeed.models import Author, Batch, DailyEntry, Paper
from paperfeed.web.templating import hours_ago, plural, tex_html

# The markup does not depend on the database: SQLite only.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

LATEST = date(2026, 8, 21)
TEX_TITLE = 'Smooth $C^\\infty$ maps and Gr\\"obner bases \\cite{Reeb}'
HOSTILE = "$<script>alert(1)</script>$ \\href{javascript:alert(2)}{x} $\\text{<img src=x>}$"


def _cards(html: str) -> list[str]:
    return re.findall(r'<article class="card".*?</article>', html, re.S)


def _feature(site: Site, arxiv_id: str, title: str, abstract: str) -> None:
    authors = (Author("Ada Lovelace"), Author("Jean-Pierre Serre/IHES"))
    paper = Paper(arxiv_id, title, abstract=abstract, authors=authors, categories=("math.AG",))
    site.store.papers.write(Batch(papers=[paper], daily_entries=[DailyEntry(arxiv_id, LATEST)]))


@sqlite_only
def test_the_front_page_shows_cards_with_pictures_people_and_counts(site: Site) -> None:
    html = site.client.get("/").text
    assert "$\\" not in html and "\\cite" not in html
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert site.client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg")
    assert site.client.get("/static/icons.svg").status_code == 200
    assert 'style="' not in html  # the CSP forbids inline styles
    cards = _cards(html)
    assert len(cards) == 17 and '<div class="cards">' in html
    for card in cards:
        arxiv_id = re.search(r'id="p-([^"]+)"', card).group(1)  # type: ignore[union-attr]
        assert (
            f'<img src="/papers/{arxiv_id}/thumbnail" loading="lazy" decoding="async" alt="" '
            'width="640" height="360">'
        ) in card
        assert '<use href="/static/icons.svg#comment">' in card
        assert re.search(r'aria-label="\d+ comments?"', card)
        assert re.search(r'aria-label="Sign in to upvote, (1 upvote|\d+ upvotes)"', card)
        assert "1 upvotes" not in card
    # The most upvoted card: its submitter and organisation with avatars, its code with stars
    first = cards[0]
    assert "EnvHarness" in first
    assert '<img class="avatar" src="data:image/svg+xml,' in first and ">taesiri</span>" in first
    assert ">Google</span>" in first
    assert 'href="https://github.com/google-research/envharness"' in first
    assert re.search(r'<span class="stars" aria-label="\d+ stars?">', first)
    # Authors link to their papers
    assert '<a href="/papers/author/Chengsong%20Huang">Chengsong Huang</a>' in first


@sqlite_only
def test_tex_in_titles_and_abstracts_is_rendered(site: Site) -> None:
    _feature(site, "2608.99001", TEX_TITLE, "Over $\\mathbb{Q}(\\sqrt{5})$, see \\cite{x}.")
    day = site.client.get(f"/papers/date/{LATEST}").text
    card = next(c for c in _cards(day) if "2608.99001" in c)
    assert '<math display="inline"><mrow><msup><mi>C</mi><mo>∞</mo></msup></mrow></math>' in card
    assert "Gröbner bases</a></h3>" in card and "\\cite" not in card and "$" not in card
    assert "<msqrt>" in card
    # Author names with a slash are one path segment
    assert 'href="/papers/author/Jean-Pierre%20Serre%2FIHES"' in card
    page = site.client.get("/papers/2608.99001").text
    assert "<title>Smooth C^∞ maps and Gröbner bases · paperfeed</title>" in page
    assert '<meta property="og:title" content="Smooth C^∞ maps and Gröbner bases">' in page
    assert '<meta name="description" content="Over \u211a(√(5)), see.">' in page
    assert "<h1>Smooth <math" in page
    # Feeds: titles as text, an RSS description as the pages' HTML, an Atom summary as text
    rss = site.client.get(f"/feeds/date/{LATEST}.rss").text
    assert "<title>Smooth C^∞ maps and Gröbner bases</title>" in rss
    assert 'Over &lt;math display="inline"&gt;&lt;mrow&gt;&lt;mi&gt;\u211a' in rss
    atom = site.client.get(f"/feeds/date/{LATEST}.atom").text
    assert "<summary>Over \u211a(√(5)), see.</summary>" in atom and "$\\" not in atom


@sqlite_only
def test_hostile_tex_stays_text(site: Site) -> None:
    _feature(site, "2608.99002", HOSTILE, HOSTILE)
    for path in (f"/papers/date/{LATEST}", "/papers/2608.99002"):
        html = site.client.get(path).text
        assert (
            "<script>alert" not in html and "javascript:" not in html and "<img src=x" not in html
        )
        assert "<mo>&lt;</mo><mi>s</mi>" in html  # the formula, escaped token by token
    # A feed reader renders an RSS description as HTML: the same safe HTML as the pages
    rss = ET.fromstring(site.client.get(f"/feeds/date/{LATEST}.rss").content)
    item = next(i for i in rss.iter("item") if "2608.99002" in (i.findtext("link") or ""))
    description = item.findtext("description") or ""
    assert "<mo>&lt;</mo><mi>s</mi>" in description
    assert "<script" not in description and "javascript:" not in description


def test_highlighting_composes_with_formulas() -> None:
    html = str(tex_html("Smooth $C^\\infty$ maps of smooth manifolds", ["smooth", "C"]))
    assert html.startswith("<mark>Smooth</mark> <math")
    assert "<mark>smooth</mark> manifolds" in html
    assert "<mi>C</mi>" in html  # never a mark inside a formula
    short = str(tex_html("One two three $\\alpha$ four", None, limit=9))
    assert short == "One two…"


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 upvotes"), (1, "1 upvote"), (2, "2 upvotes"), (1234, "1,234 upvotes")],
)
def test_plural(count: int, text: str) -> None:
    assert plural(count, "upvote") == text


def test_ages() -> None:
    assert [hours_ago(h) for h in (0.2, 1, 5.5, 23.9, 24, 50)] == [
        "just now",
        "1 hour ago",
        "5 hours ago",
        "23 hours ago",
        "1 day ago",
        "2 days ago",
    ]


@sqlite_only
def test_trending_shows_upvotes_and_age_with_the_score_in_a_title(site: Site) -> None:
    html = site.client.get("/papers/trending?window=week").text
    cards = _cards(html)
    assert cards and '<span class="rank">#1</span>' in cards[0]
    when = re.search(r'<span class="when" title="([^"]+)">featured ([^<]+)</span>', cards[0])
    assert when and re.fullmatch(r"Trending score \d\.\d{3}: \d+ upvotes, featured .+", when[1])
    assert re.fullmatch(r"(\d+ (hours?|days?) ago|just now)", when[2])
    assert not re.search(r">\d\.\d{3}<", html)  # no bare score on show


@sqlite_only
def test_forms_use_modest_buttons_and_danger_only_to_destroy(site: Site) -> None:
    site.store.accounts.ensure_user("boss@example.org", "admin")
    site.sign_in("boss@example.org")
    csrf = site.csrf("/settings")
    site.client.post("/settings/tokens", data={"name": "my bot", "csrf": csrf})
    settings = site.client.get("/settings").text
    assert re.search(r'<button class="danger small" type="submit"[^>]*>Revoke</button>', settings)
    assert '<label for="token-name">' in settings and '<form class="row"' in settings
    admin = site.client.get("/admin").text
    sets = re.findall(r'<button class="([^"]+)" type="submit"[^>]*>Set</button>', admin)
    assert sets and set(sets) == {"secondary small"}
    assert '<button type="submit" class="danger">Hide</button>' in admin
    assert "@boss" in admin and 'class="me"' in admin  # the header's avatar link
