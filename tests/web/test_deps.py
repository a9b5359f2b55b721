"""A write request is one unit of work (real SQLite and PostgreSQL, the app in-process): its
API token's use, its rate-limit count and its change commit together, or not at all; a token's
use is written at most once a minute, on reads and writes alike."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from hand_clock import HandClock
from sqlalchemy import event
from store_rows import rate_limit_hits

from paperfeed.store import Store


def _token(store: Store, email: str) -> tuple[int, str]:
    user = store.accounts.ensure_user(email)
    return user.id, store.accounts.create_api_token(user.id, "script")


def _last_used(store: Store, user_id: int) -> object:
    ((_id, _name, _created, last_used),) = store.accounts.api_tokens(user_id)
    return last_used


def test_a_failed_write_counts_nothing_and_records_no_use(site) -> None:  # type: ignore[no-untyped-def]
    store: Store = site.store
    user_id, token = _token(store, "script@example.org")
    auth = {"Authorization": f"Bearer {token}"}
    r = site.client.put("/api/v1/papers/2401.99999/vote", headers=auth)
    assert r.status_code == 404 and "no paper 2401.99999" in r.json()["error"]
    assert rate_limit_hits(store, f"vote:u{user_id}") == 0
    assert _last_used(store, user_id) is None


def test_a_write_commits_its_count_its_token_use_and_its_change(site) -> None:  # type: ignore[no-untyped-def]
    store: Store = site.store
    user_id, token = _token(store, "script@example.org")
    arxiv_id = store.papers.ids()[0]
    before = store.papers.upvote_counts([arxiv_id])[arxiv_id]
    r = site.client.put(
        f"/api/v1/papers/{arxiv_id}/vote", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200 and r.json()["upvotes"] == before + 1
    assert rate_limit_hits(store, f"vote:u{user_id}") == 1
    assert _last_used(store, user_id) is not None
    assert store.votes.voted(user_id, [arxiv_id]) == {arxiv_id}


def test_a_read_records_the_token_use(site) -> None:  # type: ignore[no-untyped-def]
    store: Store = site.store
    user_id, token = _token(store, "reader@example.org")
    r = site.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["id"] == user_id
    assert _last_used(store, user_id) is not None


def test_a_comment_refused_by_the_rate_limit_is_not_stored(site) -> None:  # type: ignore[no-untyped-def]
    store: Store = site.store
    user_id, token = _token(store, "talker@example.org")
    arxiv_id = store.papers.ids()[0]
    auth = {"Authorization": f"Bearer {token}"}
    before = len(store.comments.for_paper(arxiv_id))
    statuses = [
        site.client.post(
            f"/api/v1/papers/{arxiv_id}/comments", headers=auth, json={"body": f"note {i}"}
        ).status_code
        for i in range(11)
    ]
    assert statuses == [201] * 10 + [429]
    assert len(store.comments.for_paper(arxiv_id)) == before + 10
    assert rate_limit_hits(store, f"comment:u{user_id}") == 10


WRITE = re.compile(r"\s*(INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", re.IGNORECASE)


class Transactions:
    """What the engine runs, as (event, connection) in order: for telling which transaction
    each write ran in."""

    def __init__(self, store: Store) -> None:
        self.events: list[tuple[str, int]] = []
        self.engine = store.db.engine
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "before_cursor_execute", self._execute)

    def _begin(self, conn: Any) -> None:
        self.events.append(("begin", id(conn)))

    def _commit(self, conn: Any) -> None:
        self.events.append(("commit", id(conn)))

    def _execute(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        write = WRITE.match(statement)
        # Not the change stamp every SQLite write transaction bumps as it ends (store/memo.py).
        if write and "'writes'" not in statement:
            self.events.append((f"{write.group(1).split()[0]} {write.group(2)}", id(conn)))

    def close(self) -> None:
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "before_cursor_execute", self._execute)

    def committed(self) -> list[list[str]]:
        """The writes of each committed transaction; writes outside one fail the test."""
        done: list[list[str]] = []
        open_writes: dict[int, list[str]] = {}
        for name, conn in self.events:
            if name == "begin":
                open_writes[conn] = []
            elif name == "commit":
                done.append(open_writes.pop(conn))
            else:
                open_writes[conn].append(name)
        return done


@pytest.fixture
def transactions(site) -> Iterator[Transactions]:  # type: ignore[no-untyped-def]
    seen = Transactions(site.store)
    yield seen
    seen.close()


def test_a_vote_by_token_is_one_transaction(site, transactions: Transactions) -> None:  # type: ignore[no-untyped-def]
    store: Store = site.store
    _user_id, token = _token(store, "script@example.org")
    first, second = store.papers.ids()[:2]
    auth = {"Authorization": f"Bearer {token}"}
    transactions.events.clear()
    assert site.client.put(f"/api/v1/papers/{first}/vote", headers=auth).status_code == 200
    assert transactions.committed() == [["UPDATE api_tokens", "INSERT rate_limits", "INSERT votes"]]
    # Within the minute the token's use is not written again: the vote writes two rows.
    transactions.events.clear()
    assert site.client.put(f"/api/v1/papers/{second}/vote", headers=auth).status_code == 200
    assert transactions.committed() == [["INSERT rate_limits", "INSERT votes"]]


def test_a_tokens_use_is_recorded_once_a_minute(site, transactions: Transactions) -> None:  # type: ignore[no-untyped-def]
    store: Store = site.store
    user_id, token = _token(store, "reader@example.org")
    auth = {"Authorization": f"Bearer {token}"}
    arxiv_id = store.papers.ids()[0]
    start = datetime(2026, 8, 21, 12)
    clock = HandClock(start)
    store.db.clock = clock

    def read_at(seconds: int) -> object:
        clock.now = start + timedelta(seconds=seconds)
        assert site.client.get("/api/v1/me", headers=auth).status_code == 200
        return _last_used(store, user_id)

    assert read_at(0) == start
    transactions.events.clear()
    assert read_at(59) == start
    assert site.client.put(f"/api/v1/papers/{arxiv_id}/vote", headers=auth).status_code == 200
    assert _last_used(store, user_id) == start  # a write within the minute: not either
    assert transactions.committed() == [["INSERT rate_limits", "INSERT votes"]]
    assert read_at(60) == start + timedelta(seconds=60)
    clock.now = start + timedelta(seconds=125)
    assert site.client.delete(f"/api/v1/papers/{arxiv_id}/vote", headers=auth).status_code == 200
    assert _last_used(store, user_id) == start + timedelta(seconds=125)


@pytest.mark.parametrize(
    "path", ["/", "/papers/trending", "/api/daily_papers", "/papers/date/{day}", "/papers/{paper}"]
)
def test_reads_run_on_the_event_loop_on_sqlite_and_in_threads_on_postgresql(  # type: ignore[no-untyped-def]
    site, path: str
) -> None:
    store: Store = site.store
    paper = store.papers.ids()[0]
    day = store.listings.latest_day()
    threads: list[str] = []

    def execute(*_args: Any) -> None:
        threads.append(threading.current_thread().name)

    event.listen(store.db.engine, "before_cursor_execute", execute)
    try:
        r = site.client.get(path.format(paper=paper, day=day))
    finally:
        event.remove(store.db.engine, "before_cursor_execute", execute)
    assert r.status_code == 200, r.text
    assert threads
    # anyio names the threads of its pool; the event loop runs elsewhere (here in TestClient's
    # portal thread).
    in_pool = {name.startswith("AnyIO worker thread") for name in threads}
    assert in_pool == ({False} if store.db.dialect == "sqlite" else {True}), threads
