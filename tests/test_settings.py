"""Settings from flags, environment, the data directory's paperfeed.toml or a config file:
precedence, defaults, documentation, clear errors, and secrets that never print."""

from pathlib import Path

import pytest

from paperfeed.errors import InsecureConfiguration, Invalid
from paperfeed.settings import SETTINGS, env_name, load_settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text()
    for s in SETTINGS:
        assert f"`{s.name}`" in text and f"`{env_name(s.name)}`" in text, s.name


def test_precedence(tmp_path: Path) -> None:
    config = tmp_path / "paperfeed.toml"
    config.write_text('batch_size = 7\nhttp_delay = 9.5\narxiv_api_url = "http://file"\n')
    env = {"PAPERFEED_DATA_DIR": str(tmp_path), "PAPERFEED_HTTP_DELAY": "4"}
    s = load_settings({"batch_size": None}, env=env)
    assert s.batch_size == 7  # from the data dir's paperfeed.toml
    assert s.http_delay == 4.0  # env beats file
    assert s.arxiv_api_url == "http://file"
    assert s.database_url == f"sqlite:///{tmp_path / 'paperfeed.db'}"
    s = load_settings({"batch_size": 3}, env=env)
    assert s.batch_size == 3  # flag beats all


def test_defaults_without_anything(tmp_path: Path) -> None:
    s = load_settings(env={"PAPERFEED_DATA_DIR": str(tmp_path / "x")})
    assert s.http_delay == 3.0 and s.batch_size == 1000
    assert s.data_dir == tmp_path / "x"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PAPERFEED_BATCH_SIZE": "lots"}, "batch_size must be an integer"),
        ({"PAPERFEED_BATCH_SIZE": "0"}, "at least 1"),
        ({"PAPERFEED_HTTP_DELAY": "-1"}, ">= 0"),
        ({"PAPERFEED_INDEX_INTERVAL_SECONDS": "0.5"}, "index_interval_seconds must be at least 1"),
        ({"PAPERFEED_FETCH_ARXIV": "maybe"}, "fetch_arxiv must be true or false"),
        ({"PAPERFEED_CATEGORIES": "cs.LG; DROP"}, "categories: not an arXiv category"),
        ({"PAPERFEED_JOBS": "sometimes"}, "jobs must be on or off"),
    ],
)
def test_bad_values_are_clear(env: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(Invalid, match=message):
        load_settings(env={"PAPERFEED_DATA_DIR": str(tmp_path), **env})


def test_bad_config_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("nonsense = 1\n")
    with pytest.raises(Invalid, match="unknown setting"):
        load_settings(env={"PAPERFEED_DATA_DIR": str(tmp_path)}, config_file=bad)
    bad.write_text("= broken")
    with pytest.raises(Invalid, match="not valid TOML"):
        load_settings(env={"PAPERFEED_DATA_DIR": str(tmp_path)}, config_file=bad)
    with pytest.raises(Invalid, match="cannot read config"):
        load_settings(env={"PAPERFEED_DATA_DIR": str(tmp_path)}, config_file=tmp_path / "no.toml")


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
