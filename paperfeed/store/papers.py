"""Papers and the facts imported with them (versions, daily entries, announcements): batches
written whole or not at all, and the reads every other part of paperfeed starts from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.exc import OperationalError

from paperfeed.arxiv_calendar import announcement_day
from paperfeed.errors import NotFound, StoreUnavailable
from paperfeed.models import (
    Announcement,
    Batch,
    BatchCounts,
    DailyEntry,
    Deletion,
    Paper,
    PaperAhead,
    WriteResult,
)
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database, Upsert
from paperfeed.store.hf_papers import write_hf_fields
from paperfeed.store.memo import remembered
from paperfeed.store.merge import CONTENT_COLUMNS, PaperState, mark_deleted, merge, state_to_paper
from paperfeed.store.schema import (
    announcements,
    daily_entries,
    paper_links,
    paper_versions,
    papers,
    votes,
)

# SQLite page cache of a connection that writes batches: negative means KiB.
_WRITE_CACHE_KIB = -65536
# WAL pages at which a connection that writes batches copies the WAL back into the database
# file (SQLite's default is 1,000). A batch of a 1M-record import writes 1,300-2,100 pages to
# the WAL, more as the store grows (the published and first_day indexes take each row at a
# random place), so with the default every commit also ran a checkpoint: two fsyncs, and the
# same index pages rewritten batch after batch. At 16,000 (1M jsonl records, old and new run
# alternately, twice) commits took 8.2 and 8.0 s against 9.4 and 9.6, the import 36.0 and
# 34.2 s against 37.8 and 40.8. It decides only when pages move from the WAL into the file:
# every batch still commits on its own, and a crash still leaves whole batches.
_WRITE_CHECKPOINT_PAGES = 16_000
# PostgreSQL: a table is re-analysed once this many rows plus half its size changed since.
_ANALYZE_ROWS = 10_000
_STALE_TABLES = text(
    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
    "WHERE s.schemaname = current_schema() "
    "AND s.relname IN ('papers', 'paper_versions', 'daily_entries') "
    "AND s.n_mod_since_analyze > :rows + 0.5 * greatest(c.reltuples, 0)"
)
_ENTRY_FIELDS = ("submitted_by", "submitted_by_name", "submitted_at", "source")


# Built once: building them took longer than running them (a paper page reads papers three
# times); the ids are bound at execution.
_STATES = select(papers.c.id, *(papers.c[name] for name in CONTENT_COLUMNS)).where(
    papers.c.id.in_(bindparam("ids", expanding=True))
)
_VERSIONS = select(
    paper_versions.c.paper_id,
    paper_versions.c.version,
    paper_versions.c.submitted,
    paper_versions.c.size,
).where(paper_versions.c.paper_id.in_(bindparam("ids", expanding=True)))


@lru_cache(maxsize=65_536)
def _announcement_day_of_hour(hour: datetime) -> date:
    return announcement_day(hour)


@lru_cache(maxsize=65_536)
def _announcement_day_at(when: datetime) -> date:
    return _announcement_day_of_hour(datetime(when.year, when.month, when.day, when.hour))


@lru_cache(maxsize=64)
def _ids_sql(dialect: str, count: int) -> str:
    """Which of `count` ids the store has: SQLite binds each (its `IN` list uses the primary
    key), PostgreSQL one array (one statement, so it is prepared once)."""
    if dialect == "sqlite":
        return f"SELECT id FROM papers WHERE id IN ({', '.join(['?'] * count)})"
    return "SELECT id FROM papers WHERE id = ANY(%s)"


def first_day(state: PaperState) -> date | None:
    """The announcement day of a paper's first version, where a source said when it was
    submitted (its v1 date, else its publication date)."""
    v1 = state.versions.get(1)
    when = (v1[0] if v1 else None) or state.row.get("published")
    if when is None:
        return None
    # Remembered per hour: US Eastern time is a whole number of hours off UTC, so the
    # cut-offs and midnights the calendar goes by fall on whole UTC hours and every time
    # within one (naive UTC) hour has the same day. Working it out each time was a fifth
    # of the writing process's time in a 200k import.
    return _announcement_day_at(when)


_PAPER_UPSERT = Upsert(
    papers,
    ["id", *CONTENT_COLUMNS, "first_seen", "changed_at", "change_seq", "first_day"],
    ["id"],
    [*CONTENT_COLUMNS, "changed_at", "change_seq", "first_day"],
)
_VERSION_UPSERT = Upsert(
    paper_versions,
    ["paper_id", "version", "submitted", "size"],
    ["paper_id", "version"],
    ["submitted", "size"],
)
_CONTENT = itemgetter(*CONTENT_COLUMNS)
# Where the bookkeeping a new paper's row (`new_paper_rows`) leaves to the writer starts:
# first_seen, changed_at and change_seq, then first_day, the last column.
_FIRST_SEEN = _PAPER_UPSERT.columns.index("first_seen")


def new_paper_rows(
    paper: Paper, dialect: str
) -> tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]:
    """The `papers` row and `paper_versions` rows `Papers.write` makes of `paper` when
    neither the store nor the rest of the batch has it, converted for `dialect`'s driver,
    with the row's bookkeeping times and change number left None (pure: a parser process
    works them out ahead, see `PaperAhead`)."""
    state = merge(None, paper)[0]
    row = [paper.arxiv_id, *_CONTENT(state.row), None, None, None, first_day(state)]
    versions = tuple(
        tuple(_VERSION_UPSERT.convert(dialect, [paper.arxiv_id, number, submitted, size]))
        for number, (submitted, size) in state.versions.items()
    )
    return tuple(_PAPER_UPSERT.convert(dialect, row)), versions


def _stored_time(dialect: str, when: datetime) -> Any:
    """`when` as a bookkeeping time of a papers row goes to `dialect`'s driver."""
    row: list[Any] = [None] * len(_PAPER_UPSERT.columns)
    row[_FIRST_SEEN] = when
    return _PAPER_UPSERT.convert(dialect, row)[_FIRST_SEEN]


def _repeated(incoming: Sequence[Paper | PaperAhead], deletions: Sequence[Deletion]) -> set[str]:
    """Ids a batch has more than one record of."""
    seen: set[str] = set()
    again: set[str] = set()
    for arxiv_id in [*(p.arxiv_id for p in incoming), *(d.arxiv_id for d in deletions)]:
        (again if arxiv_id in seen else seen).add(arxiv_id)
    return again


def _changed_versions(arxiv_id: str, state: PaperState, old: PaperState | None) -> list[list[Any]]:
    """The version rows of `state` that `old` (None: a new paper) does not hold as they are."""
    if old is None:
        return [[arxiv_id, n, submitted, size] for n, (submitted, size) in state.versions.items()]
    held = old.versions
    return [
        [arxiv_id, n, submitted, size]
        for n, (submitted, size) in state.versions.items()
        if held.get(n) != (submitted, size)
    ]


def require_paper(conn: Connection, arxiv_id: str) -> None:
    """NotFound unless the store has `arxiv_id` (for writes that hang off a paper)."""
    if conn.scalar(select(papers.c.id).where(papers.c.id == arxiv_id)) is None:
        raise NotFound(f"no paper {arxiv_id}")


class Papers:
    """Reached as `store.papers`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ----------------------------------------------------------------- writes

    def write(self, batch: Batch) -> WriteResult:
        """Write a batch in one transaction (the caller's, when one is open): it lands whole
        or not at all."""
        try:
            with self._db.writing() as conn:
                if self._db.dialect == "sqlite":
                    # A batch touches index pages all over the file; keeping them (64 MiB
                    # instead of SQLite's 2 MiB) saved a tenth of the system time of a 1M
                    # Kaggle import. Only connections that import grow this large.
                    conn.exec_driver_sql(f"PRAGMA cache_size={_WRITE_CACHE_KIB}")
                    conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={_WRITE_CHECKPOINT_PAGES}")
                counts, again = self._write_papers(conn, batch.papers, batch.deletions)
                entries = self._write_daily_entries(conn, batch.daily_entries)
                news = self._write_announcements(conn, batch.announcements)
                write_hf_fields(self._db, conn, batch.hf)
                if self._db.dialect == "postgresql":
                    self._db.after_commit(self.refresh_statistics)
        except OperationalError as exc:
            raise StoreUnavailable(f"database write failed: {exc.orig}") from None
        return WriteResult(
            counts=counts, new_daily_entries=entries, new_announcements=news, parsed_again=again
        )

    def refresh_statistics(self) -> None:
        """During a bulk import PostgreSQL's statistics lag far behind the tables (autovacuum
        analyses them late, or not at all where it is off), and its planner then answers each
        batch's look-ups with a sequential scan: analyse the tables that changed a lot since."""
        with self._db.engine.connect() as conn:
            stale = list(conn.scalars(_STALE_TABLES, {"rows": _ANALYZE_ROWS}))
            if stale:
                conn.exec_driver_sql(f"ANALYZE {', '.join(sorted(stale))}")
            conn.commit()

    def _load_states(self, conn: Connection, ids: Sequence[str]) -> dict[str, PaperState]:
        states: dict[str, PaperState] = {}
        for chunk in chunks(ids):
            # Rows unpacked by position: cheaper than looking each column up by name.
            for arxiv_id, *values in conn.execute(_STATES, {"ids": list(chunk)}):
                states[arxiv_id] = PaperState(row=dict(zip(CONTENT_COLUMNS, values, strict=True)))
            # Versions only of papers that exist: a first import skips this query entirely.
            known = [i for i in chunk if i in states]
            if not known:
                continue
            for r in conn.execute(_VERSIONS, {"ids": known}):
                paper_id, number, submitted, size = r
                states[paper_id].versions[number] = (submitted, size)
        return states

    def _existing(self, conn: Connection, ids: Sequence[str]) -> list[str]:
        """The ids among `ids` the store has, in the order given."""
        # Straight to the driver: SQLAlchemy renders an expanding `IN` afresh for every
        # execution, a thousand bound names per batch.
        found: set[str] = set()
        dialect = self._db.dialect
        for chunk in chunks(ids):
            params = tuple(chunk) if dialect == "sqlite" else (list(chunk),)
            found.update(r[0] for r in conn.exec_driver_sql(_ids_sql(dialect, len(chunk)), params))
        return [i for i in ids if i in found]

    def _write_papers(
        self,
        conn: Connection,
        incoming: Sequence[Paper | PaperAhead],
        deletions: Sequence[Deletion],
    ) -> tuple[BatchCounts, int]:
        """Write papers and deletions; returns the counts and how many papers worked out
        ahead had to be parsed again to merge."""
        counts = BatchCounts()
        ids = list(
            dict.fromkeys([*(p.arxiv_id for p in incoming), *(d.arxiv_id for d in deletions)])
        )
        if not ids:
            return counts, 0
        dialect = self._db.dialect
        # Only papers the store has are read back to merge with, and a batch of new ones (a
        # first import) reads nothing else: one look-up of their ids.
        known = self._existing(conn, ids)
        before = self._load_states(conn, known) if known else {}
        states = dict(before)
        pinned = self._pinned_links(conn, known) if known else set()
        # A paper worked out ahead is written as it is, unless the store has it or the batch
        # has another record of it: then it is parsed again and merges in its place.
        repeated = (
            _repeated(incoming, deletions) if len(ids) < len(incoming) + len(deletions) else set()
        )
        fresh: dict[str, PaperAhead] = {}
        parsed_again = 0
        changed: dict[str, None] = {}  # batch order: ids arrive sorted, and B-trees like that
        for entry in incoming:
            if isinstance(entry, PaperAhead):
                arxiv_id = entry.arxiv_id
                if arxiv_id not in states and arxiv_id not in repeated and entry.dialect == dialect:
                    fresh[arxiv_id] = entry
                    counts.new += 1
                    changed[arxiv_id] = None
                    continue
                paper = entry.parse()
                parsed_again += 1
            else:
                paper = entry
            if paper.arxiv_id in pinned:
                # A member set this paper's links: a source's say no longer counts.
                paper = replace(paper, code_url=None, project_url=None)
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
            return counts, parsed_again
        now = self._db.now()
        seq = self._db.take_numbers(conn, "papers", len(changed))
        stamp = _stored_time(dialect, now)
        rows: list[Sequence[Any]] = []
        version_rows: list[Sequence[Any]] = []
        for arxiv_id in changed:
            worked_out = fresh.get(arxiv_id)
            if worked_out is not None:
                row = worked_out.row
                rows.append((*row[:_FIRST_SEEN], stamp, stamp, seq, row[-1]))
                version_rows.extend(worked_out.versions)
            else:
                state = states[arxiv_id]
                rows.append(
                    _PAPER_UPSERT.convert(
                        dialect, [arxiv_id, *_CONTENT(state.row), now, now, seq, first_day(state)]
                    )
                )
                version_rows.extend(
                    _VERSION_UPSERT.convert(dialect, v)
                    for v in _changed_versions(arxiv_id, state, before.get(arxiv_id))
                )
            seq += 1
        _PAPER_UPSERT.run(self._db, conn, rows, converted=True)
        _VERSION_UPSERT.run(self._db, conn, version_rows, converted=True)
        return counts, parsed_again

    def _pinned_links(self, conn: Connection, ids: Sequence[str]) -> set[str]:
        """The papers among `ids` whose links a member set (`set_links`)."""
        found: set[str] = set()
        for chunk in chunks(ids):
            found.update(
                conn.scalars(
                    select(paper_links.c.paper_id).where(paper_links.c.paper_id.in_(chunk))
                )
            )
        return found

    def set_links(
        self, arxiv_id: str, code_url: str | None, project_url: str | None, user_id: int
    ) -> None:
        """Set a paper's code and project links as a member gave them (None clears one), and
        keep them from then on against what imports say. The change joins the change feed."""
        with self._db.writing() as conn:
            require_paper(conn, arxiv_id)
            now = self._db.now()
            seq = self._db.take_numbers(conn, "papers", 1)
            conn.execute(
                papers.update()
                .where(papers.c.id == arxiv_id)
                .values(code_url=code_url, project_url=project_url, changed_at=now, change_seq=seq)
            )
            pin = self._db.insert(paper_links).values(paper_id=arxiv_id, set_by=user_id, set_at=now)
            conn.execute(
                pin.on_conflict_do_update(
                    index_elements=[paper_links.c.paper_id],
                    set_={"set_by": user_id, "set_at": now},
                )
            )

    def _write_daily_entries(self, conn: Connection, entries: Sequence[DailyEntry]) -> int:
        if not entries:
            return 0
        self._require(conn, {e.arxiv_id for e in entries})
        existing: dict[tuple[str, date], tuple[Any, ...]] = {}
        fields = [daily_entries.c[name] for name in _ENTRY_FIELDS]
        for chunk in chunks(list({e.arxiv_id for e in entries})):
            for r in conn.execute(
                select(daily_entries.c.paper_id, daily_entries.c.day, *fields).where(
                    daily_entries.c.paper_id.in_(chunk)
                )
            ):
                existing[(r.paper_id, r.day)] = tuple(r)[2:]
        rows = {}
        new = 0
        for e in entries:
            values = tuple(getattr(e, name) for name in _ENTRY_FIELDS)
            key = (e.arxiv_id, e.day)
            if existing.get(key) == values:
                continue
            if key not in existing and key not in rows:
                new += 1
            rows[key] = {
                "paper_id": e.arxiv_id,
                "day": e.day,
                **dict(zip(_ENTRY_FIELDS, values, strict=True)),
            }
        if rows:
            stmt = self._db.insert(daily_entries)
            stmt = stmt.on_conflict_do_update(
                index_elements=[daily_entries.c.paper_id, daily_entries.c.day],
                set_={name: stmt.excluded[name] for name in _ENTRY_FIELDS},
            )
            conn.execute(stmt, list(rows.values()))
        return new

    def _write_announcements(self, conn: Connection, items: Sequence[Announcement]) -> int:
        if not items:
            return 0
        self._require(conn, {a.arxiv_id for a in items})
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
            stmt = self._db.insert(announcements)
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

    def _require(self, conn: Connection, ids: set[str]) -> None:
        found: set[str] = set()
        for chunk in chunks(sorted(ids)):
            found.update(conn.scalars(select(papers.c.id).where(papers.c.id.in_(chunk))))
        missing = ids - found
        if missing:
            raise NotFound(f"unknown paper(s): {', '.join(sorted(missing)[:5])}")

    # ------------------------------------------------------------------ reads

    @remembered
    def get(self, arxiv_id: str, *, include_deleted: bool = False) -> Paper | None:
        with self._db.reading() as conn:
            state = self._load_states(conn, [arxiv_id]).get(arxiv_id)
        if state is None or (state.row["deleted"] and not include_deleted):
            return None
        return state_to_paper(arxiv_id, state)

    @remembered
    def get_many(self, ids: Sequence[str]) -> dict[str, Paper]:
        """The live papers among `ids`, keyed by id (unknown and deleted ids are left out)."""
        with self._db.reading() as conn:
            states = self._load_states(conn, list(dict.fromkeys(ids)))
        return {i: state_to_paper(i, s) for i, s in states.items() if not s.row["deleted"]}

    @remembered
    def upvote_counts(self, ids: Sequence[str]) -> dict[str, int]:
        """Upvotes per paper among `ids`: imported plus community votes (unknown ids are left
        out)."""
        counts: dict[str, int] = {}
        community = select(func.count()).where(votes.c.paper_id == papers.c.id).scalar_subquery()
        with self._db.reading() as conn:
            for chunk in chunks(list(dict.fromkeys(ids))):
                rows = conn.execute(
                    select(papers.c.id, (papers.c.imported_upvotes + community).label("n")).where(
                        papers.c.id.in_(chunk)
                    )
                )
                counts.update({r.id: int(r.n) for r in rows})
        return counts

    def latest_ids(self, limit: int) -> list[str]:
        """The ids of the `limit` live papers written last (by change order), newest first."""
        with self._db.reading() as conn:
            return list(
                conn.scalars(
                    select(papers.c.id)
                    .where(papers.c.deleted.is_(False))
                    .order_by(papers.c.change_seq.desc(), papers.c.id.desc())
                    .limit(limit)
                )
            )

    def ids_by_doi(self, dois: Sequence[str]) -> dict[str, str]:
        """Live papers whose DOI is one of `dois` (lower case), keyed by that DOI. DOIs are
        matched without regard to case; there is no index on them (an import asks once, and
        every paper write would pay for one), so this reads the papers that have a DOI."""
        wanted = sorted({d.lower() for d in dois if d})
        if not wanted:
            return {}
        found: dict[str, str] = {}
        with self._db.reading() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    select(func.lower(papers.c.doi), papers.c.id).where(
                        func.lower(papers.c.doi).in_(wanted[start : start + 500]),
                        papers.c.deleted.is_(False),
                    )
                )
                for doi, paper_id in rows:
                    found.setdefault(doi, paper_id)
        return found

    def ids(self) -> list[str]:
        with self._db.reading() as conn:
            return list(conn.scalars(select(papers.c.id).order_by(papers.c.id)))

    def without_categories(self, after: tuple[int, str], limit: int) -> list[tuple[int, str]]:
        """(change_seq, id) of papers without categories (imported from Hugging Face, say)
        after `after` in change order (a batch shares one change_seq: ids order within it),
        what the categories job asks arXiv for."""
        seq, last_id = after
        later = (papers.c.change_seq > seq) | (
            (papers.c.change_seq == seq) & (papers.c.id > last_id)
        )
        stmt = (
            select(papers.c.change_seq, papers.c.id)
            .where(papers.c.categories == "", papers.c.deleted.is_(False), later)
            .order_by(papers.c.change_seq, papers.c.id)
            .limit(limit)
        )
        with self._db.reading() as conn:
            return [(int(r.change_seq), r.id) for r in conn.execute(stmt)]
