"""The migrations on real SQLite and PostgreSQL: they build exactly the schema the code
declares, and opening an up-to-date database again changes nothing and does not load Alembic."""

import subprocess
import sys
from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from paperfeed.store import Store
from paperfeed.store.database import make_engine
from paperfeed.store.migrate import (
    current_revision,
    downgrade,
    head_revision,
    newest_file_revision,
    upgrade,
)
from paperfeed.store.schema import metadata

NOW = datetime(2026, 12, 1, 12)


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


def test_lists_ordered_by_score_keep_their_rows_both_ways(empty_db_url: str) -> None:
    # 0011 drops the stored rank (a list is read best first by score) and a downgrade numbers
    # each list again; the rows themselves survive both ways.
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0010_library")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, created_at) VALUES (1, 'a@x.org', 'a', :t)"
                ),
                {"t": NOW},
            )
            for pid in ("2401.00001", "2401.00002"):
                conn.execute(
                    text(
                        "INSERT INTO papers (id, title, authors, first_seen, changed_at) "
                        "VALUES (:p, 't', '[]', :t, :t)"
                    ),
                    {"p": pid, "t": NOW},
                )
            for pid, rank, score in (("2401.00001", 2, 0.2), ("2401.00002", 1, 0.9)):
                conn.execute(
                    text(
                        "INSERT INTO recommendations "
                        "(user_id, paper_id, rank, score, reason, made_at) "
                        "VALUES (1, :p, :r, :s, '{}', :t)"
                    ),
                    {"p": pid, "r": rank, "s": score, "t": NOW},
                )
        upgrade(engine)
        with engine.connect() as conn:
            assert "rank" not in {c["name"] for c in inspect(conn).get_columns("recommendations")}
        store = Store.open(empty_db_url)
        assert [r.paper_id for r in store.recommendations.of(1)] == ["2401.00002", "2401.00001"]
        store.close()
        downgrade(engine, "0010_library")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT paper_id, rank FROM recommendations ORDER BY rank"))
            assert [tuple(r) for r in rows] == [("2401.00002", 1), ("2401.00001", 2)]
    finally:
        engine.dispose()
