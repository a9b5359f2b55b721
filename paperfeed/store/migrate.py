"""Alembic, driven from code: migrations ship inside the package and run on first use.

Opening a store whose schema is current (every command and server start does) costs one
query: the newest migration's revision is read from its file, and Alembic, whose import and
script scan took a fifth of a second, is loaded only when there is something to migrate."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).parent / "migrations"
# `revision = "0009_claims"` in a migration file.
_REVISION = re.compile(r'^revision\s*=\s*"([^"]+)"', re.MULTILINE)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    """The newest revision, as Alembic works it out from every migration script."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@lru_cache(maxsize=1)
def newest_file_revision() -> str | None:
    """The revision of the migration file whose name sorts last: the files are numbered, each
    revising the one before, so this is the head (a test checks it is Alembic's)."""
    files = sorted((_MIGRATIONS / "versions").glob("[0-9]*.py"))
    if not files:
        return None
    found = _REVISION.search(files[-1].read_text())
    return found.group(1) if found else None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _stored_revision(engine: Engine) -> str | None:
    """What `alembic_version` says, in one plain query; None where there is no such table."""
    try:
        with engine.connect() as conn:
            rows = list(conn.scalars(text("SELECT version_num FROM alembic_version")))
    except DBAPIError:
        return None
    return rows[0] if len(rows) == 1 else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply pending migrations; a no-op (one cheap query) when the schema is current."""
    if revision == "head":
        head = newest_file_revision()
        if head is not None and _stored_revision(engine) == head:
            return
        if current_revision(engine) == head_revision():
            return
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if engine.dialect.name == "postgresql":
                # Several servers starting at once: one migrates, the others wait.
                conn.execute(text("SELECT pg_advisory_xact_lock(7212026)"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to `revision` (an operator's way back to an older release)."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
