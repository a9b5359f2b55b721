"""Every feed, RSS 2.0 and Atom, parsed by feedparser without complaint."""

from __future__ import annotations

from datetime import datetime

import feedparser
import pytest
from hand_clock import HandClock

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
