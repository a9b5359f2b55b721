"""E-mail addresses as people type them: one check for every form, command and API that takes
one. Addresses are kept lowercased, so one person has one account and one subscription.

A local part may have non-ASCII letters (sent with SMTPUTF8 where the server offers it); a
domain must be ASCII (an internationalised one as punycode, `xn--…`)."""

from __future__ import annotations

import re

from paperfeed.errors import Invalid

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ADDRESS = re.compile(r'[^@\s"(),:;<>\[\\\]]{1,64}@' + rf"(?:{_LABEL}\.)+[a-z]{{2,63}}")


def normalize_address(text: str) -> str:
    """A plausible e-mail address, trimmed and lowercased, or Invalid saying so."""
    address = text.strip().lower()
    if (
        len(address) > 254
        or not address.isprintable()  # NUL and other controls, line separators
        or not _ADDRESS.fullmatch(address)
    ):
        raise Invalid(f"not an e-mail address: {text.strip()[:80]!r}")
    return address
