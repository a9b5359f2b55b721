"""GitHub repositories linked from papers, what the `github-stars` job last saw of them, and
their star counts day by day: the history "trending by code" ranks on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    case,
    delete,
    exists,
    func,
    select,
    update,
)

from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.memo import remembered
from paperfeed.store.schema import github_repos, github_star_counts, paper_repos, papers

STATUSES = ("new", "ok", "missing", "failed")


@dataclass(frozen=True, slots=True)
class DueRepo:
    """A repository to ask GitHub about: its key, GitHub's spelling when known, its ETag."""

    repo: str
    full_name: str | None
    etag: str | None


@dataclass(frozen=True, slots=True)
class RepoStars:
    """A paper's repository as ranked by code: the latest count and the stars gained since
    a day (see `Github.gained`)."""

    paper_id: str
    repo: str  # GitHub's spelling when known
    stars: int
    gained: int


class Github:
    """Reached as `store.github`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------ papers → repositories

    def changed_links(
        self, after: tuple[int, str], limit: int
    ) -> list[tuple[int, str, str | None]]:
        """(change_seq, id, code link) of the papers changed after `after` (in change order,
        ids within one change_seq) that have a code link or had one mapped; a deleted paper's
        link reads as None."""
        seq, last_id = after
        later = (papers.c.change_seq > seq) | (
            (papers.c.change_seq == seq) & (papers.c.id > last_id)
        )
        mapped = exists().where(paper_repos.c.paper_id == papers.c.id)
        link = case((papers.c.deleted.is_(True), None), else_=papers.c.code_url)
        stmt = (
            select(papers.c.change_seq, papers.c.id, link.label("code_url"))
            .where(later, papers.c.code_url.is_not(None) | mapped)
            .order_by(papers.c.change_seq, papers.c.id)
            .limit(limit)
        )
        with self._db.reading() as conn:
            return [(int(r.change_seq), r.id, r.code_url) for r in conn.execute(stmt)]

    def link(self, repos: Mapping[str, str | None]) -> None:
        """Point each paper at its repository (a key of `repo_key`), or at none (None)."""
        linked = {paper: repo for paper, repo in repos.items() if repo}
        unlinked = [paper for paper, repo in repos.items() if not repo]
        with self._db.writing() as conn:
            for chunk in chunks(unlinked):
                conn.execute(delete(paper_repos).where(paper_repos.c.paper_id.in_(chunk)))
            if not linked:
                return
            new = self._db.insert(github_repos).values(
                [{"repo": repo, "status": "new"} for repo in sorted(set(linked.values()))]
            )
            conn.execute(new.on_conflict_do_nothing(index_elements=[github_repos.c.repo]))
            rows = [{"paper_id": p, "repo": r} for p, r in linked.items()]
            pairs = self._db.insert(paper_repos).values(rows)
            conn.execute(
                pairs.on_conflict_do_update(
                    index_elements=[paper_repos.c.paper_id], set_={"repo": pairs.excluded.repo}
                )
            )

    def repo_of(self, paper_id: str) -> str | None:
        with self._db.reading() as conn:
            repo: str | None = conn.scalar(
                select(paper_repos.c.repo).where(paper_repos.c.paper_id == paper_id)
            )
            return repo

    # ------------------------------------------------------------ checks

    def _due(self, before: datetime) -> list[Any]:
        linked = exists().where(paper_repos.c.repo == github_repos.c.repo)
        checked = github_repos.c.checked_at
        return [linked, checked.is_(None) | (checked < before)]

    def due(self, before: datetime, limit: int) -> list[DueRepo]:
        """Linked repositories not checked since `before`: never checked first, then those
        checked longest ago."""
        checked = github_repos.c.checked_at
        stmt = (
            select(github_repos.c.repo, github_repos.c.full_name, github_repos.c.etag)
            .where(*self._due(before))
            .order_by(case((checked.is_(None), 0), else_=1), checked, github_repos.c.repo)
            .limit(limit)
        )
        with self._db.reading() as conn:
            return [DueRepo(r.repo, r.full_name, r.etag) for r in conn.execute(stmt)]

    def count_due(self, before: datetime) -> int:
        stmt = select(func.count()).select_from(github_repos).where(*self._due(before))
        with self._db.reading() as conn:
            return int(conn.scalar(stmt) or 0)

    def record(
        self,
        repo: str,
        status: str,
        now: datetime,
        *,
        full_name: str | None = None,
        stars: int | None = None,
        etag: str | None = None,
        message: str | None = None,
    ) -> None:
        """What one check found, in one transaction. `status`: ok (a new count, which is the
        day's history row), unchanged (a 304: the count stands and is the day's row), missing
        or failed (with `message`; the last count stays in the history)."""
        values: dict[str, Any] = {"checked_at": now}
        if status == "ok":
            values.update(full_name=full_name, stars=stars, etag=etag, status="ok", message=None)
        elif status == "unchanged":
            values.update(status="ok", message=None)
            if etag:
                values["etag"] = etag
        elif status == "missing":
            values.update(status="missing", message=message, etag=None)
        else:
            values.update(status="failed", message=message)
        with self._db.writing() as conn:
            conn.execute(update(github_repos).where(github_repos.c.repo == repo).values(values))
            if status == "unchanged":
                stars = conn.scalar(select(github_repos.c.stars).where(github_repos.c.repo == repo))
            if status in ("ok", "unchanged") and stars is not None:
                row = self._db.insert(github_star_counts).values(
                    repo=repo, day=now.date(), stars=stars, recorded_at=now
                )
                conn.execute(
                    row.on_conflict_do_update(
                        index_elements=[github_star_counts.c.repo, github_star_counts.c.day],
                        set_={"stars": row.excluded.stars, "recorded_at": row.excluded.recorded_at},
                    )
                )

    def statuses(self) -> dict[str, int]:
        """How many linked repositories are in each status (new, ok, missing, failed)."""
        linked = exists().where(paper_repos.c.repo == github_repos.c.repo)
        stmt = (
            select(github_repos.c.status, func.count().label("n"))
            .where(linked)
            .group_by(github_repos.c.status)
        )
        with self._db.reading() as conn:
            found = {r.status: int(r.n) for r in conn.execute(stmt)}
        return {status: found.get(status, 0) for status in STATUSES}

    def history(self, repo: str) -> list[tuple[date, int]]:
        """A repository's counts, a day each, oldest first."""
        stmt = (
            select(github_star_counts.c.day, github_star_counts.c.stars)
            .where(github_star_counts.c.repo == repo)
            .order_by(github_star_counts.c.day)
        )
        with self._db.reading() as conn:
            return [(r.day, int(r.stars)) for r in conn.execute(stmt)]

    # ------------------------------------------------------------ what pages show

    @remembered
    def stars(self, paper_ids: Sequence[str]) -> dict[str, int]:
        """The latest count of each paper's repository, for the papers among `paper_ids`
        whose repository was counted and still exists."""
        with self._db.reading() as conn:
            return stars_of(conn, paper_ids)

    def gained(self, start: date) -> list[RepoStars]:
        """Every paper whose repository exists and has a count, with the stars it gained
        since `start`: the latest count minus the last one recorded on or before `start`, or,
        for a repository first counted after `start`, minus that first count."""
        counts = github_star_counts.c
        with self._db.reading() as conn:
            latest = self._counts_on(conn, select(counts.repo, func.max(counts.day)))
            before = self._counts_on(
                conn, select(counts.repo, func.max(counts.day)).where(counts.day <= start)
            )
            first = self._counts_on(
                conn, select(counts.repo, func.min(counts.day)).where(counts.day > start)
            )
            rows = conn.execute(
                select(paper_repos.c.paper_id, paper_repos.c.repo, github_repos.c.full_name)
                .join(github_repos, github_repos.c.repo == paper_repos.c.repo)
                .where(github_repos.c.status == "ok")
            ).all()
        out = []
        for r in rows:
            if r.repo not in latest:
                continue
            stars = latest[r.repo]
            base = before.get(r.repo, first.get(r.repo, stars))
            out.append(RepoStars(r.paper_id, r.full_name or r.repo, stars, stars - base))
        return out

    def _counts_on(self, conn: Connection, days: Select[Any]) -> dict[str, int]:
        """Each repository's count on the day `days` picks for it (repo, day)."""
        picked = days.group_by(github_star_counts.c.repo).subquery()
        repo_col, day_col = list(picked.c)
        stmt = select(github_star_counts.c.repo, github_star_counts.c.stars).join(
            picked,
            (github_star_counts.c.repo == repo_col) & (github_star_counts.c.day == day_col),
        )
        return {r.repo: int(r.stars) for r in conn.execute(stmt)}


# Built once (every listing reads its papers' stars); the ids are bound at execution.
_STARS = (
    select(paper_repos.c.paper_id, github_repos.c.stars)
    .join(github_repos, github_repos.c.repo == paper_repos.c.repo)
    .where(
        paper_repos.c.paper_id.in_(bindparam("ids", expanding=True)),
        github_repos.c.status == "ok",
        github_repos.c.stars.is_not(None),
    )
)


def stars_of(conn: Connection, paper_ids: Sequence[str]) -> dict[str, int]:
    """`Github.stars` on an open connection (`store.hf` shows these counts in HF's place)."""
    found: dict[str, int] = {}
    for chunk in chunks(list(paper_ids)):
        rows = conn.execute(_STARS, {"ids": list(chunk)})
        found.update({r.paper_id: int(r.stars) for r in rows})
    return found
