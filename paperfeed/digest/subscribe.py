"""Subscribing with double opt-in, confirming, and unsubscribing by signed link.

Nothing is sent to an address before its confirmation link is followed. Asking again for an
address that already receives the digest changes nothing: its owner gets a note instead, so a
stranger cannot rewrite or stop someone else's subscription from the public form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from paperfeed.digest.links import Links
from paperfeed.digest.render import (
    CONFIRM_DAYS,
    already_subscribed_message,
    confirmation_message,
)
from paperfeed.digest.schedule import check_period
from paperfeed.digest.tokens import (
    hash_token,
    new_confirm_token,
    token_subscription_id,
    verify_unsubscribe,
)
from paperfeed.errors import Invalid, NotFound
from paperfeed.mail.address import normalize_address
from paperfeed.mail.message import Mail
from paperfeed.models import Subscription, SubscriptionContent
from paperfeed.search.query import parse_query
from paperfeed.search.searcher import MAX_QUERY
from paperfeed.store import Store

_CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?$")
MAX_RULES = 20
MAX_CATEGORY = 32  # the longest arXiv category names have 18 characters
MAX_AUTHOR = 200
MAX_TOP_N = 100
DEFAULT_TOP_N = 10


def validate_content(content: SubscriptionContent) -> SubscriptionContent:
    """Check and tidy what a subscriber asked for; asking for nothing means the top trending."""
    check_period(content.period)
    if not 0 <= content.send_hour <= 23:
        raise Invalid(f"the sending hour is 0 to 23 (UTC), got {content.send_hour}")
    if not 0 <= content.top_n <= MAX_TOP_N:
        raise Invalid(f"top trending papers: 0 to {MAX_TOP_N}, got {content.top_n}")
    if content.min_upvotes < 0:
        raise Invalid("the minimum of upvotes cannot be negative")
    queries = _tidy(content.queries, "saved search")
    categories = _tidy(content.categories, "category")
    authors = _tidy(content.authors, "author")
    for kind, values in (("search", queries), ("category", categories), ("author", authors)):
        for value in values:
            check_rule(kind, value)
    top_n = content.top_n
    if not (top_n or queries or categories or authors):
        top_n = DEFAULT_TOP_N
    return SubscriptionContent(
        period=content.period,
        send_hour=content.send_hour,
        top_n=top_n,
        min_upvotes=content.min_upvotes,
        queries=queries,
        categories=categories,
        authors=authors,
    )


def check_rule(kind: str, value: str) -> str:
    """One rule of a subscription, or one thing a member follows (`kind` search, category or
    author), tidied and checked: what the digest can match."""
    value = " ".join(value.split())
    if not value:
        raise Invalid(f"which {kind}? (it is empty)")
    if not value.isprintable():
        raise Invalid(f"the {kind} holds characters that do not print")
    if kind == "search":
        if len(value) > MAX_QUERY:
            raise Invalid(f"a saved search is at most {MAX_QUERY} characters")
        parsed = parse_query(value)
        looks_for = (
            parsed.has_terms
            or parsed.categories
            or parsed.year_from
            or parsed.year_to
            or parsed.references
        )
        if not looks_for and (parsed.excluded_words or parsed.excluded_phrases):
            # Search finds nothing for exclusions alone: such a saved search would never match.
            raise Invalid(
                f"the saved search {value[:50]!r} only leaves papers out: give a word to look "
                "for beside the -words (e.g. 'surface codes -neural')"
            )
    elif kind == "category":
        if len(value) > MAX_CATEGORY or not _CATEGORY.match(value):
            raise Invalid(f"not an arXiv category: {value[:50]!r} (e.g. cs.LG, quant-ph)")
    elif kind == "author":
        if len(value) > MAX_AUTHOR:
            raise Invalid(f"an author name is at most {MAX_AUTHOR} characters")
    else:
        raise Invalid(f"one follows an author, a category or a search, not {kind[:20]!r}")
    return value


def _tidy(values: tuple[str, ...], what: str) -> tuple[str, ...]:
    tidy = tuple(dict.fromkeys(" ".join(v.split()) for v in values if v.strip()))
    if len(tidy) > MAX_RULES:
        raise Invalid(f"at most {MAX_RULES} of each kind ({what})")
    return tidy


def request_subscription(
    store: Store,
    email: str,
    content: SubscriptionContent,
    *,
    now: datetime,
    links: Links,
    send: Callable[[Mail, str], None],
) -> Subscription:
    """The public form: save a pending subscription and mail its confirmation link.
    `send(message, link)` gets each e-mail with the link that is its point."""
    email = normalize_address(email)
    content = validate_content(content)
    existing = store.subscriptions.by_email(email)
    if existing is not None and existing.status == "active":
        send(already_subscribed_message(existing, links), links.settings_url())
        return existing
    token, token_hash = new_confirm_token()
    sub = store.subscriptions.save(
        email,
        content,
        status="pending",
        now=now,
        confirm_hash=token_hash,
        confirm_expires=now + timedelta(days=CONFIRM_DAYS),
    )
    send(confirmation_message(email, content.period, token, links), links.confirm_url(token))
    return sub


def add_confirmed(
    store: Store, email: str, content: SubscriptionContent, *, now: datetime
) -> Subscription:
    """For operators and a signed-in owner: save an active subscription directly."""
    return store.subscriptions.save(
        normalize_address(email), validate_content(content), status="active", now=now
    )


def confirm(store: Store, token: str, *, now: datetime) -> Subscription:
    """Follow a confirmation link: the subscription becomes active."""
    if not token or len(token) > 100:
        raise Invalid("this confirmation link is malformed")
    sub = store.subscriptions.confirm(hash_token(token), now)
    if sub is None:
        raise NotFound(
            "this confirmation link is unknown, already used or expired: subscribe again"
        )
    return sub


def unsubscribe(store: Store, token: str, *, links: Links, now: datetime) -> Subscription:
    """Follow a signed unsubscribe link (no sign-in needed); repeating it is harmless."""
    sub = check_unsubscribe_token(store, token, links)
    if sub.status == "unsubscribed":
        return sub
    return store.subscriptions.set_status(sub.id, "unsubscribed", now)


def check_unsubscribe_token(store: Store, token: str, links: Links) -> Subscription:
    """The subscription a signed unsubscribe token is for, or Invalid."""
    sub_id = token_subscription_id(token)
    sub = store.subscriptions.get(sub_id) if sub_id is not None else None
    if sub is None or not verify_unsubscribe(links.secret, token, sub.id, sub.email):
        raise Invalid("this unsubscribe link is not valid (it may be for an older address)")
    return sub
