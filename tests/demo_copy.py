"""The bundled demo and its keyword index, loaded and indexed once per test process and
database kind, then copied into each test's store: most web tests start from the demo, and
loading its 1,400 papers and indexing them made their setup 0.9 s on SQLite and 1.2-1.4 s on
PostgreSQL; with a copy (0.05 s and 0.1 s) it is 0.07 s and 0.3 s (`--durations`, one process).

The copy is what `load_demo(store)` then `indexed_search(store, search_dir)` make, rows,
change numbers and identifiers alike, except that its timestamps are those of the run that
made it (at most the length of the test run earlier). The keyword index remembers the last
change number it took in and the copied rows hold the same numbers, so a test that changes
papers and indexes again indexes only what it changed, as it would have."""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, table, text
from sqlalchemy.engine import URL
from webutil import indexed_search

from paperfeed.clock import Clock, utcnow
from paperfeed.demo import load_demo
from paperfeed.search import SearchService
from paperfeed.store import Store
from paperfeed.store.schema import metadata


@dataclass(frozen=True, slots=True)
class _Template:
    """The demo loaded once: a SQLite file, or a PostgreSQL schema with the tables that hold
    rows (in the order their foreign keys allow) and the serial sequences' last values; and
    the search data directory indexed from it."""

    search_dir: Path
    sqlite_file: Path | None = None
    schema: str = ""
    tables: tuple[str, ...] = ()
    sequences: tuple[tuple[str, int], ...] = ()


_templates: dict[tuple[str, datetime | None], _Template] = {}


def copy_demo(store: Store, search_dir: Path, *, at: datetime | None = None) -> SearchService:
    """Fill `store`, migrated and holding nothing, with the bundled demo and return keyword
    search over it with its index under `search_dir` (which must not exist yet). `at`: the
    time a store on a fixed clock stamps the demo's rows with (else the time it was loaded)."""
    if store.stats().papers:
        raise ValueError("copy_demo fills an empty store; this one holds papers")
    url = store.db.engine.url
    # One template per database (a SQLite file holds one test's store) and fixed time.
    key = ("sqlite" if url.get_backend_name() == "sqlite" else str(url.set(query={})), at)
    if key not in _templates:
        _templates[key] = _make_template(url, at)
    made = _templates[key]
    if made.sqlite_file is not None:
        _copy_sqlite(made.sqlite_file, store)
    else:
        _copy_postgres(made, store)
    shutil.copytree(made.search_dir, search_dir)
    search = SearchService.open(store, search_dir, model="none")
    assert search.up_to_date(), "the copied index lags the copied rows"
    return search


def _make_template(url: URL, at: datetime | None) -> _Template:
    folder = Path(tempfile.mkdtemp(prefix="paperfeed-demo-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    search_dir = folder / "search"
    clock: Clock = utcnow if at is None else (lambda: at)
    if url.get_backend_name() == "sqlite":
        path = folder / "demo.db"
        with Store.open(f"sqlite:///{path}", clock=clock) as template:
            load_demo(template)
            indexed_search(template, search_dir)
        # Closed, the write-ahead log is folded into the file: the file alone is the demo.
        assert not Path(f"{path}-wal").exists()
        return _Template(search_dir, sqlite_file=path)
    schema = f"demo_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    atexit.register(_drop_schema, url, schema)
    options = {"options": f"-csearch_path={schema}"}
    with Store.open(
        url.update_query_dict(options).render_as_string(False), clock=clock
    ) as template:
        load_demo(template)
        indexed_search(template, search_dir)
    with admin.connect() as conn:
        tables = tuple(
            t.name
            for t in metadata.sorted_tables
            if conn.scalar(select(func.count()).select_from(table(t.name, schema=schema)))
        )
        sequences = tuple(
            (str(name), int(value))
            for name, value in conn.execute(
                text(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = :schema AND last_value IS NOT NULL"
                ),
                {"schema": schema},
            )
        )
    admin.dispose()
    return _Template(search_dir, schema=schema, tables=tables, sequences=sequences)


def _copy_sqlite(template: Path, store: Store) -> None:
    """Copy the template's pages into the store's file through SQLite's backup API, which
    writes under the database's own locks: the store's pooled connections, already open on
    the file, read the copy."""
    path = store.db.engine.url.database
    assert path is not None
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)


def _copy_postgres(made: _Template, store: Store) -> None:
    """Copy the template schema's rows into the store's schema inside the database, table by
    table (`INSERT … SELECT`, 0.1 s; replaying a `pg_dump --inserts` of them took 0.3 s and
    loading the demo 0.6 s), and set the serial sequences where the demo left them. Rows the
    migrations wrote (the write counter) are replaced by the template's."""
    with store.transaction() as conn:
        for name in reversed(made.tables):
            conn.exec_driver_sql(f'DELETE FROM "{name}"')
        for name in made.tables:
            conn.exec_driver_sql(f'INSERT INTO "{name}" SELECT * FROM "{made.schema}"."{name}"')
        for sequence, value in made.sequences:
            conn.execute(
                text("SELECT setval(CAST(:name AS regclass), :value)"),
                {"name": f'"{sequence}"', "value": value},
            )


def _drop_schema(url: URL, schema: str) -> None:
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()
