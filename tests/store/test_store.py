"""Opening the store on real SQLite and PostgreSQL: an empty store, and a clear error when the
database cannot be opened."""

from pathlib import Path

import pytest

from paperfeed.errors import StoreUnavailable
from paperfeed.store import Store


def test_open_empty(store: Store) -> None:
    assert store.stats().papers == 0


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="cannot open database"):
        Store.open("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailable, match="unsupported database"):
        Store.open("mysql://x@localhost/y")
    with pytest.raises(StoreUnavailable, match="not a database URL"):
        Store.open("::::")
