"""GitHub stars of the repositories papers link to: which repository a code link points at
(`repo_key`, pure), what GitHub's REST API says of it (`parse_repo`, pure), and the
`github-stars` job's pass (`check_stars`), which asks through the polite client.

Polite to GitHub: one request at a time, conditional (`If-None-Match` with the last ETag: a
304 costs no rate limit), at most `max_requests` a run (50 without a token, under the 60 an
hour GitHub allows an address; 1,000 with one, of its 5,000), each repository at most once a
day. A run that finds the quota used up (403/429 with `X-RateLimit-Remaining: 0`) stops and
says when it resets instead of waiting; secondary limits (`Retry-After`) are waited out by the
client.

Writes one transaction per repository checked, on purpose: a killed run keeps every finished
check, and the next run goes on with the repositories it did not reach."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from urllib.parse import urlsplit

import orjson

from paperfeed.errors import Upstream
from paperfeed.ingest.http import PoliteClient, Response
from paperfeed.store import Store

API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
MAX_REQUESTS = 50
MAX_REQUESTS_WITH_TOKEN = 1000
# Seconds between two requests: GitHub asks for requests one at a time, not for pauses, and a
# second keeps a token's 1,000 within 17 minutes (arXiv's 3 s would make it 50).
REQUEST_DELAY = 1.0
SYNC_CHECKPOINT = "github-stars:synced"
SYNC_BATCH = 1000

_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
# github.com/<first segment> pages that are GitHub's own, not an account.
_NOT_OWNERS = frozenset(
    {
        "about",
        "apps",
        "collections",
        "customer-stories",
        "enterprise",
        "events",
        "explore",
        "features",
        "issues",
        "join",
        "login",
        "marketplace",
        "notifications",
        "orgs",
        "organizations",
        "pricing",
        "pulls",
        "search",
        "settings",
        "site",
        "sponsors",
        "topics",
        "trending",
        "users",
    }
)


def repo_key(url: str | None) -> str | None:
    """The lower-cased "owner/name" of the GitHub repository `url` links to (any page in it:
    `/tree/main`, `.git`, http or https, `www.`), or None for anything else (another host,
    a gist, an account or organization without a repository)."""
    if not url:
        return None
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.hostname not in (
        "github.com",
        "www.github.com",
    ):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None
    owner, name = segments[0], segments[1].removesuffix(".git")
    if owner.lower() in _NOT_OWNERS or not _OWNER.fullmatch(owner):
        return None
    if name in (".", "..") or not _NAME.fullmatch(name):
        return None
    return f"{owner}/{name}".lower()


@dataclass(frozen=True, slots=True)
class RepoCheck:
    """What one request found. `status`: ok (counted), unchanged (304: the count stands),
    missing (404, 410, 451), failed (anything else)."""

    status: str
    full_name: str | None = None
    stars: int | None = None
    etag: str | None = None
    message: str | None = None


class QuotaExhausted(Exception):
    """GitHub's rate limit is used up until `reset` (None: it did not say)."""

    def __init__(self, reset: datetime | None) -> None:
        super().__init__(f"GitHub rate limit exhausted until {reset or 'its reset'}")
        self.reset = reset


def parse_repo(content: bytes) -> tuple[str, int]:
    """`full_name` and `stargazers_count` of a `GET /repos/{owner}/{repo}` answer."""
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise Upstream(f"GitHub answered with something other than JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Upstream("GitHub's repository answer is not an object")
    full_name, stars = data.get("full_name"), data.get("stargazers_count")
    if not isinstance(full_name, str) or not isinstance(stars, int) or isinstance(stars, bool):
        raise Upstream("GitHub's repository answer has no full_name or stargazers_count")
    return full_name, stars


def rate_limit_reset(headers: Mapping[str, str]) -> datetime | None:
    """When the quota resets (`X-RateLimit-Reset`, epoch seconds), as naive UTC."""
    value = headers.get("x-ratelimit-reset", "")
    if not value.isdigit():
        return None
    return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)


def _message(content: bytes) -> str | None:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else None


def read_response(response: Response) -> RepoCheck:
    """A repository answer as a check; raises QuotaExhausted when the quota is used up."""
    headers = response.headers
    status = response.status
    if status in (403, 429) and headers.get("x-ratelimit-remaining") == "0":
        raise QuotaExhausted(rate_limit_reset(headers))
    etag = headers.get("etag")
    if status == 200:
        try:
            full_name, stars = parse_repo(response.content)
        except Upstream as exc:  # this repository's answer, not GitHub as a whole
            return RepoCheck("failed", message=str(exc))
        return RepoCheck("ok", full_name=full_name, stars=stars, etag=etag)
    if status == 304:
        return RepoCheck("unchanged", etag=etag)
    message = f"HTTP {status}" + (f": {m}" if (m := _message(response.content)) else "")
    if status in (404, 410, 451):
        return RepoCheck("missing", message=message)
    return RepoCheck("failed", message=message)


def request_headers(token: str | None, etag: str | None) -> dict[str, str]:
    """What a repository request sends: the API version, the token only when there is one,
    the last ETag when known."""
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if etag:
        headers["If-None-Match"] = etag
    return headers


def fetch_repo(
    client: PoliteClient,
    api_url: str,
    name: str,
    *,
    etag: str | None = None,
    token: str | None = None,
) -> RepoCheck:
    """`GET /repos/{name}`, following a renamed repository's redirect."""
    return client.fetch(
        f"{api_url.rstrip('/')}/repos/{name}",
        None,
        read_response,
        what="GitHub",
        headers=request_headers(token, etag),
    )


# ---------------------------------------------------------------- the job's pass


def sync_links(store: Store, *, batch: int = SYNC_BATCH) -> int:
    """Bring the paper → repository mapping up to date with the papers' code links changed
    since the last sync (their change feed); returns how many papers were looked at. One
    transaction per batch, with the checkpoint."""
    seen = 0
    after = _cursor(store.checkpoints.get(SYNC_CHECKPOINT))
    while True:
        rows = store.github.changed_links(after, batch)
        if not rows:
            return seen
        with store.transaction():
            store.github.link({paper_id: repo_key(url) for _seq, paper_id, url in rows})
            after = (rows[-1][0], rows[-1][1])
            store.checkpoints.set(SYNC_CHECKPOINT, f"{after[0]} {after[1]}")
        seen += len(rows)


def _cursor(text: str | None) -> tuple[int, str]:
    if not text:
        return 0, ""
    seq, _, last_id = text.partition(" ")
    return int(seq), last_id


@dataclass(slots=True)
class StarsReport:
    linked: int = 0  # papers whose links were looked at
    checked: int = 0
    counted: int = 0  # 200: a new count
    unchanged: int = 0  # 304
    missing: int = 0
    failed: int = 0
    left: int = 0  # repositories due that this run did not reach
    stopped: str | None = None  # why the run ended early

    def add(self, status: str) -> None:
        """Count one check of `status` (a `RepoCheck.status`)."""
        self.checked += 1
        if status == "ok":
            self.counted += 1
        elif status == "unchanged":
            self.unchanged += 1
        elif status == "missing":
            self.missing += 1
        else:
            self.failed += 1

    def line(self) -> str:
        text = (
            f"GitHub repositories checked: {self.checked} ({self.counted} counted, "
            f"{self.unchanged} unchanged, {self.missing} missing, {self.failed} failed), "
            f"{self.left} left for the next run; paper links synced: {self.linked}"
        )
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")


def check_stars(
    store: Store,
    fetch: Callable[[str, str | None], RepoCheck],
    now: datetime,
    *,
    max_requests: int = MAX_REQUESTS,
    checked_before: datetime | None = None,
) -> StarsReport:
    """Sync the links, then ask GitHub (`fetch`: name and ETag to a check) about the
    repositories due: never checked first, then those checked longest ago, each at most once
    a day (not checked since `checked_before`, by default the start of `now`'s day)."""
    report = StarsReport(linked=sync_links(store))
    before = checked_before or datetime.combine(now.date(), time())
    for repo in store.github.due(before, max_requests):
        try:
            check = fetch(repo.full_name or repo.repo, repo.etag)
        except QuotaExhausted as exc:
            when = f"{exc.reset:%Y-%m-%d %H:%M} UTC" if exc.reset else "an unknown time"
            report.stopped = f"GitHub's rate limit is used up until {when}"
            break
        except Upstream as exc:
            # GitHub keeps failing: note it on this repository (it goes to the back of the
            # queue) and stop rather than press a service in trouble.
            check = RepoCheck("failed", message=str(exc))
            report.stopped = str(exc)
        _record(store, repo.repo, check, now)
        report.add(check.status)
        if report.stopped:
            break
    report.left = store.github.count_due(before)
    return report


def _record(store: Store, repo: str, check: RepoCheck, now: datetime) -> None:
    store.github.record(
        repo,
        check.status,
        now,
        full_name=check.full_name,
        stars=check.stars,
        etag=check.etag,
        message=check.message,
    )


def github_fetcher(
    client: PoliteClient, api_url: str, token: str | None
) -> Callable[[str, str | None], RepoCheck]:
    """`fetch` for `check_stars` through `client`."""

    def fetch(name: str, etag: str | None) -> RepoCheck:
        return fetch_repo(client, api_url, name, etag=etag, token=token)

    return fetch


def max_requests_for(token: str | None) -> int:
    return MAX_REQUESTS_WITH_TOKEN if token else MAX_REQUESTS
