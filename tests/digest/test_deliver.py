"""Sending digests through a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

import pytest
from digest_helpers import LINKS, add_papers, term_search
from loopback import free_port
from smtp_server import SmtpServer, running_smtp

from paperfeed.digest.deliver import LEASE, PAUSE_AFTER, DigestSender, plan
from paperfeed.digest.schedule import period_containing
from paperfeed.digest.subscribe import add_confirmed, check_unsubscribe_token
from paperfeed.errors import Busy, DeliveryFailed
from paperfeed.mail.smtp import SmtpClient, SmtpConfig
from paperfeed.models import SubscriptionContent
from paperfeed.store import Store
from paperfeed.store.leases import LeaseHolder

DAY = datetime(2026, 11, 25)
PERIOD = period_containing("daily", DAY.date())
NOW = datetime(2026, 11, 26, 7)


def sender(store: Store, mailer: SmtpClient) -> DigestSender:
    return DigestSender(store, mailer, LINKS, term_search(store), clock=lambda: NOW)


def subscribe_three(store: Store) -> None:
    add_confirmed(store, "cat@example.org", SubscriptionContent(categories=("cs.LG",)), now=NOW)
    add_confirmed(store, "q@example.org", SubscriptionContent(queries=("surface 3",)), now=NOW)
    add_confirmed(store, "top@example.org", SubscriptionContent(top_n=2), now=NOW)
    # Matches nothing this period: an empty digest is not sent.
    add_confirmed(store, "none@example.org", SubscriptionContent(categories=("math.AG",)), now=NOW)


def test_one_message_per_due_subscriber_then_nothing_more(store: Store, smtp: SmtpServer) -> None:
    add_papers(store, DAY, 6)
    add_papers(store, DAY - timedelta(days=3), 2, start=50)  # an older period: never sent
    subscribe_three(store)
    with smtp.client() as mailer:
        summary = sender(store, mailer).run()
    assert (summary.sent, summary.empty, summary.periods) == (3, 1, ["2026-11-25", "2026-W47"])
    assert sorted(m["To"] for m in smtp.recorder.messages) == [
        "cat@example.org",
        "q@example.org",
        "top@example.org",
    ]
    (msg,) = smtp.recorder.to("cat@example.org")
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Quantum error correction with surface codes 5" in text and "new in cs.LG" in html
    assert "https://arxiv.org/abs/2611.00005" in text and "2611.00050" not in text
    # RFC 8058: an https/http URI in angle brackets, and the one-click marker.
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = msg["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://paperfeed.test/digest/unsubscribe/")
    token = unsubscribe.strip("<>").rsplit("/", 1)[1]
    assert check_unsubscribe_token(store, token, LINKS).email == "cat@example.org"
    assert msg["Message-ID"].startswith("<digest.") and "@paperfeed.test>" in msg["Message-ID"]
    (top,) = smtp.recorder.to("top@example.org")
    assert "trending: #1 with 6 upvotes" in top.get_body(("plain",)).get_content()

    with smtp.client() as mailer:
        again = sender(store, mailer).run()
    assert (again.sent, again.already) == (0, 3)
    assert len(smtp.recorder.messages) == 3


def test_not_due_before_the_sending_hour(store: Store, smtp: SmtpServer) -> None:
    add_papers(store, DAY, 2)
    add_confirmed(store, "late@example.org", SubscriptionContent(top_n=3, send_hour=9), now=NOW)
    assert [p.fresh for p in plan(store, NOW)] == [[], []]
    assert [s.email for s in plan(store, NOW + timedelta(hours=2))[0].fresh] == ["late@example.org"]


def test_transient_failures_are_retried(store: Store, smtp: SmtpServer) -> None:
    add_papers(store, DAY, 3)
    add_confirmed(store, "a@example.org", SubscriptionContent(top_n=2), now=NOW)
    smtp.recorder.transient = ["451 4.3.0 Try again later", "421 4.7.0 Closing"]
    with smtp.client() as mailer:
        summary = sender(store, mailer).run(period=PERIOD)
    assert (summary.sent, summary.deferred) == (1, 0)
    assert len(smtp.recorder.to("a@example.org")) == 1
    assert store.deliveries.get(1, PERIOD.key).status == "sent"  # type: ignore[union-attr]


def test_a_transient_failure_that_persists_is_deferred_to_the_next_run(
    store: Store, smtp: SmtpServer
) -> None:
    add_papers(store, DAY, 3)
    add_confirmed(store, "a@example.org", SubscriptionContent(top_n=2), now=NOW)
    smtp.recorder.transient = ["452 4.2.2 Mailbox full"] * 3
    with smtp.client(retries=2) as mailer:
        assert sender(store, mailer).run(period=PERIOD).deferred == 1
    delivery = store.deliveries.get(1, PERIOD.key)
    assert (
        delivery is not None and delivery.status == "deferred" and "452" in (delivery.error or "")
    )
    with smtp.client() as mailer:
        summary = sender(store, mailer).run(period=PERIOD)
    assert (summary.sent, summary.resent) == (1, 1)
    assert len(smtp.recorder.messages) == 1


def test_permanent_refusals_are_recorded_and_pause_the_subscription(
    store: Store, smtp: SmtpServer
) -> None:
    smtp.recorder.reject["gone@example.org"] = "550 5.1.1 No such user"
    add_confirmed(store, "gone@example.org", SubscriptionContent(top_n=3), now=NOW)
    add_confirmed(store, "ok@example.org", SubscriptionContent(top_n=3), now=NOW)
    for n in range(PAUSE_AFTER):
        day = DAY + timedelta(days=n)
        add_papers(store, day, 2, start=10 * n + 1)
        with smtp.client() as mailer:
            summary = sender(store, mailer).run(period=period_containing("daily", day.date()))
        assert (summary.sent, summary.failed) == (1, 1)
    assert summary.paused == ["gone@example.org"]
    gone = store.subscriptions.by_email("gone@example.org")
    assert gone is not None and gone.status == "paused" and "550" in (gone.paused_reason or "")
    assert store.deliveries.get(gone.id, "2026-11-25").status == "failed"  # type: ignore[union-attr]
    assert len(smtp.recorder.to("ok@example.org")) == PAUSE_AFTER
    # Paused: no longer due.
    later = period_containing("daily", (DAY + timedelta(days=PAUSE_AFTER)).date())
    add_papers(store, DAY + timedelta(days=PAUSE_AFTER), 2, start=90)
    assert [s.email for s in plan(store, NOW, period=later)[0].fresh] == ["ok@example.org"]


def test_an_unreachable_server_stops_the_run_and_the_next_run_resumes(
    store: Store, smtp: SmtpServer
) -> None:
    add_papers(store, DAY, 3)
    for i in range(3):
        add_confirmed(store, f"r{i}@example.org", SubscriptionContent(top_n=2), now=NOW)
    down = SmtpClient(SmtpConfig("127.0.0.1", free_port(), tls="none", retries=2, backoff=0.01))
    with down, pytest.raises(DeliveryFailed, match="failed 3 times"):
        sender(store, down).run(period=PERIOD)
    with smtp.client() as mailer:
        summary = sender(store, mailer).run(period=PERIOD)
    assert (summary.sent, summary.resent) == (3, 3)
    assert sorted(m["To"] for m in smtp.recorder.messages) == [
        "r0@example.org",
        "r1@example.org",
        "r2@example.org",
    ]


def test_a_claim_left_by_a_dead_run_is_resent_with_the_same_message_id_and_papers(
    store: Store, smtp: SmtpServer
) -> None:
    add_papers(store, DAY, 3)
    add_confirmed(store, "a@example.org", SubscriptionContent(top_n=3), now=NOW)
    dead = sender(store, smtp.client())
    dead.holder = "elsewhere:1:dead"
    (p,) = plan(store, NOW, period=PERIOD)
    (digest,) = [
        d
        for d in __import__("paperfeed.digest.deliver").digest.deliver.compose_period(
            store, PERIOD, p.fresh, term_search(store)
        )
    ]
    claimed = store.deliveries.claim([dead._new_delivery(digest)], dead.holder, NOW)
    assert len(claimed) == 1
    add_papers(store, DAY, 2, start=40)  # more upvoted papers arrive meanwhile
    with smtp.client() as mailer:
        summary = sender(store, mailer).run(period=PERIOD)
    assert (summary.sent, summary.resent) == (1, 1)
    (msg,) = smtp.recorder.messages
    assert msg["Message-ID"] == claimed[0].message_id
    assert "2611.00041" not in msg.get_body(("plain",)).get_content()


def test_a_live_lease_keeps_a_second_sender_out(store: Store, smtp: SmtpServer) -> None:
    add_papers(store, DAY, 2)
    add_confirmed(store, "cat@example.org", SubscriptionContent(categories=("cs.LG",)), now=NOW)
    other = LeaseHolder("other", "another-host", 4242, NOW + timedelta(minutes=2))
    store.deliveries.acquire_lease(LEASE, other, NOW, lambda _h: False)
    with smtp.client() as mailer, pytest.raises(Busy, match="pid 4242 on another-host"):
        sender(store, mailer).run()
    assert smtp.recorder.messages == []
    # Expired, it is taken over: the run sends, and releases the lease when done.
    with smtp.client() as mailer:
        later = DigestSender(
            store, mailer, LINKS, term_search(store), clock=lambda: NOW + timedelta(minutes=3)
        )
        assert later.run().sent == 1
    assert [m["To"] for m in smtp.recorder.messages] == ["cat@example.org"]
    third = LeaseHolder("third", "another-host", 7, NOW + timedelta(minutes=2))
    store.deliveries.acquire_lease(LEASE, third, NOW, lambda _h: False)  # free again
    # On this host, a holder whose process is gone is taken over before its time runs out.
    gone = LeaseHolder("gone", socket.gethostname(), 2**22 + 12345, NOW + timedelta(hours=1))
    store.deliveries.release_lease(LEASE, "third")
    store.deliveries.acquire_lease(LEASE, gone, NOW, lambda _h: False)
    assert os.getpid() != gone.pid
    with smtp.client() as mailer:
        summary = sender(store, mailer).run(period=PERIOD)
    assert (summary.sent, summary.already) == (0, 1)  # it ran: the digest was already sent


def test_an_address_the_server_cannot_take_does_not_stop_the_run(store: Store) -> None:
    """A server without SMTPUTF8 refuses a non-ASCII address: that digest is refused (counted
    towards pausing), and everyone after it still gets theirs."""
    add_papers(store, DAY, 2)
    for address in ("ada@example.org", "josé@example.org", "zoe@example.org"):
        add_confirmed(store, address, SubscriptionContent(categories=("cs.LG",)), now=NOW)
    with running_smtp(smtputf8=False) as ascii_only, ascii_only.client() as mailer:
        summary = sender(store, mailer).run()
        assert (summary.sent, summary.failed) == (2, 1)
        assert sorted(m["To"] for m in ascii_only.recorder.messages) == [
            "ada@example.org",
            "zoe@example.org",
        ]
        again = sender(store, mailer).run()
    assert (again.sent, again.already) == (0, 3)
    refused = store.subscriptions.by_email("josé@example.org")
    assert refused is not None and refused.failures == 1
