"""What the search indexes read from and keep in the store: papers in change order, and stored
embeddings (one per paper and model, tagged with a hash of the text they were made from)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from paperfeed.models import IndexDoc
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.schema import paper_vectors, papers


class SearchData:
    """Reached as `store.search_data`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def changed_since(
        self, since: datetime | None, *, batch_size: int = 2000
    ) -> Iterator[list[IndexDoc]]:
        """Every paper (deleted ones too, flagged) whose `changed_at` >= `since`, in batches,
        oldest change first; keyset-paged, so it streams a million papers in flat memory."""
        cols = (
            papers.c.id,
            papers.c.title,
            papers.c.abstract,
            papers.c.authors,
            papers.c.categories,
            papers.c.published,
            papers.c.deleted,
            papers.c.changed_at,
        )
        after: tuple[datetime, str] | None = None
        while True:
            stmt = select(*cols).order_by(papers.c.changed_at, papers.c.id).limit(batch_size)
            if since is not None:
                stmt = stmt.where(papers.c.changed_at >= since)
            if after is not None:
                at, pid = after
                stmt = stmt.where(
                    or_(
                        papers.c.changed_at > at,
                        and_(papers.c.changed_at == at, papers.c.id > pid),
                    )
                )
            with self._db.reading() as conn:
                rows = conn.execute(stmt).all()
            if not rows:
                return
            yield [
                IndexDoc(
                    arxiv_id=r.id,
                    title=r.title,
                    abstract=r.abstract or "",
                    authors=tuple(a["name"] for a in (r.authors or ())),
                    categories=tuple(r.categories.split()) if r.categories else (),
                    published=r.published,
                    deleted=bool(r.deleted),
                    changed_at=r.changed_at,
                )
                for r in rows
            ]
            last = rows[-1]
            after = (last.changed_at, last.id)

    def count_changed_since(self, since: datetime | None) -> int:
        stmt = select(func.count()).select_from(papers)
        if since is not None:
            stmt = stmt.where(papers.c.changed_at >= since)
        with self._db.reading() as conn:
            n: int = conn.scalar(stmt) or 0
        return n

    def last_change(self) -> datetime | None:
        with self._db.reading() as conn:
            value: datetime | None = conn.scalar(select(func.max(papers.c.changed_at)))
        return value

    def vector_hashes(self, model: str, ids: Sequence[str]) -> dict[str, str]:
        """The content hash of each stored vector of `model` among `ids`."""
        found: dict[str, str] = {}
        with self._db.reading() as conn:
            for chunk in chunks(ids):
                rows = conn.execute(
                    select(paper_vectors.c.paper_id, paper_vectors.c.content_hash).where(
                        paper_vectors.c.model == model, paper_vectors.c.paper_id.in_(chunk)
                    )
                )
                found.update({r.paper_id: r.content_hash for r in rows})
        return found

    def vectors(self, model: str, ids: Sequence[str]) -> dict[str, bytes]:
        """Stored vectors (little-endian float32 bytes) of `model` among `ids`."""
        found: dict[str, bytes] = {}
        with self._db.reading() as conn:
            for chunk in chunks(ids):
                rows = conn.execute(
                    select(paper_vectors.c.paper_id, paper_vectors.c.vector).where(
                        paper_vectors.c.model == model, paper_vectors.c.paper_id.in_(chunk)
                    )
                )
                found.update({r.paper_id: bytes(r.vector) for r in rows})
        return found

    def put_vectors(self, model: str, rows: Sequence[tuple[str, str, int, bytes]]) -> None:
        """Store (paper id, content hash, dim, vector bytes) rows of `model`, replacing old ones,
        in one transaction."""
        if not rows:
            return
        stmt = self._db.insert(paper_vectors)
        stmt = stmt.on_conflict_do_update(
            index_elements=[paper_vectors.c.model, paper_vectors.c.paper_id],
            set_={
                "content_hash": stmt.excluded.content_hash,
                "dim": stmt.excluded.dim,
                "vector": stmt.excluded.vector,
            },
        )
        with self._db.writing() as conn:
            conn.execute(
                stmt,
                [
                    {"model": model, "paper_id": p, "content_hash": h, "dim": d, "vector": v}
                    for p, h, d, v in rows
                ],
            )

    def count_vectors(self, model: str) -> int:
        with self._db.reading() as conn:
            n: int = (
                conn.scalar(
                    select(func.count())
                    .select_from(paper_vectors)
                    .where(paper_vectors.c.model == model)
                )
                or 0
            )
        return n
