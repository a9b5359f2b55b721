"""Comments: one level of replies, edited and deleted by their author, hidden by curators.
A deleted comment keeps its place (its replies stay readable) but loses its text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select, update

from paperfeed.errors import Forbidden, Invalid, NotFound
from paperfeed.models import Comment
from paperfeed.store.database import Database
from paperfeed.store.memo import remembered
from paperfeed.store.papers import require_paper
from paperfeed.store.schema import comments, users


def _comment(row: Any) -> Comment:
    return Comment(
        id=row.id,
        arxiv_id=row.paper_id,
        author=row.name,
        author_id=row.user_id,
        parent_id=row.parent_id,
        body="" if row.deleted else row.body,
        created_at=row.created_at,
        edited_at=row.edited_at,
        deleted=bool(row.deleted),
        hidden=bool(row.hidden),
    )


_SELECT = select(comments, users.c.name).join(users, users.c.id == comments.c.user_id)
# Built once (every listing counts its papers' comments); the ids are bound at execution.
_COUNTS = (
    select(comments.c.paper_id, func.count())
    .where(
        comments.c.paper_id.in_(bindparam("ids", expanding=True)),
        comments.c.deleted.is_(False),
        comments.c.hidden.is_(False),
    )
    .group_by(comments.c.paper_id)
)


class Comments:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, arxiv_id: str, user_id: int, body: str, parent_id: int | None = None) -> Comment:
        """A new comment; a reply to a reply joins its thread (one level of replies)."""
        with self._db.writing() as conn:
            require_paper(conn, arxiv_id)
            if parent_id is not None:
                parent = conn.execute(
                    select(comments.c.paper_id, comments.c.parent_id).where(
                        comments.c.id == parent_id
                    )
                ).first()
                if parent is None or parent.paper_id != arxiv_id:
                    raise Invalid("the comment you reply to is not on this paper")
                parent_id = parent.parent_id or parent_id
            new_id = conn.execute(
                comments.insert()
                .values(
                    paper_id=arxiv_id,
                    user_id=user_id,
                    parent_id=parent_id,
                    body=body,
                    created_at=self._db.now(),
                )
                .returning(comments.c.id)
            ).scalar_one()
        return self.get(new_id)

    def get(self, comment_id: int) -> Comment:
        with self._db.reading() as conn:
            row = conn.execute(_SELECT.where(comments.c.id == comment_id)).first()
        if row is None:
            raise NotFound(f"no comment {comment_id}")
        return _comment(row)

    def _own(self, comment_id: int, user_id: int) -> Comment:
        found = self.get(comment_id)
        if found.author_id != user_id:
            raise Forbidden("only its author can change a comment")
        if found.deleted:
            raise Invalid("this comment was deleted")
        return found

    def edit(self, comment_id: int, user_id: int, body: str) -> Comment:
        self._own(comment_id, user_id)
        with self._db.writing() as conn:
            conn.execute(
                update(comments)
                .where(comments.c.id == comment_id)
                .values(body=body, edited_at=self._db.now())
            )
        return self.get(comment_id)

    def delete(self, comment_id: int, user_id: int) -> None:
        self._own(comment_id, user_id)
        with self._db.writing() as conn:
            conn.execute(
                update(comments).where(comments.c.id == comment_id).values(deleted=True, body="")
            )

    def set_hidden(self, comment_id: int, hidden: bool) -> Comment:
        """Curators hide (or show again) a comment; its author still sees it marked hidden."""
        with self._db.writing() as conn:
            done = conn.execute(
                update(comments).where(comments.c.id == comment_id).values(hidden=hidden)
            )
            if done.rowcount == 0:
                raise NotFound(f"no comment {comment_id}")
        return self.get(comment_id)

    @remembered
    def for_paper(self, arxiv_id: str) -> list[Comment]:
        """Every comment on a paper, oldest first (the web layer decides what to show)."""
        with self._db.reading() as conn:
            rows = conn.execute(
                _SELECT.where(comments.c.paper_id == arxiv_id).order_by(comments.c.id)
            )
            return [_comment(r) for r in rows]

    @remembered
    def counts(self, ids: Sequence[str]) -> dict[str, int]:
        """Visible comments per paper among `ids`."""
        if not ids:
            return {}
        with self._db.reading() as conn:
            rows = conn.execute(_COUNTS, {"ids": list(ids)})
            return {r[0]: int(r[1]) for r in rows}
