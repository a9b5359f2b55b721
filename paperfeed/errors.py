"""One exception hierarchy; the web and CLI layers map each kind to a status or an exit code."""

from __future__ import annotations


class PaperfeedError(Exception):
    """Base of every error paperfeed raises on purpose; the message is meant for a person."""


class Invalid(PaperfeedError):
    """Input that cannot be accepted: a malformed arXiv id, a bad date, a record without a title."""


class NotFound(PaperfeedError):
    """Something asked for by key does not exist."""


class Upstream(PaperfeedError):
    """A remote source (arXiv API, OAI-PMH, RSS) failed or answered with an error."""


class StoreUnavailable(PaperfeedError):
    """The database cannot be opened or reached."""


class SourceUnreadable(PaperfeedError):
    """An input file cannot be opened or decoded at all (as opposed to one bad record in it)."""


class Forbidden(PaperfeedError):
    """The signed-in user may not do this (not the author, not a curator)."""


class Conflict(PaperfeedError):
    """The request clashes with what is already there (an author position someone else claims)."""


class RateLimited(PaperfeedError):
    """Too many requests of one kind from one user or address; try again later."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Busy(PaperfeedError):
    """Another process holds a lease this one needs (e.g. a `digest send` already running)."""


class InsecureConfiguration(PaperfeedError):
    """Settings that are unsafe outside development (the default secret key in production)."""


class DeliveryFailed(PaperfeedError):
    """The mail server cannot be reached, or keeps failing, so sending stopped."""
