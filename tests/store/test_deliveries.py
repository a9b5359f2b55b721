"""The digest delivery ledger and the sending lease on real SQLite and PostgreSQL: a digest is
claimed by one run only, settled or left outstanding, failures in a row pause a subscription,
and one live `digest send` holds the lease at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from paperfeed.errors import Busy
from paperfeed.models import Subscription, SubscriptionContent
from paperfeed.store import Store
from paperfeed.store.deliveries import Delivery
from paperfeed.store.leases import LeaseHolder

NOW = datetime(2026, 3, 2, 6, 0)
DAY = "2026-03-02"
LEASE = "digest-send"


def _subscribe(store: Store, email: str) -> Subscription:
    return store.subscriptions.save(email, SubscriptionContent(), status="active", now=NOW)


def _reread(store: Store, sub: Subscription) -> Subscription:
    found = store.subscriptions.get(sub.id)
    assert found is not None
    return found


def _content(*ids: str) -> dict[str, Any]:
    return {"items": [{"id": i, "upvotes": 1, "why": []} for i in ids]}


def _new(sub: Subscription, key: str, holder: str, *ids: str) -> Delivery:
    """A digest composed by run `holder`, not yet in the ledger."""
    return Delivery(sub.id, key, "new", f"<{sub.id}.{key}@example.org>", _content(*ids), holder)


def _claimed(store: Store, sub: Subscription, key: str, *ids: str) -> Delivery:
    [won] = store.deliveries.claim([_new(sub, key, "run-a", *ids)], "run-a", NOW)
    return won


# ------------------------------------------------------------------------------ claims


def test_a_claim_records_the_digest_before_sending(store: Store) -> None:
    ada, bob = _subscribe(store, "ada@example.org"), _subscribe(store, "bob@example.org")
    new = [_new(ada, DAY, "run-a", "2603.00001"), _new(bob, DAY, "run-a", "2603.00002")]
    won = store.deliveries.claim(new, "run-a", NOW)
    assert won == [
        Delivery(
            ada.id, DAY, "claimed", f"<{ada.id}.{DAY}@example.org>", _content("2603.00001"), "run-a"
        ),
        Delivery(
            bob.id, DAY, "claimed", f"<{bob.id}.{DAY}@example.org>", _content("2603.00002"), "run-a"
        ),
    ]
    assert store.deliveries.get(ada.id, DAY) == won[0]
    assert store.deliveries.get(ada.id, "2026-03-03") is None
    assert store.deliveries.outstanding(DAY) == won
    assert store.deliveries.settled(DAY) == set()


def test_a_digest_is_claimed_once(store: Store) -> None:
    ada = _subscribe(store, "ada@example.org")
    first = _claimed(store, ada, DAY, "2603.00001")
    # another run composed the same digest (other papers, by then) and finds it taken
    assert store.deliveries.claim([_new(ada, DAY, "run-b", "2603.00009")], "run-b", NOW) == []
    assert store.deliveries.get(ada.id, DAY) == first


def test_an_outstanding_digest_is_taken_over_once(store: Store) -> None:
    ada = _subscribe(store, "ada@example.org")
    _claimed(store, ada, DAY, "2603.00001")  # run-a stopped before it knew the outcome
    [left] = store.deliveries.outstanding(DAY)
    later = NOW + timedelta(hours=1)
    [taken] = store.deliveries.claim([left], "run-b", later)
    assert (taken.holder, taken.status, taken.content) == ("run-b", "claimed", left.content)
    assert store.deliveries.get(ada.id, DAY) == taken
    # a third run that read the row before run-b took it over wins nothing
    assert store.deliveries.claim([left], "run-c", later) == []
    assert store.deliveries.get(ada.id, DAY) == taken


def test_a_deferred_digest_is_outstanding_and_taken_over(store: Store) -> None:
    ada = _subscribe(store, "ada@example.org")
    d = _claimed(store, ada, DAY, "2603.00001")
    store.deliveries.mark_deferred(d, "421 try again later")
    deferred = store.deliveries.get(ada.id, DAY)
    assert deferred == Delivery(
        ada.id, DAY, "deferred", d.message_id, d.content, "run-a", 1, "421 try again later"
    )
    assert store.deliveries.outstanding(DAY) == [deferred]
    assert store.deliveries.settled(DAY) == set()
    [taken] = store.deliveries.claim([deferred], "run-b", NOW + timedelta(days=1))
    assert (taken.status, taken.holder, taken.error, taken.attempts) == (
        "claimed",
        "run-b",
        None,
        1,
    )
    stored = store.deliveries.get(ada.id, DAY)
    assert stored is not None
    assert (stored.status, stored.holder, stored.attempts) == ("claimed", "run-b", 1)


# ------------------------------------------------------------------------- outcomes


def test_sent_and_failed_digests_are_settled(store: Store) -> None:
    ada, bob = _subscribe(store, "ada@example.org"), _subscribe(store, "bob@example.org")
    carol = _subscribe(store, "carol@example.org")
    sent, failed = _claimed(store, ada, DAY), _claimed(store, bob, DAY)
    waiting = _claimed(store, carol, DAY)
    sent_at = NOW + timedelta(minutes=1)
    store.deliveries.mark_sent(sent, sent_at)
    assert store.deliveries.mark_failed(failed, "550 no such user", sent_at, pause_after=3) is False
    assert store.deliveries.settled(DAY) == {ada.id, bob.id}
    assert store.deliveries.outstanding(DAY) == [waiting]
    assert store.deliveries.settled("2026-03-03") == set()
    assert store.deliveries.get(ada.id, DAY) == Delivery(
        ada.id, DAY, "sent", sent.message_id, sent.content, "run-a", 1, None, sent_at
    )
    assert store.deliveries.get(bob.id, DAY) == Delivery(
        bob.id, DAY, "failed", failed.message_id, failed.content, "run-a", 1, "550 no such user"
    )


def test_failures_in_a_row_pause_a_subscription_once(store: Store) -> None:
    ada = _subscribe(store, "ada@example.org")
    paused = [
        store.deliveries.mark_failed(_claimed(store, ada, day), "550 gone", NOW, pause_after=3)
        for day in ("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05")
    ]
    assert paused == [False, False, True, False]
    assert _reread(store, ada) == replace(
        ada,
        status="paused",
        failures=4,
        paused_reason="3 digests in a row were refused: 550 gone",
    )


def test_a_sent_digest_restarts_the_count_of_failures(store: Store) -> None:
    ada = _subscribe(store, "ada@example.org")
    for day in ("2026-03-02", "2026-03-03"):
        store.deliveries.mark_failed(_claimed(store, ada, day), "550 gone", NOW, pause_after=3)
    store.deliveries.mark_sent(_claimed(store, ada, "2026-03-04"), NOW, reset_failures=False)
    assert _reread(store, ada).failures == 2
    store.deliveries.mark_sent(_claimed(store, ada, "2026-03-05"), NOW)
    assert _reread(store, ada).failures == 0
    paused = [
        store.deliveries.mark_failed(_claimed(store, ada, day), "550 gone", NOW, pause_after=3)
        for day in ("2026-03-06", "2026-03-07")
    ]
    assert paused == [False, False]
    assert _reread(store, ada) == replace(ada, failures=2)


def test_sent_paper_ids_since_a_date(store: Store) -> None:
    ada, bob = _subscribe(store, "ada@example.org"), _subscribe(store, "bob@example.org")
    carol = _subscribe(store, "carol@example.org")
    old = _claimed(store, ada, "2026-02-01", "2602.00001")
    store.deliveries.mark_sent(old, datetime(2026, 2, 1, 6, 0))
    for key, ids in (
        ("2026-03-01", ("2603.00001", "2603.00002")),
        (DAY, ("2603.00002", "2603.00003")),
    ):
        store.deliveries.mark_sent(_claimed(store, ada, key, *ids), datetime.fromisoformat(key))
    store.deliveries.mark_sent(_claimed(store, bob, DAY, "2603.00004"), NOW)
    _claimed(store, bob, "2026-03-03", "2603.00005")  # claimed, not known to be sent
    deferred = _claimed(store, carol, DAY, "2603.00006")
    store.deliveries.mark_deferred(deferred, "421 later")
    since = datetime(2026, 3, 1)  # the first digest on that day counts
    assert store.deliveries.sent_paper_ids([ada.id, bob.id, carol.id], since) == {
        ada.id: {"2603.00001", "2603.00002", "2603.00003"},
        bob.id: {"2603.00004"},
    }
    assert store.deliveries.sent_paper_ids([bob.id], since) == {bob.id: {"2603.00004"}}
    assert store.deliveries.sent_paper_ids([], since) == {}


def test_history_is_newest_claim_first(store: Store) -> None:
    ada, bob = _subscribe(store, "ada@example.org"), _subscribe(store, "bob@example.org")
    for n in (3, 1, 2):
        d = _new(ada, f"2026-03-0{n}", "run-a")
        store.deliveries.claim([d], "run-a", NOW + timedelta(days=n))
    _claimed(store, bob, DAY)
    assert [d.period_key for d in store.deliveries.history(ada.id)] == [
        "2026-03-03",
        "2026-03-02",
        "2026-03-01",
    ]
    assert [d.period_key for d in store.deliveries.history(ada.id, limit=2)] == [
        "2026-03-03",
        "2026-03-02",
    ]
    assert store.deliveries.history(ada.id + bob.id) == []


# -------------------------------------------------------------------------------- lease

A = LeaseHolder("host-a:101:aaaa", "host-a", 101, NOW + timedelta(minutes=10))
B = LeaseHolder("host-b:202:bbbb", "host-b", 202, NOW + timedelta(minutes=20))


def _alive(_holder: LeaseHolder) -> bool:
    return False


def test_a_live_holder_keeps_the_lease(store: Store) -> None:
    ledger = store.deliveries
    ledger.acquire_lease(LEASE, A, NOW, _alive)
    with pytest.raises(Busy) as busy:
        ledger.acquire_lease(LEASE, B, NOW + timedelta(minutes=1), _alive)
    assert str(busy.value) == (
        "another `digest send` is running (pid 101 on host-a, lease until 2026-03-02 06:10:00 UTC)"
    )
    ledger.acquire_lease(LEASE, A, NOW + timedelta(minutes=2), _alive)  # its own again
    ledger.acquire_lease("other-lease", B, NOW, _alive)  # leases are held by name
    assert ledger.renew_lease(LEASE, A.holder, NOW + timedelta(minutes=30)) is True
    with pytest.raises(Busy, match="lease until 2026-03-02 06:30:00 UTC"):
        ledger.acquire_lease(LEASE, B, NOW + timedelta(minutes=25), _alive)


def test_a_released_lease_is_free(store: Store) -> None:
    ledger = store.deliveries
    ledger.acquire_lease(LEASE, A, NOW, _alive)
    ledger.release_lease(LEASE, B.holder)  # not B's to release
    with pytest.raises(Busy):
        ledger.acquire_lease(LEASE, B, NOW, _alive)
    ledger.release_lease(LEASE, A.holder)
    ledger.acquire_lease(LEASE, B, NOW, _alive)
    assert ledger.renew_lease(LEASE, A.holder, NOW + timedelta(hours=1)) is False


def test_an_expired_lease_is_taken_over(store: Store) -> None:
    ledger = store.deliveries
    ledger.acquire_lease(LEASE, A, NOW, _alive)
    ledger.acquire_lease(LEASE, B, A.expires_at, _alive)  # A's time is up at its expiry
    assert ledger.renew_lease(LEASE, A.holder, NOW + timedelta(hours=1)) is False
    assert ledger.renew_lease(LEASE, B.holder, NOW + timedelta(hours=1)) is True
    with pytest.raises(Busy, match=r"pid 202 on host-b, lease until 2026-03-02 07:00:00 UTC"):
        ledger.acquire_lease(LEASE, A, NOW + timedelta(minutes=30), _alive)


def test_a_lease_whose_holder_is_dead_is_taken_over(store: Store) -> None:
    ledger = store.deliveries
    asked: list[LeaseHolder] = []

    def dead(holder: LeaseHolder) -> bool:
        asked.append(holder)
        return True

    ledger.acquire_lease(LEASE, A, NOW, dead)
    assert asked == []  # a free lease needs no question
    ledger.acquire_lease(LEASE, B, NOW + timedelta(minutes=1), dead)
    assert asked == [A]
    assert ledger.renew_lease(LEASE, A.holder, NOW + timedelta(hours=1)) is False
    with pytest.raises(Busy, match="pid 202 on host-b"):
        ledger.acquire_lease(LEASE, A, NOW + timedelta(minutes=2), _alive)
