"""Following authors, categories and searches through the pages' buttons, /following and the
JSON API, in-process on SQLite and PostgreSQL: toggles in place (htmx) or back to a local
page, private to the member, and bad input refused with nothing written."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from web_site import Site, csrf_of

from paperfeed.store import Store

AUTHOR = "C. Balázs"
AUTHOR_PAGE = "/papers/author/" + quote(AUTHOR)


def _follows(store: Store, email: str) -> list[tuple[str, str]]:
    user = store.accounts.by_email(email)
    assert user is not None
    return [(f.kind, f.value) for f in store.follows.of(user.id)]


def test_signed_out_visitors_are_asked_to_sign_in(site: Site) -> None:
    page = site.client.get(AUTHOR_PAGE).text
    assert f'+ Follow<span class="sr"> author {AUTHOR} (sign in first)</span>' in page
    assert 'href="/login?next=/papers/author/C.%20Bal%C3%A1zs"' in page
    r = site.client.get("/following", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/following"
    r = site.client.post("/follows", data={"kind": "author", "value": AUTHOR})
    assert r.status_code in (400, 401)


def test_follow_toggles_in_place_and_without_javascript(site: Site, store: Store) -> None:
    site.sign_in("reader@example.org")
    page = site.client.get(AUTHOR_PAGE).text
    assert f'aria-pressed="false" title="Follow author {AUTHOR}">+ Follow' in page
    csrf = csrf_of(site, AUTHOR_PAGE)
    form = {"kind": "author", "value": AUTHOR, "csrf": csrf, "next": AUTHOR_PAGE}
    r = site.client.post("/follows", data={**form, "on": "1"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'aria-pressed="true"' in r.text
    assert f'✓ Following<span class="sr"> author {AUTHOR}</span>' in r.text
    assert "<html" not in r.text
    assert _follows(store, "reader@example.org") == [("author", AUTHOR)]
    assert 'aria-pressed="true"' in site.client.get(AUTHOR_PAGE).text
    # The same click again keeps one follow; case does not matter.
    site.client.post("/follows", data={**form, "value": AUTHOR.upper(), "on": "1"})
    assert _follows(store, "reader@example.org") == [("author", AUTHOR)]
    r = site.client.post("/follows", data={**form, "on": "0"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == AUTHOR_PAGE
    assert _follows(store, "reader@example.org") == []
    # Only a local page to go back to.
    for evil in ("//evil.example/", "https://evil.example/", "/\t/evil.example"):
        r = site.client.post("/follows", data={**form, "next": evil}, follow_redirects=False)
        assert r.headers["location"] == "/"


def test_buttons_on_category_search_and_paper_pages(site: Site, store: Store) -> None:
    site.sign_in("reader@example.org")
    category = site.client.get("/papers/category/hep-ph").text
    assert '+ Follow<span class="sr"> category hep-ph</span>' in category
    search = site.client.get("/papers?q=contrastive").text
    assert "+ Follow this search" in search
    assert 'name="value" value="contrastive"' in search
    assert "Follow this search" not in site.client.get("/papers").text  # no query, no button
    paper = store.listings.by_author(AUTHOR)[0].paper
    page = site.client.get(f"/papers/{paper.arxiv_id}").text
    for a in paper.authors or ():
        assert f'aria-label="Follow author {a.name}"' in page
    for c in paper.categories or ():
        assert f'aria-label="Follow category {c}"' in page
    csrf = csrf_of(site, "/papers?q=contrastive")
    site.client.post(
        "/follows", data={"kind": "search", "value": "contrastive", "csrf": csrf, "on": "1"}
    )
    assert 'aria-pressed="true"' in site.client.get("/papers?q=contrastive").text


def test_following_page_adds_lists_unfollows_and_renews_the_feed(site: Site, store: Store) -> None:
    site.sign_in("reader@example.org")
    csrf = csrf_of(site, "/following")
    for kind, value in (("author", AUTHOR), ("category", "hep-ph"), ("search", "dark matter")):
        r = site.client.post("/following", data={"kind": kind, "value": value, "csrf": csrf})
        assert r.status_code == 200  # after the redirect
    page = site.client.get("/following")
    assert page.headers["cache-control"] == "private, no-store"
    assert AUTHOR in page.text and "hep-ph" in page.text and "dark matter" in page.text
    assert "anyone who has one can read what you follow" in page.text
    token = store.follows.feed_token(store.accounts.by_email("reader@example.org").id)  # type: ignore[union-attr]
    atom = f"http://127.0.0.1:8000/feeds/private/{token}.atom"
    assert f'value="{atom}"' in page.text and f'value="{atom[:-4]}rss"' in page.text
    site.client.post(
        "/follows",
        data={"kind": "category", "value": "hep-ph", "on": "0", "csrf": csrf, "next": "/following"},
    )
    assert ("category", "hep-ph") not in _follows(store, "reader@example.org")
    r = site.client.post("/following/feed-link", data={"csrf": csrf})
    assert "the old one no longer works" in r.text and token not in r.text
    assert site.client.get(f"/feeds/private/{token}.atom").status_code == 404


@pytest.mark.parametrize(
    ("kind", "value", "says"),
    [
        ("author", "Ada\x00Lovelace", "NUL character"),
        ("author", "Ada\x07Lovelace", "do not print"),
        ("search", "x" * 10_000, "at most"),
        ("author", "x" * 10_000, "at most"),
        ("category", "not a category", "not an arXiv category"),
        ("category", "cs.LG\u00e9", "not an arXiv category"),
        ("planet", "Mars", "not &#39;planet&#39;"),
        ("author", "   ", "empty"),
        ("search", "-neural", "only leaves papers out"),
    ],
    ids=[
        "nul",
        "bell",
        "long-search",
        "long-author",
        "category",
        "accent",
        "kind",
        "empty",
        "minus",
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    site: Site, store: Store, kind: str, value: str, says: str
) -> None:
    site.sign_in("reader@example.org")
    csrf = csrf_of(site, "/following")
    r = site.client.post("/following", data={"kind": kind, "value": value, "csrf": csrf})
    assert r.status_code == 400 and says in r.text
    r = site.client.post("/follows", data={"kind": kind, "value": value, "csrf": csrf})
    assert r.status_code == 400
    headers = {"X-CSRF-Token": csrf}
    r = site.client.post("/api/v1/follows", json={"kind": kind, "value": value}, headers=headers)
    assert r.status_code in (400, 422) and r.json()["error"]
    assert _follows(store, "reader@example.org") == []


def test_api_follows(site: Site, store: Store) -> None:
    assert site.client.get("/api/v1/follows").status_code == 401
    site.sign_in("reader@example.org")
    headers = {"X-CSRF-Token": csrf_of(site, "/following")}
    r = site.client.post(
        "/api/v1/follows", json={"kind": "author", "value": "  Yann   LeCun "}, headers=headers
    )
    assert r.status_code == 201
    assert r.json()["kind"] == "author" and r.json()["value"] == "Yann LeCun"
    site.client.post(
        "/api/v1/follows", json={"kind": "category", "value": "cs.LG"}, headers=headers
    )
    got = site.client.get("/api/v1/follows").json()
    assert [(f["kind"], f["value"]) for f in got] == [
        ("author", "Yann LeCun"),
        ("category", "cs.LG"),
    ]
    r = site.client.delete(
        "/api/v1/follows", params={"kind": "author", "value": "yann lecun"}, headers=headers
    )
    assert r.status_code == 204
    assert _follows(store, "reader@example.org") == [("category", "cs.LG")]
    # Writes need the CSRF header with a session.
    r = site.client.post("/api/v1/follows", json={"kind": "category", "value": "hep-ph"})
    assert r.status_code in (400, 403)


def test_follows_are_private(site: Site, store: Store) -> None:
    site.sign_in("reader@example.org")
    csrf = csrf_of(site, "/following")
    site.client.post("/following", data={"kind": "search", "value": "secret topic", "csrf": csrf})
    site.client.cookies.clear()
    site.sign_in("other@example.org")
    assert "secret topic" not in site.client.get("/following").text
    assert site.client.get("/api/v1/follows").json() == []
    # The other member's button is their own: not pressed.
    page = site.client.get("/papers?q=secret+topic").text
    assert '+ Follow this search<span class="sr">: “secret topic”</span>' in page
