"""GitHub links and the repository API: `repo_key` and the parsing of recorded answers (pure),
and `fetch_repo` through the polite client against a loopback server replaying GitHub's
recorded answers (tests/fixtures/github, see PROVENANCE.txt there)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from github_replay import GitHubReplay, failure, recorded
from replay import FakeClock

from paperfeed.errors import Upstream
from paperfeed.ingest.github import (
    API_VERSION,
    QuotaExhausted,
    RepoCheck,
    fetch_repo,
    parse_repo,
    rate_limit_reset,
    read_response,
    repo_key,
)
from paperfeed.ingest.http import PoliteClient, Response

REPO = "/repos/PyGithub/PyGithub"


@pytest.fixture
def github() -> Iterator[GitHubReplay]:
    with GitHubReplay() as server:
        yield server


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://github.com/PyGithub/PyGithub", "pygithub/pygithub"),
        ("http://github.com/PyGithub/PyGithub", "pygithub/pygithub"),
        ("https://www.github.com/PyGithub/PyGithub/", "pygithub/pygithub"),
        ("https://github.com/PyGithub/PyGithub.git", "pygithub/pygithub"),
        ("https://github.com/PyGithub/PyGithub/tree/main/github", "pygithub/pygithub"),
        ("https://github.com/PyGithub/PyGithub/blob/main/README.md#install", "pygithub/pygithub"),
        ("https://github.com/huggingface/transformers?tab=readme", "huggingface/transformers"),
        ("github.com/openai/whisper", "openai/whisper"),
        ("  https://github.com/a-b/c.d_e  ", "a-b/c.d_e"),
    ],
)
def test_repo_key_reads_links_into_a_repository(url: str, key: str) -> None:
    assert repo_key(url) == key


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "https://gitlab.com/PyGithub/PyGithub",
        "https://gist.github.com/jacquev6/0123456789abcdef",
        "https://github.com/PyGithub",
        "https://github.com/PyGithub/",
        "https://github.com/orgs/huggingface/repositories",
        "https://github.com/topics/machine-learning",
        "https://github.com/sponsors/someone",
        "https://github.com/-bad/name",
        "https://github.com/owner/..",
        "https://github.com.evil.example/owner/repo",
        "ftp://github.com/owner/repo",
        "https://huggingface.co/spaces/owner/repo",
    ],
)
def test_repo_key_refuses_what_is_not_a_repository(url: str | None) -> None:
    assert repo_key(url) is None


def test_parse_repo_reads_the_name_and_the_stars_of_recorded_answers() -> None:
    assert parse_repo(recorded("repo-2026-01-08.txt")[0].body) == ("PyGithub/PyGithub", 7636)
    assert parse_repo(recorded("repo-2026-01-12.txt")[0].body) == ("PyGithub/PyGithub", 7640)
    assert parse_repo(recorded("renamed.txt")[1].body) == ("padima2/protoncoin", 5)


@pytest.mark.parametrize("body", [b"<html>", b"[]", b'{"full_name": "a/b"}', b'{"message": "x"}'])
def test_parse_repo_refuses_other_answers(body: bytes) -> None:
    with pytest.raises(Upstream):
        parse_repo(body)


def test_the_reset_time_is_read_from_the_recorded_header() -> None:
    headers = {k.lower(): v for k, v in recorded("repo-2026-01-08.txt")[0].headers}
    assert headers["x-ratelimit-reset"] == "1767880692"
    assert rate_limit_reset(headers) == datetime(2026, 1, 8, 13, 58, 12)
    assert rate_limit_reset({}) is None


def test_a_repository_is_counted_with_its_etag_and_no_token_is_sent(
    github: GitHubReplay, client: PoliteClient
) -> None:
    answer = recorded("repo-2026-01-08.txt")[0]
    github.serve(answer)
    check = fetch_repo(client, github.url, "PyGithub/PyGithub")
    assert check == RepoCheck(
        "ok", full_name="PyGithub/PyGithub", stars=7636, etag=answer.header("ETag")
    )
    (seen,) = github.requests
    assert seen.path == REPO
    assert seen.headers["accept"] == "application/vnd.github+json"
    assert seen.headers["x-github-api-version"] == API_VERSION == "2022-11-28"
    assert "authorization" not in seen.headers
    assert "if-none-match" not in seen.headers


def test_the_token_is_sent_only_when_set(github: GitHubReplay, client: PoliteClient) -> None:
    github.serve(recorded("repo-api-version.txt")[0])
    assert fetch_repo(client, github.url, "PyGithub/PyGithub", token="ghp_test").stars == 7701
    assert fetch_repo(client, github.url, "PyGithub/PyGithub", token=None).stars == 7701
    assert fetch_repo(client, github.url, "PyGithub/PyGithub", token="").stars == 7701
    sent = [r.headers.get("authorization") for r in github.requests]
    assert sent == ["Bearer ghp_test", None, None]


def test_a_conditional_request_answered_304_keeps_the_count(
    github: GitHubReplay, client: PoliteClient
) -> None:
    not_modified = recorded("not-modified.txt")[0]
    github.serve_not_modified(not_modified)
    etag = not_modified.request_headers["If-None-Match"]
    check = fetch_repo(client, github.url, "akfish/PyGithub", etag=etag)
    assert check == RepoCheck("unchanged", etag=etag)
    assert github.requests[0].headers["if-none-match"] == etag


def test_a_missing_repository(github: GitHubReplay, client: PoliteClient) -> None:
    github.serve(recorded("not-found.txt")[0])
    check = fetch_repo(client, github.url, "jacquev6/Xxx")
    assert check == RepoCheck("missing", message="HTTP 404: Not Found")
    assert len(github.requests) == 1


def test_a_renamed_repository_is_followed_to_its_new_name(
    github: GitHubReplay, client: PoliteClient
) -> None:
    github.serve_file("renamed.txt")
    check = fetch_repo(client, github.url, "protoncoin/protoncoin", token="ghp_test")
    assert (check.status, check.full_name, check.stars) == ("ok", "padima2/protoncoin", 5)
    assert [r.path for r in github.requests] == [
        "/repos/protoncoin/protoncoin",
        "/repositories/112116543",
    ]
    # The redirect stays on the same host: the token goes along.
    assert github.requests[1].headers["authorization"] == "Bearer ghp_test"


def test_an_exhausted_quota_stops_at_once(github: GitHubReplay, client: PoliteClient) -> None:
    github.serve(recorded("rate-limited.txt")[0], path=REPO)
    with pytest.raises(QuotaExhausted) as caught:
        fetch_repo(client, github.url, "PyGithub/PyGithub")
    assert caught.value.reset is None  # this recording does not say when
    assert len(github.requests) == 1


def test_a_secondary_rate_limit_is_waited_out(
    github: GitHubReplay, client: PoliteClient, clock: FakeClock
) -> None:
    github.script(recorded("secondary-limit.txt")[0])
    github.serve(recorded("repo-2026-01-10.txt")[0])
    check = fetch_repo(client, github.url, "PyGithub/PyGithub")
    assert check.stars == 7638
    assert len(github.requests) == 2
    assert clock.sleeps == [60.0]  # Retry-After; the 3 s between requests lie within it


def test_a_server_error_then_success(
    github: GitHubReplay, client: PoliteClient, clock: FakeClock
) -> None:
    github.script(failure(502))
    github.serve(recorded("repo-2026-01-12.txt")[0])
    assert fetch_repo(client, github.url, "PyGithub/PyGithub").stars == 7640
    assert len(github.requests) == 2


def test_server_errors_that_persist_raise_upstream(
    github: GitHubReplay, client: PoliteClient
) -> None:
    github.script(failure(500), failure(502), failure(503))
    with pytest.raises(Upstream, match=r"GitHub .* failed after 3 attempts: HTTP 503"):
        fetch_repo(client, github.url, "PyGithub/PyGithub")


def test_an_answer_without_a_count_fails_that_repository_only() -> None:
    # The 404's body as if it came with a 200: no name, no count.
    body = recorded("not-found.txt")[0].body
    check = read_response(Response(200, body, "http://127.0.0.1/repos/a/b"))
    assert check.status == "failed" and "no full_name or stargazers_count" in (check.message or "")
