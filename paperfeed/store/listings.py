"""Listing queries: papers featured in a date range (trending ranks those), papers by category
or author, each with exact community counts. Hidden and deleted papers never appear."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, literal, select

from paperfeed.models import ListedPaper, Listing
from paperfeed.store.comments import Comments
from paperfeed.store.database import Database, json_text
from paperfeed.store.papers import Papers
from paperfeed.store.schema import daily_entries, hidden_papers, papers, votes

LISTING_SORTS = ("upvotes", "published")


def _upvotes() -> ColumnElement[int]:
    community = select(func.count()).where(votes.c.paper_id == papers.c.id).scalar_subquery()
    return papers.c.imported_upvotes + community


def _visible() -> list[ColumnElement[bool]]:
    return [
        papers.c.deleted.is_(False),
        ~select(hidden_papers.c.paper_id).where(hidden_papers.c.paper_id == papers.c.id).exists(),
    ]


class Listings:
    def __init__(self, db: Database, papers: Papers, comments: Comments) -> None:
        self._db = db
        self._papers = papers
        self._comments = comments

    def featured(
        self,
        start: date,
        end: date,
        *,
        limit: int = 50,
        offset: int = 0,
        sort: str = "upvotes",
        submitter: str | None = None,
        first_from: date | None = None,
    ) -> Listing:
        """Papers featured between `start` and `end` (inclusive), each once (at its first day
        in the range), most upvoted first or newest first; with `first_from`, only those whose
        first day in the range is on or after it."""
        in_range = [daily_entries.c.day >= start, daily_entries.c.day <= end]
        if submitter:
            in_range.append(daily_entries.c.submitted_by == submitter)
        first_day = func.min(daily_entries.c.day)
        first_query = (
            select(daily_entries.c.paper_id, first_day.label("day"))
            .where(*in_range)
            .group_by(daily_entries.c.paper_id)
        )
        if first_from is not None:
            first_query = first_query.having(first_day >= first_from)
        first = first_query.subquery()
        upvotes = _upvotes().label("upvotes")
        base = (
            select(
                papers.c.id,
                first.c.day,
                upvotes,
                daily_entries.c.submitted_by,
                daily_entries.c.submitted_by_name,
                daily_entries.c.submitted_at,
                daily_entries.c.source,
            )
            .join(first, first.c.paper_id == papers.c.id)
            .join(
                daily_entries,
                (daily_entries.c.paper_id == first.c.paper_id)
                & (daily_entries.c.day == first.c.day),
            )
            .where(*_visible())
        )
        if sort == "published":
            order = [papers.c.published.desc().nulls_last(), papers.c.id]
        else:
            order = [upvotes.desc(), daily_entries.c.id]
        with self._db.reading() as conn:
            total = conn.scalar(select(func.count()).select_from(base.subquery())) or 0
            rows = list(conn.execute(base.order_by(*order).limit(limit).offset(offset)))
        return Listing(items=self._listed(rows), total=int(total))

    def _listed(self, rows: Sequence[Any]) -> list[ListedPaper]:
        ids = [r.id for r in rows]
        found = self._papers.get_many(ids)
        counts = self._comments.counts(ids)
        return [
            ListedPaper(
                paper=found[r.id],
                day=r.day,
                upvotes=int(r.upvotes),
                num_comments=counts.get(r.id, 0),
                submitted_by=r.submitted_by,
                submitted_by_name=r.submitted_by_name,
                submitted_at=r.submitted_at,
                source=r.source,
            )
            for r in rows
            if r.id in found
        ]

    def latest_day(self) -> date | None:
        """The last day with a paper to show (hidden and deleted papers do not count)."""
        with self._db.reading() as conn:
            value: date | None = conn.scalar(_shown_days(func.max(daily_entries.c.day)))
            return value

    def neighbour_days(self, day: date) -> tuple[date | None, date | None]:
        """The closest days before and after `day` that have papers to show."""
        with self._db.reading() as conn:
            before = conn.scalar(
                _shown_days(func.max(daily_entries.c.day)).where(daily_entries.c.day < day)
            )
            after = conn.scalar(
                _shown_days(func.min(daily_entries.c.day)).where(daily_entries.c.day > day)
            )
        return before, after

    def listed(self, ids: Sequence[str]) -> dict[str, ListedPaper]:
        """Visible papers among `ids` with counts and their latest featured day."""
        if not ids:
            return {}
        last = (
            select(daily_entries.c.paper_id, func.max(daily_entries.c.day).label("day"))
            .where(daily_entries.c.paper_id.in_(list(ids)))
            .group_by(daily_entries.c.paper_id)
            .subquery()
        )
        stmt = (
            select(
                papers.c.id,
                last.c.day,
                _upvotes().label("upvotes"),
                daily_entries.c.submitted_by,
                daily_entries.c.submitted_by_name,
                daily_entries.c.submitted_at,
                daily_entries.c.source,
            )
            .outerjoin(last, last.c.paper_id == papers.c.id)
            .outerjoin(
                daily_entries,
                (daily_entries.c.paper_id == last.c.paper_id) & (daily_entries.c.day == last.c.day),
            )
            .where(papers.c.id.in_(list(ids)), *_visible())
        )
        with self._db.reading() as conn:
            rows = list(conn.execute(stmt))
        return {item.paper.arxiv_id: item for item in self._listed(rows)}

    def _recent(self, where: ColumnElement[bool], limit: int, offset: int = 0) -> list[ListedPaper]:
        stmt: Select[Any] = (
            select(
                papers.c.id,
                literal(None).label("day"),
                _upvotes().label("upvotes"),
                literal(None).label("submitted_by"),
                literal(None).label("submitted_by_name"),
                literal(None).label("submitted_at"),
                literal(None).label("source"),
            )
            .where(where, *_visible())
            .order_by(papers.c.published.desc().nulls_last(), papers.c.id)
            .limit(limit)
            .offset(offset)
        )
        with self._db.reading() as conn:
            rows = list(conn.execute(stmt))
        return self._listed(rows)

    def _holds(self, text: ColumnElement[str], part: str) -> ColumnElement[bool]:
        """`part` occurs in `text`, case and all (SQLite's LIKE would ignore ASCII case)."""
        position = func.instr if self._db.dialect == "sqlite" else func.strpos
        return position(text, part) > 0

    def by_category(self, category: str, limit: int = 50) -> list[ListedPaper]:
        """The newest papers in an arXiv category (primary or cross-listed), named exactly as
        arXiv writes it (`cs.LG`)."""
        spaced = literal(" ") + papers.c.categories + literal(" ")
        return self._recent(self._holds(spaced, f" {category} "), limit)

    def by_author(self, name: str, limit: int = 50) -> list[ListedPaper]:
        """The newest papers with an author of exactly this name (in any case)."""
        # The authors' JSON text holds `"name": "<name>"` (SQLite keeps orjson's compact form,
        # PostgreSQL prints JSONB with a space): in lower case, that narrows the candidates;
        # the exact name is then checked on each Paper. SQLite's own lower() folds only
        # ASCII, enough for an ASCII name and faster than the Unicode one registered on its
        # connections (store/database.py).
        on_sqlite = self._db.dialect == "sqlite"
        needle = (('"name":' if on_sqlite else '"name": ') + json_text(name)).lower()
        lower = func.unicode_lower if on_sqlite and not needle.isascii() else func.lower
        where = self._holds(lower(cast(papers.c.authors, Text)), needle)
        wanted = name.casefold()
        found: list[ListedPaper] = []
        offset = 0
        while len(found) < limit:
            candidates = self._recent(where, limit, offset)
            found += [
                item
                for item in candidates
                if any(a.name.casefold() == wanted for a in item.paper.authors or ())
            ]
            if len(candidates) < limit:
                break
            offset += limit
        return found[:limit]


def _shown_days(day: ColumnElement[Any]) -> Select[Any]:
    """`day` (an aggregate of daily entries' days) over entries of papers that are shown."""
    return select(day).join(papers, papers.c.id == daily_entries.c.paper_id).where(*_visible())
