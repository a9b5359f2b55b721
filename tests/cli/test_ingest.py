"""`paperfeed ingest`: files (summaries, exit codes, re-runs, a kill in the middle of an import)
on SQLite and PostgreSQL, and the network sources (`arxiv`, `oai`, `rss`) against a replay server
on 127.0.0.1, configured the way a user would, through PAPERFEED_* variables."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import KAGGLE, OAI, PAGE_1_QUERY, Paperfeed, clean_failure, run
from fastapi.testclient import TestClient
from oai_pages import ALL_IDS, PAGE_IDS, serve_harvest
from replay import API_RECORDINGS, SERVE, ReplayServer, error, recorded_body, stall
from store_rows import stored_papers
from webutil import indexed_search, make_settings

from paperfeed.ingest import lines
from paperfeed.ingest.checkpoints import last_harvested, resume_point
from paperfeed.store import Store
from paperfeed.web.app import create_app

QUANT_PH = "arxiv/quant-ph/quantph_records.jsonl"


def test_ingest_summaries_and_stats(db_url: str, tmp_path: Path, data_dir: Path) -> None:
    code, out, _ = run(db_url, tmp_path, "ingest", "kaggle", str(data_dir / KAGGLE))
    assert code == 0 and out.strip() == "kaggle: 200 new, 0 updated, 0 unchanged, 0 skipped"
    code, out, _ = run(
        db_url, tmp_path, "ingest", "hf-daily", str(data_dir / "hf/daily_papers_2024-10-25.json")
    )
    assert code == 0 and "29 new" in out and "29 daily entries" in out
    code, out, _ = run(db_url, tmp_path, "ingest", "kaggle", str(data_dir / KAGGLE))
    assert out.strip() == "kaggle: 0 new, 0 updated, 200 unchanged, 0 skipped"
    code, out, _ = run(db_url, tmp_path, "stats", "--json")
    stats = json.loads(out)
    assert code == 0 and stats["papers"] == 229 and stats["daily_entries"] == 29
    code, out, _ = run(db_url, tmp_path, "stats")
    assert "papers" in out and "229" in out


def test_bad_records_are_reported_and_the_rest_kept(
    db_url: str, tmp_path: Path, data_dir: Path
) -> None:
    good = (data_dir / KAGGLE).read_text().splitlines()[:3]
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join([good[0], "{broken", good[1], '{"id": "abc", "title": "x"}', good[2]])
    )
    code, out, err = run(db_url, tmp_path, "ingest", "kaggle", str(path))
    assert code == 0
    assert out.strip() == "kaggle: 3 new, 0 updated, 0 unchanged, 2 skipped"
    assert "mixed.jsonl:2: not valid JSON" in err
    assert "mixed.jsonl:4: not an arXiv identifier: 'abc'" in err


def test_unreadable_file_and_database_fail_clearly(tmp_path: Path, data_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    code, _, err = run(url, tmp_path, "ingest", "kaggle", str(tmp_path / "missing.jsonl"))
    assert code == 1 and "cannot read" in err and "Traceback" not in err
    code, _, err = run(url, tmp_path, "ingest", "jsonl", str(tmp_path))
    assert code == 1 and "directory" in err
    code, _, err = run(
        "postgresql://nobody@127.0.0.1:1/x", tmp_path, "ingest", "kaggle", str(data_dir / KAGGLE)
    )
    assert code == 1 and "cannot open database" in err and "Traceback" not in err


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.is_file() else []


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_killed_import_leaves_whole_batches_and_resumes(
    db_url: str, tmp_path: Path, data_dir: Path
) -> None:
    """SIGKILL mid-import: only whole batches are stored; the re-run completes the rest."""
    source = data_dir / "arxiv/quant-ph/quantph_records.jsonl"
    env = dict(
        os.environ,
        PAPERFEED_DATABASE_URL=db_url,
        PAPERFEED_BATCH_SIZE="500",
        PAPERFEED_PARSE_WORKERS="1",
        PAPERFEED_DATA_DIR=str(tmp_path / "data"),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperfeed", "ingest", "jsonl", str(source)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    store = Store.open(db_url)
    try:
        deadline = time.monotonic() + 60
        while store.stats().papers < 2000 and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("import finished before it could be killed")
            time.sleep(0.05)
        helpers = _children(proc.pid)  # the parser process and multiprocessing's tracker
        assert helpers
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in helpers if _alive(pid)], "a helper outlived its import"
        stored = store.stats().papers
        assert 0 < stored < 38858
        assert stored % 500 == 0, f"{stored} papers: a batch was half written"
    finally:
        store.close()
    result = subprocess.run(
        [sys.executable, "-m", "paperfeed", "ingest", "jsonl", str(source)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == (
        f"jsonl: {38858 - stored} new, 0 updated, {stored} unchanged, 0 skipped"
    )


@pytest.mark.parametrize(("fmt", "rel"), [("kaggle", KAGGLE), ("jsonl", QUANT_PH)])
def test_parse_workers_store_what_one_process_stores(
    db_url: str,
    another_db_url: str,
    tmp_path: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    rel: str,
) -> None:
    """Parsed by two worker processes, which work out new papers' rows ahead, then again in
    the main process: the same rows, and a re-run finds nothing to change."""
    monkeypatch.setattr(lines, "BLOCK_BYTES", 64_000)
    source = data_dir / rel
    if fmt == "jsonl":  # a slice of quant-ph: enough blocks for both workers
        source = tmp_path / "quantph.jsonl"
        source.write_bytes(b"".join((data_dir / rel).read_bytes().splitlines(True)[:3000]))
    count = 200 if fmt == "kaggle" else 3000
    monkeypatch.setenv("PAPERFEED_PARSE_WORKERS", "2")
    code, out, _ = run(db_url, tmp_path, "ingest", fmt, str(source))
    assert code == 0 and out.strip() == f"{fmt}: {count} new, 0 updated, 0 unchanged, 0 skipped"
    monkeypatch.setenv("PAPERFEED_PARSE_WORKERS", "0")
    code, out, _ = run(another_db_url, tmp_path, "ingest", fmt, str(source))
    assert code == 0 and out.strip() == f"{fmt}: {count} new, 0 updated, 0 unchanged, 0 skipped"
    with Store.open(db_url) as parallel, Store.open(another_db_url) as alone:
        assert stored_papers(parallel) == stored_papers(alone)
    code, out, _ = run(db_url, tmp_path, "ingest", fmt, str(source))
    assert out.strip() == f"{fmt}: 0 new, 0 updated, {count} unchanged, 0 skipped"


@pytest.mark.network
def test_ingest_arxiv_by_id(paperfeed: Paperfeed, server: ReplayServer) -> None:
    first = paperfeed("ingest", "arxiv", "--id", "1707.08567")
    assert first.code == 0, first
    assert first.out.strip() == "arxiv: 1 new, 0 updated, 0 unchanged, 0 skipped"
    again = paperfeed("ingest", "arxiv", "--id", "arXiv:1707.08567")
    assert again.out.strip() == "arxiv: 0 new, 0 updated, 1 unchanged, 0 skipped"
    assert [r.params["id_list"] for r in server.requests] == ["1707.08567", "1707.08567"]


@pytest.mark.network
def test_ingest_arxiv_by_query(paperfeed: Paperfeed, server: ReplayServer) -> None:
    result = paperfeed("ingest", "arxiv", "--query", "testing", "--max", "10")
    assert result.code == 0, result
    assert result.out.strip() == "arxiv: 10 new, 0 updated, 0 unchanged, 0 skipped"
    (request,) = server.requests
    assert (request.params["search_query"], request.params["max_results"]) == ("testing", "10")


@pytest.mark.network
def test_bad_id_is_refused_before_any_request(paperfeed: Paperfeed, server: ReplayServer) -> None:
    clean_failure(paperfeed("ingest", "arxiv", "--id", "abc"), "not an arXiv identifier: 'abc'")
    clean_failure(paperfeed("ingest", "arxiv"), "give either --id ID… or --query QUERY")
    assert server.requests == []


@pytest.mark.network
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


@pytest.mark.network
def test_a_server_that_keeps_failing(paperfeed: Paperfeed, server: ReplayServer) -> None:
    # One attempt only: the CLI has no setting for the backoff, which starts at 5 seconds.
    server.always(error(500))
    result = paperfeed("ingest", "arxiv", "--id", "1707.08567", retries=0)
    clean_failure(result, "failed after 1 attempts: HTTP 500")
    assert f"arXiv API at {server.url}/api/query" in result.err
    assert len(server.requests) == 1


@pytest.mark.network
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


@pytest.mark.network
def test_killed_harvest_resumes_after_its_last_stored_page(db_url: str, tmp_path: Path) -> None:
    """SIGKILL while page 3 is on its way: pages 1 and 2 are stored, and the re-run asks for
    page 3 with their token, not for the list from its start."""
    with ReplayServer() as server:
        wanted = serve_harvest(server)
        server.script(SERVE, SERVE, stall(120))
        env = dict(
            os.environ,
            PAPERFEED_DATABASE_URL=db_url,
            PAPERFEED_DATA_DIR=str(tmp_path / "data"),
            PAPERFEED_OAI_URL=f"{server.url}/oai",
            PAPERFEED_HTTP_DELAY="0",
            PAPERFEED_HTTP_TIMEOUT="60",
        )
        command = [sys.executable, "-m", "paperfeed", "ingest", "oai"]
        proc = subprocess.Popen(
            [*command, "--from", "2014-10-01"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Page 3 is asked for only once page 2 and its token are committed.
        deadline = time.monotonic() + 60
        while len(server.requests) < 3 and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("the harvest ended before it could be killed")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert [r.params for r in server.requests] == wanted[:3]
        with Store.open(db_url) as store:
            assert store.papers.ids() == sorted(PAGE_IDS[0] + PAGE_IDS[1])
            point = resume_point(store, None)
            assert point is not None and (point.token, point.pages) == ("726959|5", 2)

        result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        assert [r.params for r in server.requests[3:]] == wanted[2:]
    assert result.stdout.strip() == "oai: 4 new, 0 updated, 1 unchanged, 0 skipped"
    assert "resuming the harvest of all sets from 2014-10-01, after page 2" in result.stderr
    with Store.open(db_url) as store:
        assert store.papers.ids() == ALL_IDS
        assert resume_point(store, None) is None
        assert str(last_harvested(store, None)) == "2015-01-06"


@pytest.mark.network
def test_ingest_oai_resumes_after_a_server_failure(
    paperfeed: Paperfeed, server: ReplayServer, db_file: Path
) -> None:
    wanted = serve_harvest(server)
    server.script(SERVE, SERVE, error(500), error(500))
    clean_failure(paperfeed("ingest", "oai", "--from", "2014-10-01"), "failed after 2 attempts")
    again = paperfeed("ingest", "oai", "--from", "2014-10-01")
    assert again.code == 0, again
    assert again.out.strip() == "oai: 4 new, 0 updated, 1 unchanged, 0 skipped"
    assert "resuming the harvest of all sets from 2014-10-01, after page 2" in again.err
    assert [r.params for r in server.requests] == [*wanted[:3], wanted[2], *wanted[2:]]
    with Store.open(f"sqlite:///{db_file}") as store:
        assert store.stats().papers == 8
        assert store.checkpoints.get("oai:*:last") == "2015-01-06"


@pytest.mark.network
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


@pytest.mark.network
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


@pytest.mark.network
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


# ------------------------------------------------------------------------ hf-daily from HF

HF_PATH = "/api/daily_papers"


def _hf_day(server: ReplayServer, data_dir: Path, day: str) -> list[dict[str, Any]]:
    """Serve HF's recorded answer for `day` (weekend days, never recorded: an empty list)."""
    path = data_dir / "hf" / "daily" / f"daily_papers_{day}.json"
    body = path.read_bytes() if path.exists() else b"[]"
    server.add(HF_PATH, {"date": day, "limit": "100"}, body, content_type="application/json")
    items: list[dict[str, Any]] = json.loads(body)
    return items


def _hf(paperfeed: Paperfeed, server: ReplayServer) -> Paperfeed:
    paperfeed.env["PAPERFEED_HF_URL"] = server.url
    return paperfeed


@pytest.mark.network
def test_ingest_hf_daily_fetches_a_day_that_the_api_then_lists(
    paperfeed: Paperfeed, server: ReplayServer, db_file: Path, tmp_path: Path, data_dir: Path
) -> None:
    given = {i["paper"]["id"]: i for i in _hf_day(server, data_dir, "2026-06-09")}
    first = _hf(paperfeed, server)("ingest", "hf-daily", "--date", "2026-06-09")
    assert first.code == 0, first
    assert first.out.strip() == (
        "hf-daily: 38 new, 0 updated, 0 unchanged, 0 skipped, 38 daily entries"
    )
    assert [(r.path, r.params) for r in server.requests] == [
        (HF_PATH, {"date": "2026-06-09", "limit": "100"})
    ]
    again = paperfeed("ingest", "hf-daily", "--date", "2026-06-09")
    assert again.out.strip() == "hf-daily: 0 new, 0 updated, 38 unchanged, 0 skipped"

    url = f"sqlite:///{db_file}"
    with Store.open(url) as store:
        app = create_app(
            make_settings(tmp_path, url),
            store,
            indexed_search(store, tmp_path / "search"),
            fetch=lambda _id: [],
        )
        with TestClient(app) as client:
            listed = client.get("/api/daily_papers", params={"date": "2026-06-09", "limit": 100})
    items = listed.json()
    assert len(items) == 38
    for item in items:
        hf = given[item["paper"]["id"]]
        assert item["paper"].get("githubRepo") == hf["paper"].get("githubRepo")
        assert item["thumbnail"] == hf["thumbnail"]
        assert item["numComments"] == hf["numComments"]
    assert sum("githubRepo" in i["paper"] for i in items) == 23


@pytest.mark.network
def test_ingest_hf_daily_fetches_every_day_of_a_range(
    paperfeed: Paperfeed, server: ReplayServer, data_dir: Path
) -> None:
    days = [f"2026-06-{d:02}" for d in range(8, 15)]  # Monday to Sunday
    count = sum(len(_hf_day(server, data_dir, day)) for day in days)
    result = _hf(paperfeed, server)("ingest", "hf-daily", "--from", days[0], "--until", days[-1])
    assert result.code == 0, result
    assert result.out.strip() == (
        f"hf-daily: {count} new, 0 updated, 0 unchanged, 0 skipped, {count} daily entries"
    )
    assert [r.params["date"] for r in server.requests] == days


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2026-06-14", "--until", "2026-06-08"],
            "--until 2026-06-08 is before --from 2026-06-14",
        ),
        (
            ["--from", "2025-01-01", "--until", "2026-02-05"],
            "401 days is too long a range: at most 400",
        ),
        (["--from", "2026-06-08"], "--from and --until go together: give both"),
        (
            ["--date", "2026-06-09", "--until", "2026-06-10"],
            "give --date DATE or --from DATE --until DATE, not both",
        ),
        (["--date", "9.6.2026"], "--date must be a date like 2024-10-25, got '9.6.2026'"),
        (
            ["some.json", "--date", "2026-06-09"],
            "give files or dates (--date, --from/--until), not both",
        ),
        ([], "give FILE… or --date DATE or --from DATE --until DATE"),
    ],
)
def test_ingest_hf_daily_refuses_bad_dates_before_any_request(
    paperfeed: Paperfeed, server: ReplayServer, args: list[str], message: str
) -> None:
    clean_failure(_hf(paperfeed, server)("ingest", "hf-daily", *args), message)
    assert server.requests == []


@pytest.mark.network
def test_ingest_hf_daily_when_hf_fails(paperfeed: Paperfeed, server: ReplayServer) -> None:
    hf = _hf(paperfeed, server)
    clean_failure(
        hf("ingest", "hf-daily", "--date", "2026-06-13"),
        "Hugging Face answered HTTP 404 for daily_papers?date=2026-06-13",
    )
    server.always(error(500))
    clean_failure(
        hf("ingest", "hf-daily", "--date", "2026-06-13"),
        "failed after 2 attempts: HTTP 500",
    )


def test_ingest_hf_daily_files(db_url: str, tmp_path: Path, data_dir: Path) -> None:
    files = [str(data_dir / f"hf/daily/daily_papers_2026-06-{d}.json") for d in ("09", "10")]
    code, out, _ = run(db_url, tmp_path, "ingest", "hf-daily", *files)
    assert code == 0
    assert out.splitlines() == [
        "hf-daily: 38 new, 0 updated, 0 unchanged, 0 skipped, 38 daily entries",
        "hf-daily: 35 new, 0 updated, 0 unchanged, 0 skipped, 35 daily entries",
    ]
    code, out, _ = run(db_url, tmp_path, "ingest", "hf-daily", *files)
    assert out.splitlines() == [
        "hf-daily: 0 new, 0 updated, 38 unchanged, 0 skipped",
        "hf-daily: 0 new, 0 updated, 35 unchanged, 0 skipped",
    ]
