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
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from paperfeed.search.embedder import Embedder, paper_text
from paperfeed.search.keyword_index import KeywordIndex
from paperfeed.search.state_file import StateFile
from paperfeed.search.vector_index import VectorIndex
from paperfeed.store import Store

# Documents per keyword-index commit: where a killed run resumes from. Not much more often:
# a commit drains tantivy's indexing pipeline, whose thread then waits on the commit.
KEYWORD_COMMIT_EVERY = 100_000
READ_BATCH = 2000

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total)"""


def _text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


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
    done = uncommitted = 0
    last: int | None = None
    with index.writing() as writer:
        for batch in store.search_data.changed_since(seen, batch_size=READ_BATCH):
            writer.put(batch)
            done += len(batch)
            uncommitted += len(batch)
            last = batch[-1].change_seq
            if uncommitted >= KEYWORD_COMMIT_EVERY:
                writer.commit()
                index.save_state({"seq": last})
                uncommitted = 0
            if progress:
                progress("keyword", done, total)
        if uncommitted:
            writer.commit()
            index.save_state({"seq": last})
            if progress:
                progress("keyword", done, total)
    return done


def update_vectors(
    store: Store,
    embedder: Embedder,
    index: VectorIndex,
    state: StateFile,
    *,
    progress: Progress | None = None,
    embed_batch: int = 1024,
) -> tuple[int, int]:
    """Bring stored vectors and the ANN index up to date; returns (embedded, reused).

    A batch's vectors go into the ANN graph on a thread of their own while the next batch is
    embedded (usearch releases the GIL while it adds), so the two costs overlap instead of
    adding up: with one inserting thread, which keeps the graph the same on every machine
    (vector_index.py), the phase ran at 1.02-1.07x the speed of model2vec's `encode`
    followed by a two-thread usearch `add` at 20,000 papers (bench/search.py measures it)."""
    data = state.read()
    if data.get("model") not in (None, embedder.name):
        data = {}
    seen = _seen(data)
    total = store.search_data.count_changed_since(seen)
    done = embedded = reused = 0
    last: int | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ann-add") as adding:
        added: Future[None] | None = None
        for batch in store.search_data.changed_since(seen, batch_size=READ_BATCH):
            live = [d for d in batch if not d.deleted]
            texts = {d.arxiv_id: paper_text(d.title, d.abstract) for d in live}
            hashes = {pid: _text_hash(text) for pid, text in texts.items()}
            stored = store.search_data.vector_hashes(embedder.name, list(texts))
            stale = [pid for pid in texts if stored.get(pid) != hashes[pid]]
            fresh = [pid for pid in texts if stored.get(pid) == hashes[pid]]
            vectors = _embed(store, embedder, stale, texts, hashes, embed_batch)
            # The graph is touched by one thread at a time: the previous batch's add ends here.
            if added is not None:
                added.result()
            index.remove([d.arxiv_id for d in batch if d.deleted])
            # Stored vectors whose text is unchanged go into the index only where it lacks
            # them or holds another vector (another machine re-embedded a changed paper):
            # re-adding a million unchanged vectors after a bulk import would rebuild the
            # graph for nothing.
            indexed = index.vectors(fresh)
            for pid, raw in store.search_data.vectors(embedder.name, fresh).items():
                vec = np.frombuffer(raw, dtype="<f4")
                have = indexed.get(pid)
                if have is None or not np.allclose(have, vec, atol=2e-3):
                    vectors[pid] = vec
            added = adding.submit(_add, index, vectors) if vectors else None
            embedded += len(stale)
            reused += len(fresh)
            done += len(batch)
            last = batch[-1].change_seq
            if progress:
                progress("vectors", done, total)
        if added is not None:
            added.result()
    if last is not None:
        index.save()
        state.write({"model": embedder.name, "seq": last})
    return embedded, reused


def _embed(
    store: Store,
    embedder: Embedder,
    ids: list[str],
    texts: dict[str, str],
    hashes: dict[str, str],
    embed_batch: int,
) -> dict[str, np.ndarray]:
    """Embed the texts of `ids` and store their vectors; returns them by paper id."""
    vectors: dict[str, np.ndarray] = {}
    for i in range(0, len(ids), embed_batch):
        part = ids[i : i + embed_batch]
        matrix = embedder.embed([texts[pid] for pid in part])
        rows = []
        for pid, vec in zip(part, matrix, strict=True):
            v = np.ascontiguousarray(vec, dtype="<f4")
            vectors[pid] = v
            rows.append((pid, hashes[pid], embedder.dim, v.tobytes()))
        store.search_data.put_vectors(embedder.name, rows)
    return vectors


def _add(index: VectorIndex, vectors: dict[str, np.ndarray]) -> None:
    order = sorted(vectors)
    matrix = np.vstack([vectors[p] for p in order]).astype(np.float32)
    index.upsert(order, matrix)
