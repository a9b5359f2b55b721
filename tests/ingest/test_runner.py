"""The import runner: its bulk-import garbage collector settings (undone afterwards in the
writing process, kept in a parser process), and papers worked out ahead of it merged in file
order with the rest, on real SQLite and PostgreSQL."""

import gc

from paperfeed.ingest.lines import RowsAhead
from paperfeed.ingest.records import Item, Record
from paperfeed.ingest.runner import (
    BULK_GC_THRESHOLD,
    bulk_import_gc,
    run_import,
    tune_gc_for_bulk_import,
)
from paperfeed.models import Deletion, Paper, PaperAhead
from paperfeed.store import Store
from paperfeed.store.papers import new_paper_rows


def test_bulk_import_gc_is_undone() -> None:
    before = gc.get_threshold()
    with bulk_import_gc():
        assert gc.get_threshold()[0] == max(before[0], BULK_GC_THRESHOLD)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_parser_process_keeps_the_bulk_import_settings() -> None:
    before = gc.get_threshold()
    try:
        assert tune_gc_for_bulk_import() == before
        assert gc.get_threshold()[0] == max(before[0], BULK_GC_THRESHOLD)
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


# ------------------------------------------------- papers worked out ahead (lines.RowsAhead)


def _ahead(paper: Paper, dialect: str) -> Record:
    row, versions = new_paper_rows(paper, dialect)
    return Record("f:1", ahead=PaperAhead(paper.arxiv_id, dialect, row, versions, lambda: paper))


def _titles(store: Store, ids: list[str]) -> list[str | None]:
    found = store.papers.get_many(ids)
    return [found[i].title if i in found else None for i in ids]


def test_records_of_one_paper_merge_in_file_order_however_they_came(store: Store) -> None:
    """A record without a version only fills what is empty, so the first title stays: it
    must be applied first whether it came worked out ahead or parsed, in one batch."""
    d = store.db.dialect

    def paper(arxiv_id: str, title: str) -> Paper:
        return Paper(arxiv_id=arxiv_id, title=title)

    items: list[Item] = [
        _ahead(paper("2403.00001", "first"), d),
        Record("f:2", paper=paper("2403.00001", "second")),
        Record("f:3", paper=paper("2403.00002", "first")),
        _ahead(paper("2403.00002", "second"), d),
        _ahead(paper("2403.00003", "first"), d),
        _ahead(paper("2403.00003", "second"), d),
        _ahead(paper("2403.00004", "only"), d),
    ]
    summary = run_import(store, items, "test")
    assert (summary.counts.new, summary.counts.unchanged) == (4, 3)
    ids = [f"2403.0000{n}" for n in range(1, 5)]
    assert _titles(store, ids) == ["first", "first", "first", "only"]


def test_a_deletion_after_a_paper_worked_out_ahead_applies(store: Store) -> None:
    d = store.db.dialect
    items: list[Item] = [
        _ahead(Paper(arxiv_id="2403.00005", title="gone", version=1), d),
        Record("f:2", deletion=Deletion(arxiv_id="2403.00005")),
    ]
    run_import(store, items, "test")
    assert store.papers.get("2403.00005") is None
    assert store.papers.get("2403.00005", include_deleted=True) is not None


def test_papers_are_not_worked_out_ahead_while_the_store_has_them(store: Store) -> None:
    """A re-run would parse each paper twice: the writer turns `wanted` off for as long as
    its batches are mostly papers the store has, and on again after."""
    ahead = RowsAhead(new_paper_rows, store.db.dialect)
    old = [Paper(arxiv_id=f"2404.{n:05d}", title="t") for n in range(10)]
    run_import(store, [Record("f", paper=p) for p in old], "test", ahead=ahead)
    assert ahead.wanted
    run_import(store, [Record("f", paper=p) for p in old], "test", ahead=ahead, batch_size=5)
    assert not ahead.wanted
    new = [Paper(arxiv_id=f"2405.{n:05d}", title="t") for n in range(6)]
    mixed = [*old[:2], *new]
    run_import(store, [Record("f", paper=p) for p in mixed], "test", ahead=ahead, batch_size=8)
    assert ahead.wanted
