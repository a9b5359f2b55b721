"""Digest and confirmation e-mails from templates: multipart plain text + HTML, with
`List-Unsubscribe` and one-click `List-Unsubscribe-Post` headers (RFC 8058)."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from paperfeed.digest.compose import Digest, DigestItem
from paperfeed.digest.periods import Period
from paperfeed.digest.tokens import message_id, unsubscribe_token
from paperfeed.errors import Invalid
from paperfeed.models import Subscription
from paperfeed.secret import Secret

# Header lines up to SMTP's 998-character limit: folding `List-Unsubscribe` before its URL
# is legal but trips some one-click implementations.
_POLICY = policy.SMTP.clone(max_line_length=998)
CONFIRM_DAYS = 7
EXCERPT_CHARS = 300
SHOWN_AUTHORS = 4

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Links:
    """Where e-mails point and who sends them."""

    public_url: str
    mail_from: str
    secret: Secret

    @property
    def domain(self) -> str:
        addresses = getaddresses([self.mail_from])
        address = addresses[0][1] if addresses else ""
        return address.rpartition("@")[2] or "paperfeed.invalid"

    def paper_url(self, arxiv_id: str) -> str:
        return f"{self.public_url}/papers/{quote(arxiv_id, safe='/')}"

    def listing_url(self, period: Period) -> str:
        kind = "date" if period.kind == "daily" else "week"
        return f"{self.public_url}/papers/{kind}/{period.key}"

    def settings_url(self) -> str:
        return f"{self.public_url}/settings"

    def unsubscribe_url(self, sub: Subscription) -> str:
        token = unsubscribe_token(self.secret, sub.id, sub.email)
        return f"{self.public_url}/digest/unsubscribe/{token}"

    def confirm_url(self, token: str) -> str:
        return f"{self.public_url}/digest/confirm/{token}"


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def _author_line(item: DigestItem) -> str:
    names = [a.name for a in item.paper.authors or ()]
    if len(names) > SHOWN_AUTHORS:
        return ", ".join(names[:SHOWN_AUTHORS]) + f" and {len(names) - SHOWN_AUTHORS} others"
    return ", ".join(names)


def _context(digest: Digest, links: Links) -> dict[str, Any]:
    n = len(digest.items) + digest.more
    return {
        "heading": f"{n} new paper{'s' if n != 1 else ''} for you · {digest.period.label}",
        "items": [
            {
                "paper": item.paper,
                "authors": _author_line(item),
                "upvotes": item.upvotes,
                "why": item.why,
                "excerpt": excerpt(item.paper.abstract),
                "page_url": links.paper_url(item.paper.arxiv_id),
                "abs_url": item.paper.abs_url,
                "pdf_url": item.paper.pdf_url,
            }
            for item in digest.items
        ],
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


def digest_message(digest: Digest, links: Links) -> EmailMessage:
    context = _context(digest, links)
    msg = _message(
        links,
        digest.subscription.email,
        f"paperfeed: {context['heading']}",
        _env.get_template("digest.txt").render(context),
        _env.get_template("digest.html").render(context),
    )
    msg["Message-ID"] = message_id(
        links.secret, digest.subscription.id, digest.period.key, links.domain
    )
    msg["List-Id"] = (
        f"paperfeed {digest.subscription.content.period} digest <digest.{links.domain}>"
    )
    msg["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Precedence"] = "bulk"
    return msg


def confirmation_message(email: str, period: str, token: str, links: Links) -> EmailMessage:
    context = {
        "email": email,
        "period_kind": period,
        "confirm_url": links.confirm_url(token),
        "days": CONFIRM_DAYS,
    }
    return _message(
        links,
        email,
        "Confirm your paperfeed digest subscription",
        _env.get_template("confirm.txt").render(context),
        _env.get_template("confirm.html").render(context),
    )


def already_subscribed_message(sub: Subscription, links: Links) -> EmailMessage:
    context = {
        "email": sub.email,
        "settings_url": links.settings_url(),
        "unsubscribe_url": links.unsubscribe_url(sub),
    }
    return _message(
        links,
        sub.email,
        "You already receive the paperfeed digest",
        _env.get_template("already.txt").render(context),
        None,
    )


def _message(links: Links, to: str, subject: str, text: str, html: str | None) -> EmailMessage:
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = links.mail_from
    try:
        msg["To"] = Address(addr_spec=to)
    except (ValueError, IndexError):
        raise Invalid(f"not an e-mail address: {to!r}") from None
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg
