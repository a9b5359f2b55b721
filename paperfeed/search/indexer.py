"""Bringing the search indexes up to date with the store, incrementally.

Each index remembers the last change (`papers.changed_at`) it has taken in; a run reads only
papers changed since then, with a safety overlap for transactions that committed late. Stored
vectors are reused whenever the text they were made from is unchanged, so a second machine
sharing the database builds its vector index without embedding anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from paperfeed.clock import utcnow
from paperfeed.models import IndexDoc
from paperfeed.search.embedder import Embedder, paper_text
from paperfeed.search.keyword_index import KeywordIndex
from paperfeed.search.state_file import StateFile
from paperfeed.search.vector_index import VectorIndex
from paperfeed.store import Store

# Re-read changes this far behind the last one seen: a transaction that started before the
# last index run but committed after it carries an older `changed_at` (an import batch
# commits within a second or two; two minutes also covers modest clock skew between writers).
# Longer would make the run after a bulk import re-read most of it.
OVERLAP = timedelta(minutes=2)
# Documents per keyword-index commit (a commit is also where a killed run resumes from).
KEYWORD_COMMIT_EVERY = 50_000
READ_BATCH = 2000

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total)"""


@dataclass(slots=True)
class IndexReport:
    keyword_updated: int = 0
    keyword_total: int = 0
    embedded: int = 0
    vectors_reused: int = 0
    vectors_total: int = 0
    semantic: str | None = None  # why there is no vector index, when there is none

    def line(self) -> str:
        out = f"keyword index: {self.keyword_updated} updated, {self.keyword_total} papers"
        if self.semantic:
            return f"{out}; semantic index: off ({self.semantic})"
        return (
            f"{out}; vectors: {self.embedded} embedded, {self.vectors_reused} reused from "
            f"the store, {self.vectors_total} in the index"
        )


def content_hash(doc: IndexDoc) -> str:
    return hashlib.blake2b(paper_text(doc.title, doc.abstract).encode(), digest_size=16).hexdigest()


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _since(state: dict[str, Any]) -> datetime | None:
    """Where a run starts reading: at the last change seen, or earlier by `OVERLAP` for
    changes that were in flight when the last run read. Once the last run read long after
    its last change (a bulk import finished well before), nothing is re-read."""
    watermark = _parse_time(state.get("watermark"))
    if watermark is None:
        return None
    read_at = _parse_time(state.get("read_at")) or watermark
    return min(watermark, read_at - OVERLAP)


def update_keyword(
    store: Store, index: KeywordIndex, *, rebuild: bool = False, progress: Progress | None = None
) -> int:
    """Bring the keyword index up to date; returns how many papers were (re)indexed."""
    if rebuild:
        index.clear()
    read_at = utcnow()
    since = _since(index.state())
    total = store.search_data.count_changed_since(since)
    done = 0
    pending: list[IndexDoc] = []
    watermark: datetime | None = None

    def flush() -> None:
        nonlocal pending
        if pending:
            index.update(pending)
            index.save_state(
                {
                    "watermark": watermark.isoformat() if watermark else None,
                    "read_at": read_at.isoformat(),
                }
            )
            pending = []

    for batch in store.search_data.changed_since(since, batch_size=READ_BATCH):
        pending.extend(batch)
        watermark = batch[-1].changed_at
        done += len(batch)
        if len(pending) >= KEYWORD_COMMIT_EVERY:
            flush()
        if progress:
            progress("keyword", done, total)
    flush()
    return done


def update_vectors(
    store: Store,
    embedder: Embedder,
    index: VectorIndex,
    state: StateFile,
    *,
    progress: Progress | None = None,
    embed_batch: int = 256,
) -> tuple[int, int]:
    """Bring stored vectors and the ANN index up to date; returns (embedded, reused)."""
    data = state.read()
    if data.get("model") not in (None, embedder.name):
        data = {}
    read_at = utcnow()
    since = _since(data)
    total = store.search_data.count_changed_since(since)
    done = embedded = reused = 0
    watermark: datetime | None = None
    for batch in store.search_data.changed_since(since, batch_size=READ_BATCH):
        gone = [d.arxiv_id for d in batch if d.deleted]
        live = [d for d in batch if not d.deleted]
        if gone:
            index.remove(gone)
        ids = [d.arxiv_id for d in live]
        hashes = {d.arxiv_id: content_hash(d) for d in live}
        stored = store.search_data.vector_hashes(embedder.name, ids)
        stale = [d for d in live if stored.get(d.arxiv_id) != hashes[d.arxiv_id]]
        fresh = [d.arxiv_id for d in live if stored.get(d.arxiv_id) == hashes[d.arxiv_id]]
        vectors: dict[str, np.ndarray] = {}
        for i in range(0, len(stale), embed_batch):
            part = stale[i : i + embed_batch]
            matrix = embedder.embed([paper_text(d.title, d.abstract) for d in part])
            rows = []
            for d, vec in zip(part, matrix, strict=True):
                v = np.ascontiguousarray(vec, dtype="<f4")
                vectors[d.arxiv_id] = v
                rows.append((d.arxiv_id, hashes[d.arxiv_id], embedder.dim, v.tobytes()))
            store.search_data.put_vectors(embedder.name, rows)
        # Stored vectors whose text is unchanged go into the index only where it lacks them
        # or holds another vector (another machine re-embedded a changed paper): re-adding
        # a million unchanged vectors after a bulk import would rebuild the graph for nothing.
        indexed = index.vectors(fresh)
        for pid, raw in store.search_data.vectors(embedder.name, fresh).items():
            vec = np.frombuffer(raw, dtype="<f4")
            have = indexed.get(pid)
            if have is None or not np.allclose(have, vec, atol=2e-3):
                vectors[pid] = vec
        if vectors:
            order = sorted(vectors)
            index.upsert(order, np.vstack([vectors[p] for p in order]).astype(np.float32))
        embedded += len(stale)
        reused += len(fresh)
        done += len(batch)
        watermark = batch[-1].changed_at
        if progress:
            progress("vectors", done, total)
    if watermark is not None:
        index.save()
        state.write(
            {
                "model": embedder.name,
                "watermark": watermark.isoformat(),
                "read_at": read_at.isoformat(),
            }
        )
    return embedded, reused
