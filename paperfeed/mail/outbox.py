"""One-off messages whose point is a link (sign-in links, digest confirmations): sent over SMTP
when a server is configured, else written to the log, so a development site works without one."""

from __future__ import annotations

import logging

from paperfeed.errors import DeliveryFailed, Upstream
from paperfeed.mail.message import Mail
from paperfeed.mail.smtp import Deferred, Refused, SmtpClient, SmtpConfig

log = logging.getLogger("paperfeed.mail")


class Outbox:
    """`smtp` None: no mail server; each message's link is logged instead."""

    def __init__(self, smtp: SmtpConfig | None) -> None:
        self._smtp = smtp

    def send(self, mail: Mail, link: str, what: str) -> None:
        """Send `mail`, whose point is `link`; `what` names it in messages ("sign-in link").
        A server that cannot take it now is `Upstream`: nothing is retried later."""
        if self._smtp is None:
            log.warning("%s for %s (no SMTP configured): %s", what, mail.to, link)
            return
        try:
            with SmtpClient(self._smtp) as smtp:
                smtp.send(mail)
        except (DeliveryFailed, Deferred, Refused) as exc:
            raise Upstream(f"could not send the {what} e-mail: {exc}") from None
