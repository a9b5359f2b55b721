"""What search says when semantic search is off, on SQLite and PostgreSQL: people get a plain
notice and the mode really used; the reason (a path, a network error) is kept for operators
(the index report, `paperfeed eval`) and the log, never put in front of searchers."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.models import Batch, Paper
from paperfeed.search.service import MODEL_MISSING, NOT_READY, TURNED_OFF, SearchService
from paperfeed.store import Store


@pytest.fixture
def papers(store: Store) -> Store:
    store.papers.write(
        Batch(papers=[Paper(f"2601.0000{i}", f"Tape sorting {i}") for i in range(3)])
    )
    return store


def test_a_missing_model_is_a_plain_notice_and_a_reason_for_operators(
    papers: Store, tmp_path: Path
) -> None:
    missing = tmp_path / "models" / "gone"
    svc = SearchService.open(papers, tmp_path / "data", model=str(missing))
    assert svc.notice == MODEL_MISSING and svc.reason and str(missing) in svc.reason
    report = svc.index()
    assert report.semantic == svc.reason and str(missing) in report.line()
    for mode in ("hybrid", "semantic"):
        found = svc.search("tape sorting", mode=mode)
        assert (found.mode, found.notice, len(found.hits)) == ("keyword", MODEL_MISSING, 3)
    keyword = svc.search("tape sorting", mode="keyword")
    assert (keyword.mode, keyword.notice) == ("keyword", None)


def test_a_site_without_a_model_says_semantic_search_is_off(papers: Store, tmp_path: Path) -> None:
    svc = SearchService.open(papers, tmp_path / "data", model="none")
    assert svc.search("tape", mode="hybrid").notice == TURNED_OFF
    assert "search_model = none" in svc.index().line()


def test_a_model_whose_index_is_not_built_yet_is_a_plain_notice(
    papers: Store, tmp_path: Path, tiny_static_model: Path
) -> None:
    """Before the first `paperfeed index` (or index job run), searchers are not told to run a
    command: that is for the operator."""
    svc = SearchService.open(papers, tmp_path / "data", model=str(tiny_static_model))
    found = svc.search("tape sorting", mode="hybrid")
    assert (found.mode, found.notice) == ("keyword", NOT_READY)
    assert "paperfeed index" not in (found.notice or "")
    svc.index()
    built = svc.search("tape sorting", mode="hybrid")
    assert (built.mode, built.notice) == ("hybrid", None)
