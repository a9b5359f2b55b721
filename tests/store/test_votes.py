"""Votes on real SQLite and PostgreSQL: concurrent clicks from many users count exactly."""

from __future__ import annotations

import threading

from paperfeed.store import Store


def test_concurrent_votes_are_exact(store: Store) -> None:
    store.accounts.ensure_user("x@example.org")
    from paperfeed.models import Batch, Paper

    store.papers.write(Batch(papers=[Paper("2401.00002", "Votes")]))
    users = [store.accounts.ensure_user(f"u{i}@example.org") for i in range(12)]

    def click(uid: int) -> None:
        for _ in range(3):
            store.votes.cast(uid, "2401.00002", True)

    threads = [threading.Thread(target=click, args=(u.id,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.papers.upvote_counts(["2401.00002"]) == {"2401.00002": 12}
