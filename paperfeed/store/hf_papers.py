"""What Hugging Face says about papers beyond what `papers` models (`HfFields`): written with
each import batch, read back by the HF-compatible API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select

from paperfeed.errors import NotFound
from paperfeed.models import HfFields
from paperfeed.store.chunks import chunks
from paperfeed.store.database import Database
from paperfeed.store.github import stars_of
from paperfeed.store.memo import remembered
from paperfeed.store.schema import hf_papers, papers

# Built once (every listing reads its papers' HF fields); the ids are bound at execution.
_FIELDS = (
    select(hf_papers.c.paper_id, hf_papers.c.fields, hf_papers.c.num_comments, papers.c.code_url)
    .join(papers, papers.c.id == hf_papers.c.paper_id)
    .where(hf_papers.c.paper_id.in_(bindparam("ids", expanding=True)))
)


class HfPapers:
    """Reached as `store.hf`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @remembered
    def get_many(self, ids: Sequence[str]) -> dict[str, HfFields]:
        """The HF fields of the papers among `ids` that have them, keyed by id. Where the
        `github-stars` job counted a paper's repository, `paper.githubStars` is that count
        (fresher than HF's), for papers from HF or not; HF's count is left out where the
        paper's code link is no longer the repository HF counted (a member set another)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, HfFields] = {}
        with self._db.reading() as conn:
            for chunk in chunks(wanted):
                for r in conn.execute(_FIELDS, {"ids": list(chunk)}):
                    found[r.paper_id] = _for_link(
                        HfFields(r.paper_id, r.fields, r.num_comments), r.code_url
                    )
            stars = stars_of(conn, wanted)
        for paper_id, count in stars.items():
            hf = found.get(paper_id)
            fields = dict(hf.fields) if hf is not None else {}
            paper = fields.get("paper")
            fields["paper"] = {**(paper if isinstance(paper, dict) else {}), "githubStars": count}
            found[paper_id] = HfFields(paper_id, fields, hf.num_comments if hf else 0)
        return found


def _for_link(hf: HfFields, code_url: str | None) -> HfFields:
    """`hf` without HF's `githubStars` when the paper's code link now points somewhere else
    than the `githubRepo` HF counted them for (a member set another)."""
    paper = _paper_part(hf.fields)
    if "githubStars" not in paper or _same_repo(code_url, paper.get("githubRepo")):
        return hf
    kept = {k: v for k, v in paper.items() if k != "githubStars"}
    return HfFields(hf.arxiv_id, {**hf.fields, "paper": kept}, hf.num_comments)


def _paper_part(fields: Any) -> dict[str, Any]:
    paper = fields.get("paper") if isinstance(fields, dict) else None
    return paper if isinstance(paper, dict) else {}


def _same_repo(a: object, b: object) -> bool:
    """Two code links to the same GitHub repository (case, a trailing slash or `.git` aside)."""

    def plain(url: object) -> str:
        text = str(url or "").strip().lower().rstrip("/")
        return text.removesuffix(".git")

    return plain(a) == plain(b)


def _listed_at(fields: Any) -> str:
    paper = fields.get("paper") if isinstance(fields, dict) else None
    value = paper.get("submittedOnDailyAt") if isinstance(paper, dict) else None
    return value if isinstance(value, str) else ""


def _fresher(old: tuple[Any, int], new: tuple[Any, int]) -> tuple[Any, int]:
    """What to keep of a paper HF listed again: the fields of its latest listing (an older
    response imported again does not bring back older values), and the larger comment count
    (counts only grow), so importing the same responses in any order gives one result."""
    fields = new[0] if _listed_at(new[0]) >= _listed_at(old[0]) else old[0]
    return fields, max(old[1], new[1])


def write_hf_fields(db: Database, conn: Connection, items: Sequence[HfFields]) -> int:
    """Upsert the HF fields of a batch in the open transaction; rows that would not change
    are left alone (a re-import of the same response writes nothing). Returns how many rows
    were written; NotFound for a paper the store does not have."""
    if not items:
        return 0
    incoming = {i.arxiv_id: i for i in items}  # the last of a paper's rows in a batch wins
    known: set[str] = set()
    existing: dict[str, tuple[Any, int]] = {}
    for chunk in chunks(sorted(incoming)):
        rows = conn.execute(
            select(papers.c.id, hf_papers.c.fields, hf_papers.c.num_comments)
            .outerjoin(hf_papers, hf_papers.c.paper_id == papers.c.id)
            .where(papers.c.id.in_(chunk))
        )
        for paper_id, fields, num_comments in rows:
            known.add(paper_id)
            if fields is not None:
                existing[paper_id] = (fields, num_comments)
    missing = incoming.keys() - known
    if missing:
        raise NotFound(f"unknown paper(s): {', '.join(sorted(missing)[:5])}")
    now = db.now()
    rows_out = []
    for i in incoming.values():
        new = (i.fields, i.num_comments)
        old = existing.get(i.arxiv_id)
        if old is not None:
            new = _fresher(old, new)
        if old != new:
            rows_out.append(
                {
                    "paper_id": i.arxiv_id,
                    "fields": new[0],
                    "num_comments": new[1],
                    "updated_at": now,
                }
            )
    if rows_out:
        stmt = db.insert(hf_papers)
        stmt = stmt.on_conflict_do_update(
            index_elements=[hf_papers.c.paper_id],
            set_={
                "fields": stmt.excluded.fields,
                "num_comments": stmt.excluded.num_comments,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        conn.execute(stmt, rows_out)
    return len(rows_out)
