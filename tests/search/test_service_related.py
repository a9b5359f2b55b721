"""Related papers through the read memo, on real SQLite and PostgreSQL and a real tantivy
index: asked again they cost no search and one statement, and whatever changes them (a new
commit to the index from another process, a paper hidden, a paper's title changed) shows at
the next ask."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from statement_log import measured_quietly, statements_run

from paperfeed.models import Batch, Hit, IndexDoc, Paper
from paperfeed.search.keyword_index import KeywordIndex
from paperfeed.search.rules import search_among
from paperfeed.search.service import SearchService
from paperfeed.store import Store

NOW = datetime(2026, 1, 5, tzinfo=UTC)
TOPIC = "Surface codes for quantum error correction"


def _papers(*ids: str, title: str = TOPIC) -> Batch:
    return Batch(papers=[Paper(i, f"{title} {n}", abstract="Qubits.") for n, i in enumerate(ids)])


@pytest.fixture
def service(store: Store, tmp_path: Path) -> SearchService:
    store.papers.write(_papers("2601.00001", "2601.00002", "2601.00003"))
    store.papers.write(Batch(papers=[Paper("2601.00009", "Graph colouring of exams")]))
    svc = SearchService.open(store, tmp_path / "data", model="none")
    svc.index()
    return svc


@pytest.fixture
def statements(store: Store) -> Iterator[list[str]]:
    with statements_run(store.db.engine) as seen:
        yield seen


def _ids(service: SearchService, arxiv_id: str) -> list[str]:
    return [h.paper.arxiv_id for h in service.related(arxiv_id, limit=5)]


def test_asked_again_they_cost_one_statement_and_no_search(
    service: SearchService, store: Store, statements: list[str]
) -> None:
    first = service.related("2601.00001", limit=5)
    assert [h.paper.arxiv_id for h in first] == ["2601.00002", "2601.00003"]
    memo = store.db.memo
    assert memo is not None

    def again() -> tuple[int, int, int]:
        statements.clear()
        hits, misses = memo.hits, memo.misses
        assert service.related("2601.00001", limit=5) == first
        return memo.hits - hits, memo.misses - misses, len(statements)

    # One hit, for the related papers themselves: none of the reads (or the title search)
    # that made them ran again; one statement, the store's change stamp.
    assert measured_quietly(again, (1, 0, 1)) == (1, 0, 1), statements


def test_a_commit_from_another_process_shows_at_the_next_ask(
    service: SearchService, store: Store, db_url: str, tmp_path: Path
) -> None:
    assert _ids(service, "2601.00001") == ["2601.00002", "2601.00003"]
    # `paperfeed index` in another process: its own Store and its own index handle.
    with Store.open(db_url, migrate=False) as other:
        other.papers.write(_papers("2601.00004"))
        SearchService.open(other, tmp_path / "data", model="none").index()
    assert sorted(_ids(service, "2601.00001")) == ["2601.00002", "2601.00003", "2601.00004"]


def test_a_hidden_paper_leaves_them_at_once(service: SearchService, store: Store) -> None:
    assert "2601.00002" in _ids(service, "2601.00001")
    store.moderation.hide("2601.00002", None, "spam")
    assert _ids(service, "2601.00001") == ["2601.00003"]


def test_a_changed_title_shows_in_them_before_the_index_catches_up(
    service: SearchService, store: Store
) -> None:
    def title(hits: list[Hit]) -> str:
        return {h.paper.arxiv_id: h.paper.title for h in hits}["2601.00002"]

    assert title(service.related("2601.00001", limit=5)) == f"{TOPIC} 1"
    revised = Paper("2601.00002", f"{TOPIC}, revised", abstract="Qubits.", version=2)
    store.papers.write(Batch(papers=[revised]))
    assert title(service.related("2601.00001", limit=5)) == f"{TOPIC}, revised"


def test_the_index_generation_names_its_commits(tmp_path: Path) -> None:
    reader = KeywordIndex(tmp_path / "kw")
    empty = reader.generation()
    assert reader.generation() == empty
    writer = KeywordIndex(tmp_path / "kw")  # another process's handle on the same files
    writer.update([IndexDoc("2601.00001", TOPIC, "Qubits.", (), (), None, False, NOW)])
    # Seen at the next read, not when a watcher thread gets round to it.
    assert len(reader) == 1
    assert reader.generation() != empty


def test_a_search_among_some_papers_is_kept_too_until_the_index_changes(
    service: SearchService, store: Store, db_url: str, tmp_path: Path, statements: list[str]
) -> None:
    """A followed search over some days' papers (search.rules.search_among, which /for-you
    and the digest ask for every member who follows it) is answered from the memo; another
    process's commit to the index shows at the next ask."""
    among = frozenset({"2601.00001", "2601.00002", "2601.00004", "2601.00009"})

    def ask() -> list[str]:
        return sorted(h.paper.arxiv_id for h in search_among(service, "surface codes", among))

    assert ask() == ["2601.00001", "2601.00002"]
    memo = store.db.memo
    assert memo is not None
    statements.clear()
    hits = memo.hits
    assert ask() == ["2601.00001", "2601.00002"]
    assert memo.hits == hits + 1 and len(statements) == 1  # the change stamp, no search
    # Without explanations it is another question, answered with the same papers.
    assert [h.why.terms for h in search_among(service, "surface codes", among, explain=False)] == [
        (),
        (),
    ]
    with Store.open(db_url, migrate=False) as other:
        other.papers.write(_papers("2601.00004"))
        SearchService.open(other, tmp_path / "data", model="none").index()
    assert ask() == ["2601.00001", "2601.00002", "2601.00004"]
