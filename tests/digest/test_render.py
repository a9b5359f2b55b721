"""Digest and confirmation e-mails from templates, parsed back with the `email` package: the
headers of a digest (Message-ID, one-click unsubscribe), both parts escaping what they must,
and the confirmation and already-subscribed notes."""

from __future__ import annotations

import email
from datetime import date
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime

import pytest
from digest_helpers import LINKS

from paperfeed.digest.compose import Digest, DigestItem
from paperfeed.digest.render import (
    already_subscribed_message,
    confirmation_message,
    digest_html,
    digest_message,
    digest_text,
    excerpt,
)
from paperfeed.digest.schedule import period_containing
from paperfeed.mail.message import Mail
from paperfeed.models import Author, Paper, Subscription, SubscriptionContent

DAY = period_containing("daily", date(2026, 11, 25))
SUB = Subscription(7, "ada@example.org", "active", SubscriptionContent(period="daily"))
UNSUBSCRIBE = "http://paperfeed.test/digest/unsubscribe/7.Bq_CPF_bJGJllkec2VLWKg"
TRICKY = Paper(
    "2611.00001",
    "Bounds on <b>entropy</b> & Schrödinger cats",
    abstract="We show that a < b & c > d.",
    authors=(Author("Émile Zola"), Author("Ada Lovelace")),
)
OLD = Paper("hep-th/9901001", "Old style", authors=tuple(Author(f"A{i}") for i in range(6)))
DIGEST = Digest(
    SUB,
    DAY,
    (
        DigestItem(TRICKY, 3, ("trending: #1 with 3 upvotes", "matches your search “<i>x</i>”")),
        DigestItem(OLD, 1, ("by A0, whom you follow",)),
    ),
    more=2,
)


def parsed(mail: Mail) -> EmailMessage:
    msg = email.message_from_bytes(mail.raw, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def plain(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html(msg: EmailMessage) -> str:
    part = msg.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def test_digest_headers() -> None:
    mail = digest_message(DIGEST, LINKS)
    msg = parsed(mail)
    assert (mail.sender, mail.to) == ("digest@paperfeed.test", "ada@example.org")
    assert msg["From"] == "paperfeed <digest@paperfeed.test>"
    assert msg["To"] == "ada@example.org"
    assert msg["Subject"] == "paperfeed: 4 new papers for you · Wednesday, November 25, 2026"
    assert msg["Message-ID"] == "<digest.7.2026-11-25.nKJZhE6Z@paperfeed.test>"
    assert msg["List-Id"] == "paperfeed daily digest <digest.paperfeed.test>"
    assert msg["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Precedence"] == "bulk"
    assert parsedate_to_datetime(msg["Date"]).utcoffset() is not None
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    # RFC 8058: the one-click URL is on one line, never folded.
    assert f"List-Unsubscribe: <{UNSUBSCRIBE}>\r\n".encode() in mail.raw


def test_a_resent_digest_keeps_its_message_id() -> None:
    first, again = digest_message(DIGEST, LINKS), digest_message(DIGEST, LINKS)
    assert first.header("Message-ID") == again.header("Message-ID")
    next_day = Digest(SUB, DAY.next(), DIGEST.items)
    assert digest_message(next_day, LINKS).header("Message-ID") == (
        "<digest.7.2026-11-26.K31W_PQm@paperfeed.test>"
    )


def test_a_weekly_digest_says_so() -> None:
    weekly = Subscription(7, "ada@example.org", "active", SubscriptionContent(period="weekly"))
    week = period_containing("weekly", date(2026, 11, 25))
    msg = parsed(digest_message(Digest(weekly, week, DIGEST.items[:1]), LINKS))
    assert msg["Subject"] == "paperfeed: 1 new paper for you · Week 48 of 2026 (Nov 23 to Nov 29)"
    assert msg["Message-ID"] == "<digest.7.2026-W48.CT59bKu2@paperfeed.test>"
    assert msg["List-Id"] == "paperfeed weekly digest <digest.paperfeed.test>"
    assert "subscribed to the paperfeed weekly digest." in plain(msg)


def test_the_text_part_keeps_titles_as_written() -> None:
    text = plain(parsed(digest_message(DIGEST, LINKS)))
    assert text == digest_text(DIGEST, LINKS)
    assert text.startswith(
        "4 new papers for you · Wednesday, November 25, 2026\n"
        "===================================================\n"
        "\n"
        "1. Bounds on <b>entropy</b> & Schrödinger cats\n"
        "   Émile Zola, Ada Lovelace · 3 upvotes\n"
        "   Why: trending: #1 with 3 upvotes\n"
        "   Why: matches your search “<i>x</i>”\n"
    )
    assert "\n   Paper: http://paperfeed.test/papers/2611.00001\n" in text
    assert "\n   arXiv: https://arxiv.org/abs/2611.00001\n" in text
    assert "2. Old style\n   A0, A1, A2, A3 and 2 others · 1 upvote\n" in text
    assert "\n   Paper: http://paperfeed.test/papers/hep-th/9901001\n" in text
    assert text.endswith(
        "…and 2 more: http://paperfeed.test/papers/date/2026-11-25\n"
        "\n"
        "--\n"
        "You receive this because ada@example.org subscribed to the paperfeed daily digest.\n"
        "Change what you receive: http://paperfeed.test/settings\n"
        f"Unsubscribe: {UNSUBSCRIBE}\n"
    )


def test_the_html_part_escapes_titles_abstracts_and_reasons() -> None:
    page = html(parsed(digest_message(DIGEST, LINKS)))
    assert page == digest_html(DIGEST, LINKS)
    assert (
        '<a href="http://paperfeed.test/papers/2611.00001" style="color:#1d1d1b;'
        'text-decoration:none">Bounds on &lt;b&gt;entropy&lt;/b&gt; &amp; Schrödinger cats</a>'
    ) in page
    assert ">We show that a &lt; b &amp; c &gt; d.</p>" in page
    assert "<li>matches your search “&lt;i&gt;x&lt;/i&gt;”</li>" in page
    assert "<b>" not in page and "<i>" not in page
    assert "Émile Zola, Ada Lovelace · ▲ 3</p>" in page
    assert (
        '<a href="https://arxiv.org/abs/hep-th/9901001">arXiv</a> · '
        '<a href="https://arxiv.org/pdf/hep-th/9901001">PDF</a>'
    ) in page
    assert '<a href="http://paperfeed.test/papers/date/2026-11-25">…and 2 more</a>' in page
    assert f'<a href="{UNSUBSCRIBE}">Unsubscribe</a>' in page
    assert "<title>4 new papers for you · Wednesday, November 25, 2026</title>" in page


def test_the_text_excerpt_is_indented_like_the_rest_of_its_paper() -> None:
    long = Paper("2611.00002", "T", abstract=" ".join(["word"] * 20), authors=(Author("A"),))
    text = digest_text(Digest(SUB, DAY, (DigestItem(long, 0, ("new in cs.LG",)),)), LINKS)
    assert (
        "   Why: new in cs.LG\n"
        "\n"
        "   word word word word word word word word word word word word word word\n"
        "   word word word word word word\n"
    ) in text


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        (None, ""),
        ("  Short\n and   spaced ", "Short and spaced"),
        ("a" * 300, "a" * 300),
        ("word " * 60, "word " * 59 + "word"),  # 299 characters once spaces are joined
        ("word, " * 60, "word, " * 49 + "word…"),
        ("x" * 301, "x" * 300 + "…"),
    ],
)
def test_excerpt(text: str | None, cut: str) -> None:
    assert excerpt(text) == cut


def test_confirmation_message() -> None:
    mail = confirmation_message("ada@example.org", "weekly", "TOKEN-123_x", LINKS)
    msg = parsed(mail)
    assert (msg["From"], msg["To"], msg["Subject"]) == (
        "paperfeed <digest@paperfeed.test>",
        "ada@example.org",
        "Confirm your paperfeed digest subscription",
    )
    assert msg["List-Unsubscribe"] is None and msg["Message-ID"] is None
    assert plain(msg) == (
        "Someone, probably you, asked to receive the paperfeed weekly digest at "
        "ada@example.org.\n"
        "\n"
        "Confirm the subscription by opening this link (it works for 7 days):\n"
        "\n"
        "  http://paperfeed.test/digest/confirm/TOKEN-123_x\n"
        "\n"
        "If you did not ask for this, ignore this message: nothing will be sent.\n"
    )
    assert (
        '<p><a href="http://paperfeed.test/digest/confirm/TOKEN-123_x">Confirm the '
        "subscription</a> (the link works for 7 days).</p>"
    ) in html(msg)


def test_already_subscribed_message_is_plain_text_with_both_ways_out() -> None:
    msg = parsed(already_subscribed_message(SUB, LINKS))
    assert (msg["To"], msg["Subject"]) == (
        "ada@example.org",
        "You already receive the paperfeed digest",
    )
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content() == (
        "Someone, probably you, asked to subscribe ada@example.org to the paperfeed digest, "
        "which it already receives.\n"
        "\n"
        "Nothing was changed. To change what you receive, sign in: "
        "http://paperfeed.test/settings\n"
        f"To stop receiving it: {UNSUBSCRIBE}\n"
    )


def test_tex_in_titles_and_abstracts_is_decoded_to_plain_text() -> None:
    """Mail clients drop MathML, so a digest carries TeX as readable text in both parts."""
    paper = Paper(
        "2611.00002",
        r"Smooth $C^\infty$ maps and Gr\"obner bases",
        abstract=r"Following \cite{Reeb}, we bound $\alpha_1 + \beta^2$ for $x < y$.",
    )
    digest = Digest(SUB, DAY, (DigestItem(paper, 0, ()),))
    msg = parsed(digest_message(digest, LINKS))
    for part in (plain(msg), html(msg)):
        assert "Smooth C^∞ maps and Gröbner bases" in part
        assert "\u03b1_1 + \u03b2^2" in part  # alpha, beta
        assert "$" not in part and "\\cite" not in part and "Reeb" not in part
    assert "x &lt; y" in html(msg)
