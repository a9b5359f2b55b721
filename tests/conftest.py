"""Shared fixtures: real SQLite files and a real PostgreSQL (one fresh schema per test), each
made current by copying what the migrations made once per test process, a real SMTP server,
and a tiny embedding model built offline."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from smtp_server import SmtpServer, running_smtp
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from tiny_models import build_static_model

from paperfeed.store import Store

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_URL = os.environ.get(
    "PAPERFEED_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
_pg_state: dict[str, str | None] = {}


def _postgres_problem() -> str | None:
    """None when PostgreSQL answers, else why not (checked once per session)."""
    if "problem" not in _pg_state:
        try:
            engine = create_engine(
                POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
            )
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["problem"] = None
        except OperationalError as exc:
            _pg_state["problem"] = str(exc.orig).strip().splitlines()[0]
    return _pg_state["problem"]


def _require_postgres() -> None:
    problem = _postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required on CI but unreachable at {POSTGRES_URL}: {problem}")
    pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({problem}); runs on CI")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"shared data not found at {DATA}: clone the repository beside shared/")
    return DATA


_sqlite_schema: dict[str, Path] = {}


def _migrated_sqlite() -> Path:
    """A SQLite database migrated to the current schema, made once per test process: a test's
    SQLite database starts as a copy of it (3 ms) rather than running every migration
    (0.1-0.3 s, which over the suite's thousands of stores was minutes)."""
    if "path" not in _sqlite_schema:
        folder = Path(tempfile.mkdtemp(prefix="paperfeed-schema-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "schema.db"
        Store.open(f"sqlite:///{path}").close()
        # Closed, the write-ahead log is folded into the file: the file alone is the schema.
        assert not Path(f"{path}-wal").exists()
        _sqlite_schema["path"] = path
    return _sqlite_schema["path"]


_SCHEMA_NAME = "__paperfeed_test_schema__"
_postgres_schema: dict[str, str | None] = {}


def _migrated_postgres_sql() -> str | None:
    """SQL that makes a migrated PostgreSQL schema named `_SCHEMA_NAME`: `pg_dump` of one
    schema migrated once per test process (its tables, indexes, constraints and the rows the
    migrations write), replayed for each test in 30 ms rather than migrating (0.2-0.3 s).
    None without pg_dump: the tests then migrate each schema."""
    if "sql" not in _postgres_schema:
        sql = None
        pg_dump = shutil.which("pg_dump")
        if pg_dump is not None:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
            try:
                with admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                Store.open(_schema_url(schema)).close()
                options = ["--inserts", "--no-owner", "--no-privileges", "--schema", schema]
                dump = subprocess.run(
                    [pg_dump, *options, "--dbname", POSTGRES_URL],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            finally:
                admin.dispose()
            # psql's own commands (`\restrict`) are not SQL; the schema's name is a fresh
            # random one, so replacing it replaces nothing else.
            lines = [line for line in dump.splitlines() if not line.startswith("\\")]
            sql = "\n".join(lines).replace(schema, _SCHEMA_NAME)
        _postgres_schema["sql"] = sql
    return _postgres_schema["sql"]


def _schema_url(schema: str) -> str:
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def _empty_database(kind: str, tmp_path: Path, *, migrated: bool = False) -> Iterator[str]:
    if kind == "sqlite":
        path = tmp_path / "paperfeed.db"
        if migrated:
            shutil.copyfile(_migrated_sqlite(), path)
        yield f"sqlite:///{path}"
        return
    _require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    made = _migrated_postgres_sql() if migrated else None
    if made is not None:
        raw = admin.raw_connection()
        try:
            # No parameters: psycopg sends the script as it is, many statements at once.
            raw.driver_connection.execute(made.replace(_SCHEMA_NAME, schema))  # type: ignore[union-attr]
            raw.commit()
        finally:
            raw.close()
    else:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL of each kind, its schema current and holding no data (SQLite: a copy of
    a database migrated once per test process; PostgreSQL: a fresh schema made by replaying a
    dump of one). `empty_db_url` is empty on both."""
    with _empty_database(request.param, tmp_path, migrated=True) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for an empty database of each kind (no tables: for the migrations)."""
    with _empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def another_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second database of the kind `db_url` is, holding no data, to compare two stores."""
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    (tmp_path / "another").mkdir()
    with _empty_database(kind, tmp_path / "another", migrated=True) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like `db_url`, shared by a module's tests (for read-only tests on expensive data)."""
    with _empty_database(request.param, tmp_path_factory.mktemp("db"), migrated=True) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback that records every message it accepts."""
    with running_smtp() as server:
        yield server


@pytest.fixture(scope="session")
def tiny_static_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model2vec model folder (32 dims); load it with load_embedder(str(path), ...)."""
    return build_static_model(tmp_path_factory.mktemp("models") / "tiny-static")


@pytest.fixture(scope="session")
def demo_space(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recommender's feature space fitted once on the bundled demo's papers (what
    `Recommender.open` fits on a demo store), with 64 LSA components instead of 512: seconds
    instead of half a minute (the tests check the flow; bench/recommend.py the quality).
    Copy it to `<data_dir>/recommend-space.npz` and `Recommender.open` loads it."""
    import paperfeed.recommend.features as features
    from paperfeed.demo import load_demo
    from paperfeed.feed.recommending import Recommender

    folder = tmp_path_factory.mktemp("demo-space")
    store = Store.open(f"sqlite:///{folder / 'demo.db'}")
    try:
        load_demo(store)
        dims, features.LSA_DIMS = features.LSA_DIMS, 64
        try:
            Recommender.open(store, folder)
        finally:
            features.LSA_DIMS = dims
    finally:
        store.close()
    return folder / "recommend-space.npz"
