"""The migrations on real SQLite and PostgreSQL: they build exactly the schema the code
declares, and opening an up-to-date database again changes nothing and does not load Alembic."""

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from paperfeed.store import Store
from paperfeed.store.migrate import current_revision, head_revision, newest_file_revision
from paperfeed.store.schema import metadata


def test_migrations_match_the_schema(empty_db_url: str) -> None:
    db_url = empty_db_url
    store = Store.open(db_url)
    assert current_revision(store.db.engine) == head_revision()
    with store.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    store.close()
    assert diff == []
    # opening again is a no-op
    Store.open(db_url).close()


def test_the_newest_migration_file_is_the_head() -> None:
    assert newest_file_revision() == head_revision()


def test_opening_a_current_store_leaves_alembic_unloaded(empty_db_url: str) -> None:
    db_url = empty_db_url
    Store.open(db_url).close()
    code = (
        "import sys; from paperfeed.store import Store; "
        f"Store.open({db_url!r}).close(); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
