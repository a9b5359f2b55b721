"""Which statements reach the database, for tests that count a page's or a read's queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, event

_TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK")
T = TypeVar("T")


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[str]]:
    """Every statement sent while the block runs, transaction control left out: on SQLite as
    SQLite ran them (its trace callback, set on each connection as it is checked out, sees
    what paperfeed hands the driver itself, such as the change stamp), on PostgreSQL as
    SQLAlchemy sent them."""
    seen: list[str] = []
    traced: list[Any] = []

    def record(statement: str) -> None:
        if not statement.lstrip().upper().startswith(_TRANSACTION):
            seen.append(statement)

    def checkout(dbapi_conn: Any, *_args: Any) -> None:
        dbapi_conn.set_trace_callback(record)
        traced.append(dbapi_conn)

    def execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        record(statement)

    name, listener = (
        ("checkout", checkout)
        if engine.dialect.name == "sqlite"
        else ("before_cursor_execute", execute)
    )
    event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        event.remove(engine, name, listener)
        for dbapi_conn in traced:
            dbapi_conn.set_trace_callback(None)


def measured_quietly(measure: Callable[[], T], expected: T, attempts: int = 5) -> T:
    """`measure()`, again while it differs from `expected`, at most `attempts` times. On
    PostgreSQL the store's change stamp moves with a commit anywhere in the cluster (the tests
    running beside this one), and a read after one rightly misses the read memo and reads
    again: a count of a memo hit is taken when nothing else committed meanwhile."""
    result = measure()
    for _ in range(attempts - 1):
        if result == expected:
            break
        result = measure()
    return result
