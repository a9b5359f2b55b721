"""Typed settings, declared as data: CLI flag > environment > config file > default.

Every setting has an environment variable `PAPERFEED_<NAME>` and may appear in a TOML config
file (`--config FILE`, `PAPERFEED_CONFIG`, or `paperfeed.toml` in the data directory).
`docs/configuration.md` documents each one; a test fails when one is missing there.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from paperfeed.categories import validate_categories
from paperfeed.digest.links import Links
from paperfeed.errors import InsecureConfiguration, Invalid
from paperfeed.mail.smtp import SmtpConfig
from paperfeed.secret import Secret

SMTP_TLS_MODES = ("none", "starttls", "tls")
SMTP_DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}

DEFAULT_SECRET = "paperfeed-development-secret-change-me"


def default_parse_workers() -> int:
    """One parser process when there is a core for it besides the writer's. More do not help:
    with one, the writing process is already the slower of the two (1M Kaggle records: 50 s
    of CPU writing, 38 s parsing), and each costs about 90 MB."""
    return 1 if (os.cpu_count() or 1) > 1 else 0


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "data_dir",
        None,
        "Directory for the database, indexes and caches "
        "(default: the platform's user data directory).",
        Path,
    ),
    Setting(
        "database_url",
        None,
        "SQLAlchemy-style database URL: `sqlite:///path.db` or "
        "`postgresql://user@host/db` (default: paperfeed.db in the data directory).",
    ),
    Setting("arxiv_api_url", "https://export.arxiv.org/api/query", "arXiv API endpoint (Atom)."),
    Setting("oai_url", "https://oaipmh.arxiv.org/oai", "arXiv OAI-PMH endpoint."),
    Setting(
        "arxiv_pdf_url",
        "https://export.arxiv.org/pdf",
        "arXiv PDF base URL the thumbnails job fetches `<base>/<id>v<version>` from.",
    ),
    Setting(
        "rss_url",
        "https://rss.arxiv.org/rss/",
        "arXiv announcement RSS base URL; categories are appended, joined with '+'.",
    ),
    Setting(
        "http_delay",
        3.0,
        "Seconds between requests to one arXiv service (arXiv asks for at least 3).",
        float,
    ),
    Setting(
        "hf_url",
        "https://huggingface.co",
        "Hugging Face base URL that `ingest hf-daily` and the HF mirror job fetch "
        "`/api/daily_papers` from.",
    ),
    Setting(
        "categories",
        "",
        "arXiv categories the site follows, space- or comma-separated (`cs.LG cs.CL`; an "
        "archive such as `math` means all of it). Day pages list the papers arXiv announced "
        "in them (or, without a known announcement, whose first version appeared) besides "
        "the community's picks. Empty follows every category.",
    ),
    Setting(
        "jobs",
        "on",
        "`on`: `paperfeed serve` also runs the scheduled jobs (ingest, index, digests); "
        "`off`: it only serves, and a separate `paperfeed worker` runs them.",
    ),
    Setting(
        "fetch_arxiv",
        False,
        "Scheduled jobs fetch arXiv's announcements (RSS, after each announcement) and "
        "OAI-PMH (to complete metadata and catch new versions) for the followed categories.",
        bool,
    ),
    Setting(
        "mirror_hf",
        False,
        "A scheduled job fetches Hugging Face's daily papers (from `hf_url`) every hour.",
        bool,
    ),
    Setting(
        "arxiv_categories",
        False,
        "A scheduled job asks the arXiv API (`arxiv_api_url`) for the categories of papers "
        "imported without them (from Hugging Face) every hour.",
        bool,
    ),
    Setting(
        "github_stars",
        False,
        "A scheduled job counts the GitHub stars of the repositories papers link to (from "
        "`github_api_url`) every 6 hours, each at most once a day, and keeps their history: "
        "trending by code ranks on it.",
        bool,
    ),
    Setting("github_api_url", "https://api.github.com", "GitHub REST API endpoint."),
    Setting(
        "recommendations",
        True,
        "An hourly job ranks the newly listed papers for every member who saved or upvoted "
        "papers (For you, their digest, the API); its first run fits the recommender on the "
        "newest 20,000 papers. Off: recommendations are made only on demand.",
        bool,
    ),
    Setting(
        "github_token",
        None,
        "GitHub token for the stars job (no scope needed): 1,000 requests a run instead of 50 "
        "(GitHub allows 5,000 an hour with one, 60 without).",
        Secret,
    ),
    Setting(
        "thumbnails",
        False,
        "A scheduled job makes a thumbnail of each paper on the latest days the site lists: "
        "Hugging Face's for imported papers that have one, else the first page of the arXiv "
        "PDF; kept in the data directory. Off, papers show a placeholder.",
        bool,
    ),
    Setting(
        "index_interval_seconds",
        2.0,
        "How often the index job looks for changes in the store (each node keeps its own "
        "search index up to date with them); at least 1.",
        float,
    ),
    Setting("http_timeout", 30.0, "Seconds before a request to arXiv times out.", float),
    Setting(
        "http_retries",
        4,
        "Attempts after the first on timeouts, 5xx and truncated "
        "responses, with exponential backoff.",
        int,
    ),
    Setting("batch_size", 1000, "Records written per transaction during imports.", int),
    Setting(
        "parse_workers",
        None,
        "Processes that parse a big JSON Lines import (`ingest kaggle`, `ingest jsonl`) while "
        "the main process writes (default: 1 on a machine with more than one core; "
        "0 parses in the main process).",
        int,
    ),
    Setting(
        "environment",
        "development",
        "`development` or `production`; production refuses the default secret key.",
    ),
    Setting(
        "secret_key",
        DEFAULT_SECRET,
        "Key that signs session cookies and CSRF tokens; set a long random value in production.",
    ),
    Setting("host", "127.0.0.1", "Address `paperfeed serve` listens on."),
    Setting("port", 8000, "Port `paperfeed serve` listens on.", int),
    Setting(
        "workers",
        1,
        "Server processes `paperfeed serve` starts (uvicorn workers sharing the port); one per "
        "core is a good start. SQLite (WAL) and the search index work across processes.",
        int,
    ),
    Setting(
        "page_cache_seconds",
        2.0,
        "Seconds a listing page (as signed-out visitors see it) and an `/api/daily_papers` "
        "response are reused; writes made through the same process show at once, writes "
        "from other processes within this time. 0 turns the cache off.",
        float,
    ),
    Setting(
        "read_memo_rows",
        50_000,
        "Rows of recent reads (listings, papers, comments, votes) each process keeps and reuses "
        "while nothing has been written to the database since, by any process: exact, never "
        "stale. 0 turns the memo off.",
        int,
    ),
    Setting(
        "base_url",
        "",
        "Public URL of the site, used in sign-in links and feeds (default: http://HOST:PORT).",
    ),
    Setting(
        "submission_window_days",
        14,
        "Only papers first published at most this many days before the front day (today on a "
        "live site) can be submitted.",
        int,
    ),
    Setting("daily_submission_cap", 5, "Papers one member may submit per UTC day.", int),
    Setting("login_link_minutes", 30, "Minutes a sign-in link stays valid.", int),
    Setting(
        "admin_emails",
        "",
        "Comma-separated e-mail addresses that become admins when they sign in.",
    ),
    Setting(
        "smtp_host",
        "",
        "SMTP server for sign-in, confirmation and digest e-mails; empty prints sign-in "
        "links to the log instead (digests then cannot be sent).",
    ),
    Setting(
        "smtp_port",
        None,
        "SMTP port (default: 465 with tls, 587 with starttls, 25 with none).",
        int,
    ),
    Setting("smtp_user", None, "SMTP login name (no login when unset)."),
    Setting("smtp_password", None, "SMTP password.", Secret),
    Setting("smtp_tls", "none", "SMTP transport security: none, starttls or tls."),
    Setting("mail_from", "paperfeed@localhost", "Sender address of every e-mail."),
    Setting(
        "search_model",
        "minishlab/potion-retrieval-32M",
        "Embedding model for semantic search: a model2vec model on the Hugging Face hub "
        "(downloaded once into the data directory), a local model2vec directory, or "
        "`st:NAME_OR_PATH` for a sentence-transformers model (extra `st`); `none` turns "
        "semantic search off.",
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}
ENVIRONMENTS = ("development", "production")


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    arxiv_api_url: str
    oai_url: str
    arxiv_pdf_url: str
    rss_url: str
    hf_url: str
    categories: str
    jobs: str
    fetch_arxiv: bool
    mirror_hf: bool
    arxiv_categories: bool
    github_stars: bool
    github_api_url: str
    github_token: Secret | None
    recommendations: bool
    thumbnails: bool
    index_interval_seconds: float
    http_delay: float
    http_timeout: float
    http_retries: int
    batch_size: int
    parse_workers: int
    search_model: str
    environment: str
    secret_key: Secret
    host: str
    port: int
    workers: int
    page_cache_seconds: float
    read_memo_rows: int
    base_url: str
    submission_window_days: int
    daily_submission_cap: int
    login_link_minutes: int
    admin_emails: str
    smtp_host: str
    smtp_port: int
    smtp_user: str | None
    smtp_password: Secret | None
    smtp_tls: str
    mail_from: str

    @property
    def public_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def followed(self) -> tuple[str, ...]:
        """The arXiv categories the site follows; empty: every category."""
        return tuple(self.categories.split())

    @property
    def admins(self) -> frozenset[str]:
        return frozenset(e.strip().lower() for e in self.admin_emails.split(",") if e.strip())

    def smtp(self, *, retries: int = 4) -> SmtpConfig | None:
        """The mail server to send through; None when none is configured."""
        if not self.smtp_host:
            return None
        return SmtpConfig(
            host=self.smtp_host,
            port=self.smtp_port,
            tls=self.smtp_tls,
            user=self.smtp_user,
            password=self.smtp_password,
            timeout=self.http_timeout,
            retries=retries,
        )

    def require_smtp(self) -> SmtpConfig:
        """The mail server, or Invalid saying how to configure one (digests need it)."""
        config = self.smtp()
        if config is None:
            raise Invalid(
                "no mail server configured: set PAPERFEED_SMTP_HOST (see docs/digests.md)"
            )
        return config

    def links(self) -> Links:
        """Where e-mails point and who sends them."""
        return Links(self.public_url, self.mail_from, self.secret_key)


def _categories(text: str) -> list[str]:
    if not text.strip():
        return []
    try:
        return list(dict.fromkeys(validate_categories([text])))
    except Invalid as exc:
        raise Invalid(f"categories: {exc}") from None


def env_name(name: str) -> str:
    return f"PAPERFEED_{name.upper()}"


def settings_environment(settings: Settings) -> dict[str, str]:
    """Every setting as its environment variable, so a child process (a server worker)
    resolves exactly the same settings (the secret included: keep the environment private)."""
    out = {}
    for s in SETTINGS:
        value = getattr(settings, s.name)
        out[env_name(s.name)] = value.reveal() if isinstance(value, Secret) else str(value)
    return out


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    if value is None:
        return None
    try:
        if setting.kind is Path:
            return Path(os.path.expanduser(str(value)))
        if setting.kind is float:
            return float(value)
        if setting.kind is int:
            return int(value)
        if setting.kind is bool:
            return _boolean(value)
        if setting.kind is Secret:
            return value if isinstance(value, Secret) else Secret(str(value))
        return str(value)
    except (TypeError, ValueError):
        kinds = {
            int: "an integer",
            float: "a number",
            Path: "a path",
            str: "a string",
            Secret: "a string",
            bool: "true or false",
        }
        raise Invalid(
            f"{origin}: {setting.name} must be {kinds[setting.kind]}, got {value!r}"
        ) from None


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise Invalid(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"config file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(_BY_NAME))
    if unknown:
        raise Invalid(f"config file {path}: unknown setting(s) {', '.join(unknown)}")
    return data


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Resolve every setting; `overrides` are CLI flags (None means "not given")."""
    env = os.environ if env is None else env
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    values: dict[str, Any] = {}
    for s in SETTINGS:
        if s.name in overrides:
            values[s.name] = _coerce(s, overrides[s.name], f"--{s.name.replace('_', '-')}")
        elif env_name(s.name) in env and env[env_name(s.name)] != "":
            values[s.name] = _coerce(s, env[env_name(s.name)], env_name(s.name))
    data_dir: Path = values.get("data_dir") or Path(platformdirs.user_data_dir("paperfeed"))
    if config_file is None and env.get("PAPERFEED_CONFIG"):
        config_file = Path(env["PAPERFEED_CONFIG"])
    if config_file is None and (data_dir / "paperfeed.toml").is_file():
        config_file = data_dir / "paperfeed.toml"
    file_values = _read_config(config_file) if config_file else {}
    for s in SETTINGS:
        if s.name not in values:
            if s.name in file_values:
                values[s.name] = _coerce(s, file_values[s.name], str(config_file))
            else:
                values[s.name] = s.default
    values["data_dir"] = Path(values["data_dir"] or data_dir)
    if not values["database_url"]:
        values["database_url"] = f"sqlite:///{values['data_dir'] / 'paperfeed.db'}"
    if values["http_delay"] < 0 or values["http_timeout"] <= 0 or values["http_retries"] < 0:
        raise Invalid("http_delay, http_retries must be >= 0 and http_timeout > 0")
    if values["batch_size"] < 1:
        raise Invalid("batch_size must be at least 1")
    if values["parse_workers"] is None:
        values["parse_workers"] = default_parse_workers()
    elif values["parse_workers"] < 0:
        raise Invalid("parse_workers must be 0 (parse in the main process) or more")
    if values["environment"] not in ENVIRONMENTS:
        raise Invalid(
            f"environment must be development or production, got {values['environment']!r}"
        )
    if values["page_cache_seconds"] < 0:
        raise Invalid("page_cache_seconds must be 0 (off) or more")
    if values["read_memo_rows"] < 0:
        raise Invalid("read_memo_rows must be 0 (off) or more")
    positive = ("port", "workers", "submission_window_days", "daily_submission_cap")
    for name in (*positive, "login_link_minutes"):
        if values[name] < 1:
            raise Invalid(f"{name} must be at least 1")
    values["secret_key"] = Secret(str(values["secret_key"]))
    if values["environment"] != "development" and values["secret_key"].reveal() == DEFAULT_SECRET:
        # Sessions, CSRF tokens and unsubscribe links would be forgeable by anyone.
        raise InsecureConfiguration(
            "refusing to run in production with the default secret key: set "
            "PAPERFEED_SECRET_KEY (or secret_key in paperfeed.toml) to a long random value"
        )
    if values["jobs"] not in ("on", "off"):
        raise Invalid(f"jobs must be on or off, got {values['jobs']!r}")
    if values["index_interval_seconds"] < 1:
        # Jobs are timed by the store's clock, which counts whole seconds.
        raise Invalid("index_interval_seconds must be at least 1")
    values["categories"] = " ".join(_categories(values["categories"]))
    if values["smtp_tls"] not in SMTP_TLS_MODES:
        raise Invalid(f"smtp_tls must be none, starttls or tls, got {values['smtp_tls']!r}")
    if values["smtp_port"] is None:
        values["smtp_port"] = SMTP_DEFAULT_PORTS[values["smtp_tls"]]
    if not 0 < values["smtp_port"] < 65536:
        raise Invalid(f"smtp_port must be between 1 and 65535, got {values['smtp_port']}")
    return Settings(**values)
