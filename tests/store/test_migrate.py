"""The migrations on real SQLite and PostgreSQL: they build exactly the schema the code
declares, and opening an up-to-date database again changes nothing."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from paperfeed.store import Store
from paperfeed.store.migrate import current_revision, head_revision
from paperfeed.store.schema import metadata


def test_migrations_match_the_schema(db_url: str) -> None:
    store = Store.open(db_url)
    assert current_revision(store.db.engine) == head_revision()
    with store.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    store.close()
    assert diff == []
    # opening again is a no-op
    Store.open(db_url).close()
