"""The database under the repositories: one engine, its dialect's helpers, and the unit of work.

Repositories read through `reading()` and write through `writing()`. Inside
`with db.transaction():` both join that one transaction, so a request or a job that writes
through several repositories commits once, or not at all; outside one, each write is a
transaction of its own. SQLite runs in WAL mode and takes its write lock up front
(`BEGIN IMMEDIATE`), so two writers queue instead of deadlocking; PostgreSQL upserts are
`INSERT … ON CONFLICT`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Table,
    bindparam,
    event,
    update,
)
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from paperfeed.clock import Clock, utcnow
from paperfeed.errors import StoreUnavailable
from paperfeed.store.memo import DEFAULT_ROWS, ReadMemo, weight
from paperfeed.store.schema import sequences

if TYPE_CHECKING:
    import psycopg

V = TypeVar("V")

# The change stamp (see `Database.stamp`). On SQLite, a counter every write transaction bumps
# as it commits; on PostgreSQL, the snapshot itself (which transactions have committed), so
# writers don't queue on one row.
_BUMP_WRITES = (
    "INSERT INTO sequences (name, value) VALUES ('writes', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1"
)
_STAMPS = {
    "sqlite": "SELECT value FROM sequences WHERE name = 'writes'",
    "postgresql": "SELECT pg_current_snapshot()::text",
}
_UNREAD = object()


def json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


# isoformat() is slow (~9k instructions) and one import converts each version date up to three
# times (version row, published, updated) and the batch's timestamp twice per paper, so
# conversions are remembered; enough for several batches. Keys are naive UTC datetimes.
@lru_cache(maxsize=32_768)
def _sqlite_datetime(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


SQLITE_POOL_SIZE = 40
# PostgreSQL: an `Upsert` of this many rows or more goes through COPY (`Upsert._copy`). 200,000
# generic records imported, two runs each: 5.57-5.66 s against 7.15-7.43 s row by row.
COPY_ROWS = 100


def make_engine(url: str) -> Engine:
    """An engine for `sqlite:///…` or `postgresql://…`, configured for paperfeed."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        # psycopg prepares repeated statements server-side (1M Kaggle records: 144 s against
        # 222 s unprepared). Their plans stay good because writes keep statistics fresh
        # (Papers.refresh_statistics); without that, a plan made on near-empty tables is a
        # sequential scan, which once made a 1M-record import take 1,065 s.
        return sa_create_engine(
            parsed,
            pool_pre_ping=True,
            json_serializer=json_text,
            json_deserializer=orjson.loads,
        )
    if backend != "sqlite":
        raise StoreUnavailable(f"unsupported database {backend!r}: use sqlite or postgresql")
    database = parsed.database
    if database and database != ":memory:":
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot create {Path(database).parent}: {exc.strerror}"
            ) from None
    engine = sa_create_engine(
        parsed,
        # Connections are kept for every thread that may read at once: a web worker runs up to
        # 40 requests in threads (anyio's default), and SQLAlchemy's default pool (5, and 10
        # more closed on return) made the others wait, or reconnect and re-run the PRAGMAs
        # below each time (at 32 connections, 4-15% of a worker's samples waited in the pool
        # and 2-3% reconnected; none since). Idle SQLite connections cost little.
        pool_size=SQLITE_POOL_SIZE,
        connect_args={"timeout": 60},
        json_serializer=json_text,
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event below issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()
        # SQLite's lower() folds only ASCII; this one folds every letter, as PostgreSQL's does.
        dbapi_conn.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def safe_url(url: str) -> str:
    """`url` with its password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, SQLAlchemyError):
        return "<invalid url>"


@dataclass(slots=True)
class _Unit:
    """The transaction open in this context, and what waits for its commit."""

    db: Database
    conn: Connection
    after_commit: list[Callable[[], None]] = field(default_factory=list)


# Per thread (and per asyncio task): a web request's worker thread, or a CLI job.
_current: ContextVar[_Unit | None] = ContextVar("paperfeed_unit_of_work", default=None)


@dataclass(slots=True)
class _Snapshot:
    """The connection a block of reads shares (`Database.snapshot`), opened at its first read."""

    db: Database
    conn: Connection | None = None
    stamp: object = _UNREAD


# The block of reads open in this context, likewise.
_snapshot: ContextVar[_Snapshot | None] = ContextVar("paperfeed_snapshot", default=None)


class Database:
    """One database, SQLite or PostgreSQL, and the clock its rows are stamped with."""

    def __init__(
        self, engine: Engine, *, clock: Clock = utcnow, memo_rows: int = DEFAULT_ROWS
    ) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.clock = clock
        self._insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        self._write_lock = threading.Lock()
        # Counts this process's committed transactions: caches of derived views compare it to
        # know when what they hold may have changed (other processes' writes they must time
        # out).
        self.generation = 0
        self.memo = ReadMemo(memo_rows) if memo_rows > 0 else None
        self._stamp_sql = _STAMPS[self.dialect]

    def now(self) -> datetime:
        return self.clock()

    def insert(self, table: Table) -> Any:
        """The dialect's INSERT, which has `on_conflict_do_update` / `_do_nothing`."""
        return self._insert(table)

    def _unit(self) -> _Unit | None:
        unit = _current.get()
        return unit if unit is not None and unit.db is self else None

    @property
    def in_transaction(self) -> bool:
        return self._unit() is not None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One unit of work: everything written through this database inside the block
        commits together at its end, or not at all when the block raises. Nested blocks join
        the outer one."""
        unit = self._unit()
        if unit is not None:
            yield unit.conn
            return
        with self._write_lock, self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            unit = _Unit(self, conn)
            token = _current.set(unit)
            try:
                with conn.begin():
                    yield conn
                    if self.dialect == "sqlite":
                        conn.exec_driver_sql(_BUMP_WRITES)
            finally:
                _current.reset(token)
            self.generation += 1
        for action in unit.after_commit:
            action()

    writing = transaction

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection to read with: the open transaction's, so a unit of work sees its own
        writes, else the open snapshot's, else a fresh one."""
        unit = self._unit()
        if unit is not None:
            yield unit.conn
            return
        shared = self._shared()
        if shared is not None:
            if shared.conn is None:
                shared.conn = self.engine.connect()
            yield shared.conn
            return
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction for the reads of a block (a page that reads through several
        repositories): one pool checkout and one BEGIN instead of one per read. Writes inside
        it are transactions of their own, which its later reads may not see (on SQLite they
        see the database as it was at the block's first read): for blocks that only read.
        The connection is taken at the first read, so a block that reads nothing (a page
        served from the cache) takes none."""
        if self._unit() is not None or self.in_snapshot:
            yield
            return
        shared = _Snapshot(self)
        token = _snapshot.set(shared)
        try:
            yield
        finally:
            _snapshot.reset(token)
            if shared.conn is not None:
                shared.conn.close()

    def _shared(self) -> _Snapshot | None:
        shared = _snapshot.get()
        return shared if shared is not None and shared.db is self else None

    @property
    def in_snapshot(self) -> bool:
        return self._shared() is not None

    def stamp(self) -> Hashable:
        """The store's change stamp: equal at two moments only when no write committed in
        between, in any process (read once per snapshot)."""
        shared = self._shared()
        if shared is not None and shared.stamp is not _UNREAD:
            return shared.stamp
        with self.reading() as conn:
            if self.dialect == "sqlite" and not conn.in_transaction():
                # Straight through the driver, before the snapshot's transaction begins: a
                # third of the cost through SQLAlchemy, which also issues BEGIN first (70 µs
                # of a 1 ms page served from the memo, 23 µs this way). Reads that follow see
                # the database as it is at their BEGIN, at least as new as this stamp, which
                # is all the memo needs (`remembered`).
                driver: Any = conn.connection.driver_connection
                row = driver.execute(self._stamp_sql).fetchone()
                stamp = row[0] if row else None  # no write yet
            else:
                stamp = conn.exec_driver_sql(self._stamp_sql).scalar()
        if shared is not None:
            shared.stamp = stamp
        return cast(Hashable, stamp)

    def remembered(self, key: Hashable, read: Callable[[], V]) -> V:
        """What `read()` returns, from the read memo while the store is unchanged since it
        was read (`memo.py`). `key` names the read and all its arguments. The value must be
        immutable, or a dict, list or set of immutable values: each caller gets its own copy
        of those. Inside a write transaction, which may see its own uncommitted writes, and
        for a key that cannot be hashed, always `read()`."""
        memo = self.memo
        if memo is None or self._unit() is not None:
            return read()
        try:
            hash(key)
        except TypeError:
            return read()
        if not self.in_snapshot:
            # The stamp and a read it misses go through one connection and transaction.
            with self.snapshot():
                return self.remembered(key, read)
        # The stamp is read first: the value read after it is at least as new.
        stamp = self.stamp()
        found, value = memo.get(key, stamp)
        if not found:
            value = read()
            memo.put(key, stamp, value, weight(value))
        if isinstance(value, dict | list | set):
            return cast(V, type(value)(value))
        return cast(V, value)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the open transaction commits (now, when none is open)."""
        unit = self._unit()
        if unit is None:
            action()
        else:
            unit.after_commit.append(action)

    def take_numbers(self, conn: Connection, name: str, count: int) -> int:
        """Take `count` consecutive numbers of the named sequence in the open transaction and
        return the first. The row stays locked until commit, so numbers become visible in
        the order they were taken (a reader never sees n+1 before n)."""
        row = sequences
        taken = conn.scalar(
            update(row)
            .where(row.c.name == name)
            .values(value=row.c.value + count)
            .returning(row.c.value)
        )
        if taken is None:
            conn.execute(self.insert(row).values(name=name, value=count))
            taken = count
        return int(taken) - count + 1

    def dispose(self) -> None:
        self.engine.dispose()


@lru_cache(maxsize=4_096)
def _sqlite_date(value: date) -> str:
    """A date as SQLAlchemy stores it in SQLite (`YYYY-MM-DD`)."""
    return value.isoformat()


class Upsert:
    """`INSERT … ON CONFLICT (keys) DO UPDATE` of fixed columns, compiled once, for many
    rows given as lists in `columns` order and sent straight to the driver (on PostgreSQL,
    many rows through COPY: `_copy`). No two rows of one call may share their keys.

    SQLAlchemy's per-value type processing, and building and compiling the statement for
    every batch, cost more than the database's own work on an import; values are converted
    here the way SQLAlchemy stores them (JSON as text; on SQLite, datetimes and dates as its
    ISO text and booleans as the integers it keeps them as, which the driver binds without
    looking up an adapter)."""

    def __init__(
        self, table: Table, columns: Sequence[str], keys: Sequence[str], update: Sequence[str]
    ) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.keys = tuple(keys)
        self.update = tuple(update)
        self._prepared: dict[str, _Prepared] = {}
        self._conversions: dict[str, list[tuple[int, Callable[[Any], Any]]]] = {}

    def _prepare(self, db: Database, conn: Connection) -> _Prepared:
        found = self._prepared.get(db.dialect)
        if found is None:
            stmt = db.insert(self.table).values({c: bindparam(c) for c in self.columns})
            stmt = stmt.on_conflict_do_update(
                index_elements=[self.table.c[k] for k in self.keys],
                set_={c: stmt.excluded[c] for c in self.update},
            )
            compiled = stmt.compile(dialect=conn.dialect)
            if compiled.positiontup is not None:
                sql, names = str(compiled), list(compiled.positiontup)
            else:
                sql, names = _positional(str(compiled))
            order = [self.columns.index(name) for name in names]
            found = _Prepared(
                sql,
                None if order == list(range(len(self.columns))) else order,
            )
            self._prepared[db.dialect] = found
        return found

    def _converters(self, dialect: str) -> list[tuple[int, Callable[[Any], Any]]]:
        """(index in `columns`, conversion) for the columns whose values need one."""
        found = self._conversions.get(dialect)
        if found is not None:
            return found
        out: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(self.columns):
            kind = self.table.c[name].type
            if isinstance(kind, JSON):
                out.append((i, json_text))
            elif dialect == "sqlite" and isinstance(kind, DateTime):
                out.append((i, _sqlite_datetime))
            elif dialect == "sqlite" and isinstance(kind, Boolean):
                out.append((i, int))
            elif dialect == "sqlite" and isinstance(kind, Date):
                out.append((i, _sqlite_date))
        self._conversions[dialect] = out
        return out

    def convert(self, dialect: str, row: list[Any]) -> list[Any]:
        """`row` (values in `columns` order) in the form `run` sends to `dialect`'s driver,
        converted in place; None stays None. Done ahead, for example where a record is
        parsed, rows go to `run` with `converted=True`."""
        for i, fn in self._converters(dialect):
            value = row[i]
            if value is not None:
                row[i] = fn(value)
        return row

    def run(
        self,
        db: Database,
        conn: Connection,
        rows: Sequence[Sequence[Any]],
        *,
        converted: bool = False,
    ) -> None:
        """Write `rows`, values in `columns` order and keys unique among them: as they are if
        `converted` (by `convert`), else converted first."""
        if not rows:
            return
        prepared = self._prepare(db, conn)
        order = prepared.order
        if not converted:
            rows = [self.convert(db.dialect, list(row)) for row in rows]
        if db.dialect == "postgresql" and len(rows) >= COPY_ROWS:
            self._copy(conn, rows)
            return
        if order is None:
            params = list(map(tuple, rows))
        else:
            params = [tuple([row[i] for i in order]) for row in rows]
        conn.exec_driver_sql(prepared.sql, params)

    def _copy(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
        """PostgreSQL: COPY the rows into a temporary table like this one, then upsert them
        all in one statement. Sending each row as its own INSERT, even pipelined, cost the
        server and psycopg more than the writing itself (`COPY_ROWS`)."""
        quote = conn.dialect.identifier_preparer.quote
        table = quote(self.table.name)
        staging = quote(f"upsert_{self.table.name}")
        columns = ", ".join(map(quote, self.columns))
        updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in self.update)
        # One per session, emptied at commit, and here after use (a transaction may upsert
        # the same table again).
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table} INCLUDING DEFAULTS) "
            "ON COMMIT DELETE ROWS"
        )
        raw = cast("psycopg.Connection[Any]", conn.connection.driver_connection)
        with raw.cursor() as cursor, cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "
            f"ON CONFLICT ({', '.join(map(quote, self.keys))}) DO UPDATE SET {updates}"
        )
        conn.exec_driver_sql(f"DELETE FROM {staging}")


# psycopg's named placeholder, as SQLAlchemy renders it: `%(name)s`.
_NAMED = r"%\((\w+)\)s"


def _positional(sql: str) -> tuple[str, list[str]]:
    """A statement compiled with named placeholders (psycopg's pyformat) rewritten with
    positional ones (`%s`), and the names in the order they stand. Rows then go to psycopg as
    tuples: as dicts, built per row and reordered by psycopg, they cost 5% of the writing
    process of a PostgreSQL import."""
    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return "%s"

    return re.sub(_NAMED, placeholder, sql), names


@dataclass(frozen=True, slots=True)
class _Prepared:
    """An `Upsert` compiled for one dialect: its SQL with positional placeholders, and the
    index into `columns` of each placeholder (None: in `columns` order)."""

    sql: str
    order: list[int] | None
