"""Listing queries: the papers on the days of a date range (trending ranks those), papers by
category or author, each with exact community counts. Hidden and deleted papers never appear.

A paper is on a day when (docs/web.md, "Which papers a day lists"):
- the community picked it for that day (a daily entry: an import from Hugging Face, a curator,
  a member's submission), or
- arXiv announced it that day in a category the site follows (new, cross-list, replacement), or
- it was neither picked nor announced as new anywhere (a bulk import) and its first version
  appeared that day (`papers.first_day`, from arxiv_calendar), in a followed category.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    Date,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.selectable import ScalarSelect

from paperfeed.categories import CategoryFilter
from paperfeed.models import ListedPaper, Listing, Paper
from paperfeed.store.comments import Comments
from paperfeed.store.database import Database, json_text
from paperfeed.store.memo import remembered
from paperfeed.store.papers import Papers
from paperfeed.store.schema import announcements, daily_entries, hidden_papers, papers, votes

LISTING_SORTS = ("upvotes", "published")
# arXiv's announce types in the order a day lists them (first: a paper first appearing).
KIND_ORDER = ("new", "cross", "replace", "replace-cross")
_NO_KIND = len(KIND_ORDER)
_MAX_STATEMENTS = 256


def _upvotes() -> ColumnElement[int]:
    community = select(func.count()).where(votes.c.paper_id == papers.c.id).scalar_subquery()
    return papers.c.imported_upvotes + community


def _one_of(column: ColumnElement[str], values: Iterable[str]) -> ColumnElement[bool]:
    """`column IN (values)` for a fixed list, written as equalities: SQLAlchemy re-renders an
    `IN`'s statement text on every execution (an "expanding" parameter), which the listing
    statements, built once and run on every page, would pay each time."""
    return or_(*(column == v for v in values))


def _bound(newest: bool, days: Sequence[date | None]) -> date | None:
    """The newest (oldest) of the sources' days, None when none has one."""
    found = [day for day in days if day is not None]
    if not found:
        return None
    return max(found) if newest else min(found)


def _visible() -> list[ColumnElement[bool]]:
    return [
        papers.c.deleted.is_(False),
        ~select(hidden_papers.c.paper_id).where(hidden_papers.c.paper_id == papers.c.id).exists(),
    ]


class Listings:
    def __init__(
        self, db: Database, papers: Papers, comments: Comments, follow: Sequence[str] = ()
    ) -> None:
        self._db = db
        self._papers = papers
        self._comments = comments
        # The arXiv categories the site follows (an archive such as "math" for all of it);
        # empty: every category.
        self.follow = tuple(follow)
        self._statements: dict[Hashable, Any] = {}

    @property
    def memo_scope(self) -> Hashable:
        """The followed categories decide what a listing holds (`memo.remembered`)."""
        return self.follow

    def _statement(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The statement of one shape of query (`key`, with the followed categories), built
        once, its values bound at execution. Building a listing's statements (a CTE over three
        sources, subqueries, their cache keys) took about a third of a front page's time, more
        than SQLite took to run them."""
        key = (key, self.follow)
        stmt = self._statements.get(key)
        if stmt is None:
            if len(self._statements) >= _MAX_STATEMENTS:  # category filters come from URLs
                self._statements.clear()
            stmt = self._statements[key] = build()
        return stmt

    # ------------------------------------------------------------------ which papers a day has

    def _followed(self, category: ColumnElement[str]) -> list[ColumnElement[bool]]:
        """A condition on one category column (empty when every category is followed)."""
        if not self.follow:
            return []
        archives = [c for c in self.follow if "." not in c]
        tests: list[ColumnElement[bool]] = [_one_of(category, self.follow)]
        tests += [func.substr(category, 1, len(a) + 1) == f"{a}." for a in archives]
        return [or_(*tests)]

    def _followed_paper(self) -> list[ColumnElement[bool]]:
        """A paper's categories include a followed one."""
        if not self.follow:
            return []
        spaced = literal(" ") + papers.c.categories + literal(" ")
        tests = [self._holds(spaced, f" {c} ") for c in self.follow]
        tests += [self._holds(spaced, f" {c}.") for c in self.follow if "." not in c]
        return [or_(*tests)]

    def _in_categories(self, wanted: CategoryFilter | None) -> list[ColumnElement[bool]]:
        """A paper is in one of the wanted categories (primary only, if asked)."""
        if wanted is None:
            return []
        archives = [c for c in wanted.categories if "." not in c]
        if wanted.primary:
            primary = papers.c.primary_category
            tests: list[ColumnElement[bool]] = [_one_of(primary, wanted.categories)]
            tests += [func.substr(primary, 1, len(a) + 1) == f"{a}." for a in archives]
            return [or_(*tests)]
        spaced = literal(" ") + papers.c.categories + literal(" ")
        tests = [self._holds(spaced, f" {c} ") for c in wanted.categories]
        tests += [self._holds(spaced, f" {a}.") for a in archives]
        return [or_(*tests)]

    def _first_day_only(self) -> list[ColumnElement[bool]]:
        """Papers that go by their first day: never picked, never announced new or cross."""
        picked = select(daily_entries.c.paper_id).where(daily_entries.c.paper_id == papers.c.id)
        announced = select(announcements.c.paper_id).where(
            announcements.c.paper_id == papers.c.id,
            _one_of(announcements.c.kind, ("new", "cross")),
        )
        return [~picked.exists(), ~announced.exists(), *self._followed_paper()]

    def _day_rows(self, submitter: bool) -> CTE:
        """(paper_id, day, picked, kind) for every reason a paper is on a day in [start, end]
        (bound at execution: `start`, `end` and, with `submitter`, `submitter`)."""
        start, end = bindparam("start", type_=Date), bindparam("end", type_=Date)
        picks = select(
            daily_entries.c.paper_id.label("paper_id"),
            daily_entries.c.day.label("day"),
            literal(1).label("picked"),
            literal(_NO_KIND).label("kind"),
        ).where(daily_entries.c.day >= start, daily_entries.c.day <= end)
        if submitter:
            # Only the community picks a member made.
            return picks.where(daily_entries.c.submitted_by == bindparam("submitter")).cte(
                "on_days"
            )
        kind_rank = case(
            *((announcements.c.kind == k, i) for i, k in enumerate(KIND_ORDER)), else_=_NO_KIND
        )
        announced = select(
            announcements.c.paper_id,
            announcements.c.day,
            literal(0),
            kind_rank,
        ).where(
            announcements.c.day >= start,
            announcements.c.day <= end,
            *self._followed(announcements.c.category),
        )
        first = select(papers.c.id, papers.c.first_day, literal(0), literal(0)).where(
            papers.c.first_day >= start, papers.c.first_day <= end, *self._first_day_only()
        )
        return union_all(picks, announced, first).cte("on_days")

    def _bounds(
        self, newest: bool, before: bool, after: bool, categories: CategoryFilter | None
    ) -> list[ScalarSelect[Any]]:
        """Each source's newest (oldest) day, bound `before` and `after` a day."""
        sources: list[tuple[ColumnElement[Any], ColumnElement[Any], list[ColumnElement[bool]]]] = [
            (daily_entries.c.day, daily_entries.c.paper_id, []),
            (
                announcements.c.day,
                announcements.c.paper_id,
                self._followed(announcements.c.category),
            ),
            (
                papers.c.first_day,
                papers.c.id,
                [papers.c.first_day.is_not(None), *self._first_day_only()],
            ),
        ]
        bounds = []
        for day, paper_id, where in sources:
            stmt = select(day).where(*where)
            if paper_id is not papers.c.id:
                stmt = stmt.join(papers, papers.c.id == paper_id)
            stmt = stmt.where(*_visible(), *self._in_categories(categories))
            if before:
                stmt = stmt.where(day < bindparam("before"))
            if after:
                stmt = stmt.where(day > bindparam("after"))
            stmt = stmt.order_by(day.desc() if newest else day).limit(1)
            bounds.append(stmt.scalar_subquery())
        return bounds

    @remembered
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
        categories: CategoryFilter | None = None,
    ) -> Listing:
        """The papers on the days between `start` and `end` (inclusive), each once (at its
        first day in the range), most upvoted first (then community picks, then arXiv's order:
        new, cross-lists, replacements) or newest first; with `submitter`, only the picks
        that member made; with `first_from`, only papers whose first day in the range is on or
        after it; with `categories`, only papers in them."""
        key = ("featured", sort, bool(submitter), first_from is not None, categories)
        count, page = self._statement(
            key,
            lambda: self._featured_statements(
                sort, bool(submitter), first_from is not None, categories
            ),
        )
        params = {
            "start": start,
            "end": end,
            "submitter": submitter,
            "first_from": first_from,
            "limit": limit,
            "offset": offset,
        }
        with self._db.reading() as conn:
            # The page carries the total in each row (a window over every row, counted before
            # the limit): one statement instead of two building the same rows. Only a page past
            # the end (or of no rows: `limit=0` asks for the total alone) has no row to carry it.
            rows = list(conn.execute(page, params)) if limit else []
            if not rows:
                total = int(conn.scalar(count, params) or 0) if offset or not limit else 0
                return Listing(items=[], total=total)
            total = rows[0].total
        return Listing(items=self._listed(rows), total=int(total))

    def _featured_statements(
        self, sort: str, submitter: bool, first_from: bool, categories: CategoryFilter | None
    ) -> tuple[Select[Any], Select[Any]]:
        """`featured`'s count and page, bound at execution (`_day_rows`, `first_from`, `limit`,
        `offset`)."""
        rows_cte = self._day_rows(submitter)
        first_day = func.min(rows_cte.c.day)
        first_query = select(rows_cte.c.paper_id, first_day.label("day")).group_by(
            rows_cte.c.paper_id
        )
        if first_from:
            first_query = first_query.having(first_day >= bindparam("first_from"))
        first = first_query.subquery()
        on_day = (
            select(
                rows_cte.c.paper_id,
                rows_cte.c.day,
                func.max(rows_cte.c.picked).label("picked"),
                func.min(rows_cte.c.kind).label("kind"),
            )
            .join(
                first,
                and_(first.c.paper_id == rows_cte.c.paper_id, first.c.day == rows_cte.c.day),
            )
            .group_by(rows_cte.c.paper_id, rows_cte.c.day)
            .subquery()
        )
        upvotes = _upvotes().label("upvotes")
        base = (
            select(
                papers.c.id,
                on_day.c.day,
                upvotes,
                on_day.c.kind,
                daily_entries.c.submitted_by,
                daily_entries.c.submitted_by_name,
                daily_entries.c.submitted_at,
                daily_entries.c.source,
            )
            .join(on_day, on_day.c.paper_id == papers.c.id)
            .outerjoin(
                daily_entries,
                (daily_entries.c.paper_id == on_day.c.paper_id)
                & (daily_entries.c.day == on_day.c.day),
            )
            .where(*_visible(), *self._in_categories(categories))
        )
        if sort == "published":
            order = [papers.c.published.desc().nulls_last(), papers.c.id]
        else:
            order = [
                upvotes.desc(),
                on_day.c.picked.desc(),
                daily_entries.c.id,
                on_day.c.kind,
                papers.c.id.desc(),
            ]
        count = select(func.count()).select_from(base.subquery())
        page = (
            base.add_columns(func.count().over().label("total"))
            .order_by(*order)
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        )
        return count, page

    @remembered
    def any_on_days(self, start: date, end: date, categories: CategoryFilter | None = None) -> bool:
        """Whether a shown paper (in `categories`) is on a day in [start, end]: what
        `featured(...).total` tells, found at the first such paper instead of counting them
        all and building the listing."""

        def build() -> Select[Any]:
            rows_cte = self._day_rows(False)
            return (
                select(rows_cte.c.paper_id)
                .join(papers, papers.c.id == rows_cte.c.paper_id)
                .where(*_visible(), *self._in_categories(categories))
                .limit(1)
            )

        stmt = self._statement(("any_on_days", categories), build)
        with self._db.reading() as conn:
            return conn.scalar(stmt, {"start": start, "end": end}) is not None

    @remembered
    def ids_on_days(self, start: date, end: date) -> list[str]:
        """Every shown paper on a day in [start, end] (what a digest of those days covers)."""
        rows_cte = self._day_rows(False)
        stmt = (
            select(rows_cte.c.paper_id)
            .distinct()
            .join(papers, papers.c.id == rows_cte.c.paper_id)
            .where(*_visible())
        )
        with self._db.reading() as conn:
            return sorted(conn.scalars(stmt, {"start": start, "end": end}))

    @remembered
    def ids_in_categories(self, wanted: CategoryFilter) -> frozenset[str]:
        """Every shown paper in `wanted` (what a search narrowed to primary categories, or to
        a whole archive, searches among: the search index knows only exact names)."""
        stmt = select(papers.c.id).where(*_visible(), *self._in_categories(wanted))
        with self._db.reading() as conn:
            return frozenset(conn.scalars(stmt))

    def _listed(
        self, rows: Sequence[Any], known: Mapping[str, Paper] | None = None
    ) -> list[ListedPaper]:
        ids = [r.id for r in rows]
        found = dict(known or {})
        missing = [i for i in ids if i not in found]
        if missing:
            found.update(self._papers.get_many(missing))
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
                kind=_kind(getattr(r, "kind", None)),
            )
            for r in rows
            if r.id in found
        ]

    @remembered
    def latest_day(self, categories: CategoryFilter | None = None) -> date | None:
        """The last day with a paper to show (hidden and deleted papers do not count), in
        `categories` if given."""
        stmt = self._statement(
            ("latest_day", categories),
            lambda: select(*self._bounds(True, False, False, categories)),
        )
        with self._db.reading() as conn:
            return _bound(True, conn.execute(stmt).one())

    @remembered
    def neighbour_days(
        self, day: date, categories: CategoryFilter | None = None, *, last: date | None = None
    ) -> tuple[date | None, date | None]:
        """The closest days before `day` and after it (after `last`, for a week or a month
        from `day` to `last`) that have papers to show (in `categories` if given): one
        statement."""

        def build() -> Select[Any]:
            return select(
                *self._bounds(True, True, False, categories),
                *self._bounds(False, False, True, categories),
            )

        stmt = self._statement(("neighbours", categories), build)
        with self._db.reading() as conn:
            row = conn.execute(stmt, {"before": day, "after": last or day}).one()
        return _bound(True, row[:3]), _bound(False, row[3:])

    def listed(
        self, ids: Sequence[str], known: Mapping[str, Paper] | None = None
    ) -> dict[str, ListedPaper]:
        """Visible papers among `ids` with counts and their latest featured day. `known`
        papers (read in the same transaction: a search's hits) are not read again."""
        if not ids:
            return {}
        key = ("listed", self.follow, tuple(ids))
        return self._db.remembered(key, lambda: self._read_listed(ids, known))

    def _read_listed(
        self, ids: Sequence[str], known: Mapping[str, Paper] | None
    ) -> dict[str, ListedPaper]:
        stmt = self._statement("listed", _listed_statement)
        with self._db.reading() as conn:
            rows = list(conn.execute(stmt, {"ids": list(ids)}))
        return {item.paper.arxiv_id: item for item in self._listed(rows, known)}

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

    @remembered
    def by_category(
        self, category: str, limit: int = 50, categories: CategoryFilter | None = None
    ) -> list[ListedPaper]:
        """The newest papers in an arXiv category (primary or cross-listed), named exactly as
        arXiv writes it (`cs.LG`), and in `categories` too when given (`primary` there makes
        them the papers whose primary category is among those)."""
        spaced = literal(" ") + papers.c.categories + literal(" ")
        where = and_(self._holds(spaced, f" {category} "), *self._in_categories(categories))
        return self._recent(where, limit)

    @remembered
    def by_author(
        self, name: str, limit: int = 50, categories: CategoryFilter | None = None
    ) -> list[ListedPaper]:
        """The newest papers with an author of exactly this name (in any case), in
        `categories` when given."""
        # The authors' JSON text holds `"name": "<name>"` (SQLite keeps orjson's compact form,
        # PostgreSQL prints JSONB with a space): in lower case, that narrows the candidates;
        # the exact name is then checked on each Paper. SQLite's own lower() folds only
        # ASCII, enough for an ASCII name and faster than the Unicode one registered on its
        # connections (store/database.py).
        on_sqlite = self._db.dialect == "sqlite"
        needle = (('"name":' if on_sqlite else '"name": ') + json_text(name)).lower()
        lower = func.unicode_lower if on_sqlite and not needle.isascii() else func.lower
        where = and_(
            self._holds(lower(cast(papers.c.authors, Text)), needle),
            *self._in_categories(categories),
        )
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


def _listed_statement() -> Select[Any]:
    """`Listings.listed`'s query, the ids bound at execution (`ids`)."""
    ids: BindParameter[str] = bindparam("ids", expanding=True)
    last = (
        select(daily_entries.c.paper_id, func.max(daily_entries.c.day).label("day"))
        .where(daily_entries.c.paper_id.in_(ids))
        .group_by(daily_entries.c.paper_id)
        .subquery()
    )
    return (
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
        .where(papers.c.id.in_(ids), *_visible())
    )


def _kind(rank: int | None) -> str | None:
    return KIND_ORDER[rank] if rank is not None and 0 <= rank < len(KIND_ORDER) else None
