"""A member's library: collections of saved papers, a note and read state per paper, and the
papers they marked "not interested". All of it is private to its member except a collection
they share by link or make public (`Collection.visibility`).

Saving is idempotent (primary keys refuse a second row), so repeated or concurrent clicks leave
one row; a paper saved without naming a collection goes into the member's first collection,
"Saved", made on first use."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from paperfeed.errors import Conflict, Forbidden, Invalid, NotFound
from paperfeed.models import VISIBILITIES, Collection, PaperNote
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.memo import remembered
from paperfeed.store.papers import require_paper
from paperfeed.store.schema import (
    collection_papers,
    collections,
    dismissals,
    library_notes,
    users,
)

DEFAULT_COLLECTION = "Saved"
MAX_COLLECTIONS = 200  # per member
MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_NOTE = 10_000

_COLUMNS = (*collections.c, users.c.name.label("owner_name"))


def _collection(row: Any, size: int) -> Collection:
    return Collection(
        id=row.id,
        user_id=row.user_id,
        owner_name=row.owner_name,
        name=row.name,
        description=row.description,
        visibility=row.visibility,
        share_token=row.share_token,
        created_at=row.created_at,
        updated_at=row.updated_at,
        size=size,
    )


def _new_token() -> str:
    return secrets.token_urlsafe(18)


class Library:
    """Reached as `store.library`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------ collections
    def _select(self) -> Any:
        return select(*_COLUMNS).join(users, users.c.id == collections.c.user_id)

    def _sizes(self, conn: Connection, ids: Sequence[int]) -> dict[int, int]:
        if not ids:
            return {}
        rows = conn.execute(
            select(collection_papers.c.collection_id, func.count())
            .where(collection_papers.c.collection_id.in_(list(ids)))
            .group_by(collection_papers.c.collection_id)
        )
        return {r[0]: int(r[1]) for r in rows}

    def _many(self, conn: Connection, query: Any) -> list[Collection]:
        rows = conn.execute(query).all()
        sizes = self._sizes(conn, [r.id for r in rows])
        return [_collection(r, sizes.get(r.id, 0)) for r in rows]

    @remembered
    def collections(self, user_id: int) -> list[Collection]:
        """The member's collections, oldest first (their first is where a plain save goes)."""
        with self._db.reading() as conn:
            return self._many(
                conn,
                self._select().where(collections.c.user_id == user_id).order_by(collections.c.id),
            )

    def public_collections(self, user_id: int) -> list[Collection]:
        with self._db.reading() as conn:
            return self._many(
                conn,
                self._select()
                .where(collections.c.user_id == user_id, collections.c.visibility == "public")
                .order_by(collections.c.id),
            )

    def collection(self, collection_id: int) -> Collection | None:
        with self._db.reading() as conn:
            found = self._many(conn, self._select().where(collections.c.id == collection_id))
        return found[0] if found else None

    def by_token(self, token: str) -> Collection | None:
        """The collection shared under `token` (by link or public; a private one is not)."""
        with self._db.reading() as conn:
            found = self._many(
                conn,
                self._select().where(
                    collections.c.share_token == token, collections.c.visibility != "private"
                ),
            )
        return found[0] if found else None

    def owned(self, user_id: int, collection_id: int) -> Collection:
        """The member's collection `collection_id`; NotFound when it is not theirs."""
        found = self.collection(collection_id)
        if found is None or found.user_id != user_id:
            raise NotFound(f"no collection {collection_id}")
        return found

    def create(
        self, user_id: int, name: str, *, description: str = "", visibility: str = "private"
    ) -> Collection:
        name = _name(name)
        _check(description, visibility)
        now = self._db.now()
        with self._db.writing() as conn:
            count = conn.scalar(
                select(func.count())
                .select_from(collections)
                .where(collections.c.user_id == user_id)
            )
            if (count or 0) >= MAX_COLLECTIONS:
                raise Invalid(f"a member has at most {MAX_COLLECTIONS} collections")
            if self._named(conn, user_id, name) is not None:
                raise Conflict(f"you already have a collection named {name!r}")
            new_id = conn.execute(
                collections.insert().values(
                    user_id=user_id,
                    name=name,
                    description=description,
                    visibility=visibility,
                    share_token=_new_token(),
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key
            assert new_id is not None
            return self._many(conn, self._select().where(collections.c.id == new_id[0]))[0]

    def _named(self, conn: Connection, user_id: int, name: str) -> int | None:
        found: int | None = conn.scalar(
            select(collections.c.id).where(
                collections.c.user_id == user_id, func.lower(collections.c.name) == name.lower()
            )
        )
        return found

    def default(self, user_id: int) -> Collection:
        """The member's first collection, "Saved" made when they have none."""
        with self._db.writing() as conn:
            first = conn.scalar(
                select(collections.c.id)
                .where(collections.c.user_id == user_id)
                .order_by(collections.c.id)
                .limit(1)
            )
            if first is None:
                return self.create(user_id, DEFAULT_COLLECTION)
            return self._many(conn, self._select().where(collections.c.id == first))[0]

    def edit(
        self,
        user_id: int,
        collection_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        visibility: str | None = None,
        new_link: bool = False,
    ) -> Collection:
        """Rename, describe or change who sees a collection; `new_link` replaces its shared
        link (the old one stops working)."""
        with self._db.writing() as conn:
            current = self.owned(user_id, collection_id)
            values: dict[str, object] = {"updated_at": self._db.now()}
            if name is not None:
                name = _name(name)
                other = self._named(conn, user_id, name)
                if other is not None and other != collection_id:
                    raise Conflict(f"you already have a collection named {name!r}")
                values["name"] = name
            _check(
                current.description if description is None else description,
                current.visibility if visibility is None else visibility,
            )
            if description is not None:
                values["description"] = description
            if visibility is not None:
                values["visibility"] = visibility
            if new_link:
                values["share_token"] = _new_token()
            conn.execute(
                update(collections).where(collections.c.id == collection_id).values(**values)
            )
            return self.owned(user_id, collection_id)

    def remove(self, user_id: int, collection_id: int) -> None:
        """Delete a collection (its papers stay in the member's other collections)."""
        with self._db.writing() as conn:
            self.owned(user_id, collection_id)
            conn.execute(delete(collections).where(collections.c.id == collection_id))

    # ------------------------------------------------------------------- saving
    def save(self, user_id: int, paper_id: str, collection_ids: Sequence[int] = ()) -> set[int]:
        """Put the paper into `collection_ids` (the member's; their first, made if need be,
        when none is named). Returns the ids of every collection of theirs now holding it."""
        with self._db.writing() as conn:
            require_paper(conn, paper_id)
            targets = list(dict.fromkeys(collection_ids)) or [self.default(user_id).id]
            self._require_own(conn, user_id, targets)
            now = self._db.now()
            for cid in targets:
                conn.execute(
                    self._db.insert(collection_papers)
                    .values(collection_id=cid, paper_id=paper_id, added_at=now)
                    .on_conflict_do_nothing()
                )
            self._touch(conn, targets, now)
            return self._holding(conn, user_id, paper_id)

    def place(self, user_id: int, paper_id: str, collection_ids: Sequence[int]) -> set[int]:
        """Make the member's collections holding the paper exactly `collection_ids` (the
        form that ticks collections); an empty list takes it out of the library."""
        with self._db.writing() as conn:
            require_paper(conn, paper_id)
            wanted = set(collection_ids)
            self._require_own(conn, user_id, list(wanted))
            have = self._holding(conn, user_id, paper_id)
            if have - wanted:
                conn.execute(
                    delete(collection_papers).where(
                        collection_papers.c.paper_id == paper_id,
                        collection_papers.c.collection_id.in_(list(have - wanted)),
                    )
                )
            now = self._db.now()
            for cid in sorted(wanted - have):
                conn.execute(
                    self._db.insert(collection_papers)
                    .values(collection_id=cid, paper_id=paper_id, added_at=now)
                    .on_conflict_do_nothing()
                )
            self._touch(conn, sorted(wanted ^ have), now)
            return self._holding(conn, user_id, paper_id)

    def unsave(self, user_id: int, paper_id: str, collection_id: int | None = None) -> set[int]:
        """Take the paper out of one collection of the member's, or of all of them."""
        with self._db.writing() as conn:
            have = self._holding(conn, user_id, paper_id)
            gone = have if collection_id is None else have & {collection_id}
            if gone:
                conn.execute(
                    delete(collection_papers).where(
                        collection_papers.c.paper_id == paper_id,
                        collection_papers.c.collection_id.in_(list(gone)),
                    )
                )
                self._touch(conn, sorted(gone), self._db.now())
            return have - gone

    def _require_own(self, conn: Connection, user_id: int, ids: Sequence[int]) -> None:
        if not ids:
            return
        mine = set(
            conn.scalars(
                select(collections.c.id).where(
                    collections.c.id.in_(list(ids)), collections.c.user_id == user_id
                )
            )
        )
        missing = [i for i in ids if i not in mine]
        if missing:
            raise Forbidden(f"collection {missing[0]} is not yours")

    def _touch(self, conn: Connection, ids: Sequence[int], now: datetime) -> None:
        if ids:
            conn.execute(
                update(collections).where(collections.c.id.in_(list(ids))).values(updated_at=now)
            )

    def _holding(self, conn: Connection, user_id: int, paper_id: str) -> set[int]:
        return set(
            conn.scalars(
                select(collection_papers.c.collection_id)
                .join(collections, collections.c.id == collection_papers.c.collection_id)
                .where(collections.c.user_id == user_id, collection_papers.c.paper_id == paper_id)
            )
        )

    @remembered
    def saved(self, user_id: int, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        """Which of `ids` the member has saved, with the collections holding each."""
        if not ids:
            return {}
        with self._db.reading() as conn:
            rows = conn.execute(
                select(collection_papers.c.paper_id, collection_papers.c.collection_id)
                .join(collections, collections.c.id == collection_papers.c.collection_id)
                .where(
                    collections.c.user_id == user_id,
                    collection_papers.c.paper_id.in_(list(ids)),
                )
            )
            found: dict[str, set[int]] = {}
            for paper_id, cid in rows:
                found.setdefault(paper_id, set()).add(cid)
        return {k: frozenset(v) for k, v in found.items()}

    def papers_in(self, collection_id: int, *, limit: int = 50, offset: int = 0) -> list[str]:
        """Paper ids in a collection, the latest added first."""
        with self._db.reading() as conn:
            return list(
                conn.scalars(
                    select(collection_papers.c.paper_id)
                    .where(collection_papers.c.collection_id == collection_id)
                    .order_by(
                        collection_papers.c.added_at.desc(), collection_papers.c.paper_id.desc()
                    )
                    .limit(limit)
                    .offset(offset)
                )
            )

    @remembered
    def library(self, user_id: int) -> list[tuple[str, datetime]]:
        """Every paper the member saved, with when it was first saved, the latest first."""
        with self._db.reading() as conn:
            first = func.min(collection_papers.c.added_at)
            rows = conn.execute(
                select(collection_papers.c.paper_id, first)
                .join(collections, collections.c.id == collection_papers.c.collection_id)
                .where(collections.c.user_id == user_id)
                .group_by(collection_papers.c.paper_id)
                .order_by(first.desc(), collection_papers.c.paper_id.desc())
            )
            return [(r[0], r[1]) for r in rows]

    def libraries(self, user_ids: Sequence[int]) -> dict[int, list[str]]:
        """`library` for many members in a few queries, without the dates: each member's saved
        papers, the latest first (members with none are left out)."""
        first = func.min(collection_papers.c.added_at)
        found: dict[int, list[tuple[datetime, str]]] = {}
        with self._db.reading() as conn:
            for part in chunks(sorted(set(user_ids))):
                rows = conn.execute(
                    select(collections.c.user_id, collection_papers.c.paper_id, first)
                    .join(collections, collections.c.id == collection_papers.c.collection_id)
                    .where(collections.c.user_id.in_(list(part)))
                    .group_by(collections.c.user_id, collection_papers.c.paper_id)
                )
                for user_id, paper_id, at in rows:
                    found.setdefault(user_id, []).append((at, paper_id))
        return {
            user_id: [pid for _at, pid in sorted(pairs, reverse=True)]
            for user_id, pairs in found.items()
        }

    # ------------------------------------------------------------ notes, read state
    def set_note(self, user_id: int, paper_id: str, note: str) -> PaperNote:
        if len(note) > MAX_NOTE:
            raise Invalid(f"a note is at most {MAX_NOTE:,} characters")
        return self._set(user_id, paper_id, note=note.strip())

    def mark_read(self, user_id: int, paper_id: str, read: bool = True) -> PaperNote:
        return self._set(user_id, paper_id, read_at=self._db.now() if read else None)

    def _set(self, user_id: int, paper_id: str, **values: object) -> PaperNote:
        now = self._db.now()
        with self._db.writing() as conn:
            require_paper(conn, paper_id)
            conn.execute(
                self._db.insert(library_notes)
                .values(user_id=user_id, paper_id=paper_id, updated_at=now, **values)
                .on_conflict_do_update(
                    index_elements=["user_id", "paper_id"], set_={"updated_at": now, **values}
                )
            )
            row = conn.execute(
                select(library_notes).where(
                    library_notes.c.user_id == user_id, library_notes.c.paper_id == paper_id
                )
            ).one()
            if not row.note and row.read_at is None:
                conn.execute(
                    delete(library_notes).where(
                        library_notes.c.user_id == user_id, library_notes.c.paper_id == paper_id
                    )
                )
            return PaperNote(paper_id, row.note, row.read_at)

    @remembered
    def notes(self, user_id: int, ids: Sequence[str]) -> dict[str, PaperNote]:
        """The member's notes and read state for those of `ids` that have either."""
        if not ids:
            return {}
        with self._db.reading() as conn:
            rows = conn.execute(
                select(library_notes).where(
                    library_notes.c.user_id == user_id, library_notes.c.paper_id.in_(list(ids))
                )
            )
            return {r.paper_id: PaperNote(r.paper_id, r.note, r.read_at) for r in rows}

    # --------------------------------------------------------------- not interested
    def dismiss(self, user_id: int, paper_id: str, on: bool = True) -> None:
        """Mark the paper "not interested" (on) or take that back."""
        with self._db.writing() as conn:
            if on:
                require_paper(conn, paper_id)
                conn.execute(
                    self._db.insert(dismissals)
                    .values(user_id=user_id, paper_id=paper_id, created_at=self._db.now())
                    .on_conflict_do_nothing()
                )
            else:
                conn.execute(
                    delete(dismissals).where(
                        dismissals.c.user_id == user_id, dismissals.c.paper_id == paper_id
                    )
                )

    @remembered
    def dismissed(self, user_id: int, ids: Sequence[str] | None = None) -> frozenset[str]:
        """Which of `ids` (all, when None) the member marked "not interested"."""
        query = select(dismissals.c.paper_id).where(dismissals.c.user_id == user_id)
        if ids is not None:
            if not ids:
                return frozenset()
            query = query.where(dismissals.c.paper_id.in_(list(ids)))
        with self._db.reading() as conn:
            return frozenset(conn.scalars(query))

    def dismissed_by(self, user_ids: Sequence[int]) -> dict[int, frozenset[str]]:
        """`dismissed` for many members in a few queries (members with none are left out)."""
        found: dict[int, set[str]] = {}
        with self._db.reading() as conn:
            for part in chunks(sorted(set(user_ids))):
                rows = conn.execute(
                    select(dismissals.c.user_id, dismissals.c.paper_id).where(
                        dismissals.c.user_id.in_(list(part))
                    )
                )
                for user_id, paper_id in rows:
                    found.setdefault(user_id, set()).add(paper_id)
        return {user_id: frozenset(ids) for user_id, ids in found.items()}

    def dismissed_list(self, user_id: int) -> list[tuple[str, datetime]]:
        with self._db.reading() as conn:
            rows = conn.execute(
                select(dismissals.c.paper_id, dismissals.c.created_at)
                .where(dismissals.c.user_id == user_id)
                .order_by(dismissals.c.created_at.desc(), dismissals.c.paper_id)
            )
            return [(r[0], r[1]) for r in rows]


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid("a collection needs a name")
    if len(name) > MAX_NAME:
        raise Invalid(f"a collection name is at most {MAX_NAME} characters")
    return name


def _check(description: str, visibility: str) -> None:
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(f"a description is at most {MAX_DESCRIPTION:,} characters")
    if visibility not in VISIBILITIES:
        raise Invalid(f"visibility must be one of {', '.join(VISIBILITIES)}")
