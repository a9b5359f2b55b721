"""SMTP delivery with retries: one connection reused for many messages.

Transient failures (a 4xx reply, connection refused or dropped, a timeout) are retried with
exponential backoff; a 5xx reply is permanent (`Refused`). When the server stays unreachable,
or refuses the login, sending stops (`DeliveryFailed`): no subscriber is blamed for that.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from paperfeed.errors import DeliveryFailed
from paperfeed.mail.message import Mail
from paperfeed.secret import Secret


class Refused(Exception):
    """The server refused this message permanently (5xx)."""


class Deferred(Exception):
    """The server kept answering this message with a transient 4xx."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    tls: str = "none"
    user: str | None = None
    password: Secret | None = None
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0  # seconds before the first retry; doubles each time, up to 60
    ssl_context: ssl.SSLContext | None = None  # default: the system's CAs, verified


class SmtpClient:
    """Sends messages over one SMTP session, reconnecting when it drops."""

    def __init__(
        self,
        config: SmtpConfig,
        *,
        log: Callable[[str], None] = lambda _m: None,
    ) -> None:
        self.config = config
        self._log = log
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpClient:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        """Open a session (TLS and login as configured). A 5xx while doing so is the
        server refusing us, not a recipient: DeliveryFailed."""
        c = self.config
        context = c.ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        try:
            if c.tls == "tls":
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=context)
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            if c.tls == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise DeliveryFailed(
                        f"{c.host} does not offer STARTTLS; set PAPERFEED_SMTP_TLS=none "
                        "only for a trusted local relay"
                    )
                smtp.starttls(context=context)
            if c.user:
                smtp.login(c.user, c.password.reveal() if c.password else "")
        except smtplib.SMTPResponseException as exc:
            if smtp is not None:
                smtp.close()
            if exc.smtp_code >= 500 or isinstance(exc, smtplib.SMTPAuthenticationError):
                raise DeliveryFailed(
                    f"{c.host}:{c.port} refused the session: {_reply(exc)}"
                ) from None
            raise
        except BaseException:
            if smtp is not None:
                smtp.close()
            raise
        return smtp

    def send(self, mail: Mail) -> None:
        """Hand `mail` to the server; returns once it accepted it (250 after DATA).

        Raises Refused (5xx, or an address with non-ASCII characters for a server without
        SMTPUTF8), Deferred (4xx after every retry) or DeliveryFailed (server unreachable
        after every retry)."""
        attempt = 0
        while True:
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                self._smtp.sendmail(mail.sender, [mail.to], mail.raw, self._options(mail))
                return
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                error = f"{code} {_text(text)}"
                if code >= 500:
                    raise Refused(error) from None
                transient, connection = error, False
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                if exc.smtp_code >= 500:
                    raise Refused(_reply(exc)) from None
                # 421: the server is closing the session.
                transient, connection = _reply(exc), exc.smtp_code == 421
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code >= 500:
                    raise Refused(_reply(exc)) from None
                transient, connection = _reply(exc), True
            except smtplib.SMTPServerDisconnected as exc:
                transient, connection = str(exc) or "connection dropped", True
            except smtplib.SMTPException as exc:  # e.g. no common authentication method
                raise DeliveryFailed(f"mail server {self.config.host}: {exc}") from None
            except OSError as exc:  # refused, reset, timed out, TLS failure
                transient, connection = str(exc) or type(exc).__name__, True
            if connection:
                self._drop()
            if attempt >= self.config.retries:
                if connection:
                    raise DeliveryFailed(
                        f"mail server {self.config.host}:{self.config.port} "
                        f"failed {attempt + 1} times: {transient}"
                    )
                raise Deferred(transient)
            delay = min(self.config.backoff * 2**attempt, 60.0)
            self._log(f"SMTP: {transient}; retrying in {delay:g} s")
            time.sleep(delay)
            attempt += 1

    def _options(self, mail: Mail) -> list[str]:
        """SMTPUTF8 for an address with non-ASCII characters (RFC 6531), where the server
        offers it; Refused for this message where it does not."""
        if mail.sender.isascii() and mail.to.isascii():
            return []
        assert self._smtp is not None
        self._smtp.ehlo_or_helo_if_needed()
        if not self._smtp.has_extn("smtputf8"):
            raise Refused(
                f"{self.config.host} does not accept addresses with non-ASCII characters "
                f"(no SMTPUTF8): {mail.to}"
            )
        return ["SMTPUTF8"]

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"
