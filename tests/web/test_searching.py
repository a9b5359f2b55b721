"""Hostile search queries through the site (checked at the edge by paperfeed/web/searching.py),
on SQLite and PostgreSQL: never a server error, a clear 400 for what is refused, the query
echoed back escaped, and the JSON API naming the query it ran."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from markupsafe import escape

MAX_QUERY = 500  # characters, after blanks are collapsed (paperfeed.search.searcher)
PUNCTUATION = ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" * 320)[:10_240]


def normalised(q: str) -> str:
    """The query as the site runs it: characters that do not print become blanks, and runs of
    blanks one."""
    return " ".join("".join(c if c.isprintable() else " " for c in q).split())


@pytest.mark.parametrize(
    "q",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "{{ 7 * 7 }} {% raw %}",
        "'; DROP TABLE papers; --",
        "\x00",
        "memory\x00barrier",
        "\u202e",
        "  memory \t\n barrier  ",
        "   ",
        "x" * 10_240,
        PUNCTUATION,
    ],
)
def test_hostile_query_on_the_search_page(site, q: str) -> None:
    r = site.client.get("/papers", params={"q": q})
    html = r.text
    query = normalised(q)
    assert "<script>alert" not in html and "<img src=x" not in html
    if "\x00" in q:  # refused where requests come in (web/guard.py), before any search
        assert r.status_code == 400 and "contains a NUL character" in html
        return
    if len(query) > MAX_QUERY:
        assert r.status_code == 400
        assert f"the query is {len(query)} characters long; the limit is {MAX_QUERY}" in html
        return
    assert r.status_code == 200
    if not query:
        assert "Results for" not in html and "Search papers" in html
        return
    # Echoed back escaped (and never evaluated as a template), in the heading and the box.
    assert f"<h1>Results for “{escape(query)}”</h1>" in html
    assert f'name="q" type="search" value="{escape(query)}"' in html


@pytest.mark.parametrize(
    "q",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "\x00",
        "\u202e",
        "  memory \t\n barrier  ",
        "   ",
        "x" * 10_240,
        PUNCTUATION,
    ],
)
def test_hostile_query_on_the_search_api(site, q: str) -> None:
    r = site.client.get("/api/v1/search", params={"q": q})
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    query = normalised(q)
    if "\x00" in q:
        assert r.status_code == 400 and "contains a NUL character" in body["error"]
    elif not query:
        assert (r.status_code, body["error"]) == (400, "give a query: /api/v1/search?q=…")
    elif len(query) > MAX_QUERY:
        refused = f"the query is {len(query)} characters long; the limit is {MAX_QUERY}"
        assert (r.status_code, body["error"]) == (400, refused)
    else:
        assert r.status_code == 200
        assert body["query"] == query
        ids = [item["paper"]["id"] for item in body["items"]]
        assert len(set(ids)) == len(ids) and body["total"] >= len(ids)
    # The site still searches normally afterwards.
    assert site.client.get("/api/v1/search", params={"q": "memory barrier"}).json()["items"]


@pytest.mark.parametrize("path", ["/papers", "/feeds/search.rss", "/feeds/search.atom"])
@pytest.mark.parametrize("odd", ["\x00", "\x08", "\ufffe", "\u202e"])
def test_characters_that_do_not_print_are_not_echoed(site, path: str, odd: str) -> None:
    """A NUL would make the page an HTML parse error and the feed XML that is not well-formed;
    a right-to-left override would turn the echoed text around. (A NUL is refused with a 400
    before it gets this far: web/guard.py.)"""
    r = site.client.get(path, params={"q": f"memory{odd}barrier"})
    if odd == "\x00":
        assert r.status_code == 400 and odd not in r.text
        return
    assert r.status_code == 200
    assert odd not in r.text and "memory barrier" in r.text
    if path.startswith("/feeds/"):
        ElementTree.fromstring(r.content)
