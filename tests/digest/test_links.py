"""Where digest e-mails point (pure): the site's pages under its public URL, old-style ids kept
as paths, signed unsubscribe links, and the domain of the sender for Message-IDs."""

from datetime import date

import pytest
from digest_helpers import LINKS, SECRET

from paperfeed.digest.links import Links
from paperfeed.digest.tokens import verify_unsubscribe
from paperfeed.models import Subscription, SubscriptionContent
from paperfeed.periods import day_period, month_period, week_period

SUB = Subscription(7, "ada@example.org", "active", SubscriptionContent())


@pytest.mark.parametrize(
    ("arxiv_id", "url"),
    [
        ("2611.00001", "http://paperfeed.test/papers/2611.00001"),
        ("2611.00001v2", "http://paperfeed.test/papers/2611.00001v2"),
        # Old-style ids keep their slash: /papers/{arxiv_id:path} takes it.
        ("hep-th/9901001", "http://paperfeed.test/papers/hep-th/9901001"),
        ("math.GT/0309136", "http://paperfeed.test/papers/math.GT/0309136"),
        # Anything else that would end the path is quoted.
        ("odd id?x=1#f%", "http://paperfeed.test/papers/odd%20id%3Fx%3D1%23f%25"),
        ("é", "http://paperfeed.test/papers/%C3%A9"),
    ],
)
def test_paper_url(arxiv_id: str, url: str) -> None:
    assert LINKS.paper_url(arxiv_id) == url


def test_listing_urls_use_the_url_kind_and_key() -> None:
    day = date(2026, 11, 25)
    assert LINKS.listing_url(day_period(day)) == "http://paperfeed.test/papers/date/2026-11-25"
    assert LINKS.listing_url(week_period(day)) == "http://paperfeed.test/papers/week/2026-W48"
    assert LINKS.listing_url(month_period(day)) == "http://paperfeed.test/papers/month/2026-11"


def test_settings_confirm_and_unsubscribe_urls() -> None:
    assert LINKS.settings_url() == "http://paperfeed.test/settings"
    assert LINKS.confirm_url("tok-EN_1") == "http://paperfeed.test/digest/confirm/tok-EN_1"
    url = LINKS.unsubscribe_url(SUB)
    assert url == "http://paperfeed.test/digest/unsubscribe/7.Bq_CPF_bJGJllkec2VLWKg"
    assert verify_unsubscribe(SECRET, url.rpartition("/")[2], 7, "ada@example.org")


def test_urls_follow_the_public_url() -> None:
    links = Links("https://papers.example.org/community", LINKS.mail_from, SECRET)
    assert links.paper_url("hep-th/9901001") == (
        "https://papers.example.org/community/papers/hep-th/9901001"
    )
    assert links.unsubscribe_url(SUB) == (
        "https://papers.example.org/community/digest/unsubscribe/7.Bq_CPF_bJGJllkec2VLWKg"
    )


@pytest.mark.parametrize(
    ("mail_from", "domain"),
    [
        ("paperfeed <digest@paperfeed.test>", "paperfeed.test"),
        ("digest@lists.example.org", "lists.example.org"),
        ('"Papers, daily" <digest@example.org>', "example.org"),
        ("paperfeed@localhost", "localhost"),
        ("", "paperfeed.invalid"),
        ("paperfeed <digest@>", "paperfeed.invalid"),
    ],
)
def test_domain_from_mail_from(mail_from: str, domain: str) -> None:
    assert Links("http://paperfeed.test", mail_from, SECRET).domain == domain
