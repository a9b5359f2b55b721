"""A subscriber who is a member: what they follow counts as rules of their subscription
(merged, each rule once), papers they marked "not interested" are left out, and up to five
papers recommended for them follow under "Recommended for you" with why; the ledger keeps
those too, so a resend is the same digest. Pure composition, then sending through a real SMTP
server on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from digest_helpers import LINKS, add_papers, term_search
from smtp_server import SmtpServer

from paperfeed.digest.compose import (
    DigestItem,
    compose,
    index_period,
    reason_line,
    with_follows,
)
from paperfeed.digest.deliver import DigestSender, compose_period, plan
from paperfeed.digest.schedule import period_containing
from paperfeed.digest.subscribe import add_confirmed
from paperfeed.models import Paper, Reason, Subscription, SubscriptionContent
from paperfeed.search.rules import Rules
from paperfeed.store import Store

DAY = datetime(2026, 11, 25)
PERIOD = period_containing("daily", DAY.date())
NOW = datetime(2026, 11, 26, 7)


def test_follows_merge_into_the_subscriptions_rules_once() -> None:
    sub = Subscription(
        1,
        "a@example.org",
        "active",
        SubscriptionContent(queries=("Diffusion",), categories=("cs.LG",), authors=("Émile Zola",)),
    )
    merged = with_follows(
        sub, Rules(("diffusion", "GANs"), ("cs.LG", "hep-th"), ("emile  zola", "Ada Lovelace"))
    )
    assert merged.content.queries == ("Diffusion", "GANs")
    assert merged.content.categories == ("cs.LG", "hep-th")
    assert merged.content.authors == ("Émile Zola", "Ada Lovelace")
    assert with_follows(sub, Rules()) is sub


def test_recommended_papers_are_capped_and_not_repeated() -> None:
    papers = [Paper(f"2611.{i:05d}", f"Paper {i}", categories=("cs.LG",)) for i in range(1, 3)]
    new = index_period(papers, {})
    sub = Subscription(1, "a@example.org", "active", SubscriptionContent(categories=("cs.LG",)))
    recs = [DigestItem(Paper(f"2611.{i:05d}", f"R {i}"), 0, ("why",)) for i in range(1, 10)]
    digest = compose(sub, PERIOD, new, {}, {"2611.00003"}, recs)
    assert [i.paper.arxiv_id for i in digest.items] == ["2611.00001", "2611.00002"]
    # Not those listed already, nor those sent before; five at most.
    assert [r.paper.arxiv_id for r in digest.recommended] == [
        f"2611.{i:05d}" for i in (4, 5, 6, 7, 8)
    ]


def test_reason_lines() -> None:
    titles = {"1": "Attention", "2": "Diffusion"}
    reason = Reason(because=("1", "2", "3"), words=("graph", "flow"), authors=("Ada Lovelace",))
    assert reason_line(reason, titles) == (
        "Close to “Attention” and “Diffusion”; about graph, flow; by Ada Lovelace"
    )
    assert reason_line(Reason(follows=("cs.LG",)), {}) == "Matches cs.LG"
    assert reason_line(Reason(), {}) == "Like the papers you saved"


def _member_subscribes(store: Store) -> int:
    add_papers(store, DAY, 6)
    add_papers(store, datetime(2026, 11, 10), 2, start=60)  # older papers to recommend
    user = store.accounts.ensure_user("member@example.org")
    add_confirmed(
        store, "member@example.org", SubscriptionContent(categories=("math.AG",)), now=NOW
    )
    add_confirmed(store, "other@example.org", SubscriptionContent(top_n=1), now=NOW)
    store.follows.follow(user.id, "author", "author 3")
    store.follows.follow(user.id, "search", "surface 5")
    store.follows.follow(user.id, "author", "Author 4")
    store.library.dismiss(user.id, "2611.00004")
    store.recommendations.replace(
        user.id,
        [
            ("2611.00003", 0.9, Reason(words=("decoding",))),  # listed already: not again
            ("2611.00060", 0.8, Reason(because=("2611.00001",), words=("surface",))),
            ("2611.00061", 0.7, Reason(authors=("Ada Lovelace",))),
        ],
        NOW,
    )
    return user.id


def test_a_members_digest_has_their_follows_and_recommendations(
    store: Store, smtp: SmtpServer
) -> None:
    _member_subscribes(store)
    with smtp.client() as mailer:
        summary = DigestSender(store, mailer, LINKS, term_search(store), clock=lambda: NOW).run(
            period=PERIOD
        )
    assert summary.sent == 2
    (msg,) = smtp.recorder.to("member@example.org")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "by author 3, whom you follow" in text
    assert "matches your search “surface 5”" in text
    assert "codes 4" not in text  # they marked it "not interested"
    head, recommended = text.split("Recommended for you")
    assert "codes 3" in head and "codes 3" not in recommended
    assert "codes 60" in recommended and "codes 61" in recommended
    assert "Why: Close to “Quantum error correction with surface codes 1”; about surface" in text
    assert "Recommended for you</h2>" in html and "By Ada Lovelace" in html
    # Another subscriber's digest has none of it.
    (other,) = smtp.recorder.to("other@example.org")
    assert "Recommended for you" not in other.get_body(("plain",)).get_content()
    sub = store.subscriptions.by_email("member@example.org")
    assert sub is not None
    delivery = store.deliveries.get(sub.id, PERIOD.key)
    assert delivery is not None
    assert [i["id"] for i in delivery.content["recommended"]] == ["2611.00060", "2611.00061"]


def test_a_resend_has_the_same_follows_and_recommendations(store: Store, smtp: SmtpServer) -> None:
    uid = _member_subscribes(store)
    dead = DigestSender(store, smtp.client(), LINKS, term_search(store), clock=lambda: NOW)
    dead.holder = "elsewhere:1:dead"
    (p,) = plan(store, NOW, period=PERIOD, to="member@example.org")
    (digest,) = compose_period(store, PERIOD, p.fresh, term_search(store))
    store.deliveries.claim([dead._new_delivery(digest)], dead.holder, NOW)
    # Meanwhile the member follows more, and their recommendations change.
    store.follows.follow(uid, "author", "Author 5")
    add_papers(store, datetime(2026, 11, 10), 1, start=62)
    store.recommendations.replace(uid, [("2611.00062", 1.0, Reason(words=("new",)))], NOW)
    with smtp.client() as mailer:
        summary = DigestSender(store, mailer, LINKS, term_search(store), clock=lambda: NOW).run(
            period=PERIOD, to="member@example.org"
        )
    assert (summary.sent, summary.resent) == (1, 1)
    (msg,) = smtp.recorder.to("member@example.org")
    text = msg.get_body(("plain",)).get_content()
    assert "codes 60" in text and "codes 61" in text and "codes 62" not in text
    assert "by Author 5" not in text
