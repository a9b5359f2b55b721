"""tests/demo_copy.py, which most web tests start from: its copy of the demo holds what loading
the demo writes, row for row, on SQLite and PostgreSQL; its index answers as a fresh one does
and takes in later changes; each copy is a store of its own."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from demo_copy import copy_demo
from sqlalchemy import DateTime, select
from webutil import indexed_search

from paperfeed.demo import KAGGLE, load_demo
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.runner import run_import
from paperfeed.store import Store
from paperfeed.store.schema import metadata

QUERIES = ("diffusion models", "protein", "quantum", "reinforcement learning from feedback")


def _rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in key order, without the times they were written at (the copy's
    are those of the load it copies)."""
    rows = {}
    with store.db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            kept = [c for c in table.columns if not isinstance(c.type, DateTime)]
            query = select(*kept).order_by(*(table.primary_key.columns or kept))
            rows[table.name] = [tuple(r) for r in conn.execute(query)]
    return rows


def _found(store: Store, search_dir: Path) -> list[list[str]]:
    search = indexed_search(store, search_dir)
    return [
        [hit.paper.arxiv_id for hit in search.search(q, mode="keyword", limit=50).hits]
        for q in QUERIES
    ]


def test_the_copy_holds_what_loading_the_demo_writes(
    store: Store, another_db_url: str, tmp_path: Path
) -> None:
    copy_demo(store, tmp_path / "copied")
    with Store.open(another_db_url) as loaded:
        load_demo(loaded)
        assert _rows(store) == _rows(loaded)
        assert _found(store, tmp_path / "copied") == _found(loaded, tmp_path / "fresh")
        assert all(_found(loaded, tmp_path / "fresh"))
        # New rows continue the numbering where the demo left it (PostgreSQL's serials).
        made = [s.accounts.ensure_user("new@example.org").id for s in (store, loaded)]
        assert made[0] == made[1]


def test_the_copied_index_takes_in_a_new_paper(store: Store, tmp_path: Path) -> None:
    search = copy_demo(store, tmp_path / "search")
    first = orjson.loads(KAGGLE.read_bytes().splitlines()[0])
    line = orjson.dumps({**first, "id": "2612.00001", "title": "Zymurgical copies"})
    run_import(store, read_kaggle(io.BytesIO(line), "test.jsonl"), "test")
    assert not search.up_to_date()
    assert search.index().keyword_updated == 1
    hits = search.search("zymurgical", mode="keyword").hits
    assert [hit.paper.arxiv_id for hit in hits] == ["2612.00001"]


def test_each_copy_is_its_own(store: Store, another_db_url: str, tmp_path: Path) -> None:
    copy_demo(store, tmp_path / "one")
    store.accounts.ensure_user("only-here@example.org")
    with Store.open(another_db_url) as other:
        copy_demo(other, tmp_path / "two")
        assert other.accounts.count() == store.accounts.count() - 1 == 4


def test_refuses_a_store_that_holds_papers(store: Store, tmp_path: Path) -> None:
    load_demo(store)
    with pytest.raises(ValueError, match="empty store"):
        copy_demo(store, tmp_path / "search")
