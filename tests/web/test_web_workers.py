"""`paperfeed serve --workers 2` as a deployer runs it: a real child process on loopback
whose workers share the port, the database and the search index."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from loopback import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_serve_with_two_workers(tmp_path: Path, db_url: str) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PAPERFEED_DATA_DIR": str(tmp_path),
        "PAPERFEED_DATABASE_URL": db_url,
        "PAPERFEED_SEARCH_MODEL": "none",
    }
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "paperfeed",
            "serve",
            "--demo",
            "--workers",
            "2",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/static/style.css").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        # Fresh connections, so the two workers both answer some of them.
        for _ in range(8):
            page = httpx.get(f"{base}/")
            assert page.status_code == 200 and "/papers/" in page.text
            api = httpx.get(f"{base}/api/daily_papers").json()
            assert api and api[0]["paper"]["title"]
            found = httpx.get(f"{base}/api/papers/search", params={"q": "quantum"})
            assert found.status_code == 200
        text = (tmp_path / "serve.log").read_text()
        assert "2 workers" in text and text.count("Application startup complete") == 2
    finally:
        server.terminate()
        server.wait(30)
        log.close()
