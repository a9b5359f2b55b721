"""Building a message (pure): nothing typed by a user can add a header."""

import pytest

from paperfeed.errors import Invalid
from paperfeed.mail.message import build_mail


def test_mail_headers_cannot_be_injected() -> None:
    with pytest.raises(Invalid, match="not an e-mail address"):
        build_mail("a@example.org", "victim@example.org\r\nBcc: x@example.org", "Hi", "text")
    with pytest.raises(Invalid, match="spans lines"):
        build_mail("a@example.org", "b@example.org", "Hi", "t", extra=[("List-Id", "a\r\nBcc: x")])
    mail = build_mail("a@example.org", "b@example.org", "Hi\r\nBcc: x@example.org", "text")
    assert b"\r\nBcc:" not in mail.raw
