"""`store.github` on SQLite and PostgreSQL: which repository each paper links to (kept in step
with the papers' change feed), which repositories are due, what a check records, and the
stars gained over a window."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from paperfeed.models import Batch, Deletion, Paper
from paperfeed.store import Store
from paperfeed.store.github import DueRepo, RepoStars

T0 = datetime(2026, 1, 8, 13, 7)
ETAG = 'W/"b8c99c4253829e5fecd7d2e29956f9c24f83fd97ea803126e05ccf3f810b7c57"'


def _papers(store: Store, **links: str | None) -> None:
    store.papers.write(
        Batch(
            papers=[Paper(i.replace("_", "."), f"Paper {i}", code_url=u) for i, u in links.items()]
        )
    )


def _linked(store: Store, links: dict[str, str]) -> None:
    """Papers linked to repositories, as the job's sync leaves them."""
    _papers(store, **{i.replace(".", "_"): f"https://github.com/{r}" for i, r in links.items()})
    store.github.link(links)


def test_changed_links_follow_the_change_feed(store: Store) -> None:
    _papers(
        store,
        **{
            "2601_00001": "https://github.com/PyGithub/PyGithub",
            "2601_00002": "https://gitlab.com/a/b",
            "2601_00003": None,
        },
    )
    rows = store.github.changed_links((0, ""), 100)
    assert [(i, u) for _s, i, u in rows] == [
        ("2601.00001", "https://github.com/PyGithub/PyGithub"),
        ("2601.00002", "https://gitlab.com/a/b"),
    ]
    store.github.link({"2601.00001": "pygithub/pygithub", "2601.00002": None})
    assert store.github.repo_of("2601.00001") == "pygithub/pygithub"
    assert store.github.changed_links((rows[-1][0], rows[-1][1]), 100) == []
    # A member clears the link: the paper comes back, without one.
    user = store.accounts.ensure_user("ada@example.org")
    store.papers.set_links("2601.00001", None, None, user.id)
    (row,) = store.github.changed_links((rows[-1][0], rows[-1][1]), 100)
    assert row[1:] == ("2601.00001", None)
    store.github.link({"2601.00001": None})
    assert store.github.repo_of("2601.00001") is None


def test_a_deleted_paper_reads_as_unlinked(store: Store) -> None:
    _linked(store, {"2601.00001": "pygithub/pygithub"})
    (first,) = store.github.changed_links((0, ""), 100)
    store.papers.write(Batch(deletions=[Deletion("2601.00001")]))
    (row,) = store.github.changed_links((first[0], first[1]), 100)
    assert row[1:] == ("2601.00001", None)


def test_a_changed_link_moves_the_paper(store: Store) -> None:
    _linked(store, {"2601.00001": "a/one", "2601.00002": "a/one"})
    store.github.link({"2601.00001": "a/two"})
    assert store.github.repo_of("2601.00001") == "a/two"
    assert store.github.repo_of("2601.00002") == "a/one"


def test_repositories_due_never_checked_first_then_longest_ago(store: Store) -> None:
    _linked(store, {"2601.00001": "a/one", "2601.00002": "a/two", "2601.00003": "a/three"})
    store.github.record("a/two", "ok", T0, full_name="a/Two", stars=3, etag=ETAG)
    store.github.record("a/one", "ok", T0 - timedelta(days=2), full_name="a/One", stars=1)
    today = datetime.combine(T0.date(), datetime.min.time())
    assert store.github.due(today + timedelta(days=1), 10) == [
        DueRepo("a/three", None, None),
        DueRepo("a/one", "a/One", None),
        DueRepo("a/two", "a/Two", ETAG),
    ]
    # Each at most once a day: what was checked today is not due again today.
    assert [r.repo for r in store.github.due(today, 10)] == ["a/three", "a/one"]
    assert [r.repo for r in store.github.due(today, 1)] == ["a/three"]
    assert store.github.count_due(today) == 2
    # A repository no paper links to any more is never due.
    store.github.link({"2601.00003": None})
    assert store.github.count_due(today) == 1


def test_a_304_the_same_day_changes_nothing_but_the_check_time(store: Store) -> None:
    _linked(store, {"2601.00001": "pygithub/pygithub"})
    store.github.record(
        "pygithub/pygithub", "ok", T0, full_name="PyGithub/PyGithub", stars=7636, etag=ETAG
    )
    later = T0 + timedelta(hours=6)
    store.github.record("pygithub/pygithub", "unchanged", later, etag=ETAG)
    assert store.github.history("pygithub/pygithub") == [(T0.date(), 7636)]
    assert store.github.stars(["2601.00001"]) == {"2601.00001": 7636}
    assert store.github.due(later, 10) == []
    assert store.github.due(later + timedelta(seconds=1), 10) == [
        DueRepo("pygithub/pygithub", "PyGithub/PyGithub", ETAG)
    ]
    # A 304 on a later day carries the count over to that day.
    store.github.record("pygithub/pygithub", "unchanged", T0 + timedelta(days=1), etag=ETAG)
    assert store.github.history("pygithub/pygithub") == [
        (T0.date(), 7636),
        (T0.date() + timedelta(days=1), 7636),
    ]


def test_the_days_last_count_is_its_row(store: Store) -> None:
    _linked(store, {"2601.00001": "a/one"})
    store.github.record("a/one", "ok", T0, full_name="a/one", stars=10)
    store.github.record("a/one", "ok", T0 + timedelta(hours=3), full_name="a/one", stars=12)
    assert store.github.history("a/one") == [(T0.date(), 12)]


def test_missing_and_failed_repositories_show_no_stars(store: Store) -> None:
    _linked(store, {"2601.00001": "a/one", "2601.00002": "a/two", "2601.00003": "a/three"})
    for repo in ("a/one", "a/two", "a/three"):
        store.github.record(repo, "ok", T0, full_name=repo, stars=5, etag=ETAG)
    later = T0 + timedelta(days=1)
    store.github.record("a/one", "missing", later, message="HTTP 404: Not Found")
    store.github.record("a/two", "failed", later, message="HTTP 500")
    assert store.github.stars(["2601.00001", "2601.00002", "2601.00003"]) == {"2601.00003": 5}
    assert [g.paper_id for g in store.github.gained(T0.date())] == ["2601.00003"]
    assert store.github.statuses() == {"new": 0, "ok": 1, "missing": 1, "failed": 1}
    # A missing repository's ETag is forgotten: if it comes back, it is counted afresh.
    due = {r.repo: r for r in store.github.due(later + timedelta(days=1), 10)}
    assert due["a/one"] == DueRepo("a/one", "a/one", None)
    assert due["a/two"].etag == ETAG


def test_stars_gained_since_the_windows_start(store: Store) -> None:
    _linked(store, {"2601.00001": "a/one", "2601.00002": "a/one", "2601.00003": "a/new"})
    day = T0.date()
    for offset, stars in ((0, 100), (2, 110), (7, 130)):
        store.github.record(
            "a/one", "ok", T0 + timedelta(days=offset), full_name="a/One", stars=stars
        )
    store.github.record("a/new", "ok", T0 + timedelta(days=5), full_name="a/new", stars=40)
    store.github.record("a/new", "ok", T0 + timedelta(days=7), full_name="a/new", stars=47)

    def gained(start: date) -> dict[str, tuple[int, int]]:
        return {g.paper_id: (g.stars, g.gained) for g in store.github.gained(start)}

    # The last count on or before the start is the base…
    assert gained(day + timedelta(days=2)) == {
        "2601.00001": (130, 20),
        "2601.00002": (130, 20),
        "2601.00003": (47, 7),  # …or, counted only since, the first count in the window.
    }
    assert gained(day + timedelta(days=1))["2601.00001"] == (130, 30)
    assert gained(day - timedelta(days=30))["2601.00001"] == (130, 30)
    assert gained(day + timedelta(days=7)) == {
        "2601.00001": (130, 0),
        "2601.00002": (130, 0),
        "2601.00003": (47, 0),
    }
    assert RepoStars("2601.00001", "a/One", 130, 20) in store.github.gained(day + timedelta(days=2))
