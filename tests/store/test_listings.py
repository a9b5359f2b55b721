"""Listing queries on real SQLite and PostgreSQL: papers featured in a range (each once, sorted,
filtered, paged), the days around a day, papers by category and by author, with exact counts;
hidden and deleted papers never appear."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from paperfeed.categories import CategoryFilter
from paperfeed.models import (
    Announcement,
    Author,
    Batch,
    DailyEntry,
    Deletion,
    Listing,
    Paper,
    Version,
)
from paperfeed.store import Store

D1, D2, D3, D4, D5 = (date(2026, 3, d) for d in range(2, 7))
AT = datetime(2026, 3, 2, 8, 30)


def _pid(n: int) -> str:
    return f"2603.{n:05d}"


def _paper(
    n: int,
    published: datetime | None = datetime(2026, 3, 1),
    *,
    upvotes: int = 0,
    categories: tuple[str, ...] = ("cs.LG",),
    authors: tuple[str, ...] = ("Ada Lovelace",),
) -> Paper:
    return Paper(
        _pid(n),
        f"Paper {n}",
        published=published,
        imported_upvotes=upvotes,
        categories=categories,
        authors=tuple(Author(a) for a in authors),
    )


def _feature(store: Store, n: int, day: date, by: str | None = None) -> None:
    """One daily entry per write, so entries are numbered in the order the test lists them."""
    entry = DailyEntry(_pid(n), day, by, by and by.title(), by and AT, "community" if by else "hf")
    store.papers.write(Batch(daily_entries=[entry]))


def _rows(listing: Listing) -> list[tuple[str, date | None, int]]:
    return [(i.paper.arxiv_id, i.day, i.upvotes) for i in listing.items]


# ------------------------------------------------------------------------------ featured


def test_a_range_lists_each_paper_once_at_its_first_day(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1), _paper(2)]))
    _feature(store, 1, D1, "ada")
    _feature(store, 2, D2)
    _feature(store, 1, D3, "bob")
    assert _rows(store.listings.featured(D1, D3)) == [(_pid(1), D1, 0), (_pid(2), D2, 0)]
    later = store.listings.featured(D2, D3)
    assert _rows(later) == [(_pid(2), D2, 0), (_pid(1), D3, 0)]
    # who listed it is read from the entry of that day
    two, one = later.items
    assert (one.submitted_by, one.submitted_by_name, one.submitted_at, one.source) == (
        "bob",
        "Bob",
        AT,
        "community",
    )
    assert (two.submitted_by, two.submitted_at, two.source) == (None, None, "hf")
    assert store.listings.featured(D4, D5) == Listing([], 0)


def test_a_listed_paper_carries_its_upvotes_and_visible_comments(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1, upvotes=7)]))
    _feature(store, 1, D1)
    ada = store.accounts.ensure_user("ada@example.org")
    bob = store.accounts.ensure_user("bob@example.org")
    store.votes.cast(ada.id, _pid(1), True)
    store.votes.cast(bob.id, _pid(1), True)
    store.comments.add(_pid(1), ada.id, "kept")
    store.comments.set_hidden(store.comments.add(_pid(1), bob.id, "hidden").id, True)
    [item] = store.listings.featured(D1, D1).items
    assert (item.upvotes, item.num_comments) == (9, 1)
    assert item.paper == store.papers.get(_pid(1))


def test_featured_sorts_by_upvotes_then_by_listing_order(store: Store) -> None:
    store.papers.write(
        Batch(
            papers=[
                _paper(1, datetime(2026, 3, 1), upvotes=5),
                _paper(2, datetime(2026, 2, 27), upvotes=9),
                _paper(3, datetime(2026, 3, 3), upvotes=2),
                _paper(4, datetime(2026, 3, 2), upvotes=5),
            ]
        )
    )
    for n in (4, 3, 2, 1):
        _feature(store, n, D1)
    for i in range(3):
        user = store.accounts.ensure_user(f"u{i}@example.org")
        store.votes.cast(user.id, _pid(3), True)
    # 4, 3 and 1 tie at 5 (3 with community votes): listed in that order
    assert _rows(store.listings.featured(D1, D1)) == [
        (_pid(2), D1, 9),
        (_pid(4), D1, 5),
        (_pid(3), D1, 5),
        (_pid(1), D1, 5),
    ]
    newest = store.listings.featured(D1, D1, sort="published")
    assert [i.paper.arxiv_id for i in newest.items] == [_pid(3), _pid(4), _pid(1), _pid(2)]


def test_papers_without_a_date_are_not_the_newest(store: Store) -> None:
    store.papers.write(
        Batch(
            papers=[
                _paper(1, datetime(2026, 3, 1)),
                _paper(2, None),
                _paper(3, datetime(2026, 3, 2)),
            ]
        )
    )
    for n in (1, 2, 3):
        _feature(store, n, D1)
    newest = store.listings.featured(D1, D1, sort="published")
    assert [i.paper.arxiv_id for i in newest.items] == [_pid(3), _pid(1), _pid(2)]
    assert [i.paper.arxiv_id for i in store.listings.by_category("cs.LG")] == [
        _pid(3),
        _pid(1),
        _pid(2),
    ]


def test_featured_filters_by_submitter(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1), _paper(2), _paper(3)]))
    _feature(store, 1, D1, "ada")
    _feature(store, 1, D2, "bob")
    _feature(store, 2, D2, "ada")
    _feature(store, 3, D1)
    by_bob = store.listings.featured(D1, D3, submitter="bob")
    assert (_rows(by_bob), by_bob.total) == ([(_pid(1), D2, 0)], 1)
    by_ada = store.listings.featured(D1, D3, submitter="ada")
    assert (_rows(by_ada), by_ada.total) == ([(_pid(1), D1, 0), (_pid(2), D2, 0)], 2)
    assert store.listings.featured(D1, D3, submitter="carol") == Listing([], 0)
    assert store.listings.featured(D1, D3, submitter=None).total == 3


def test_featured_pages_and_counts_the_whole_listing(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(n, upvotes=10 * n) for n in range(1, 6)]))
    for n in range(1, 6):
        _feature(store, n, D1 if n % 2 else D2)
    pages = [store.listings.featured(D1, D2, limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert [[i.paper.arxiv_id for i in p.items] for p in pages] == [
        [_pid(5), _pid(4)],
        [_pid(3), _pid(2)],
        [_pid(1)],
        [],
    ]
    assert [p.total for p in pages] == [5, 5, 5, 5]


def test_hidden_and_deleted_papers_never_appear(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1), _paper(2), _paper(3)]))
    for n in (1, 2, 3):
        _feature(store, n, D1)
    store.moderation.hide(_pid(2), None, "spam")
    store.papers.write(Batch(deletions=[Deletion(_pid(3))]))
    listing = store.listings.featured(D1, D1)
    assert (_rows(listing), listing.total) == ([(_pid(1), D1, 0)], 1)
    assert store.listings.featured(D1, D1, sort="published").total == 1
    assert list(store.listings.listed([_pid(1), _pid(2), _pid(3)])) == [_pid(1)]
    assert [i.paper.arxiv_id for i in store.listings.by_category("cs.LG")] == [_pid(1)]
    assert [i.paper.arxiv_id for i in store.listings.by_author("Ada Lovelace")] == [_pid(1)]
    store.moderation.unhide(_pid(2))
    assert _rows(store.listings.featured(D1, D1)) == [(_pid(1), D1, 0), (_pid(2), D1, 0)]


# ------------------------------------------------------------------------------- days


def test_latest_and_neighbour_days(store: Store) -> None:
    assert store.listings.latest_day() is None
    assert store.listings.neighbour_days(D3) == (None, None)
    store.papers.write(Batch(papers=[_paper(1), _paper(2)]))
    _feature(store, 1, D1)
    _feature(store, 2, D3)
    _feature(store, 1, D5)
    assert store.listings.latest_day() == D5
    assert store.listings.neighbour_days(D3) == (D1, D5)
    assert store.listings.neighbour_days(D2) == (D1, D3)  # a day without papers
    assert store.listings.neighbour_days(D1) == (None, D3)
    assert store.listings.neighbour_days(D5) == (D3, None)


def test_days_with_only_hidden_or_deleted_papers_have_no_papers(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1), _paper(2), _paper(3)]))
    _feature(store, 1, D1)
    _feature(store, 2, D2)
    _feature(store, 1, D3)
    _feature(store, 3, D4)
    store.moderation.hide(_pid(2), None, "spam")
    store.papers.write(Batch(deletions=[Deletion(_pid(3))]))
    assert store.listings.featured(D2, D2) == Listing([], 0)
    assert store.listings.featured(D4, D4) == Listing([], 0)
    assert [store.listings.any_on_days(d, d) for d in (D1, D2, D3, D4)] == [
        True,
        False,
        True,
        False,
    ]
    assert store.listings.latest_day() == D3
    assert store.listings.neighbour_days(D1) == (None, D3)


# ----------------------------------------------------------------------------- listed


def test_listed_gives_the_latest_featured_day_and_counts(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1, upvotes=3), _paper(2, upvotes=1)]))
    _feature(store, 1, D1, "ada")
    _feature(store, 1, D3, "bob")
    ada = store.accounts.ensure_user("ada@example.org")
    store.votes.cast(ada.id, _pid(2), True)
    store.comments.add(_pid(2), ada.id, "never featured, still counted")
    found = store.listings.listed([_pid(1), _pid(2), "2603.99999"])
    assert sorted(found) == [_pid(1), _pid(2)]
    one, two = found[_pid(1)], found[_pid(2)]
    assert (one.day, one.upvotes, one.num_comments, one.submitted_by) == (D3, 3, 0, "bob")
    assert (two.day, two.upvotes, two.num_comments, two.submitted_by) == (None, 2, 1, None)
    assert store.listings.listed([]) == {}


# ----------------------------------------------------------------- categories, authors


def test_by_category_finds_primary_and_cross_listed_papers_newest_first(store: Store) -> None:
    store.papers.write(
        Batch(
            papers=[
                _paper(1, datetime(2026, 3, 1), categories=("cs.LG", "stat.ML")),
                _paper(2, datetime(2026, 3, 3), categories=("stat.ML", "cs.LG")),
                _paper(3, datetime(2026, 3, 2), categories=("cs.CL",)),
                _paper(4, datetime(2026, 3, 4), categories=("cs.LGX", "xcs.LG")),
                _paper(5, datetime(2026, 2, 1), categories=("cs.LG",)),
            ]
        )
    )

    def ids(category: str, limit: int = 50) -> list[str]:
        return [i.paper.arxiv_id for i in store.listings.by_category(category, limit)]

    assert ids("cs.LG") == [_pid(2), _pid(1), _pid(5)]
    assert ids("cs.LG", limit=2) == [_pid(2), _pid(1)]
    assert ids("stat.ML") == [_pid(2), _pid(1)]
    assert ids("cs.CL") == [_pid(3)]
    # a category matches whole: no prefix, suffix or wildcard matches
    assert ids("cs.L") == []
    assert ids("s.LG") == []
    assert ids("cs.LG stat.ML") == [_pid(1)]  # a run of categories as stored is no category
    assert ids("cs%") == []
    assert ids("cs._G") == []
    [item] = store.listings.by_category("cs.CL")
    assert (item.day, item.submitted_by, item.source) == (None, None, None)


def test_categories_match_in_their_case(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1, categories=("cs.LG",))]))
    assert store.listings.by_category("cs.lg") == []


def test_by_author_finds_the_exact_name_in_any_case(store: Store) -> None:
    store.papers.write(
        Batch(
            papers=[
                _paper(1, datetime(2026, 3, 1), authors=("Ada Lovelace", "Charles Babbage")),
                _paper(2, datetime(2026, 3, 3), authors=("Charles Babbage", "ada lovelace")),
                _paper(3, datetime(2026, 3, 2), authors=("Ada Lovelace-King",)),
                _paper(4, datetime(2026, 3, 4), authors=("Ada King",)),
            ]
        )
    )

    def ids(name: str, limit: int = 50) -> list[str]:
        return [i.paper.arxiv_id for i in store.listings.by_author(name, limit)]

    assert ids("Ada Lovelace") == [_pid(2), _pid(1)]
    assert ids("ADA LOVELACE") == [_pid(2), _pid(1)]
    assert ids("Ada Lovelace", limit=1) == [_pid(2)]
    assert ids("Charles Babbage") == [_pid(2), _pid(1)]
    assert ids("Ada Lovelace-King") == [_pid(3)]
    # not a part of a name
    assert ids("Ada") == []
    assert ids("Lovelace") == []
    assert ids("King") == []
    assert ids("%") == []


def test_by_author_finds_an_author_behind_many_newer_papers(store: Store) -> None:
    newer = [
        _paper(n, datetime(2026, 3, 1) + timedelta(minutes=n), authors=("Ada Lovelace",))
        for n in range(1, 201)
    ]
    older = _paper(999, datetime(2026, 1, 1), authors=("Li",))
    store.papers.write(Batch(papers=[*newer, older]))
    assert [i.paper.arxiv_id for i in store.listings.by_author("Li")] == [_pid(999)]


def test_by_author_finds_names_beyond_ascii(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1, authors=("Émile Borel", "Łukasz Kaiser"))]))
    assert [i.paper.arxiv_id for i in store.listings.by_author("Émile Borel")] == [_pid(1)]
    assert [i.paper.arxiv_id for i in store.listings.by_author("łukasz kaiser")] == [_pid(1)]


def test_first_from_keeps_papers_first_featured_on_or_after_it(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(1), _paper(2), _paper(3)]))
    _feature(store, 1, D1)
    _feature(store, 1, D4)  # featured again: its first day in D1..D5 is still D1
    _feature(store, 2, D3)
    _feature(store, 3, D5)

    def ids(start: date, first_from: date | None) -> list[tuple[str, date | None]]:
        listing = store.listings.featured(start, D5, sort="published", first_from=first_from)
        return sorted((i.paper.arxiv_id, i.day) for i in listing.items)

    assert ids(D1, D3) == [(_pid(2), D3), (_pid(3), D5)]
    assert ids(D1, None) == [(_pid(1), D1), (_pid(2), D3), (_pid(3), D5)]
    # from D2 on, paper 1's first day in the range is D4
    assert ids(D2, D3) == [(_pid(1), D4), (_pid(2), D3), (_pid(3), D5)]
    assert store.listings.featured(D1, D5, first_from=D3).total == 2


# --------------------------------------------------------------- which papers a day has


def _announce(store: Store, n: int, day: date, category: str, kind: str) -> None:
    store.papers.write(Batch(announcements=[Announcement(_pid(n), day, category, kind)]))


def _with_versions(n: int, submitted: datetime, categories: tuple[str, ...] = ("cs.LG",)) -> Paper:
    return Paper(
        _pid(n),
        f"Paper {n}",
        version=1,
        versions=(Version(1, submitted),),
        categories=categories,
    )


def _day(store: Store, day: date) -> list[tuple[str, str | None, str | None]]:
    return [(i.paper.arxiv_id, i.kind, i.source) for i in store.listings.featured(day, day).items]


def test_a_day_lists_picks_and_announcements_labelled_as_arxiv_labels_them(store: Store) -> None:
    # Papers submitted long before, so their first days are elsewhere.
    old = datetime(2025, 1, 6, 12)
    store.papers.write(Batch(papers=[_with_versions(n, old) for n in range(1, 6)]))
    _announce(store, 1, D2, "cs.LG", "replace")
    _announce(store, 2, D2, "cs.LG", "new")
    _announce(store, 3, D2, "cs.LG", "cross")
    _announce(store, 4, D2, "cs.LG", "replace-cross")
    _feature(store, 5, D2, "ada")
    _announce(store, 2, D3, "cs.LG", "replace")  # another day
    assert _day(store, D2) == [
        (_pid(5), None, "community"),  # the community's pick first (votes equal)
        (_pid(2), "new", None),
        (_pid(3), "cross", None),
        (_pid(1), "replace", None),
        (_pid(4), "replace-cross", None),
    ]
    assert _day(store, D3) == [(_pid(2), "replace", None)]
    # a range lists each paper once, at its first day there
    assert store.listings.featured(D2, D3).total == 5
    assert store.listings.ids_on_days(D3, D3) == [_pid(2)]


def test_upvotes_order_a_day_whatever_brought_a_paper(store: Store) -> None:
    old = datetime(2025, 1, 6, 12)
    store.papers.write(Batch(papers=[_with_versions(1, old), _with_versions(2, old)]))
    store.papers.write(Batch(papers=[Paper(_pid(2), "Paper 2", imported_upvotes=5)]))
    _announce(store, 2, D2, "cs.LG", "cross")
    _feature(store, 1, D2, "ada")
    assert _day(store, D2) == [(_pid(2), "cross", None), (_pid(1), None, "community")]


def test_without_an_announcement_a_paper_is_on_the_day_its_first_version_appeared(
    store: Store,
) -> None:
    # Tuesday 2 March 2026, 13:00 US Eastern (before the 14:00 cut-off): announced that
    # evening, listed on Wednesday the 4th; 15:00 misses it: Thursday the 5th.
    store.papers.write(
        Batch(
            papers=[
                _with_versions(1, datetime(2026, 3, 3, 18)),
                _with_versions(2, datetime(2026, 3, 3, 20)),
                Paper(_pid(3), "Paper 3", published=datetime(2026, 3, 3)),  # a date only
            ]
        )
    )
    assert _day(store, date(2026, 3, 4)) == [(_pid(3), "new", None), (_pid(1), "new", None)]
    assert _day(store, date(2026, 3, 5)) == [(_pid(2), "new", None)]
    assert store.listings.latest_day() == date(2026, 3, 5)
    assert store.listings.neighbour_days(date(2026, 3, 5)) == (date(2026, 3, 4), None)


def test_a_picked_or_announced_paper_is_not_also_on_its_first_day(store: Store) -> None:
    store.papers.write(
        Batch(papers=[_with_versions(n, datetime(2026, 3, 3, 18)) for n in (1, 2, 3)])
    )
    _feature(store, 1, D5, "ada")
    _announce(store, 2, D4, "cs.LG", "new")
    _announce(store, 3, D4, "cs.LG", "replace")  # a replacement does not place the first day
    assert _day(store, date(2026, 3, 4)) == [(_pid(3), "new", None)]
    assert _day(store, D4) == [(_pid(2), "new", None), (_pid(3), "replace", None)]
    assert _day(store, D5) == [(_pid(1), None, "community")]


def test_a_site_lists_only_the_categories_it_follows(store: Store) -> None:
    old = datetime(2025, 1, 6, 12)
    store.papers.write(
        Batch(
            papers=[
                _with_versions(1, old, ("cs.LG",)),
                _with_versions(2, old, ("math.AG",)),
                _with_versions(3, old, ("quant-ph",)),
                _with_versions(4, datetime(2026, 3, 3, 18), ("math.CO", "cs.DM")),
                _with_versions(5, datetime(2026, 3, 3, 18), ("hep-th",)),
                _with_versions(6, datetime(2026, 3, 3, 18), ("math-ph",)),
            ]
        )
    )
    _announce(store, 1, D2, "cs.LG", "new")
    _announce(store, 2, D2, "math.AG", "new")
    _announce(store, 3, D2, "quant-ph", "new")
    _feature(store, 5, D2, "ada")  # picks are listed whatever their category
    store.listings.follow = ("math", "quant-ph")
    assert sorted(i for i, _k, _s in _day(store, D2)) == [_pid(2), _pid(3), _pid(5)]
    assert _day(store, D3) == [(_pid(4), "new", None)]  # first day; not math-ph's paper 6
    store.listings.follow = ("cs.LG",)
    assert sorted(i for i, _k, _s in _day(store, D2)) == [_pid(1), _pid(5)]
    assert _day(store, D3) == []
    store.listings.follow = ()
    assert len(_day(store, D2)) == 4
    assert len(_day(store, D3)) == 2  # papers 4 and 6 (paper 5 is picked)


def test_hidden_papers_leave_every_kind_of_day(store: Store) -> None:
    store.papers.write(Batch(papers=[_with_versions(1, datetime(2026, 3, 3, 18))]))
    _announce(store, 1, D5, "cs.LG", "replace")
    admin = store.accounts.ensure_user("admin@example.org")
    store.moderation.hide(_pid(1), admin.id, "spam")
    assert _day(store, date(2026, 3, 4)) == []
    assert _day(store, D5) == []
    assert store.listings.latest_day() is None


# ------------------------------------------------------------------------------ categories


def test_a_category_filter_narrows_every_way_onto_a_day(store: Store) -> None:
    """Picks, announcements and first days alike, by the paper's own categories: any of
    several, a whole archive, or the primary category only; the days around follow it."""
    store.papers.write(
        Batch(
            papers=[
                _paper(1, categories=("hep-th", "gr-qc")),
                _paper(2, categories=("gr-qc", "hep-th")),
                _paper(3, categories=("math.AG",)),
                _paper(4, categories=("math-ph", "hep-th")),
                _paper(5, categories=("hep-th",)),
                _paper(6, categories=("hep-th",)),
            ]
        )
    )
    _feature(store, 1, D2)
    _announce(store, 2, D2, "gr-qc", "new")
    _announce(store, 3, D2, "math.AG", "new")
    _feature(store, 4, D2)
    _feature(store, 5, D4)
    _feature(store, 6, D2)
    store.moderation.hide(_pid(6), None, "spam")
    listings = store.listings

    def ids(categories: tuple[str, ...], primary: bool = False) -> set[str]:
        wanted = CategoryFilter(categories, primary)
        return {i.paper.arxiv_id for i in listings.featured(D2, D2, categories=wanted).items}

    assert ids(("hep-th",)) == {_pid(1), _pid(2), _pid(4)}
    assert ids(("hep-th",), primary=True) == {_pid(1)}
    assert ids(("gr-qc", "math")) == {_pid(1), _pid(2), _pid(3)}
    assert ids(("math",), primary=True) == {_pid(3)}
    assert ids(("math-ph",)) == {_pid(4)}
    assert ids(("cs.LG",)) == set()
    gr_qc = CategoryFilter(("gr-qc",))
    assert listings.neighbour_days(D3, gr_qc) == (D2, None)
    assert listings.neighbour_days(D3) == (D2, D4)
    assert listings.latest_day(gr_qc) == D2
    assert listings.ids_in_categories(CategoryFilter(("hep-th",), True)) == {_pid(1), _pid(5)}
    for wanted in (None, gr_qc, CategoryFilter(("hep-th",), True), CategoryFilter(("cs.LG",))):
        for start, end in ((D1, D1), (D2, D2), (D3, D3), (D4, D4), (D1, D5)):
            shown = listings.featured(start, end, categories=wanted).total > 0
            assert listings.any_on_days(start, end, wanted) is shown, (wanted, start, end)


def test_featured_with_no_rows_asked_gives_the_total_alone(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper(n, upvotes=n) for n in range(1, 4)]))
    for n in range(1, 4):
        _feature(store, n, D1)
    listing = store.listings.featured(D1, D1, limit=0)
    assert (listing.items, listing.total) == ([], 3)
    assert store.listings.featured(D2, D2, limit=0).total == 0
