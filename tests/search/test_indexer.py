"""The keyword half of an index run: where an incremental run starts reading (after the last
change number taken in), and, on real SQLite and PostgreSQL, that killed runs resume and that
revised, deleted and re-read papers are in the index exactly once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import tantivy

from paperfeed.models import Batch, Deletion, Paper
from paperfeed.search import indexer
from paperfeed.search.indexer import _seen, update_keyword
from paperfeed.search.keyword_index import KeywordIndex
from paperfeed.search.query import parse_query
from paperfeed.store import Store


def test_a_new_index_reads_everything() -> None:
    assert _seen({}) is None


def test_a_run_starts_after_the_last_change_number_taken_in() -> None:
    assert _seen({"seq": 858}) == 858
    assert _seen({"seq": 0}) == 0


def test_state_from_before_change_numbers_reads_everything_once() -> None:
    assert _seen({"watermark": "2026-11-26T12:00:00", "read_at": "2026-11-26T13:00:00"}) is None
    assert _seen({"seq": True}) is None
    assert _seen({"seq": "12"}) is None


def _write(store: Store, numbers: range, title: str = "Paper", version: int = 1) -> None:
    store.papers.write(
        Batch(
            papers=[
                Paper(f"2501.{n:05d}", f"{title} {n}", abstract="Text.", version=version)
                for n in numbers
            ]
        )
    )


def _copies(index: KeywordIndex) -> Counter[str]:
    """Each indexed paper id with how many live documents carry it."""
    searcher = index.index.searcher()
    hits = searcher.search(tantivy.Query.all_query(), 1000).hits
    return Counter(searcher.doc(addr)["id"][0] for _score, addr in hits)


@pytest.fixture
def small_commits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 2 papers and a commit every 3 (at least), so that a test sees several."""
    monkeypatch.setattr(indexer, "READ_BATCH", 2)
    monkeypatch.setattr(indexer, "KEYWORD_COMMIT_EVERY", 3)


@pytest.mark.usefixtures("small_commits")
def test_a_killed_run_resumes_after_its_last_commit(store: Store, tmp_path: Path) -> None:
    _write(store, range(1, 11))
    index = KeywordIndex(tmp_path / "kw")

    def killed(stage: str, done: int, total: int) -> None:
        if done == 6:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        update_keyword(store, index, progress=killed)
    assert index.state()["seq"] == 4 and len(index) == 4
    assert update_keyword(store, index) == 6
    assert _copies(index) == Counter(f"2501.{n:05d}" for n in range(1, 11))
    assert index.state()["seq"] == store.search_data.last_change()


@pytest.mark.usefixtures("small_commits")
def test_a_run_killed_between_commit_and_state_indexes_nothing_twice(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(store, range(1, 11))
    index = KeywordIndex(tmp_path / "kw")

    def killed(state: dict[str, object]) -> None:
        raise RuntimeError("killed")

    with monkeypatch.context() as patched:
        patched.setattr(index, "save_state", killed)
        with pytest.raises(RuntimeError, match="killed"):
            update_keyword(store, index)
    assert len(index) == 4 and "seq" not in index.state()
    assert update_keyword(store, index) == 10
    assert _copies(index) == Counter(f"2501.{n:05d}" for n in range(1, 11))


@pytest.mark.usefixtures("small_commits")
def test_revised_and_deleted_papers_are_replaced_and_removed(store: Store, tmp_path: Path) -> None:
    _write(store, range(1, 8))
    index = KeywordIndex(tmp_path / "kw")
    assert update_keyword(store, index) == 7
    _write(store, range(3, 6), title="Revised", version=2)
    store.papers.write(Batch(deletions=[Deletion("2501.00007")]))
    assert update_keyword(store, index) == 4
    assert _copies(index) == Counter(f"2501.{n:05d}" for n in range(1, 7))
    revised = index.search(parse_query("revised"), limit=10).hits
    assert sorted(pid for pid, _score in revised) == ["2501.00003", "2501.00004", "2501.00005"]
    assert update_keyword(store, index) == 0
    assert update_keyword(store, index, rebuild=True) == 7
    assert _copies(index) == Counter(f"2501.{n:05d}" for n in range(1, 7))
