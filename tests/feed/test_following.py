"""What a member's follows bring in, on real SQLite and PostgreSQL: papers by followed authors
(accents and case aside), in followed categories and matching followed searches (real matches
only, over the days asked for), newest first with every follow they matched, less dismissed
papers; and the days the private feed covers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from paperfeed.feed.following import (
    Followed,
    follow_label,
    followed_papers,
    recent_days,
)
from paperfeed.models import (
    Announcement,
    Author,
    Batch,
    Hit,
    Paper,
    SearchResults,
    Why,
)
from paperfeed.store import Store

MON, TUE, WED = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)


def _paper(n: int, day: date, cats: tuple[str, ...], *authors: str, title: str = "") -> Paper:
    return Paper(
        f"2611.{n:05d}",
        title or f"Paper {n}",
        authors=tuple(Author(a) for a in authors),
        categories=cats,
        published=datetime.combine(day, datetime.min.time()).replace(hour=n % 24),
    )


def _write(store: Store, papers: list[tuple[Paper, date]]) -> None:
    store.papers.write(
        Batch(
            papers=[p for p, _ in papers],
            announcements=[Announcement(p.arxiv_id, d, p.categories[0], "new") for p, d in papers],
        )
    )


class FakeSearcher:
    """Answers every query with its hits among the ids it is asked about, recording them."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.calls: list[tuple[str, frozenset[str]]] = []

    def search(self, query: str, **options: Any) -> SearchResults:
        ids = options["filters"].ids
        self.calls.append((query, ids))
        found = [h for h in self.hits if h.paper.arxiv_id in ids]
        return SearchResults(query, "hybrid", found, len(found))

    def related(self, arxiv_id: str, limit: int = 10) -> list[Hit]:
        raise AssertionError

    def refresh(self) -> None:
        raise AssertionError


def _site(store: Store) -> int:
    _write(
        store,
        [
            (_paper(1, MON, ("cs.LG",), "Yann LeCun"), MON),
            (_paper(2, TUE, ("quant-ph",), "Émile Zola", "Ada Lovelace"), TUE),
            (_paper(3, WED, ("cs.LG", "stat.ML"), "Ada Lovelace"), WED),
            (_paper(4, WED, ("hep-th",), "Nobody"), WED),
            (_paper(5, WED, ("math.CO",), "Someone", title="Diffusion of graphs"), WED),
        ],
    )
    return store.accounts.ensure_user("reader@example.org").id


def _ids(found: list[Followed]) -> list[str]:
    return [f.listed.paper.arxiv_id for f in found]


def test_follows_bring_in_authors_and_categories_newest_first(store: Store) -> None:
    uid = _site(store)
    assert followed_papers(store, uid, since=MON, until=WED) == []  # follows nothing
    store.follows.follow(uid, "author", "emile zola")  # accents and case do not matter
    store.follows.follow(uid, "author", "Ada Lovelace")
    store.follows.follow(uid, "category", "cs.LG")
    found = followed_papers(store, uid, since=MON, until=WED)
    assert _ids(found) == ["2611.00003", "2611.00002", "2611.00001"]
    assert found[0].matched == (("category", "cs.LG"), ("author", "Ada Lovelace"))
    assert found[0].reasons == ("cs.LG", "author Ada Lovelace")
    assert found[1].reasons == ("author Ada Lovelace", "author emile zola")
    assert found[2].reasons == ("cs.LG",)
    assert _ids(followed_papers(store, uid, since=TUE, until=WED, limit=1)) == ["2611.00003"]
    # Without `until`: up to the newest listed day.
    assert _ids(followed_papers(store, uid, since=TUE)) == ["2611.00003", "2611.00002"]


def test_dismissed_papers_are_left_out(store: Store) -> None:
    uid = _site(store)
    store.follows.follow(uid, "category", "cs.LG")
    store.library.dismiss(uid, "2611.00003")
    assert _ids(followed_papers(store, uid, since=MON, until=WED)) == ["2611.00001"]
    other = store.accounts.ensure_user("other@example.org").id
    store.follows.follow(other, "category", "cs.LG")  # another member's dismissals are theirs
    assert _ids(followed_papers(store, other, since=MON, until=WED)) == [
        "2611.00003",
        "2611.00001",
    ]


def test_followed_searches_run_over_the_days_and_keep_real_matches(store: Store) -> None:
    uid = _site(store)
    store.follows.follow(uid, "search", "diffusion")
    engine = FakeSearcher(
        [
            Hit(Paper("2611.00005", "x"), 1.0, Why(terms=("diffusion",), keyword_rank=1)),
            Hit(Paper("2611.00004", "x"), 0.5, Why(semantic_rank=2, similarity=0.2)),
            Hit(Paper("2611.00001", "x"), 0.9, Why(keyword_rank=2)),  # listed Monday
        ]
    )
    assert followed_papers(store, uid, since=TUE, until=WED) == []  # no engine: no searches
    found = followed_papers(store, uid, since=TUE, until=WED, search=engine)
    assert _ids(found) == ["2611.00005"]
    assert found[0].reasons == ("search: diffusion",)
    assert engine.calls == [("diffusion", frozenset({f"2611.{i:05d}" for i in (2, 3, 4, 5)}))]


def test_recent_days_fall_back_to_the_last_active_week(store: Store) -> None:
    assert recent_days(store, datetime(2026, 12, 1, 9)) == (date(2026, 11, 25), date(2026, 12, 1))
    _site(store)
    assert recent_days(store, datetime(2026, 11, 26, 9)) == (date(2026, 11, 20), date(2026, 11, 26))
    assert recent_days(store, datetime(2027, 3, 1, 9)) == (date(2026, 11, 19), WED)


def test_labels() -> None:
    assert follow_label("author", "Yann LeCun") == "author Yann LeCun"
    assert follow_label("category", "cs.LG") == "cs.LG"
    assert follow_label("search", "diffusion") == "search: diffusion"
