"""The network commands end to end: `paperfeed ingest arxiv | oai | rss` and `stats` against a
replay server on 127.0.0.1, configured the way a user would, through PAPERFEED_* variables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from replay import API_RECORDINGS, FIXTURES, ReplayServer, error, recorded_body

from paperfeed.cli import cli
from paperfeed.store import Store

pytestmark = pytest.mark.network

OAI = FIXTURES / "oai"
PAGE_1_QUERY = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2014-10-01"}


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        s.add_arxiv_recordings(API_RECORDINGS)
        s.add_file(
            "/oai", PAGE_1_QUERY, OAI / "mikesaelim_ListRecords_arXivRaw_page_with_token.xml"
        )
        s.add_file(
            "/oai",
            {"verb": "ListRecords", "resumptionToken": "726959|1001"},
            OAI / "assembled_ListRecords_arXivRaw_page_2_final.xml",
        )
        s.add_file(
            "/rss/cs.SE",
            {},
            FIXTURES / "rss" / "assembled_rss2_cs.SE_2025-09-18.xml",
            content_type="application/rss+xml",
        )
        yield s


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "paperfeed.db"


class Paperfeed:
    """Runs the command with the settings pointing at the replay server and a SQLite file."""

    def __init__(self, server: ReplayServer, db_file: Path, data_dir: Path) -> None:
        self.env = {
            "PAPERFEED_DATA_DIR": str(data_dir),
            "PAPERFEED_DATABASE_URL": f"sqlite:///{db_file}",
            "PAPERFEED_CONFIG": None,
            "PAPERFEED_ARXIV_API_URL": f"{server.url}/api/query",
            "PAPERFEED_OAI_URL": f"{server.url}/oai",
            "PAPERFEED_RSS_URL": f"{server.url}/rss/",
            "PAPERFEED_HTTP_DELAY": "0",
            "PAPERFEED_HTTP_TIMEOUT": "5",
        }

    def __call__(self, *args: str, retries: int = 1) -> Result:
        env = {**self.env, "PAPERFEED_HTTP_RETRIES": str(retries)}
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def paperfeed(server: ReplayServer, db_file: Path, tmp_path: Path) -> Paperfeed:
    return Paperfeed(server, db_file, tmp_path / "data")


def clean_failure(result: Result, message: str) -> None:
    """Exit status 1, the message on stderr (line wrapping aside), no traceback."""
    assert result.code == 1, result
    assert message in " ".join(result.err.split()), result.err
    assert "Traceback" not in result.err + result.out


def test_ingest_arxiv_by_id(paperfeed: Paperfeed, server: ReplayServer) -> None:
    first = paperfeed("ingest", "arxiv", "--id", "1707.08567")
    assert first.code == 0, first
    assert first.out.strip() == "arxiv: 1 new, 0 updated, 0 unchanged, 0 skipped"
    again = paperfeed("ingest", "arxiv", "--id", "arXiv:1707.08567")
    assert again.out.strip() == "arxiv: 0 new, 0 updated, 1 unchanged, 0 skipped"
    assert [r.params["id_list"] for r in server.requests] == ["1707.08567", "1707.08567"]


def test_ingest_arxiv_by_query(paperfeed: Paperfeed, server: ReplayServer) -> None:
    result = paperfeed("ingest", "arxiv", "--query", "testing", "--max", "10")
    assert result.code == 0, result
    assert result.out.strip() == "arxiv: 10 new, 0 updated, 0 unchanged, 0 skipped"
    (request,) = server.requests
    assert (request.params["search_query"], request.params["max_results"]) == ("testing", "10")


def test_bad_id_is_refused_before_any_request(paperfeed: Paperfeed, server: ReplayServer) -> None:
    clean_failure(paperfeed("ingest", "arxiv", "--id", "abc"), "not an arXiv identifier: 'abc'")
    clean_failure(paperfeed("ingest", "arxiv"), "give either --id ID… or --query QUERY")
    assert server.requests == []


def test_an_error_is_one_line(paperfeed: Paperfeed) -> None:
    """handle_errors promises a one-line message, also when stderr is not a terminal."""
    result = paperfeed("ingest", "arxiv", "--id", "abc,2401.1,hep-th/99", "--id", "0000.0000")
    clean_failure(result, "not an arXiv identifier: 'abc'; not an arXiv identifier: '2401.1'")
    assert len(result.err.splitlines()) == 1, result.err


@pytest.mark.parametrize("given", ["[/]", "[red]2401.1"])
def test_an_error_quotes_the_input_as_given(paperfeed: Paperfeed, given: str) -> None:
    """Brackets in what the user typed are printed as they are, not read as console markup."""
    result = paperfeed("ingest", "arxiv", "--id", given)
    clean_failure(result, f"error: not an arXiv identifier: '{given}'")


def test_api_error_entry_is_a_clean_failure(paperfeed: Paperfeed, server: ReplayServer) -> None:
    """The API's own error reply (the recorded HTTP 400), served for a valid-looking id."""
    status, body = recorded_body(next(API_RECORDINGS.glob("id_abc_*.json")))
    query = {
        "search_query": "",
        "id_list": "2401.00001",
        "sortBy": "relevance",
        "sortOrder": "descending",
        "start": "0",
        "max_results": "100",
    }
    server.add("/api/query", query, body, status=status)
    result = paperfeed("ingest", "arxiv", "--id", "2401.00001")
    clean_failure(result, "arXiv API error: incorrect id format for abc")
    assert len(server.requests) == 1


def test_a_server_that_keeps_failing(paperfeed: Paperfeed, server: ReplayServer) -> None:
    # One attempt only: the CLI has no setting for the backoff, which starts at 5 seconds.
    server.always(error(500))
    result = paperfeed("ingest", "arxiv", "--id", "1707.08567", retries=0)
    clean_failure(result, "failed after 1 attempts: HTTP 500")
    assert f"arXiv API at {server.url}/api/query" in result.err
    assert len(server.requests) == 1


def test_ingest_oai_then_continue_where_it_stopped(
    paperfeed: Paperfeed, server: ReplayServer, db_file: Path
) -> None:
    clean_failure(paperfeed("ingest", "oai"), "no earlier harvest of this set: give --from DATE")

    first = paperfeed("ingest", "oai", "--from", "2014-10-01")
    assert first.code == 0, first
    # 0704.0003 is reported deleted but was never imported: nothing to change.
    assert first.out.strip() == "oai: 8 new, 0 updated, 1 unchanged, 0 skipped"

    later = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2015-01-06"}
    server.add_file("/oai", later, OAI / "mikesaelim_error_noRecordsMatch.xml")
    second = paperfeed("ingest", "oai")
    assert second.code == 0, second
    assert second.out.strip() == "oai: 0 new, 0 updated, 0 unchanged, 0 skipped"
    assert [r.params.get("from") for r in server.requests] == ["2014-10-01", None, "2015-01-06"]
    with Store.open(f"sqlite:///{db_file}") as store:
        assert store.checkpoints.get("oai:*:last") == "2015-06-23"
        assert store.stats().papers == 8


def test_ingest_oai_validates_dates(paperfeed: Paperfeed, server: ReplayServer) -> None:
    clean_failure(
        paperfeed("ingest", "oai", "--from", "2014-13-01"),
        "--from must be a date like 2024-10-25, got '2014-13-01'",
    )
    clean_failure(
        paperfeed("ingest", "oai", "--from", "2014-10-01", "--until", "2014-09-30"),
        "--until is before --from",
    )
    assert server.requests == []


def test_ingest_oai_set(paperfeed: Paperfeed, server: ReplayServer, db_file: Path) -> None:
    query = {**PAGE_1_QUERY, "set": "moo", "until": "2015-01-01"}
    server.add_file("/oai", query, OAI / "mikesaelim_error_noRecordsMatch.xml")
    result = paperfeed(
        "ingest", "oai", "--from", "2014-10-01", "--until", "2015-01-01", "--set", "moo"
    )
    assert result.code == 0, result
    assert result.out.strip() == "oai: 0 new, 0 updated, 0 unchanged, 0 skipped"
    with Store.open(f"sqlite:///{db_file}") as store:
        assert store.checkpoints.get("oai:moo:last") == "2015-01-01"
        assert store.checkpoints.get("oai:*:last") is None


def test_ingest_rss(paperfeed: Paperfeed, server: ReplayServer) -> None:
    first = paperfeed("ingest", "rss", "cs.SE")
    assert first.code == 0, first
    assert first.out.strip() == "rss: 4 new, 0 updated, 0 unchanged, 1 skipped, 4 announcements"
    assert (
        "skipped RSS item 2: description does not start with 'arXiv:ID Announce Type:'" in first.err
    )
    again = paperfeed("ingest", "rss", "cs.SE")
    assert again.out.strip() == "rss: 0 new, 0 updated, 4 unchanged, 1 skipped"
    assert [r.path for r in server.requests] == ["/rss/cs.SE", "/rss/cs.SE"]
    clean_failure(paperfeed("ingest", "rss", "cs/../x"), "not an arXiv category: 'cs/../x'")
    assert len(server.requests) == 2


def test_stats_json(paperfeed: Paperfeed) -> None:
    assert paperfeed("ingest", "rss", "cs.SE").code == 0
    result = paperfeed("stats", "--json")
    assert result.code == 0, result
    stats = json.loads(result.out)
    assert {"papers", "daily_entries", "announcements"} <= set(stats)
    assert (stats["papers"], stats["daily_entries"], stats["announcements"]) == (4, 0, 4)
