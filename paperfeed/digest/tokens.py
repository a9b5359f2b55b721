"""Signed unsubscribe links and double opt-in tokens (pure).

An unsubscribe token is `<subscription id>.<HMAC-SHA256 of id and address, 128 bits>`: it
works without signing in, cannot be forged for another subscription, and stops working when
the address changes. A confirmation token is 256 random bits; only its hash is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from paperfeed.secret import Secret


def _mac(secret: Secret, message: str, size: int = 16) -> str:
    digest = hmac.new(secret.reveal().encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:size]).rstrip(b"=").decode()


def unsubscribe_token(secret: Secret, sub_id: int, email: str) -> str:
    return f"{sub_id}.{_mac(secret, f'unsubscribe:{sub_id}:{email}')}"


def token_subscription_id(token: str) -> int | None:
    """The subscription a token claims to be for (still to be verified), or None."""
    head, _, _ = token.partition(".")
    return int(head) if head.isascii() and head.isdigit() and len(head) < 18 else None


def verify_unsubscribe(secret: Secret, token: str, sub_id: int, email: str) -> bool:
    return hmac.compare_digest(token.encode(), unsubscribe_token(secret, sub_id, email).encode())


def message_id(secret: Secret, sub_id: int, period_key: str, domain: str) -> str:
    """The same for every attempt at one digest, so a resend after a crash is recognisable."""
    tag = _mac(secret, f"mid:{sub_id}:{period_key}", 6)
    return f"<digest.{sub_id}.{period_key}.{tag}@{domain}>"


def new_confirm_token() -> tuple[str, str]:
    """A fresh confirmation token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
