"""The SMTP client against aiosmtpd with STARTTLS, implicit TLS and login (a certificate made
for 127.0.0.1 by openssl, trusted through the client's SSL context)."""

from __future__ import annotations

import dataclasses
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from digest_helpers import LINKS
from loopback import free_port
from smtp_server import Recorder

from paperfeed.errors import DeliveryFailed
from paperfeed.mail.message import build_mail
from paperfeed.mail.smtp import SmtpClient, SmtpConfig
from paperfeed.secret import Secret

MAIL = build_mail(LINKS.mail_from, "reader@example.org", "Hello", "Hello over TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return d / "cert.pem", d / "key.pem"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"digest", b"s3cret")
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535


def serve(certificate: tuple[Path, Path], *, implicit: bool) -> Iterator[tuple[int, Recorder]]:
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(*certificate)
    recorder = Recorder()
    port = free_port()
    options: dict[str, Any] = {"authenticator": authenticator, "auth_required": True}
    if implicit:
        # aiosmtpd cannot tell that an implicit-TLS session is encrypted: offer AUTH anyway
        # (it then refuses to make it required; the client logs in all the same).
        controller = Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            ssl_context=server_ctx,
            authenticator=authenticator,
            auth_require_tls=False,
        )
    else:
        controller = Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            tls_context=server_ctx,
            require_starttls=True,
            **options,
        )
    controller.start()
    try:
        yield port, recorder
    finally:
        controller.stop()


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_tls_and_login(certificate: tuple[Path, Path], mode: str) -> None:
    for port, recorder in serve(certificate, implicit=mode == "tls"):
        config = SmtpConfig(
            "127.0.0.1",
            port,
            tls=mode,
            user="digest",
            password=Secret("s3cret"),
            timeout=5,
            backoff=0.01,
            ssl_context=client_context(certificate),
        )
        with SmtpClient(config) as mailer:
            mailer.send(MAIL)
        (msg,) = recorder.messages
        assert msg.get_body(("plain",)).get_content() == "Hello over TLS"
        wrong = dataclasses.replace(config, password=Secret("nope"))
        with (
            SmtpClient(wrong) as mailer,
            pytest.raises(DeliveryFailed, match="refused the session"),
        ):
            mailer.send(MAIL)


def test_an_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    for port, recorder in serve(certificate, implicit=False):
        config = SmtpConfig("127.0.0.1", port, tls="starttls", retries=1, backoff=0.01)
        with SmtpClient(config) as mailer, pytest.raises(DeliveryFailed, match="CERTIFICATE"):
            mailer.send(MAIL)
        assert recorder.messages == []


def test_starttls_required_but_not_offered() -> None:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = SmtpConfig("127.0.0.1", port, tls="starttls", retries=0)
        with SmtpClient(config) as mailer, pytest.raises(DeliveryFailed, match="STARTTLS"):
            mailer.send(MAIL)
    finally:
        controller.stop()
