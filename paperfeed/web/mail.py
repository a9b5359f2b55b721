"""Sign-in e-mails: sent over SMTP when one is configured, otherwise written to the log
(development), and always offered to an optional hook (tests)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage

from paperfeed.errors import Upstream
from paperfeed.settings import Settings

log = logging.getLogger("paperfeed.web")


class Mailer:
    def __init__(self, settings: Settings, hook: Callable[[str, str], None] | None = None) -> None:
        self._settings = settings
        self._hook = hook

    def send_login_link(self, email: str, link: str) -> None:
        if self._hook is not None:
            self._hook(email, link)
        s = self._settings
        if not s.smtp_host:
            log.warning("sign-in link for %s (no SMTP configured): %s", email, link)
            return
        msg = EmailMessage()
        msg["From"] = s.mail_from
        msg["To"] = email
        msg["Subject"] = "Your paperfeed sign-in link"
        msg.set_content(
            f"Open this link to sign in to paperfeed:\n\n{link}\n\n"
            f"It works once and expires in {s.login_link_minutes} minutes. "
            "If you did not ask for it, ignore this e-mail.\n"
        )
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise Upstream(f"could not send the sign-in e-mail: {exc}") from None
