from pathlib import Path

import pytest

from paperfeed.errors import InsecureConfiguration, Invalid
from paperfeed.mail.message import build_mail
from paperfeed.settings import load_settings


def settings(tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    return load_settings(env={"PAPERFEED_DATA_DIR": str(tmp_path), **env})


def test_smtp_settings_from_the_environment_and_secrets_never_print(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        PAPERFEED_SMTP_HOST="mail.example.org",
        PAPERFEED_SMTP_TLS="starttls",
        PAPERFEED_SMTP_USER="digest",
        PAPERFEED_SMTP_PASSWORD="hunter2",
        PAPERFEED_MAIL_FROM="paperfeed <digest@example.org>",
        PAPERFEED_SECRET_KEY="k" * 40,
    )
    config = s.require_smtp()
    assert (config.host, config.port, config.tls, config.user) == (
        "mail.example.org",
        587,
        "starttls",
        "digest",
    )
    assert config.password is not None and config.password.reveal() == "hunter2"
    for text in (repr(s), str(s), repr(config)):
        assert "hunter2" not in text and "k" * 40 not in text
    assert settings(tmp_path, PAPERFEED_SMTP_TLS="tls").smtp_port == 465
    assert settings(tmp_path).smtp_port == 25
    assert settings(tmp_path, PAPERFEED_SMTP_PORT="2525").smtp_port == 2525


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PAPERFEED_SMTP_TLS": "ssl"}, "smtp_tls must be none, starttls or tls"),
        ({"PAPERFEED_SMTP_PORT": "70000"}, "between 1 and 65535"),
        ({"PAPERFEED_SMTP_PORT": "smtp"}, "must be an integer"),
    ],
)
def test_bad_smtp_settings_are_clear(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(Invalid, match=message):
        settings(tmp_path, **env)


def test_sending_needs_a_server_and_production_a_secret(tmp_path: Path) -> None:
    assert settings(tmp_path).smtp() is None
    with pytest.raises(Invalid, match="PAPERFEED_SMTP_HOST"):
        settings(tmp_path).require_smtp()
    with pytest.raises(InsecureConfiguration, match="PAPERFEED_SECRET_KEY"):
        settings(tmp_path, PAPERFEED_ENVIRONMENT="production")
    links = settings(tmp_path, PAPERFEED_BASE_URL="https://papers.example.org/").links()
    assert links.public_url == "https://papers.example.org" and links.domain == "localhost"


def test_mail_headers_cannot_be_injected() -> None:
    with pytest.raises(Invalid, match="not an e-mail address"):
        build_mail("a@example.org", "victim@example.org\r\nBcc: x@example.org", "Hi", "text")
    with pytest.raises(Invalid, match="spans lines"):
        build_mail("a@example.org", "b@example.org", "Hi", "t", extra=[("List-Id", "a\r\nBcc: x")])
    mail = build_mail("a@example.org", "b@example.org", "Hi\r\nBcc: x@example.org", "text")
    assert b"\r\nBcc:" not in mail.raw
