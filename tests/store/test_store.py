"""Opening the store on real SQLite and PostgreSQL: an empty store, and a clear error when the
database cannot be opened."""

from pathlib import Path

import pytest

from paperfeed.errors import StoreUnavailable
from paperfeed.store import Store


def test_open_empty(store: Store) -> None:
    """A new database is migrated to the head revision and holds nothing."""
    stats = store.stats()
    assert (stats.papers, stats.versions, stats.daily_entries, stats.votes) == (0, 0, 0, 0)
    assert (stats.first_published, stats.last_daily) == (None, None)
    before, after = store.upgrade()
    assert before == after is not None  # already at the head: nothing to apply


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="cannot open database"):
        Store.open("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailable, match="unsupported database"):
        Store.open("mysql://x@localhost/y")
    with pytest.raises(StoreUnavailable, match="not a database URL"):
        Store.open("::::")
