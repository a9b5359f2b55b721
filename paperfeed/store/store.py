"""The one storage API: every read and write of the database goes through `Store`.

SQLite runs in WAL mode and takes its write lock up front (`BEGIN IMMEDIATE`), so two writers
queue instead of deadlocking; PostgreSQL writes use `INSERT … ON CONFLICT`. Each `write` is
one transaction: a batch lands whole or not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    DateTime,
    Engine,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from paperfeed.errors import NotFound, StoreUnavailable
from paperfeed.models import (
    Announcement,
    Batch,
    BatchCounts,
    DailyEntry,
    Deletion,
    Paper,
    Stats,
    WriteResult,
)
from paperfeed.store.accounts import Accounts
from paperfeed.store.chunks import chunks
from paperfeed.store.comments import Comments
from paperfeed.store.deliveries import DeliveryLedger
from paperfeed.store.listings import Listings
from paperfeed.store.merge import CONTENT_COLUMNS, PaperState, mark_deleted, merge, state_to_paper
from paperfeed.store.migrate import current_revision, upgrade
from paperfeed.store.moderation import Moderation
from paperfeed.store.ratelimits import RateLimits
from paperfeed.store.schema import (
    announcements,
    daily_entries,
    ingest_state,
    paper_versions,
    papers,
    votes,
)
from paperfeed.store.search_data import SearchData
from paperfeed.store.submissions import Submissions
from paperfeed.store.subscriptions import Subscriptions
from paperfeed.store.votes import Votes

# SQLite page cache of a connection that writes batches: negative means KiB.
_WRITE_CACHE_KIB = -65536
# PostgreSQL: a table is re-analysed once this many rows plus half its size changed since.
_ANALYZE_ROWS = 10_000
_STALE_TABLES = text(
    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
    "WHERE s.schemaname = current_schema() "
    "AND s.relname IN ('papers', 'paper_versions', 'daily_entries') "
    "AND s.n_mod_since_analyze > :rows + 0.5 * greatest(c.reltuples, 0)"
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


# isoformat() is slow (~9k instructions) and one import converts each version date up to three
# times (version row, published, updated) and the batch's timestamp twice per paper, so
# conversions are remembered; enough for several batches. Keys are naive UTC datetimes.
@lru_cache(maxsize=32_768)
def _sqlite_datetime(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")


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
        # (_refresh_statistics); without that, a plan made on near-empty tables is a sequential
        # scan, which once made a 1M-record import take 1,065 s.
        return create_engine(
            parsed,
            pool_pre_ping=True,
            json_serializer=_json_text,
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
    engine = create_engine(
        parsed,
        connect_args={"timeout": 60},
        json_serializer=_json_text,
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

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Store:
    """Papers and what hangs off them, on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        self._write_lock = threading.Lock()
        # Counts this process's committed writes: caches of derived views compare it to know
        # when what they hold may have changed (other processes' writes they must time out).
        self.generation = 0
        # Community concerns live in their own modules, reached through the store.
        self.accounts = Accounts(self)
        self.votes = Votes(self)
        self.comments = Comments(self)
        self.submissions = Submissions(self)
        self.moderation = Moderation(self)
        self.listings = Listings(self)
        self.rate_limits = RateLimits(self)
        self.subscriptions = Subscriptions(self)
        self.deliveries = DeliveryLedger(self)
        self.search_data = SearchData(self)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect, and bring the schema up to date unless `migrate` is False."""
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            if migrate:
                upgrade(engine)
        except OperationalError as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreUnavailable(f"cannot open database {_safe_url(url)}: {reason}") from None
        return cls(engine)

    def upgrade(self) -> tuple[str | None, str | None]:
        """Apply pending migrations; returns the schema revision before and after."""
        before = current_revision(self.engine)
        upgrade(self.engine)
        return before, current_revision(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self._write_lock, self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
            self.generation += 1

    # ----------------------------------------------------------------- writes

    def write(self, batch: Batch) -> WriteResult:
        """Write a batch in one transaction: it lands whole or not at all."""
        try:
            with self._writing() as conn:
                if self.dialect == "sqlite":
                    # A batch touches index pages all over the file; keeping them (64 MiB
                    # instead of SQLite's 2 MiB) saved a tenth of the system time of a 1M
                    # Kaggle import. Only connections that import grow this large.
                    conn.exec_driver_sql(f"PRAGMA cache_size={_WRITE_CACHE_KIB}")
                counts = self._write_papers(conn, batch.papers, batch.deletions)
                entries = self._write_daily_entries(conn, batch.daily_entries)
                news = self._write_announcements(conn, batch.announcements)
        except OperationalError as exc:
            raise StoreUnavailable(f"database write failed: {exc.orig}") from None
        if self.dialect == "postgresql":
            self._refresh_statistics()
        return WriteResult(counts=counts, new_daily_entries=entries, new_announcements=news)

    def _refresh_statistics(self) -> None:
        """During a bulk import PostgreSQL's statistics lag far behind the tables (autovacuum
        analyses them late, or not at all where it is off), and its planner then answers each
        batch's look-ups with a sequential scan: analyse the tables that changed a lot since."""
        with self.engine.connect() as conn:
            stale = list(conn.scalars(_STALE_TABLES, {"rows": _ANALYZE_ROWS}))
            if stale:
                conn.exec_driver_sql(f"ANALYZE {', '.join(sorted(stale))}")
            conn.commit()

    def _load_states(self, conn: Connection, ids: Sequence[str]) -> dict[str, PaperState]:
        states: dict[str, PaperState] = {}
        cols = [papers.c.id, *(papers.c[name] for name in CONTENT_COLUMNS)]
        for chunk in chunks(ids):
            # Rows unpacked by position: cheaper than looking each column up by name.
            for arxiv_id, *values in conn.execute(select(*cols).where(papers.c.id.in_(chunk))):
                states[arxiv_id] = PaperState(row=dict(zip(CONTENT_COLUMNS, values, strict=True)))
            # Versions only of papers that exist: a first import skips this query entirely.
            known = [i for i in chunk if i in states]
            if not known:
                continue
            for r in conn.execute(
                select(
                    paper_versions.c.paper_id,
                    paper_versions.c.version,
                    paper_versions.c.submitted,
                    paper_versions.c.size,
                ).where(paper_versions.c.paper_id.in_(known))
            ):
                paper_id, number, submitted, size = r
                states[paper_id].versions[number] = (submitted, size)
        return states

    def _write_papers(
        self, conn: Connection, incoming: Sequence[Paper], deletions: Sequence[Deletion]
    ) -> BatchCounts:
        counts = BatchCounts()
        ids = list(dict.fromkeys([p.arxiv_id for p in incoming] + [d.arxiv_id for d in deletions]))
        if not ids:
            return counts
        before = self._load_states(conn, ids)
        states = dict(before)
        changed: dict[str, None] = {}  # batch order: ids arrive sorted, and B-trees like that
        for paper in incoming:
            old = states.get(paper.arxiv_id)
            new, did_change = merge(old, paper)
            states[paper.arxiv_id] = new
            if old is None:
                counts.new += 1
            elif did_change:
                counts.updated += 1
            else:
                counts.unchanged += 1
            if did_change:
                changed[paper.arxiv_id] = None
        for deletion in deletions:
            old = states.get(deletion.arxiv_id)
            if old is None:
                counts.unchanged += 1
                continue
            new, did_change = mark_deleted(old)
            states[deletion.arxiv_id] = new
            if did_change:
                counts.updated += 1
                changed[deletion.arxiv_id] = None
            else:
                counts.unchanged += 1
        if not changed:
            return counts
        now = _now()
        rows = []
        for arxiv_id in changed:
            row = dict(states[arxiv_id].row)
            row["id"] = arxiv_id
            row["first_seen"] = now
            row["changed_at"] = now
            rows.append(row)
        self._bulk_upsert(conn, papers, rows, ["id"], [*CONTENT_COLUMNS, "changed_at"])
        version_rows = []
        for arxiv_id in changed:
            old_versions = before[arxiv_id].versions if arxiv_id in before else {}
            for number, (submitted, size) in states[arxiv_id].versions.items():
                if old_versions.get(number) != (submitted, size):
                    version_rows.append(
                        {
                            "paper_id": arxiv_id,
                            "version": number,
                            "submitted": submitted,
                            "size": size,
                        }
                    )
        self._bulk_upsert(
            conn, paper_versions, version_rows, ["paper_id", "version"], ["submitted", "size"]
        )
        return counts

    def _bulk_upsert(
        self,
        conn: Connection,
        table: Table,
        rows: list[dict[str, Any]],
        keys: list[str],
        update: list[str],
    ) -> None:
        """INSERT … ON CONFLICT DO UPDATE for many rows, straight to the driver.

        The statement is compiled by SQLAlchemy; the rows skip its per-value type processing,
        which was a third of import time, so values are converted here the way SQLAlchemy
        would store them (JSON as text; on SQLite, datetimes as its ISO text form).
        """
        if not rows:
            return
        columns = list(rows[0])
        stmt = self._insert(table).values({c: bindparam(c) for c in columns})
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={c: stmt.excluded[c] for c in update},
        )
        compiled = stmt.compile(dialect=conn.dialect)
        positional = compiled.positiontup is not None
        order = list(compiled.positiontup or columns)
        sqlite = self.dialect == "sqlite"
        # One pass per row, converting only the columns that need it. Booleans go to SQLite as
        # the integers it stores them as: the driver binds int directly but looks up an adapter
        # for bool first.
        convert: list[tuple[int, Callable[[Any], Any]]] = []
        for i, c in enumerate(order):
            kind = table.c[c].type
            if isinstance(kind, JSON):
                convert.append((i, _json_text))
            elif sqlite and isinstance(kind, DateTime):
                convert.append((i, _sqlite_datetime))
            elif sqlite and isinstance(kind, Boolean):
                convert.append((i, int))
        params: list[Any] = []
        for row in rows:
            values = [row[c] for c in order]
            for i, fn in convert:
                if values[i] is not None:
                    values[i] = fn(values[i])
            params.append(tuple(values) if positional else dict(zip(order, values, strict=True)))
        conn.exec_driver_sql(str(compiled), params)

    def _write_daily_entries(self, conn: Connection, entries: Sequence[DailyEntry]) -> int:
        if not entries:
            return 0
        self._require_papers(conn, {e.arxiv_id for e in entries})
        existing: dict[tuple[str, date], tuple[Any, ...]] = {}
        ids = list({e.arxiv_id for e in entries})
        for chunk in chunks(ids):
            for r in conn.execute(
                select(
                    daily_entries.c.paper_id,
                    daily_entries.c.day,
                    daily_entries.c.submitted_by,
                    daily_entries.c.submitted_by_name,
                    daily_entries.c.submitted_at,
                    daily_entries.c.source,
                ).where(daily_entries.c.paper_id.in_(chunk))
            ):
                existing[(r.paper_id, r.day)] = tuple(r)[2:]
        rows = {}
        new = 0
        for e in entries:
            values = (e.submitted_by, e.submitted_by_name, e.submitted_at, e.source)
            key = (e.arxiv_id, e.day)
            if existing.get(key) == values:
                continue
            if key not in existing and key not in rows:
                new += 1
            rows[key] = {
                "paper_id": e.arxiv_id,
                "day": e.day,
                "submitted_by": e.submitted_by,
                "submitted_by_name": e.submitted_by_name,
                "submitted_at": e.submitted_at,
                "source": e.source,
            }
        if rows:
            stmt = self._insert(daily_entries)
            stmt = stmt.on_conflict_do_update(
                index_elements=[daily_entries.c.paper_id, daily_entries.c.day],
                set_={
                    name: stmt.excluded[name]
                    for name in ("submitted_by", "submitted_by_name", "submitted_at", "source")
                },
            )
            conn.execute(stmt, list(rows.values()))
        return new

    def _write_announcements(self, conn: Connection, items: Sequence[Announcement]) -> int:
        if not items:
            return 0
        self._require_papers(conn, {a.arxiv_id for a in items})
        existing: dict[tuple[str, date, str], str] = {}
        for chunk in chunks(list({a.arxiv_id for a in items})):
            for r in conn.execute(
                select(
                    announcements.c.paper_id,
                    announcements.c.day,
                    announcements.c.category,
                    announcements.c.kind,
                ).where(announcements.c.paper_id.in_(chunk))
            ):
                existing[(r.paper_id, r.day, r.category)] = r.kind
        rows = {}
        new = 0
        for a in items:
            key = (a.arxiv_id, a.day, a.category)
            if existing.get(key) == a.kind:
                continue
            if key not in existing and key not in rows:
                new += 1
            rows[key] = {
                "paper_id": a.arxiv_id,
                "day": a.day,
                "category": a.category,
                "kind": a.kind,
            }
        if rows:
            stmt = self._insert(announcements)
            stmt = stmt.on_conflict_do_update(
                index_elements=[
                    announcements.c.paper_id,
                    announcements.c.day,
                    announcements.c.category,
                ],
                set_={"kind": stmt.excluded.kind},
            )
            conn.execute(stmt, list(rows.values()))
        return new

    def _require_papers(self, conn: Connection, ids: set[str]) -> None:
        found: set[str] = set()
        for chunk in chunks(sorted(ids)):
            found.update(conn.scalars(select(papers.c.id).where(papers.c.id.in_(chunk))))
        missing = ids - found
        if missing:
            raise NotFound(f"unknown paper(s): {', '.join(sorted(missing)[:5])}")

    def set_state(self, key: str, value: str) -> None:
        with self._writing() as conn:
            stmt = self._insert(ingest_state).values(key=key, value=value)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[ingest_state.c.key], set_={"value": stmt.excluded.value}
                )
            )

    # ------------------------------------------------------------------ reads

    def get_state(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value: str | None = conn.scalar(
                select(ingest_state.c.value).where(ingest_state.c.key == key)
            )
            return value

    def get_paper(self, arxiv_id: str, *, include_deleted: bool = False) -> Paper | None:
        with self.engine.connect() as conn:
            state = self._load_states(conn, [arxiv_id]).get(arxiv_id)
        if state is None or (state.row["deleted"] and not include_deleted):
            return None
        return state_to_paper(arxiv_id, state)

    def get_papers(self, ids: Sequence[str]) -> dict[str, Paper]:
        """The live papers among `ids`, keyed by id (unknown and deleted ids are left out)."""
        with self.engine.connect() as conn:
            states = self._load_states(conn, list(dict.fromkeys(ids)))
        return {i: state_to_paper(i, s) for i, s in states.items() if not s.row["deleted"]}

    def upvote_counts(self, ids: Sequence[str]) -> dict[str, int]:
        """Upvotes per paper among `ids`: imported plus community votes (unknown ids are left
        out)."""
        counts: dict[str, int] = {}
        community = select(func.count()).where(votes.c.paper_id == papers.c.id).scalar_subquery()
        with self.engine.connect() as conn:
            for chunk in chunks(list(dict.fromkeys(ids))):
                rows = conn.execute(
                    select(papers.c.id, (papers.c.imported_upvotes + community).label("n")).where(
                        papers.c.id.in_(chunk)
                    )
                )
                counts.update({r.id: int(r.n) for r in rows})
        return counts

    def paper_ids_between(self, start: datetime, end: datetime) -> list[str]:
        """Live papers new in [start, end): published then, or featured on a day then."""
        with self.engine.connect() as conn:
            published = conn.scalars(
                select(papers.c.id).where(
                    papers.c.published >= start,
                    papers.c.published < end,
                    papers.c.deleted.is_(False),
                )
            )
            featured = conn.scalars(
                select(daily_entries.c.paper_id)
                .join(papers, papers.c.id == daily_entries.c.paper_id)
                .where(
                    daily_entries.c.day >= start.date(),
                    daily_entries.c.day < end.date(),
                    papers.c.deleted.is_(False),
                )
            )
            return sorted(set(published) | set(featured))

    def is_deleted(self, arxiv_id: str) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.scalar(select(papers.c.deleted).where(papers.c.id == arxiv_id)))

    def paper_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.scalars(select(papers.c.id).order_by(papers.c.id)))

    def daily_entries_on(self, day: date) -> list[DailyEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(daily_entries).where(daily_entries.c.day == day).order_by(daily_entries.c.id)
            )
            return [
                DailyEntry(
                    arxiv_id=r.paper_id,
                    day=r.day,
                    submitted_by=r.submitted_by,
                    submitted_by_name=r.submitted_by_name,
                    submitted_at=r.submitted_at,
                    source=r.source,
                )
                for r in rows
            ]

    def announcements_on(self, day: date) -> list[Announcement]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(announcements)
                .where(announcements.c.day == day)
                .order_by(announcements.c.category, announcements.c.paper_id)
            )
            return [
                Announcement(arxiv_id=r.paper_id, day=r.day, category=r.category, kind=r.kind)
                for r in rows
            ]

    def stats(self) -> Stats:
        with self.engine.connect() as conn:
            live = papers.c.deleted.is_(False)
            n_papers = conn.scalar(select(func.count()).select_from(papers).where(live)) or 0
            n_deleted = conn.scalar(select(func.count()).select_from(papers).where(~live)) or 0
            n_versions = conn.scalar(select(func.count()).select_from(paper_versions)) or 0
            n_daily = conn.scalar(select(func.count()).select_from(daily_entries)) or 0
            n_ann = conn.scalar(select(func.count()).select_from(announcements)) or 0
            imported = conn.scalar(select(func.coalesce(func.sum(papers.c.imported_upvotes), 0)))
            n_votes = int(imported or 0) + self.votes.total()
            first_pub, last_pub = conn.execute(
                select(func.min(papers.c.published), func.max(papers.c.published)).where(live)
            ).one()
            first_day, last_day = conn.execute(
                select(func.min(daily_entries.c.day), func.max(daily_entries.c.day))
            ).one()
        return Stats(
            papers=n_papers,
            versions=n_versions,
            daily_entries=n_daily,
            votes=n_votes,
            announcements=n_ann,
            deleted=n_deleted,
            first_published=_as_datetime(first_pub),
            last_published=_as_datetime(last_pub),
            first_daily=_as_date(first_day),
            last_daily=_as_date(last_day),
        )


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, SQLAlchemyError):
        return "<invalid url>"
