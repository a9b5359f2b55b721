"""`paperfeed jobs` (list, JSON, run one now) in-process and `paperfeed worker` as a real
process stopped by SIGTERM, on SQLite and PostgreSQL; the arXiv job against the replay
server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import KAGGLE, Paperfeed, clean_failure
from click.testing import CliRunner
from replay import ReplayServer
from thumbnail_samples import png

from paperfeed.cli import cli

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "arxiv-announcements",
    "arxiv-oai",
    "hf-daily",
    "index",
    "digests",
    "recommendations",
    "thumbnails",
    "arxiv-categories",
    "github-stars",
]


def paperfeed(db_url: str, tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    base = {
        "PAPERFEED_DATA_DIR": str(tmp_path / "data"),
        "PAPERFEED_DATABASE_URL": db_url,
        "PAPERFEED_SEARCH_MODEL": "none",
        "PAPERFEED_CONFIG": None,
    }
    result = CliRunner().invoke(cli, list(args), env={**base, **env}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def listed(db_url: str, tmp_path: Path, **env: str) -> dict[str, dict[str, Any]]:
    code, out, err = paperfeed(db_url, tmp_path, "jobs", "--json", **env)
    assert code == 0, err
    jobs = json.loads(out)
    assert [j["name"] for j in jobs] == NAMES
    return {j["name"]: j for j in jobs}


def test_jobs_are_listed_off_with_the_reason(db_url: str, tmp_path: Path) -> None:
    jobs = listed(db_url, tmp_path)
    for job in jobs.values():
        assert {"name", "enabled", "schedule", "last_run", "last_result", "next_run"} <= set(job)
        assert {"failures", "last_message"} <= set(job)
    assert {n: j["reason"] for n, j in jobs.items() if not j["enabled"]} == {
        "arxiv-announcements": "fetch_arxiv is off",
        "arxiv-oai": "fetch_arxiv is off",
        "hf-daily": "mirror_hf is off",
        "digests": "no mail server configured: set smtp_host",
        "thumbnails": "thumbnails is off",
        "arxiv-categories": "arxiv_categories is off",
        "github-stars": "github_stars is off",
    }
    assert jobs["index"]["enabled"] and jobs["index"]["schedule"] == "every 2 s, on each node"
    assert jobs["arxiv-oai"]["next_run"] is None and jobs["index"]["next_run"].endswith("Z")
    code, out, _ = paperfeed(db_url, tmp_path, "jobs")
    assert code == 0
    assert "arxiv-oai: off (fetch_arxiv is off); daily at 02:00 US Eastern" in out
    assert "index: on; every 2 s, on each node" in out


def test_fetching_and_mail_turn_their_jobs_on(db_url: str, tmp_path: Path) -> None:
    jobs = listed(
        db_url,
        tmp_path,
        PAPERFEED_FETCH_ARXIV="true",
        PAPERFEED_MIRROR_HF="1",
        PAPERFEED_SMTP_HOST="127.0.0.1",
        PAPERFEED_INDEX_INTERVAL_SECONDS="5",
        PAPERFEED_THUMBNAILS="on",
        PAPERFEED_ARXIV_CATEGORIES="yes",
        PAPERFEED_GITHUB_STARS="on",
    )
    assert all(j["enabled"] and j["reason"] is None for j in jobs.values())
    # Never run yet: each is due at once.
    assert all(j["next_run"] and j["last_run"] is None for j in jobs.values())
    assert jobs["index"]["schedule"] == "every 5 s, on each node"


def test_run_one_job_now(db_url: str, tmp_path: Path, data_dir: Path) -> None:
    code, out, _ = paperfeed(db_url, tmp_path, "jobs", "run", "index")
    assert (code, out.strip()) == (0, "index: ok: nothing to do")
    code, _, err = paperfeed(db_url, tmp_path, "ingest", "kaggle", str(data_dir / KAGGLE))
    assert code == 0, err
    code, out, _ = paperfeed(db_url, tmp_path, "jobs", "run", "index")
    assert code == 0 and out.startswith("index: ok: keyword index: ")
    index = listed(db_url, tmp_path)["index"]
    assert (index["last_result"], index["runs"], index["failures"]) == ("ok", 1, 0)
    assert index["last_message"].startswith("keyword index: ")


def test_run_refuses_disabled_and_unknown_jobs(db_url: str, tmp_path: Path) -> None:
    code, _, err = paperfeed(db_url, tmp_path, "jobs", "run", "arxiv-oai")
    assert code == 1 and "arxiv-oai is disabled: fetch_arxiv is off" in err
    code, _, err = paperfeed(db_url, tmp_path, "jobs", "run", "nope")
    assert code == 1 and "no job 'nope'" in err and "Traceback" not in err


@pytest.mark.network
def test_the_announcements_job_against_the_replay_server(paperfeed: Paperfeed) -> None:
    paperfeed.env.update(
        {
            "PAPERFEED_FETCH_ARXIV": "on",
            "PAPERFEED_CATEGORIES": "cs.SE",
            "PAPERFEED_SEARCH_MODEL": "none",
        }
    )
    result = paperfeed("jobs", "run", "arxiv-announcements")
    assert result.code == 0 and result.out.startswith("arxiv-announcements: ok: rss: "), result
    job = {j["name"]: j for j in json.loads(paperfeed("jobs", "--json").out)}["arxiv-announcements"]
    assert job["last_result"] == "ok" and job["last_message"].startswith("rss: ")
    assert job["next_run"].endswith(("00:30:00Z", "01:30:00Z"))  # 20:30 US Eastern
    # arXiv failing is a failed run, recorded, and a clean exit 1.
    paperfeed.env["PAPERFEED_CATEGORIES"] = "cs.LG"
    clean_failure(paperfeed("jobs", "run", "arxiv-announcements"), "no announcement feed")
    job = {j["name"]: j for j in json.loads(paperfeed("jobs", "--json").out)}["arxiv-announcements"]
    assert (job["last_result"], job["failures"]) == ("failed", 1)


@pytest.mark.network
def test_the_thumbnails_job_against_the_replay_server(
    paperfeed: Paperfeed, server: ReplayServer, data_dir: Path, tmp_path: Path
) -> None:
    items = json.loads((data_dir / "hf" / "daily_papers_2024-10-25.json").read_bytes())[:2]
    for item in items:
        item["thumbnail"] = f"{server.url}/thumbs/{item['paper']['id']}.png"
        server.add(f"/thumbs/{item['paper']['id']}.png", {}, png(), content_type="image/png")
    saved = tmp_path / "daily_papers_2024-10-25.json"
    saved.write_text(json.dumps(items))
    assert paperfeed("ingest", "hf-daily", str(saved)).code == 0
    paperfeed.env.update(
        {
            "PAPERFEED_THUMBNAILS": "on",
            "PAPERFEED_HF_URL": server.url,
            "PAPERFEED_ARXIV_PDF_URL": f"{server.url}/pdf",
        }
    )
    result = paperfeed("jobs", "run", "thumbnails")
    assert result.out.strip() == (
        "thumbnails: ok: 2024-10-25 to 2024-10-25: 0 rendered from arXiv PDFs, "
        "2 from Hugging Face, 0 failed"
    ), result
    made = sorted(
        p.name for p in (Path(paperfeed.env["PAPERFEED_DATA_DIR"]) / "thumbnails").iterdir()
    )
    assert made == sorted(f"{item['paper']['id']}.webp" for item in items)
    result = paperfeed("jobs", "run", "thumbnails")
    assert result.out.strip() == "thumbnails: ok: nothing to do"


def test_worker_runs_the_jobs_until_sigterm(db_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PAPERFEED_DATA_DIR": str(tmp_path / "data"),
        "PAPERFEED_DATABASE_URL": db_url,
        "PAPERFEED_SEARCH_MODEL": "none",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "paperfeed", "worker"], env=env, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 60
            while "jobs on " not in log_path.read_text():
                assert worker.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0, log_path.read_text()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    text = log_path.read_text()
    assert "index (every 2 s, on each node)" in text and "off: arxiv-announcements" in text
    assert "jobs stopped" in text and "Traceback" not in text
