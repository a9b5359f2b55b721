"""A write request is one unit of work (real SQLite and PostgreSQL, the app in-process): its
API token's use, its rate-limit count and its change commit together, or not at all."""

from __future__ import annotations

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
