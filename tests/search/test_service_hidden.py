"""Papers the curators hid are left out inside the search, before the page is cut and the
total counted, in every mode, on SQLite and PostgreSQL: pages come up full and `total` says
how many a visitor can page through."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from paperfeed.models import Author, Batch, Paper, SearchFilters
from paperfeed.search.service import SearchService
from paperfeed.store import Store

SORTING = [f"2601.{i:05d}" for i in range(1, 31)]
OTHER = [f"2601.{i:05d}" for i in range(101, 111)]
# Ten of the thirty sorting papers, among them the best keyword matches (the shortest texts).
HIDDEN = frozenset(SORTING[::3])
VISIBLE = [pid for pid in SORTING if pid not in HIDDEN]


def _papers() -> list[Paper]:
    sorting = [
        Paper(
            pid,
            f"Sorting records on magnetic tape, method {i}",
            abstract="An external sorting algorithm that merges runs on tape. " * (1 + i % 4),
            authors=(Author(f"Author {i}"),),
            categories=("cs.DS",),
            published=datetime(2026, 1, 1 + i % 28),
        )
        for i, pid in enumerate(SORTING)
    ]
    other = [
        Paper(
            pid,
            f"Compiler register allocation {i}",
            abstract="Register allocation by graph coloring in an optimizing compiler.",
            authors=(Author(f"Writer {i}"),),
            categories=("cs.PL",),
            published=datetime(2026, 1, 2),
        )
        for i, pid in enumerate(OTHER)
    ]
    return sorting + other


@pytest.fixture
def service(store: Store, tmp_path: Path, tiny_static_model: Path) -> SearchService:
    store.papers.write(Batch(papers=_papers()))
    for pid in sorted(HIDDEN):
        store.moderation.hide(pid, None, "spam")
    svc = SearchService.open(store, tmp_path / "data", model=str(tiny_static_model))
    svc.index()
    return svc


def _walk(svc: SearchService, query: str, mode: str, limit: int = 7) -> tuple[list[str], int]:
    """Every page of a search, as a visitor pages through it: the ids seen, and the total
    the first page announced. Each page but the last is full."""
    first = svc.search(query, mode=mode, limit=limit)
    seen: list[str] = []
    offset = 0
    while True:
        page = svc.search(query, mode=mode, limit=limit, offset=offset)
        assert page.mode == mode and page.total == first.total
        ids = [h.paper.arxiv_id for h in page.hits]
        if offset + limit <= first.total:
            assert len(ids) == limit, (mode, offset)
        seen += ids
        if len(ids) < limit:
            return seen, first.total
        offset += limit


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_hidden_papers_are_left_out_before_paging_and_counting(
    service: SearchService, mode: str
) -> None:
    seen, total = _walk(service, "sorting records on tape", mode)
    assert not HIDDEN & set(seen)
    assert len(seen) == len(set(seen)) == total
    if mode == "keyword":
        assert sorted(seen) == VISIBLE
    else:
        # Semantic neighbours include the other papers too, never a hidden one.
        assert set(VISIBLE) <= set(seen) <= set(VISIBLE) | set(OTHER)


@pytest.mark.parametrize("sort", ["date", "upvotes"])
def test_other_sorts_leave_them_out_too(service: SearchService, sort: str) -> None:
    for mode in ("keyword", "hybrid"):
        found = service.search("sorting tape", mode=mode, sort=sort, limit=50)
        ids = [h.paper.arxiv_id for h in found.hits]
        assert not HIDDEN & set(ids) and set(VISIBLE) <= set(ids)
        assert found.total == len(ids)


def test_a_hidden_paper_named_by_id_or_title_is_not_pinned(service: SearchService) -> None:
    hidden = sorted(HIDDEN)[0]
    by_id = service.search(hidden, mode="keyword")
    assert hidden not in [h.paper.arxiv_id for h in by_id.hits]
    title = service.store.papers.get(hidden).title  # type: ignore[union-attr]
    by_title = service.search(title, mode="keyword", limit=50)
    assert all(h.why.pinned is None for h in by_title.hits)
    assert hidden not in [h.paper.arxiv_id for h in by_title.hits]


def test_filters_and_hidden_papers_combine(service: SearchService) -> None:
    among = frozenset(SORTING[:6])
    found = service.search("sorting", mode="hybrid", filters=SearchFilters(ids=among), limit=20)
    assert sorted(h.paper.arxiv_id for h in found.hits) == sorted(among - HIDDEN)
    assert found.total == len(among - HIDDEN)


def test_showing_a_paper_again_brings_it_back(service: SearchService) -> None:
    back = sorted(HIDDEN)[0]
    service.store.moderation.unhide(back)
    found = service.search("sorting records on tape", mode="keyword", limit=50)
    assert back in [h.paper.arxiv_id for h in found.hits]
    assert found.total == len(VISIBLE) + 1


def test_related_papers_leave_hidden_ones_out(service: SearchService) -> None:
    related = service.related(VISIBLE[0], limit=8)
    ids = [h.paper.arxiv_id for h in related]
    assert len(ids) == 8 and not HIDDEN & set(ids) and VISIBLE[0] not in ids
