"""Every feed, RSS 2.0 and Atom, parsed by feedparser without complaint."""

from __future__ import annotations

import logging
from datetime import datetime

import feedparser
import pytest
from hand_clock import HandClock

from paperfeed.web.logs import MaskFeedTokens

FEEDS = [
    "/feeds/date/2026-08-20",
    "/feeds/week/2026-W34",
    "/feeds/month/2026-08",
    "/feeds/trending/week",
    "/feeds/category/hep-ph",
    "/feeds/author/C. Balázs",
]


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feeds_are_valid(site, fmt: str) -> None:
    # Trending counts from now: stand at noon of the demo's latest day.
    site.store.db.clock = HandClock(datetime(2026, 8, 21, 12))
    for path in FEEDS:
        r = site.client.get(f"{path}.{fmt}")
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith(f"application/{fmt}+xml")
        parsed = feedparser.parse(r.content)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == ("rss20" if fmt == "rss" else "atom10")
        assert parsed.entries, path
        assert parsed.entries[0].link.startswith("http://127.0.0.1:8000/papers/")
    day = feedparser.parse(site.client.get(f"/feeds/date/2026-08-20.{fmt}").content)
    assert len(day.entries) == 15
    found = feedparser.parse(site.client.get(f"/feeds/search.{fmt}?q=contrastive").content)
    assert not found.bozo and any("Contrastive" in e.title for e in found.entries)
    # the page advertises its feeds
    assert f'href="/feeds/date/2026-08-20.{fmt}"' in site.client.get("/papers/date/2026-08-20").text


def test_feed_errors(site) -> None:
    assert site.client.get("/feeds/date/2026-08-20.json").status_code == 400
    assert site.client.get("/feeds/search.rss").status_code == 400
    assert site.client.get("/feeds/nonsense/x.rss").status_code == 400


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_private_feed_lists_what_its_member_follows(site, fmt: str) -> None:
    """The demo's latest week (its days are past): the papers of a followed author (accents
    and case aside), each saying why; kept out of shared caches; a wrong or retired token is a
    404."""
    user = site.store.accounts.ensure_user("reader@example.org")
    site.store.follows.follow(user.id, "category", "hep-ph")
    site.store.follows.follow(user.id, "author", "YIJIANG LI")
    token = site.store.follows.feed_token(user.id)
    r = site.client.get(f"/feeds/private/{token}.{fmt}")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "private, no-store"
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo and parsed.entries
    assert parsed.feed.title == "What you follow · paperfeed"
    assert all("Because you follow" in e.summary for e in parsed.entries)
    assert len(parsed.entries) == 4
    assert all("Because you follow author YIJIANG LI" in e.summary for e in parsed.entries)
    # Another last character (one token in 64 ends in "x": "x" alone was sometimes the token).
    wrong = token[:-1] + ("y" if token.endswith("x") else "x")
    assert site.client.get(f"/feeds/private/{wrong}.{fmt}").status_code == 404
    assert site.client.get(f"/feeds/private/nope.{fmt}").status_code == 404
    site.store.follows.feed_token(user.id, renew=True)
    assert site.client.get(f"/feeds/private/{token}.{fmt}").status_code == 404


def test_the_access_log_masks_private_feed_tokens() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/feeds/private/Ab_c-9.atom?x=1", "1.1", 200),
        None,
    )
    assert MaskFeedTokens().filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "GET /feeds/private/***.atom?x=1 HTTP/1.1" 200'
