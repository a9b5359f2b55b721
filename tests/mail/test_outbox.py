"""One-off messages: without a mail server the link is logged and nothing is sent; with one the
message arrives; a server that refuses it, or is not there, is `Upstream` saying so."""

from __future__ import annotations

import logging
import re

import pytest
from digest_helpers import LINKS
from loopback import free_port
from smtp_server import SmtpServer, running_smtp

from paperfeed.errors import Upstream
from paperfeed.mail.address import normalize_address
from paperfeed.mail.message import Mail, build_mail
from paperfeed.mail.outbox import Outbox
from paperfeed.mail.smtp import SmtpConfig

LINK = "http://paperfeed.test/login/verify?token=abc123&next=%2F"


def sign_in_mail(to: str = "reader@example.org") -> Mail:
    return build_mail(LINKS.mail_from, to, "Your sign-in link", f"Open this link:\n\n{LINK}\n")


def test_without_smtp_the_link_is_logged_and_nothing_is_sent(
    smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="paperfeed.mail"):
        Outbox(None).send(sign_in_mail(), LINK, "sign-in link")
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "paperfeed.mail",
            "WARNING",
            f"sign-in link for reader@example.org (no SMTP configured): {LINK}",
        )
    ]
    assert smtp.recorder.messages == []


def test_with_smtp_the_message_arrives_and_nothing_is_logged(
    smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="paperfeed.mail"):
        Outbox(smtp.config()).send(sign_in_mail(), LINK, "sign-in link")
    (msg,) = smtp.recorder.messages
    assert (msg["From"], msg["To"], msg["Subject"]) == (
        "paperfeed <digest@paperfeed.test>",
        "reader@example.org",
        "Your sign-in link",
    )
    assert smtp.recorder.last_link("reader@example.org") == LINK
    assert caplog.records == []


def test_each_send_is_its_own_session(smtp: SmtpServer) -> None:
    outbox = Outbox(smtp.config())
    outbox.send(sign_in_mail("a@example.org"), LINK, "sign-in link")
    outbox.send(sign_in_mail("b@example.org"), LINK, "sign-in link")
    assert [m["To"] for m in smtp.recorder.messages] == ["a@example.org", "b@example.org"]


def test_a_refused_recipient_is_upstream(smtp: SmtpServer) -> None:
    smtp.recorder.reject["reader@example.org"] = "550 5.1.1 No such user here"
    with pytest.raises(
        Upstream, match=r"^could not send the sign-in link e-mail: 550 5\.1\.1 No such user here$"
    ):
        Outbox(smtp.config()).send(sign_in_mail(), LINK, "sign-in link")
    assert smtp.recorder.messages == []


def test_a_server_that_keeps_deferring_is_upstream(smtp: SmtpServer) -> None:
    smtp.recorder.transient = ["451 4.3.0 Try again later"] * 2
    with pytest.raises(
        Upstream, match=r"^could not send the confirmation e-mail: 451 4\.3\.0 Try again later$"
    ):
        Outbox(smtp.config(retries=1)).send(sign_in_mail(), LINK, "confirmation")
    assert smtp.recorder.messages == []


def test_a_server_that_takes_it_on_the_retry_is_not_an_error(smtp: SmtpServer) -> None:
    smtp.recorder.transient = ["451 4.3.0 Try again later"]
    Outbox(smtp.config(retries=1)).send(sign_in_mail(), LINK, "sign-in link")
    assert len(smtp.recorder.messages) == 1


def test_nothing_listening_is_upstream() -> None:
    port = free_port()
    config = SmtpConfig("127.0.0.1", port, timeout=5, retries=1, backoff=0.01)
    message = (
        f"could not send the sign-in link e-mail: mail server 127.0.0.1:{port} failed 2 times: "
        "[Errno 111] Connection refused"
    )
    with pytest.raises(Upstream, match=f"^{re.escape(message)}$"):
        Outbox(config).send(sign_in_mail(), LINK, "sign-in link")


def test_a_non_ascii_address_goes_with_smtputf8(smtp: SmtpServer) -> None:
    to = normalize_address("José@example.org")
    Outbox(smtp.config(retries=0)).send(sign_in_mail(to), LINK, "sign-in link")
    (message,) = smtp.recorder.to("josé@example.org")
    assert LINK in message.get_body(("plain",)).get_content()


def test_a_server_without_smtputf8_cannot_take_a_non_ascii_address() -> None:
    to = normalize_address("José@example.org")
    with running_smtp(smtputf8=False) as ascii_only:
        with pytest.raises(
            Upstream,
            match=r"^could not send the sign-in link e-mail: 127\.0\.0\.1 does not accept "
            r"addresses with non-ASCII characters \(no SMTPUTF8\): josé@example\.org$",
        ):
            Outbox(ascii_only.config(retries=0)).send(sign_in_mail(to), LINK, "sign-in link")
        # the session is still good for the next message
        Outbox(ascii_only.config(retries=0)).send(sign_in_mail(), LINK, "sign-in link")
        assert [m["To"] for m in ascii_only.recorder.messages] == ["reader@example.org"]
