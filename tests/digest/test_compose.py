"""Composing each subscriber's digest from a period's papers (pure): trending, categories,
followed authors and saved searches, each paper once with every reason, cut to length."""

from datetime import date

from paperfeed.digest.compose import (
    MAX_ITEMS,
    author_key,
    compose,
    index_period,
    run_saved_searches,
)
from paperfeed.digest.schedule import period_containing
from paperfeed.models import Author, Hit, Paper, Subscription, SubscriptionContent, Why

PERIOD = period_containing("daily", date(2026, 11, 25))


def paper(i: int, cats: tuple[str, ...] = ("quant-ph",), authors: tuple[str, ...] = ()) -> Paper:
    return Paper(
        arxiv_id=f"2611.{i:05d}",
        title=f"Paper {i}",
        categories=cats,
        authors=tuple(Author(a) for a in authors),
    )


def sub(**content: object) -> Subscription:
    return Subscription(1, "a@example.org", "active", SubscriptionContent(**content))  # type: ignore[arg-type]


PAPERS = [
    paper(1, ("cs.LG",), ("Émile Zola",)),
    paper(2, ("quant-ph", "cs.LG")),
    paper(3),
    paper(4, ("hep-th",), ("Ada Lovelace",)),
]
UPVOTES = {"2611.00001": 5, "2611.00002": 9, "2611.00003": 0, "2611.00004": 2}
NEW = index_period(PAPERS, UPVOTES)


def ids(digest_items: object) -> list[str]:
    return [i.paper.arxiv_id for i in digest_items]  # type: ignore[attr-defined]


def test_trending_first_then_the_rest_by_upvotes_each_once_with_every_reason() -> None:
    d = compose(sub(top_n=1, categories=("cs.LG",), authors=("emile  zola",)), PERIOD, NEW, {})
    assert ids(d.items) == ["2611.00002", "2611.00001"]
    assert d.items[0].why == ("trending: #1 with 9 upvotes", "new in cs.LG")
    assert d.items[1].why == ("new in cs.LG", "by emile  zola, whom you follow")


def test_saved_search_hits_outside_the_period_are_ignored_and_reasons_name_terms() -> None:
    hits = {
        "surface code": [
            Hit(paper(3), 1.0, Why(terms=("surface", "code"))),
            Hit(paper(99), 0.9, Why()),  # not a new paper of this period
        ]
    }
    d = compose(sub(queries=("surface code",)), PERIOD, NEW, hits)
    assert ids(d.items) == ["2611.00003"]
    assert d.items[0].why == ("matches your search “surface code” (surface, code)",)


def test_min_upvotes_and_already_sent_filter_everything() -> None:
    d = compose(
        sub(categories=("cs.LG", "quant-ph"), min_upvotes=5), PERIOD, NEW, {}, {"2611.00002"}
    )
    assert ids(d.items) == ["2611.00001"]
    assert compose(sub(categories=("math.AG",)), PERIOD, NEW, {}).is_empty


def test_trending_skips_papers_without_votes() -> None:
    d = compose(sub(top_n=10), PERIOD, NEW, {})
    assert ids(d.items) == ["2611.00002", "2611.00001", "2611.00004"]


def test_long_digests_are_cut_and_counted() -> None:
    many = index_period([paper(i) for i in range(MAX_ITEMS + 7)], {})
    d = compose(sub(categories=("quant-ph",)), PERIOD, many, {})
    assert len(d.items) == MAX_ITEMS and d.more == 7


def test_each_distinct_saved_search_runs_once() -> None:
    calls: list[str] = []

    def search(q: str, _period: object) -> list[Hit]:
        calls.append(q)
        return []

    subs = [sub(queries=("a", "b")), sub(queries=("b",)), sub(queries=("a",))]
    assert set(run_saved_searches(subs, PERIOD, search)) == {"a", "b"}
    assert sorted(calls) == ["a", "b"]


def test_author_key_ignores_accents_case_and_spacing() -> None:
    assert author_key("Émile  Zola") == author_key("emile zola")
    assert author_key("A.Einstein") == author_key("a. einstein")
