"""Outgoing e-mail for the site and the CLI: sign-in links, digest confirmations. Sent over
SMTP when one is configured (TLS mode and login from the settings), otherwise written to the
log (development), and always offered to an optional hook (tests)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from paperfeed.digest.mail import Mail, build_mail
from paperfeed.digest.render import Links
from paperfeed.digest.send import Deferred, Refused, SmtpConfig
from paperfeed.digest.send import Mailer as SmtpMailer
from paperfeed.errors import DeliveryFailed, Invalid, Upstream
from paperfeed.settings import DEFAULT_SECRET, Settings

log = logging.getLogger("paperfeed.web")


def smtp_config(settings: Settings, *, retries: int = 4) -> SmtpConfig:
    if not settings.smtp_host:
        raise Invalid("no mail server configured: set PAPERFEED_SMTP_HOST (see docs/digests.md)")
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        tls=settings.smtp_tls,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout=settings.http_timeout,
        retries=retries,
    )


def digest_links(settings: Settings) -> Links:
    """Where e-mails point. Outside development the default secret would let anyone forge
    unsubscribe links, so it is refused."""
    if settings.environment != "development" and settings.secret_key.reveal() == DEFAULT_SECRET:
        raise Invalid(
            "set PAPERFEED_SECRET_KEY: unsubscribe links must not be signed with the default"
        )
    return Links(settings.public_url, settings.mail_from, settings.secret_key)


class Mailer:
    def __init__(self, settings: Settings, hook: Callable[[str, str], None] | None = None) -> None:
        self._settings = settings
        self._hook = hook

    def send_login_link(self, email: str, link: str) -> None:
        s = self._settings
        mail = build_mail(
            s.mail_from,
            email,
            "Your paperfeed sign-in link",
            f"Open this link to sign in to paperfeed:\n\n{link}\n\n"
            f"It works once and expires in {s.login_link_minutes} minutes. "
            "If you did not ask for it, ignore this e-mail.\n",
        )
        self.send(mail, link, "sign-in link")

    def send(self, mail: Mail, link: str, what: str) -> None:
        """Send one message whose point is `link` (logged instead when no SMTP is set)."""
        email = mail.to
        if self._hook is not None:
            self._hook(email, link)
        if not self._settings.smtp_host:
            log.warning("%s for %s (no SMTP configured): %s", what, email, link)
            return
        try:
            with SmtpMailer(smtp_config(self._settings, retries=1)) as smtp:
                smtp.send(mail)
        except (DeliveryFailed, Deferred, Refused) as exc:
            raise Upstream(f"could not send the {what} e-mail: {exc}") from None
