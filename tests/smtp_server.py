"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it accepts and can be told to
fail: transiently (4xx) a number of times, permanently (5xx) for some recipients, or slowly."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from loopback import free_port

from paperfeed.mail.smtp import SmtpClient, SmtpConfig

_LINK = re.compile(r"https?://\S+")


@dataclass
class Recorder:
    """aiosmtpd handler: keeps accepted messages; `transient` replies are used up first."""

    messages: list[EmailMessage] = field(default_factory=list)
    transient: list[str] = field(default_factory=list)
    reject: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.transient:
            return self.transient.pop(0)
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.original_content, policy=default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def last_link(self, address: str) -> str:
        """The first link in the plain text of the last message to `address`."""
        sent = self.to(address)
        assert sent, f"no e-mail to {address}"
        body = sent[-1].get_body(("plain",))
        assert body is not None
        found = _LINK.search(body.get_content())
        assert found, "no link in the e-mail"
        return found.group(0)


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder

    def config(self, **kwargs: Any) -> SmtpConfig:
        return SmtpConfig(
            host=self.host, port=self.port, tls="none", timeout=5, backoff=0.01, **kwargs
        )

    def client(self, **kwargs: Any) -> SmtpClient:
        return SmtpClient(self.config(**kwargs))

    def env(self) -> dict[str, str]:
        """Settings that send the site's and the CLI's mail here."""
        return {"PAPERFEED_SMTP_HOST": self.host, "PAPERFEED_SMTP_PORT": str(self.port)}


@contextmanager
def running_smtp(*, smtputf8: bool = True) -> Iterator[SmtpServer]:
    """A server on a free port; `smtputf8=False` for one that takes only ASCII addresses."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder)
    finally:
        controller.stop()
