"""Subscribing with double opt-in (on SQLite and PostgreSQL): what the form may ask for, what is
stored and mailed for a new, a pending and an active address, confirming once, and
unsubscribing by signed link, twice harmlessly, never with a forged one."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from digest_helpers import LINKS
from sqlalchemy import select

from paperfeed.digest.links import Links
from paperfeed.digest.subscribe import (
    DEFAULT_TOP_N,
    MAX_RULES,
    add_confirmed,
    check_unsubscribe_token,
    confirm,
    request_subscription,
    unsubscribe,
    validate_content,
)
from paperfeed.digest.tokens import hash_token, unsubscribe_token
from paperfeed.errors import Invalid, NotFound
from paperfeed.mail.message import Mail
from paperfeed.models import SubscriptionContent
from paperfeed.secret import Secret
from paperfeed.store import Store
from paperfeed.store.schema import subscriptions

NOW = datetime(2026, 11, 25, 9, 30)
CONFIRM = "http://paperfeed.test/digest/confirm/"
WEEKLY = SubscriptionContent(period="weekly", send_hour=7, categories=("quant-ph",))


@dataclass
class Sent:
    """A `send` for request_subscription that keeps what it was given."""

    mails: list[tuple[Mail, str]] = field(default_factory=list)

    def __call__(self, mail: Mail, link: str) -> None:
        self.mails.append((mail, link))

    def token(self) -> str:
        """The confirmation token of the last e-mail."""
        link = self.mails[-1][1]
        assert link.startswith(CONFIRM)
        return link.removeprefix(CONFIRM)


def plain_text(mail: Mail) -> str:
    msg = email.message_from_bytes(mail.raw, policy=default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def row(store: Store, address: str) -> dict[str, Any]:
    """What the table holds for `address` beyond the Subscription: the confirmation state."""
    c = subscriptions.c
    query = select(c.status, c.confirm_hash, c.confirm_expires, c.updated_at)
    with store.db.reading() as conn:
        return dict(conn.execute(query.where(c.email == address)).one()._mapping)


# ----------------------------------------------------------------- validate_content (pure)


def test_asking_for_nothing_means_the_top_trending() -> None:
    assert validate_content(SubscriptionContent()) == SubscriptionContent(top_n=DEFAULT_TOP_N)
    assert DEFAULT_TOP_N == 10
    assert validate_content(SubscriptionContent(queries=("x",))).top_n == 0
    assert validate_content(SubscriptionContent(top_n=3)).top_n == 3


def test_rules_are_tidied_blank_ones_dropped_and_repeats_kept_once() -> None:
    content = SubscriptionContent(
        period="weekly",
        send_hour=23,
        top_n=100,
        min_upvotes=2,
        queries=("  surface   code ", "surface code", "", "   ", "\tmagic\nstates"),
        categories=(" cs.LG ", "cs.LG", "quant-ph", "cond-mat.stat-mech"),
        authors=("Ada  Lovelace", "Ada Lovelace ", "Émile Zola"),
    )
    assert validate_content(content) == SubscriptionContent(
        period="weekly",
        send_hour=23,
        top_n=100,
        min_upvotes=2,
        queries=("surface code", "magic states"),
        categories=("cs.LG", "quant-ph", "cond-mat.stat-mech"),
        authors=("Ada Lovelace", "Émile Zola"),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (SubscriptionContent(period="monthly"), "period must be daily or weekly, got 'monthly'"),
        (SubscriptionContent(send_hour=24), "the sending hour is 0 to 23 (UTC), got 24"),
        (SubscriptionContent(send_hour=-1), "the sending hour is 0 to 23 (UTC), got -1"),
        (SubscriptionContent(top_n=101), "top trending papers: 0 to 100, got 101"),
        (SubscriptionContent(top_n=-1), "top trending papers: 0 to 100, got -1"),
        (SubscriptionContent(min_upvotes=-1), "the minimum of upvotes cannot be negative"),
        (
            SubscriptionContent(queries=tuple(f"q{i}" for i in range(MAX_RULES + 1))),
            "at most 20 of each kind (saved search)",
        ),
        (
            SubscriptionContent(categories=tuple(f"cs.{c}" for c in "ABCDEFGHIJKLMNOPQRSTU")),
            "at most 20 of each kind (category)",
        ),
        (
            SubscriptionContent(authors=tuple(f"Author {i}" for i in range(21))),
            "at most 20 of each kind (author)",
        ),
        (SubscriptionContent(queries=("q" * 501,)), "a saved search is at most 500 characters"),
        (SubscriptionContent(authors=("a" * 201,)), "an author name is at most 200 characters"),
        (
            SubscriptionContent(categories=("CS.LG",)),
            "not an arXiv category: 'CS.LG' (e.g. cs.LG, quant-ph)",
        ),
        (SubscriptionContent(categories=("cs LG",)), "not an arXiv category: 'cs LG'"),
        (SubscriptionContent(categories=("cs.",)), "not an arXiv category: 'cs.'"),
        (SubscriptionContent(categories=("cs.LG.x",)), "not an arXiv category: 'cs.LG.x'"),
        (SubscriptionContent(categories=("1cs",)), "not an arXiv category: '1cs'"),
        (SubscriptionContent(categories=("<b>",)), "not an arXiv category: '<b>'"),
        (SubscriptionContent(categories=("C" * 80,)), f"not an arXiv category: '{'C' * 50}' "),
    ],
)
def test_what_cannot_be_asked_for(content: SubscriptionContent, message: str) -> None:
    with pytest.raises(Invalid, match=re.escape(message)):
        validate_content(content)


def test_limits_are_inclusive_and_apply_after_tidying() -> None:
    at_limit = SubscriptionContent(
        send_hour=0,
        queries=("q" * 500, "two  spaces" + "q" * 490),  # 501 typed, 500 once tidied
        categories=(*(f"cs.{c}" for c in "ABCDEFGHIJKLMNOPQRST"), "cs.A"),  # 20 distinct
        authors=("a" * 200,),
    )
    tidy = validate_content(at_limit)
    assert [len(q) for q in tidy.queries] == [500, 500]
    assert len(tidy.categories) == MAX_RULES


def test_a_category_longer_than_any_is_invalid() -> None:
    with pytest.raises(Invalid, match="not an arXiv category"):
        validate_content(SubscriptionContent(categories=("a" * 501,)))


# ------------------------------------------------------------------- on the store


def test_a_new_address_is_pending_until_confirmed(store: Store) -> None:
    sent = Sent()
    sub = request_subscription(store, " Ada@Example.ORG ", WEEKLY, now=NOW, links=LINKS, send=sent)
    assert (sub.email, sub.status, sub.content) == ("ada@example.org", "pending", WEEKLY)
    ((mail, link),) = sent.mails
    token = sent.token()
    assert (mail.to, mail.header("Subject")) == (
        "ada@example.org",
        "=?utf-8?q?Confirm_your_paperfeed_digest_subscription?=",
    )
    assert link in plain_text(mail)
    assert row(store, "ada@example.org") == {
        "status": "pending",
        "confirm_hash": hash_token(token),  # only the hash is kept
        "confirm_expires": NOW + timedelta(days=7),
        "updated_at": NOW,
    }
    assert store.subscriptions.find(status="active") == []


def test_asking_again_while_pending_replaces_the_request(store: Store) -> None:
    sent = Sent()
    request_subscription(store, "ada@example.org", WEEKLY, now=NOW, links=LINKS, send=sent)
    first = sent.token()
    later = NOW + timedelta(hours=1)
    daily = SubscriptionContent(authors=("Ada Lovelace",))
    sub = request_subscription(store, "ada@example.org", daily, now=later, links=LINKS, send=sent)
    assert (sub.status, sub.content) == ("pending", daily)
    assert len(sent.mails) == 2 and sent.token() != first
    assert row(store, "ada@example.org")["confirm_hash"] == hash_token(sent.token())
    with pytest.raises(NotFound):
        confirm(store, first, now=later)  # the first link no longer works
    assert confirm(store, sent.token(), now=later).content == daily


def test_an_active_address_gets_a_note_and_nothing_changes(store: Store) -> None:
    active = add_confirmed(store, "ada@example.org", WEEKLY, now=NOW)
    assert active.status == "active"
    sent = Sent()
    asked = SubscriptionContent(period="daily", queries=("something else",))
    later = NOW + timedelta(days=1)
    got = request_subscription(store, "ADA@example.org", asked, now=later, links=LINKS, send=sent)
    assert got == active
    assert store.subscriptions.by_email("ada@example.org") == active
    assert row(store, "ada@example.org") == {
        "status": "active",
        "confirm_hash": None,
        "confirm_expires": None,
        "updated_at": NOW,
    }
    ((mail, link),) = sent.mails
    assert link == "http://paperfeed.test/settings"
    assert mail.header("Subject") == "=?utf-8?q?You_already_receive_the_paperfeed_digest?="
    assert "digest/confirm" not in plain_text(mail)


def test_a_bad_address_or_content_stores_and_sends_nothing(store: Store) -> None:
    sent = Sent()
    with pytest.raises(Invalid, match="not an e-mail address: 'ada'"):
        request_subscription(store, "ada", WEEKLY, now=NOW, links=LINKS, send=sent)
    with pytest.raises(Invalid, match="the sending hour is 0 to 23"):
        request_subscription(
            store,
            "ada@example.org",
            SubscriptionContent(send_hour=25),
            now=NOW,
            links=LINKS,
            send=sent,
        )
    assert sent.mails == [] and store.subscriptions.find() == []


def test_a_confirmation_link_works_once(store: Store) -> None:
    sent = Sent()
    request_subscription(store, "ada@example.org", WEEKLY, now=NOW, links=LINKS, send=sent)
    later = NOW + timedelta(days=1)
    sub = confirm(store, sent.token(), now=later)
    assert (sub.email, sub.status, sub.content) == ("ada@example.org", "active", WEEKLY)
    assert row(store, "ada@example.org") == {
        "status": "active",
        "confirm_hash": None,
        "confirm_expires": None,
        "updated_at": later,
    }
    message = "this confirmation link is unknown, already used or expired: subscribe again"
    with pytest.raises(NotFound, match=re.escape(message)):
        confirm(store, sent.token(), now=later)


def test_a_confirmation_link_expires_after_seven_days(store: Store) -> None:
    sent = Sent()
    request_subscription(store, "ada@example.org", WEEKLY, now=NOW, links=LINKS, send=sent)
    with pytest.raises(NotFound, match="unknown, already used or expired"):
        confirm(store, sent.token(), now=NOW + timedelta(days=7, seconds=1))
    assert confirm(store, sent.token(), now=NOW + timedelta(days=7)).status == "active"


@pytest.mark.parametrize("token", ["", "x" * 101])
def test_a_malformed_confirmation_link_is_invalid(store: Store, token: str) -> None:
    with pytest.raises(Invalid, match=r"^this confirmation link is malformed$"):
        confirm(store, token, now=NOW)


def test_an_unknown_confirmation_link_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="unknown, already used or expired"):
        confirm(store, "x" * 100, now=NOW)


def test_unsubscribing_twice_is_harmless(store: Store) -> None:
    sub = add_confirmed(store, "ada@example.org", WEEKLY, now=NOW)
    token = unsubscribe_token(LINKS.secret, sub.id, sub.email)
    later, latest = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    gone = unsubscribe(store, token, links=LINKS, now=later)
    assert (gone.id, gone.status, gone.content) == (sub.id, "unsubscribed", WEEKLY)
    assert unsubscribe(store, token, links=LINKS, now=latest) == gone
    assert row(store, "ada@example.org")["updated_at"] == later  # the repeat wrote nothing
    assert check_unsubscribe_token(store, token, LINKS) == gone


def test_an_unsubscribed_address_may_subscribe_again_with_a_new_confirmation(
    store: Store,
) -> None:
    sub = add_confirmed(store, "ada@example.org", WEEKLY, now=NOW)
    unsubscribe(store, unsubscribe_token(LINKS.secret, sub.id, sub.email), links=LINKS, now=NOW)
    sent = Sent()
    again = request_subscription(store, "ada@example.org", WEEKLY, now=NOW, links=LINKS, send=sent)
    assert (again.id, again.status) == (sub.id, "pending")
    assert confirm(store, sent.token(), now=NOW).status == "active"


def test_forged_unsubscribe_tokens_are_refused(store: Store) -> None:
    ada = add_confirmed(store, "ada@example.org", WEEKLY, now=NOW)
    bob = add_confirmed(store, "bob@example.org", WEEKLY, now=NOW)
    bobs = unsubscribe_token(LINKS.secret, bob.id, bob.email)
    forged = [
        f"{ada.id}.{bobs.partition('.')[2]}",  # Bob's signature on Ada's id
        unsubscribe_token(Secret("another-site"), ada.id, ada.email),
        unsubscribe_token(LINKS.secret, ada.id, "ada@other.example"),
        unsubscribe_token(LINKS.secret, 999, ada.email),  # no such subscription
        "junk",
        "",
        f"{ada.id}",
    ]
    message = "this unsubscribe link is not valid (it may be for an older address)"
    for token in forged:
        with pytest.raises(Invalid, match=re.escape(message)):
            unsubscribe(store, token, links=LINKS, now=NOW)
    assert [s.status for s in store.subscriptions.find()] == ["active", "active"]


def test_a_token_signed_with_a_rotated_secret_is_refused(store: Store) -> None:
    sub = add_confirmed(store, "ada@example.org", WEEKLY, now=NOW)
    token = unsubscribe_token(LINKS.secret, sub.id, sub.email)
    rotated = Links(LINKS.public_url, LINKS.mail_from, Secret("rotated"))
    with pytest.raises(Invalid, match="this unsubscribe link is not valid"):
        check_unsubscribe_token(store, token, rotated)
