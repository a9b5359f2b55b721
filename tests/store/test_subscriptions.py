"""Digest subscriptions on real SQLite and PostgreSQL: saved whole with their rules, confirmed
once before their link expires, paused and resumed, removed with everything hanging off them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from store_rows import subscription_rules_of

from paperfeed.errors import NotFound
from paperfeed.models import Subscription, SubscriptionContent
from paperfeed.store import Store
from paperfeed.store.deliveries import Delivery

NOW = datetime(2026, 3, 2, 9, 0)
LATER = NOW + timedelta(hours=2)
EXPIRES = NOW + timedelta(days=2)
WEEKLY = SubscriptionContent(
    period="weekly",
    send_hour=7,
    top_n=10,
    min_upvotes=2,
    queries=("diffusion models",),
    categories=("cs.LG", "cs.CV"),
    authors=("Ada Lovelace",),
)


def _failed_once(store: Store, sub: Subscription, key: str) -> None:
    """A digest of `sub` refused by the server (a failure in a row)."""
    d = Delivery(sub.id, key, "new", f"<{key}@example.org>", {"items": []}, "run")
    store.deliveries.claim([d], "run", NOW)
    store.deliveries.mark_failed(d, "550 no such user", NOW, pause_after=99)


def test_save_creates_a_subscription(store: Store) -> None:
    sub = store.subscriptions.save(
        "ada@example.org",
        WEEKLY,
        status="pending",
        now=NOW,
        confirm_hash="h1",
        confirm_expires=EXPIRES,
    )
    expected = SubscriptionContent(
        period="weekly",
        send_hour=7,
        top_n=10,
        min_upvotes=2,
        queries=("diffusion models",),
        categories=("cs.CV", "cs.LG"),  # rules come back in order of their value
        authors=("Ada Lovelace",),
    )
    assert sub == Subscription(sub.id, "ada@example.org", "pending", expected, 0, None, NOW)
    assert store.subscriptions.get(sub.id) == sub
    assert store.subscriptions.by_email("ada@example.org") == sub
    assert store.subscriptions.by_email("bob@example.org") is None
    assert store.subscriptions.get(sub.id + 1) is None


def test_saving_again_replaces_content_status_and_rules(store: Store) -> None:
    first = store.subscriptions.save("ada@example.org", WEEKLY, status="active", now=NOW)
    daily = SubscriptionContent(period="daily", send_hour=6, categories=("math.AG",))
    second = store.subscriptions.save("ada@example.org", daily, status="unsubscribed", now=LATER)
    assert second == Subscription(first.id, "ada@example.org", "unsubscribed", daily, 0, None, NOW)
    assert subscription_rules_of(store, first.id) == [("category", "math.AG")]
    cleared = store.subscriptions.save(
        "ada@example.org", SubscriptionContent(), status="active", now=LATER
    )
    assert cleared.content == SubscriptionContent()
    assert subscription_rules_of(store, first.id) == []
    assert [s.id for s in store.subscriptions.find()] == [first.id]


def test_rules_are_kept_once_each_in_order_of_their_value(store: Store) -> None:
    content = SubscriptionContent(
        queries=("transformers", "attention", "transformers"),
        categories=("cs.LG", "cs.CL", "cs.LG"),
        authors=("Yoshua Bengio", "Ada Lovelace", "Yoshua Bengio"),
    )
    sub = store.subscriptions.save("ada@example.org", content, status="active", now=NOW)
    assert (sub.content.queries, sub.content.categories, sub.content.authors) == (
        ("attention", "transformers"),
        ("cs.CL", "cs.LG"),
        ("Ada Lovelace", "Yoshua Bengio"),
    )
    # one value under several kinds is one rule of each
    both = SubscriptionContent(queries=("cs.LG",), categories=("cs.LG",))
    sub = store.subscriptions.save("ada@example.org", both, status="active", now=NOW)
    assert subscription_rules_of(store, sub.id) == [("category", "cs.LG"), ("query", "cs.LG")]


def test_a_subscription_is_confirmed_once_by_its_hash(store: Store) -> None:
    pending = store.subscriptions.save(
        "ada@example.org",
        WEEKLY,
        status="pending",
        now=NOW,
        confirm_hash="h1",
        confirm_expires=EXPIRES,
    )
    assert store.subscriptions.confirm("wrong", LATER) is None
    active = store.subscriptions.confirm("h1", LATER)
    assert active == Subscription(
        pending.id, "ada@example.org", "active", pending.content, 0, None, NOW
    )
    assert store.subscriptions.confirm("h1", LATER) is None  # the hash was cleared
    assert store.subscriptions.get(pending.id) == active


def test_a_confirmation_works_until_it_expires(store: Store) -> None:
    for email, code in (("ada@example.org", "h1"), ("bob@example.org", "h2")):
        store.subscriptions.save(
            email,
            WEEKLY,
            status="pending",
            now=NOW,
            confirm_hash=code,
            confirm_expires=EXPIRES,
        )
    assert store.subscriptions.confirm("h2", EXPIRES + timedelta(seconds=1)) is None
    bob = store.subscriptions.by_email("bob@example.org")
    assert bob is not None and bob.status == "pending"
    confirmed = store.subscriptions.confirm("h1", EXPIRES)  # the last moment it is valid
    assert confirmed is not None and confirmed.status == "active"


def test_only_a_pending_subscription_is_confirmed(store: Store) -> None:
    store.subscriptions.save(
        "ada@example.org",
        WEEKLY,
        status="unsubscribed",
        now=NOW,
        confirm_hash="h1",
        confirm_expires=EXPIRES,
    )
    assert store.subscriptions.confirm("h1", LATER) is None
    ada = store.subscriptions.by_email("ada@example.org")
    assert ada is not None and ada.status == "unsubscribed"


def test_set_status_pauses_and_resumes(store: Store) -> None:
    sub = store.subscriptions.save("ada@example.org", WEEKLY, status="active", now=NOW)
    _failed_once(store, sub, "2026-W10")
    _failed_once(store, sub, "2026-W11")
    paused = store.subscriptions.set_status(sub.id, "paused", LATER, reason="bouncing")
    assert (paused.status, paused.paused_reason, paused.failures) == ("paused", "bouncing", 2)
    gone = store.subscriptions.set_status(sub.id, "unsubscribed", LATER)
    assert (gone.status, gone.paused_reason, gone.failures) == ("unsubscribed", None, 2)
    active = store.subscriptions.set_status(sub.id, "active", LATER)
    assert active == Subscription(sub.id, "ada@example.org", "active", sub.content, 0, None, NOW)
    with pytest.raises(NotFound, match="no subscription 999"):
        store.subscriptions.set_status(999, "active", LATER)


def test_saving_as_active_clears_a_pause(store: Store) -> None:
    sub = store.subscriptions.save("ada@example.org", WEEKLY, status="active", now=NOW)
    _failed_once(store, sub, "2026-W10")
    store.subscriptions.set_status(sub.id, "paused", LATER, reason="bouncing")
    pending = store.subscriptions.save("ada@example.org", WEEKLY, status="pending", now=LATER)
    assert (pending.status, pending.failures, pending.paused_reason) == ("pending", 1, "bouncing")
    active = store.subscriptions.save("ada@example.org", WEEKLY, status="active", now=LATER)
    assert (active.status, active.failures, active.paused_reason) == ("active", 0, None)


def test_remove_deletes_rules_and_ledger(store: Store) -> None:
    kept = store.subscriptions.save("bob@example.org", WEEKLY, status="active", now=NOW)
    sub = store.subscriptions.save("ada@example.org", WEEKLY, status="active", now=NOW)
    _failed_once(store, sub, "2026-W10")
    _failed_once(store, kept, "2026-W10")
    assert store.subscriptions.remove("ada@example.org") is True
    assert store.subscriptions.remove("ada@example.org") is False
    assert store.subscriptions.by_email("ada@example.org") is None
    assert subscription_rules_of(store, sub.id) == []
    assert store.deliveries.history(sub.id) == []
    assert store.deliveries.settled("2026-W10") == {kept.id}
    assert len(subscription_rules_of(store, kept.id)) == 4
    # a new subscription starts clean, even where the database gives it the removed one's id
    new = store.subscriptions.save(
        "carol@example.org", SubscriptionContent(), status="active", now=LATER
    )
    assert (new.content, new.failures) == (SubscriptionContent(), 0)
    assert subscription_rules_of(store, new.id) == []
    assert store.deliveries.history(new.id) == []


def test_find_by_status_and_period_in_address_order(store: Store) -> None:
    daily = SubscriptionContent(period="daily")
    weekly = SubscriptionContent(period="weekly")
    for email, content, status in (
        ("dan@example.org", daily, "active"),
        ("ada@example.org", weekly, "active"),
        ("carol@example.org", daily, "pending"),
        ("bob@example.org", daily, "active"),
    ):
        store.subscriptions.save(email, content, status=status, now=NOW)

    def emails(**kwargs: str) -> list[str]:
        return [s.email for s in store.subscriptions.find(**kwargs)]

    assert emails() == [
        "ada@example.org",
        "bob@example.org",
        "carol@example.org",
        "dan@example.org",
    ]
    assert emails(status="active") == ["ada@example.org", "bob@example.org", "dan@example.org"]
    assert emails(status="active", period="daily") == ["bob@example.org", "dan@example.org"]
    assert emails(period="daily") == ["bob@example.org", "carol@example.org", "dan@example.org"]
    assert emails(status="paused") == []
