"""What forms and JSON bodies carry, checked at the edge: comment bodies, display names,
where to go after signing in, the fields of a digest subscription, and a paper's code and
project links."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Form

from paperfeed.digest.schedule import PERIODS
from paperfeed.errors import Invalid
from paperfeed.models import SubscriptionContent
from paperfeed.web.guard import Int32

MAX_COMMENT = 10_000
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,38}[a-z0-9]")
MAX_LINK = 10_000
# GitHub's rules: an owner of 1 to 39 letters, digits and hyphens; a repository of letters,
# digits, '.', '-' and '_' (a `.git` ending and a trailing slash are dropped).
_GITHUB_REPO = re.compile(
    r"https://(?:www\.)?github\.com/([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9._-]{1,100}?)"
    r"(?:\.git)?/?",
    re.IGNORECASE,
)


def comment_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise Invalid("the comment is empty")
    if len(text) > MAX_COMMENT:
        raise Invalid(f"comments are limited to {MAX_COMMENT} characters")
    return text


def display_name(text: str) -> str:
    name = text.strip().lower()
    if not _NAME.fullmatch(name):
        raise Invalid(
            "names are 3 to 40 characters: lowercase letters, digits, '-' and '_', "
            "starting and ending with a letter or digit"
        )
    return name


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect somewhere else after signing in. Browsers drop
    tabs and line breaks from URLs, so `/<tab>/evil.example` would be `//evil.example`:
    anything that does not print is refused with the rest."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and " " not in target
    ):
        return target
    return "/"


def category_name(text: str) -> str:
    """An arXiv category as a URL names it (checked loosely: listings simply find nothing for
    a category that does not exist)."""
    if not text or len(text) > 32:
        raise Invalid("that is not an arXiv category")
    return text


def author_name(text: str) -> str:
    if not text or len(text) > 200:
        raise Invalid("that author name is too long" if text else "give an author's name")
    return text


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.replace(",", " ").split())


Text = Annotated[str, Form()]
# Stored in INTEGER columns; `validate_content` says which values make sense.
Number = Annotated[Int32, Form()]


def digest_content(
    period: Text = "daily",
    send_hour: Number = 6,
    top_n: Number = 0,
    min_upvotes: Number = 0,
    queries: Text = "",
    categories: Text = "",
    authors: Text = "",
) -> SubscriptionContent:
    """A subscription as the digest form sends it (a dependency of the routes that take the
    form): one saved search or author per line, categories separated by spaces or commas
    (checked by `validate_content` when saved)."""
    return SubscriptionContent(
        period=period,
        send_hour=send_hour,
        top_n=top_n,
        min_upvotes=min_upvotes,
        queries=_lines(queries),
        categories=_words(categories),
        authors=_lines(authors),
    )


def prefilled_content(
    q: str, category: str, author: str, period: str, default_top_n: int
) -> SubscriptionContent:
    """The form of an "e-mail me new papers like this" link: what the link asks for, or the
    top trending papers when it asks for nothing."""
    return SubscriptionContent(
        period=period if period in PERIODS else "daily",
        top_n=0 if (q or category or author) else default_top_n,
        queries=_lines(q[:500]),
        categories=_words(category[:200]),
        authors=_lines(author[:200]),
    )


def digest_form(content: SubscriptionContent, email: str = "") -> dict[str, object]:
    """The digest form's fields, filled in with `content`."""
    return {
        "email": email,
        "period": content.period,
        "send_hour": content.send_hour,
        "top_n": content.top_n,
        "min_upvotes": content.min_upvotes,
        "queries": "\n".join(content.queries),
        "categories": " ".join(content.categories),
        "authors": "\n".join(content.authors),
    }


DigestForm = Annotated[SubscriptionContent, Depends(digest_content)]


def link_url(text: str | None, field: str) -> str | None:
    """A project link as a member gave it: an https URL, or None when empty (to clear it)."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) > MAX_LINK:
        raise Invalid(f"{field}: a link is at most {MAX_LINK:,} characters")
    try:
        parts = urlsplit(value)
        ok = parts.scheme.lower() == "https" and bool(parts.hostname) and parts.username is None
    except ValueError:
        ok = False
    if not ok or any(c.isspace() or not c.isprintable() for c in value):
        raise Invalid(f"{field}: give an https:// URL, such as https://example.org/project")
    return value


def github_repo(text: str | None, field: str = "githubRepo") -> str | None:
    """A code link: a GitHub repository, https://github.com/OWNER/REPO, or None when empty."""
    value = link_url(text, field)
    if value is None:
        return None
    found = _GITHUB_REPO.fullmatch(value)
    if found is None or found[2] in (".", ".."):
        raise Invalid(f"{field}: give a GitHub repository, https://github.com/OWNER/REPO")
    return f"https://github.com/{found[1]}/{found[2]}"
