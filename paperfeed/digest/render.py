"""Digest and confirmation e-mails from templates: multipart plain text + HTML, with
`List-Unsubscribe` and one-click `List-Unsubscribe-Post` headers (RFC 8058)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from paperfeed import tex
from paperfeed.digest.compose import Digest, DigestItem
from paperfeed.digest.links import Links
from paperfeed.digest.tokens import message_id
from paperfeed.mail.message import Mail, build_mail
from paperfeed.models import Paper, Subscription

CONFIRM_DAYS = 7
EXCERPT_CHARS = 300
SHOWN_AUTHORS = 4

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def _author_line(paper: Paper) -> str:
    names = [a.name for a in paper.authors or ()]
    if len(names) > SHOWN_AUTHORS:
        return ", ".join(names[:SHOWN_AUTHORS]) + f" and {len(names) - SHOWN_AUTHORS} others"
    return ", ".join(names)


@functools.lru_cache(maxsize=8192)
def _paper_blocks(paper: Paper, upvotes: int, page_url: str) -> tuple[str, str, str, str]:
    """A paper's parts of a digest, the same for every subscriber: rendered once per run
    (the reasons it was chosen go between head and tail)."""
    p = {
        # Plain decoded text, not MathML: mail clients drop MathML (Gmail strips it).
        "title": tex.to_text(paper.title),
        "authors": _author_line(paper),
        "upvotes": upvotes,
        "excerpt": excerpt(tex.to_text(paper.abstract) if paper.abstract else None),
        "page_url": page_url,
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
    }
    text, html = _env.get_template("paper.txt").module, _env.get_template("paper.html").module
    return text.head(p), text.tail(p), html.head(p), html.tail(p)  # type: ignore[attr-defined]


def _blocks(items: tuple[DigestItem, ...], links: Links) -> list[dict[str, Any]]:
    shown = []
    for item in items:
        blocks = _paper_blocks(item.paper, item.upvotes, links.paper_url(item.paper.arxiv_id))
        text_head, text_tail, html_head, html_tail = blocks
        shown.append(
            {
                "why": item.why,
                "text_head": text_head,
                "text_tail": text_tail,
                "html_head": Markup(html_head),
                "html_tail": Markup(html_tail),
            }
        )
    return shown


def _context(digest: Digest, links: Links) -> dict[str, Any]:
    n = len(digest.items) + digest.more
    return {
        "heading": f"{n} new paper{'s' if n != 1 else ''} for you · {digest.period.label}",
        "items": _blocks(digest.items, links),
        "recommended": _blocks(digest.recommended, links),
        "more": digest.more,
        "listing_url": links.listing_url(digest.period),
        "email": digest.subscription.email,
        "period_kind": digest.subscription.content.period,
        "settings_url": links.settings_url(),
        "unsubscribe_url": links.unsubscribe_url(digest.subscription),
    }


def digest_html(digest: Digest, links: Links) -> str:
    """The HTML part alone, for /digest/preview."""
    return _env.get_template("digest.html").render(_context(digest, links))


def digest_text(digest: Digest, links: Links) -> str:
    """The plain-text part alone, for `paperfeed digest preview`."""
    return _env.get_template("digest.txt").render(_context(digest, links))


def digest_message(digest: Digest, links: Links) -> Mail:
    context = _context(digest, links)
    period = digest.subscription.content.period
    mid = message_id(links.secret, digest.subscription.id, digest.period.key, links.domain)
    return build_mail(
        links.mail_from,
        digest.subscription.email,
        f"paperfeed: {context['heading']}",
        _env.get_template("digest.txt").render(context),
        _env.get_template("digest.html").render(context),
        extra=(
            ("Message-ID", mid),
            ("List-Id", f"paperfeed {period} digest <digest.{links.domain}>"),
            ("List-Unsubscribe", f"<{context['unsubscribe_url']}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Precedence", "bulk"),
        ),
    )


def confirmation_message(email: str, period: str, token: str, links: Links) -> Mail:
    context = {
        "email": email,
        "period_kind": period,
        "confirm_url": links.confirm_url(token),
        "days": CONFIRM_DAYS,
    }
    return build_mail(
        links.mail_from,
        email,
        "Confirm your paperfeed digest subscription",
        _env.get_template("confirm.txt").render(context),
        _env.get_template("confirm.html").render(context),
    )


def already_subscribed_message(sub: Subscription, links: Links) -> Mail:
    context = {
        "email": sub.email,
        "settings_url": links.settings_url(),
        "unsubscribe_url": links.unsubscribe_url(sub),
    }
    return build_mail(
        links.mail_from,
        sub.email,
        "You already receive the paperfeed digest",
        _env.get_template("already.txt").render(context),
    )
