"""The page cache: fresh for its time, refreshed after this process's writes, one refresh at
a time; and what it means for visitors on SQLite and PostgreSQL (votes show at once)."""

from __future__ import annotations

import threading

from web_site import Site

from paperfeed.web.cache import TimedCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_value_is_reused_until_it_expires() -> None:
    clock = Clock()
    cache: TimedCache[int] = TimedCache(2.0, clock=clock)
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    assert cache.get("k", 0, make) == 1
    clock.now += 1.9
    assert cache.get("k", 0, make) == 1
    clock.now += 0.2
    assert cache.get("k", 0, make) == 2
    assert cache.get("other", 0, make) == 3


def test_a_write_in_this_process_refreshes_at_once() -> None:
    cache: TimedCache[int] = TimedCache(60.0, clock=Clock())
    values = iter([1, 2])
    assert cache.get("k", 0, lambda: next(values)) == 1
    assert cache.get("k", 1, lambda: next(values)) == 2


def test_zero_seconds_turns_it_off() -> None:
    cache: TimedCache[int] = TimedCache(0, clock=Clock())
    values = iter([1, 2])
    assert cache.get("k", 0, lambda: next(values)) == 1
    assert cache.get("k", 0, lambda: next(values)) == 2


def test_others_get_the_stale_value_while_one_refreshes() -> None:
    clock = Clock()
    cache: TimedCache[str] = TimedCache(1.0, clock=clock)
    assert cache.get("k", 0, lambda: "old") == "old"
    clock.now += 5
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        return "new"

    results: list[str] = []
    refresher = threading.Thread(target=lambda: results.append(cache.get("k", 0, slow)))
    refresher.start()
    assert started.wait(10)
    assert cache.get("k", 0, lambda: "should not run") == "old"
    release.set()
    refresher.join(10)
    assert results == ["new"]
    assert cache.get("k", 0, lambda: "should not run") == "new"


def test_it_keeps_at_most_size_entries() -> None:
    cache: TimedCache[int] = TimedCache(60.0, size=2, clock=Clock())
    for i in range(3):
        cache.get(i, 0, lambda i=i: i)  # type: ignore[misc]
    assert cache.get(0, 0, lambda: -1) == -1


def test_a_vote_shows_on_the_cached_pages_at_once(site: Site) -> None:
    api = site.client.get("/api/daily_papers", params={"limit": 1}).json()
    arxiv_id, before = api[0]["paper"]["id"], api[0]["paper"]["upvotes"]
    page = site.client.get("/")
    assert page.status_code == 200
    site.sign_in("voter@example.org")
    r = site.client.put(
        f"/api/v1/papers/{arxiv_id}/vote", headers={"X-CSRF-Token": site.csrf("/settings")}
    )
    assert r.status_code == 200, r.text
    site.client.cookies.clear()
    again = site.client.get("/api/daily_papers", params={"limit": 1}).json()
    assert again[0]["paper"]["id"] == arxiv_id
    assert again[0]["paper"]["upvotes"] == before + 1
