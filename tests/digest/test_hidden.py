"""Papers the curators hid are never e-mailed, on SQLite and PostgreSQL: not in a digest being
composed, and not in one claimed before they were hidden (a run that died and is resumed)."""

from __future__ import annotations

from datetime import datetime

from digest_helpers import LINKS, add_papers, term_search
from smtp_server import SmtpServer

from paperfeed.digest.compose import Digest, DigestItem, without
from paperfeed.digest.deliver import DigestSender, compose_period, plan
from paperfeed.digest.schedule import period_containing
from paperfeed.digest.subscribe import add_confirmed
from paperfeed.mail.smtp import SmtpClient
from paperfeed.models import Paper, Subscription, SubscriptionContent
from paperfeed.store import Store

DAY = datetime(2026, 11, 25)
PERIOD = period_containing("daily", DAY.date())
NOW = datetime(2026, 11, 26, 7)
EVERYTHING = SubscriptionContent(top_n=5, categories=("quant-ph",), queries=("surface codes",))


def _sender(store: Store, mailer: SmtpClient) -> DigestSender:
    return DigestSender(store, mailer, LINKS, term_search(store), clock=lambda: NOW)


def _sent_ids(smtp: SmtpServer, ids: list[str]) -> set[str]:
    (msg,) = smtp.recorder.messages
    text = msg.get_body(("plain",)).get_content()
    return {i for i in ids if f"https://arxiv.org/abs/{i}" in text}


def _claim_then_die(store: Store, smtp: SmtpServer) -> None:
    """A run composes and claims the digest, then dies before sending it."""
    dead = _sender(store, smtp.client())
    dead.holder = "elsewhere:1:dead"
    (p,) = plan(store, NOW, period=PERIOD)
    (digest,) = compose_period(store, PERIOD, p.fresh, term_search(store))
    assert len(store.deliveries.claim([dead._new_delivery(digest)], dead.holder, NOW)) == 1


def test_a_hidden_paper_is_left_out_of_the_digest(store: Store, smtp: SmtpServer) -> None:
    ids = [p.arxiv_id for p in add_papers(store, DAY, 4)]
    store.moderation.hide(ids[3], None, "spam")  # the most upvoted: trending, category, search
    add_confirmed(store, "a@example.org", EVERYTHING, now=NOW)
    with smtp.client() as mailer:
        assert _sender(store, mailer).run(period=PERIOD).sent == 1
    assert _sent_ids(smtp, ids) == set(ids[:3])


def test_a_paper_hidden_after_the_claim_is_left_out_of_the_resend(
    store: Store, smtp: SmtpServer
) -> None:
    ids = [p.arxiv_id for p in add_papers(store, DAY, 4)]
    add_confirmed(store, "a@example.org", EVERYTHING, now=NOW)
    _claim_then_die(store, smtp)
    store.moderation.hide(ids[3], None, "spam")
    with smtp.client() as mailer:
        summary = _sender(store, mailer).run(period=PERIOD)
    assert (summary.sent, summary.resent) == (1, 1)
    assert _sent_ids(smtp, ids) == set(ids[:3])


def test_a_claimed_digest_left_empty_by_hiding_is_not_sent_nor_tried_again(
    store: Store, smtp: SmtpServer
) -> None:
    ids = [p.arxiv_id for p in add_papers(store, DAY, 2)]
    add_confirmed(store, "a@example.org", EVERYTHING, now=NOW)
    _claim_then_die(store, smtp)
    for arxiv_id in ids:
        store.moderation.hide(arxiv_id, None, "spam")
    with smtp.client() as mailer:
        summary = _sender(store, mailer).run(period=PERIOD)
        assert (summary.sent, summary.empty) == (0, 1)
        again = _sender(store, mailer).run(period=PERIOD)
    assert (again.sent, again.already) == (0, 1)
    assert smtp.recorder.messages == []


def test_without_drops_only_the_given_papers() -> None:
    sub = Subscription(1, "a@example.org", "active", EVERYTHING)
    items = tuple(DigestItem(Paper(f"2611.0000{i}", f"P{i}"), i, ("why",)) for i in range(3))
    digest = Digest(sub, PERIOD, items, more=4)
    assert without(digest, set()) is digest
    left = without(digest, {"2611.00001", "9999.99999"})
    assert [i.paper.arxiv_id for i in left.items] == ["2611.00000", "2611.00002"]
    assert left.more == 4 and not left.is_empty
    assert without(digest, {i.paper.arxiv_id for i in items}).is_empty
