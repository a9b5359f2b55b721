"""The one storage API: every read and write of the database goes through `Store` and the
repositories it holds (`store.papers`, `store.votes`, …). `store.transaction()` makes what a
request or job writes through any of them one unit of work."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import OperationalError

from paperfeed.clock import Clock, utcnow
from paperfeed.errors import StoreUnavailable
from paperfeed.models import Stats
from paperfeed.store.accounts import Accounts
from paperfeed.store.checkpoints import Checkpoints
from paperfeed.store.claims import Claims
from paperfeed.store.comments import Comments
from paperfeed.store.database import Database, make_engine, safe_url
from paperfeed.store.deliveries import DeliveryLedger
from paperfeed.store.follows import Follows
from paperfeed.store.github import Github
from paperfeed.store.hf_papers import HfPapers
from paperfeed.store.jobs import JobRuns
from paperfeed.store.leases import Leases
from paperfeed.store.library import Library
from paperfeed.store.listings import Listings
from paperfeed.store.memo import DEFAULT_ROWS
from paperfeed.store.migrate import current_revision, upgrade
from paperfeed.store.moderation import Moderation
from paperfeed.store.papers import Papers
from paperfeed.store.personal_data import PersonalData
from paperfeed.store.ratelimits import RateLimits
from paperfeed.store.recommendations import Recommendations
from paperfeed.store.schema import announcements, daily_entries, paper_versions, papers
from paperfeed.store.search_data import SearchData
from paperfeed.store.submissions import Submissions
from paperfeed.store.subscriptions import Subscriptions
from paperfeed.store.votes import Votes


class Store:
    """Papers and what hangs off them, on SQLite or PostgreSQL."""

    def __init__(self, db: Database, *, follow: Sequence[str] = ()) -> None:
        self.db = db
        self.papers = Papers(db)
        self.checkpoints = Checkpoints(db)
        self.comments = Comments(db)
        self.votes = Votes(db, self.papers)
        self.accounts = Accounts(db)
        self.submissions = Submissions(db)
        self.moderation = Moderation(db)
        self.listings = Listings(db, self.papers, self.comments, follow)
        self.rate_limits = RateLimits(db)
        self.subscriptions = Subscriptions(db)
        self.deliveries = DeliveryLedger(db)
        self.jobs = JobRuns(db)
        self.leases = Leases(db)
        self.search_data = SearchData(db)
        self.hf = HfPapers(db)
        self.github = Github(db)
        self.claims = Claims(db)
        self.library = Library(db)
        self.follows = Follows(db)
        self.recommendations = Recommendations(db)
        self.personal_data = PersonalData(db)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        clock: Clock = utcnow,
        follow: Sequence[str] = (),
        memo_rows: int = DEFAULT_ROWS,
    ) -> Store:
        """Connect, and bring the schema up to date unless `migrate` is False. `follow` is
        the arXiv categories the site follows (listings; empty: all). `memo_rows` bounds the
        read memo (`memo.py`; 0 turns it off)."""
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            if migrate:
                upgrade(engine)
        except OperationalError as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreUnavailable(f"cannot open database {safe_url(url)}: {reason}") from None
        return cls(Database(engine, clock=clock, memo_rows=memo_rows), follow=follow)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One unit of work over every repository (see `Database.transaction`)."""
        with self.db.transaction() as conn:
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction for what a block reads through every repository (see
        `Database.snapshot`)."""
        with self.db.snapshot():
            yield

    @property
    def generation(self) -> int:
        """Committed transactions of this process so far (see `Database.generation`)."""
        return self.db.generation

    def upgrade(self) -> tuple[str | None, str | None]:
        """Apply pending migrations; returns the schema revision before and after."""
        before = current_revision(self.db.engine)
        upgrade(self.db.engine)
        return before, current_revision(self.db.engine)

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> Stats:
        with self.db.reading() as conn:
            live = papers.c.deleted.is_(False)
            n_papers = conn.scalar(select(func.count()).select_from(papers).where(live)) or 0
            n_deleted = conn.scalar(select(func.count()).select_from(papers).where(~live)) or 0
            n_versions = conn.scalar(select(func.count()).select_from(paper_versions)) or 0
            n_daily = conn.scalar(select(func.count()).select_from(daily_entries)) or 0
            n_ann = conn.scalar(select(func.count()).select_from(announcements)) or 0
            imported = conn.scalar(select(func.coalesce(func.sum(papers.c.imported_upvotes), 0)))
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
            votes=int(imported or 0) + self.votes.total(),
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
