"""Importing an export into a collection on real SQLite and PostgreSQL: arXiv ids and DOIs
matched in the store, unknown arXiv ids fetched (up to the limit), the rest reported; a re-run
adds nothing twice, and a failing import leaves the collection as it was."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from paperfeed.errors import Invalid, NotFound, Upstream
from paperfeed.feed.library_import import import_references
from paperfeed.ingest.records import Item, Record
from paperfeed.models import Batch, Paper
from paperfeed.store import Store

EXPORT = """
@misc{a, title={Known by id}, eprint={2401.00001v2}, archivePrefix={arXiv}}
@article{b, title={Known by DOI}, doi={10.1000/ABC}}
@misc{c, title={Only on arXiv}, url={https://arxiv.org/abs/2402.00002}}
@misc{d, title={Also only on arXiv}, note={arXiv:2402.00003 [cs.LG]}}
@book{e, title={A book}}
@misc{f, title={Known by id again}, eprint={2401.00001}}
"""


class Arxiv:
    """A stand-in for the arXiv fetcher: knows some papers, counts its calls, may be down."""

    def __init__(self, *papers: Paper, down: bool = False) -> None:
        self.papers = {p.arxiv_id: p for p in papers}
        self.asked: list[str] = []
        self.down = down

    def __call__(self, arxiv_id: str) -> Iterable[Item]:
        self.asked.append(arxiv_id)
        if self.down:
            raise Upstream("connection refused")
        known = self.papers.get(arxiv_id)
        return [Record("arXiv API", paper=known)] if known else []


@pytest.fixture
def member(store: Store) -> int:
    store.papers.write(
        Batch(
            papers=[Paper("2401.00001", "Known"), Paper("2305.00009", "By DOI", doi="10.1000/abc")]
        )
    )
    return store.accounts.ensure_user("ann@example.org").id


def test_an_export_fills_a_new_collection_and_a_rerun_adds_nothing(
    store: Store, member: int
) -> None:
    arxiv = Arxiv(Paper("2402.00002", "Fetched"))
    report = import_references(
        store, member, EXPORT.encode(), "my.bib", fetch=arxiv, new_collection="Thesis"
    )
    assert report.format == "bibtex" and report.entries == 6
    assert report.collection.name == "Thesis" and report.collection.size == 3
    assert report.added == ["2401.00001", "2305.00009", "2402.00002"]
    assert report.fetched == ["2402.00002"]
    assert sorted(arxiv.asked) == ["2402.00002", "2402.00003"]
    # arXiv has no 2402.00003, and the book names nothing: both reported by title.
    assert [r.title for r in report.unmatched] == ["Also only on arXiv", "A book"]
    again = import_references(
        store, member, EXPORT.encode(), "my.bib", fetch=arxiv, collection_id=report.collection.id
    )
    assert again.added == [] and again.already == 3
    assert set(store.library.papers_in(report.collection.id)) == set(report.added)


def test_over_the_fetch_limit_and_with_arxiv_down_ids_wait_for_the_next_import(
    store: Store, member: int
) -> None:
    report = import_references(
        store, member, EXPORT.encode(), "my.bib", fetch=Arxiv(down=True), fetch_limit=1
    )
    assert report.collection.name == "Saved"
    assert report.added == ["2401.00001", "2305.00009"]
    assert sorted(report.not_fetched) == ["2402.00002", "2402.00003"]
    assert [r.title for r in report.unmatched] == ["A book"]


def test_someone_elses_collection_or_a_bad_file_changes_nothing(store: Store, member: int) -> None:
    bob = store.accounts.ensure_user("bob@example.org").id
    his = store.library.create(bob, "His")
    arxiv = Arxiv(Paper("2402.00002", "Fetched"))
    with pytest.raises(NotFound):
        import_references(
            store, member, EXPORT.encode(), "my.bib", fetch=arxiv, collection_id=his.id
        )
    with pytest.raises(Invalid):
        import_references(store, member, b"\x00\x01", "x.bib", fetch=arxiv)
    assert arxiv.asked == [] and store.papers.get("2402.00002") is None
    assert store.library.collections(member) == []
