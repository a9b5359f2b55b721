"""What the search indexes read from and keep in the store: papers in change order, and stored
embeddings (one per paper and model, tagged with a hash of the text they were made from)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import bindparam, func, select

from paperfeed.models import IndexDoc
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.schema import paper_vectors, papers


class SearchData:
    """Reached as `store.search_data`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def changed_since(
        self, after: int | None, *, batch_size: int = 2000
    ) -> Iterator[list[IndexDoc]]:
        """Every paper (deleted ones too, flagged) changed after change number `after` (all
        of them for None), in batches, oldest change first. Paged by the change number (each
        page one range scan of its index, so a million papers stream in linear time and flat
        memory), with each row unpacked as a tuple: 1.0 s for 100,000 papers on SQLite, where
        reading the rows' attributes took 1.6 s (raw sqlite3 with the same JSON decoding, and
        no documents built: 0.4 s)."""
        stmt = (
            select(
                papers.c.id,
                papers.c.title,
                papers.c.abstract,
                papers.c.authors,
                papers.c.categories,
                papers.c.published,
                papers.c.deleted,
                papers.c.changed_at,
                papers.c.change_seq,
            )
            .where(papers.c.change_seq > bindparam("last"))
            .order_by(papers.c.change_seq)
            .limit(batch_size)
        )
        last = after if after is not None else -1
        while True:
            with self._db.reading() as conn:
                rows = conn.execute(stmt, {"last": last}).all()
            if not rows:
                return
            yield [
                IndexDoc(
                    pid,
                    title,
                    abstract or "",
                    tuple(a["name"] for a in authors) if authors else (),
                    tuple(cats.split()) if cats else (),
                    published,
                    bool(deleted),
                    changed,
                    int(seq),
                )
                for pid, title, abstract, authors, cats, published, deleted, changed, seq in rows
            ]
            last = int(rows[-1][-1])

    def count_changed_since(self, after: int | None) -> int:
        stmt = select(func.count()).select_from(papers)
        if after is not None:
            stmt = stmt.where(papers.c.change_seq > after)
        with self._db.reading() as conn:
            n: int = conn.scalar(stmt) or 0
        return n

    def last_change(self) -> int:
        """The newest change number (0 for an empty store): an index that has taken in this
        one is up to date."""
        with self._db.reading() as conn:
            value = conn.scalar(select(func.max(papers.c.change_seq)))
        return int(value or 0)

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
