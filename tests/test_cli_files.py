"""The CLI on files: summaries, exit codes, re-runs, and a kill in the middle of an import."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperfeed.cli import cli
from paperfeed.ingest import lines
from paperfeed.store import Store

KAGGLE = "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"


def run(db_url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    env = {"PAPERFEED_DATA_DIR": str(tmp_path / "data"), "PAPERFEED_DATABASE_URL": db_url}
    result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


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


def test_help_explains_every_command() -> None:
    runner = CliRunner()
    for args in (
        ["--help"],
        ["ingest", "--help"],
        ["db", "--help"],
        ["stats", "--help"],
        ["db", "upgrade", "--help"],
        *tuple(
            ["ingest", c, "--help"] for c in ("kaggle", "jsonl", "hf-daily", "arxiv", "oai", "rss")
        ),
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, args
        assert len(result.output.splitlines()) > 4


def test_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    code, out, _ = run(url, tmp_path, "db", "upgrade")
    assert code == 0 and "upgraded" in out
    code, out, _ = run(url, tmp_path, "db", "upgrade")
    assert code == 0 and "up to date" in out


def test_default_database_lives_in_the_data_dir(tmp_path: Path, data_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--data-dir", str(tmp_path / "d"), "ingest", "kaggle", str(data_dir / KAGGLE)],
        env={"PAPERFEED_DATABASE_URL": ""},
    )
    assert result.exit_code == 0
    assert (tmp_path / "d" / "paperfeed.db").is_file()


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


def test_parse_workers_store_what_one_process_stores(
    db_url: str, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsed by two worker processes, then again in the main process: nothing differs."""
    monkeypatch.setattr(lines, "BLOCK_BYTES", 64_000)
    source = str(data_dir / KAGGLE)
    monkeypatch.setenv("PAPERFEED_PARSE_WORKERS", "2")
    code, out, _ = run(db_url, tmp_path, "ingest", "kaggle", source)
    assert code == 0 and out.strip() == "kaggle: 200 new, 0 updated, 0 unchanged, 0 skipped"
    monkeypatch.setenv("PAPERFEED_PARSE_WORKERS", "0")
    code, out, _ = run(db_url, tmp_path, "ingest", "kaggle", source)
    assert out.strip() == "kaggle: 0 new, 0 updated, 200 unchanged, 0 skipped"
