"""An outgoing e-mail, serialised once: plain text and optional HTML, UTF-8 in base64.

Written by hand rather than with `email.message`: its generator and header machinery cost more
than rendering a digest (about 10 ms a message, measured by bench/digest.py). The structure is
fixed and small, and the tests parse every message with the `email` package on the server side.
Header lines other than the subject are not folded (folding `List-Unsubscribe` before its URL
trips some one-click implementations); each stays far below SMTP's 998-character limit.
"""

from __future__ import annotations

import base64
import functools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, parseaddr

from paperfeed.errors import Invalid

_ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+$")
_HEADER_VALUE = re.compile(r"^[^\r\n]{0,900}$")


@dataclass(frozen=True, slots=True)
class Mail:
    sender: str  # envelope sender, a bare address
    to: str
    headers: tuple[tuple[str, str], ...]
    raw: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@functools.lru_cache(maxsize=1024)
def _encoded(subject: str) -> str:
    """RFC 2047 words of at most 75 characters, folded: the one header that folds. Digests of
    one period share a few subjects, and encoding one takes a millisecond."""
    return Header(subject, "utf-8").encode(linesep="\r\n")


def _body(content: str, subtype: str) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes(content.encode()).replace(b"\n", b"\r\n")


def build_mail(
    mail_from: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    extra: Sequence[tuple[str, str]] = (),
) -> Mail:
    if not _ADDRESS.match(to):
        raise Invalid(f"not an e-mail address: {to!r}")
    sender = parseaddr(mail_from)[1]
    if not _ADDRESS.match(sender):
        raise Invalid(f"mail_from is not an e-mail address: {mail_from!r}")
    headers = (
        ("From", mail_from),
        ("To", to),
        ("Subject", _encoded(subject)),
        ("Date", formatdate(usegmt=True)),
        *extra,
        ("MIME-Version", "1.0"),
    )
    for name, value in headers:
        if name != "Subject" and not _HEADER_VALUE.match(value):
            raise Invalid(f"the {name} header is too long or spans lines")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers).encode()
    if html is None:
        raw = head + _body(text, "plain")
    else:
        boundary = f"=_{uuid.uuid4().hex}"
        raw = (
            head
            + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode()
            + f"--{boundary}\r\n".encode()
            + _body(text, "plain")
            + f"--{boundary}\r\n".encode()
            + _body(html, "html")
            + f"--{boundary}--\r\n".encode()
        )
    return Mail(sender, to, headers, raw)
