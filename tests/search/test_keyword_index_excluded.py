"""The keyword index leaves out the papers a search excludes (`SearchFilters.excluded`, the
papers curators hid) inside tantivy: the next best fill the page and the total counts only
what is left."""

from __future__ import annotations

from datetime import datetime

import pytest

from paperfeed.models import IndexDoc, SearchFilters
from paperfeed.search.keyword_index import KeywordIndex
from paperfeed.search.query import parse_query

NOW = datetime(2026, 11, 26)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> KeywordIndex:
    idx = KeywordIndex(tmp_path_factory.mktemp("kw") / "keyword")
    idx.update(
        IndexDoc(
            arxiv_id=f"2601.{i:05d}",
            title=f"Sorting on tape {i}",
            abstract="sorting " * (1 + i % 5) + "merge runs",
            authors=("Ada Lovelace",),
            categories=("cs.DS",),
            published=datetime(2026, 1, 1 + i),
            deleted=False,
            changed_at=NOW,
        )
        for i in range(20)
    )
    return idx


def test_excluded_papers_neither_rank_nor_count(index: KeywordIndex) -> None:
    query = parse_query("sorting")
    every = index.search(query, limit=20)
    best = [pid for pid, _ in every.hits[:5]]
    left = index.search(query, SearchFilters(excluded=frozenset(best)), limit=5)
    assert [pid for pid, _ in left.hits] == [pid for pid, _ in every.hits[5:10]]
    assert (every.total, left.total) == (20, 15)


def test_excluded_papers_apply_with_the_other_filters(index: KeywordIndex) -> None:
    query = parse_query("author:lovelace")
    among = frozenset(f"2601.{i:05d}" for i in range(4))
    filters = SearchFilters(ids=among, excluded=frozenset({"2601.00001", "2601.00003"}))
    found = index.search(query, filters)
    assert sorted(pid for pid, _ in found.hits) == ["2601.00000", "2601.00002"]
    assert found.total == 2
    assert index.restrict(sorted(among), filters) == {"2601.00000", "2601.00002"}


def test_excluding_everything_finds_nothing(index: KeywordIndex) -> None:
    everything = frozenset(f"2601.{i:05d}" for i in range(20))
    found = index.search(parse_query("sorting"), SearchFilters(excluded=everything))
    assert (found.hits, found.total) == ([], 0)
