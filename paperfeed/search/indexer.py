"""Bringing the search indexes up to date with the store, incrementally.

Each index remembers the last change number (`papers.change_seq`, the store's change feed) it
has taken in; a run reads only papers changed after it. Change numbers become visible in the
order they were taken (store/database.py `take_numbers`), so nothing committed late is missed
and nothing is read twice. Stored vectors are reused whenever the text they were made from is
unchanged, so a second machine sharing the database builds its vector index without embedding
anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

from paperfeed.models import IndexDoc
from paperfeed.search.embedder import Embedder, paper_text
from paperfeed.search.keyword_index import KeywordIndex
from paperfeed.search.state_file import StateFile
from paperfeed.search.vector_index import VectorIndex
from paperfeed.store import Store

# Documents per keyword-index commit (a commit is also where a killed run resumes from).
KEYWORD_COMMIT_EVERY = 50_000
READ_BATCH = 2000

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total)"""


def content_hash(doc: IndexDoc) -> str:
    return hashlib.blake2b(paper_text(doc.title, doc.abstract).encode(), digest_size=16).hexdigest()


def _seen(state: dict[str, Any]) -> int | None:
    """The last change number an index took in; None (read everything) for a new index or
    one written before change numbers existed."""
    seq = state.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def update_keyword(
    store: Store, index: KeywordIndex, *, rebuild: bool = False, progress: Progress | None = None
) -> int:
    """Bring the keyword index up to date; returns how many papers were (re)indexed."""
    if rebuild:
        index.clear()
    seen = _seen(index.state())
    total = store.search_data.count_changed_since(seen)
    done = 0
    pending: list[IndexDoc] = []
    last: int | None = None

    def flush() -> None:
        nonlocal pending
        if pending:
            index.update(pending)
            index.save_state({"seq": last})
            pending = []

    for batch in store.search_data.changed_since(seen, batch_size=READ_BATCH):
        pending.extend(batch)
        last = batch[-1].change_seq
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
    seen = _seen(data)
    total = store.search_data.count_changed_since(seen)
    done = embedded = reused = 0
    last: int | None = None
    for batch in store.search_data.changed_since(seen, batch_size=READ_BATCH):
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
        last = batch[-1].change_seq
        if progress:
            progress("vectors", done, total)
    if last is not None:
        index.save()
        state.write({"model": embedder.name, "seq": last})
    return embedded, reused
