"""`paperfeed digest send` and `paperfeed subscribers` as subprocesses against aiosmtpd:
kill-and-rerun, two senders at once, double opt-in, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from digest_helpers import add_papers
from smtp_server import SmtpServer

from paperfeed.digest.subscribe import add_confirmed, confirm
from paperfeed.models import SubscriptionContent
from paperfeed.store import Store

DAY = datetime(2026, 11, 25)
NOW = datetime(2026, 11, 26, 7)


def env(db_url: str, tmp_path: Path, smtp: SmtpServer) -> dict[str, str]:
    return {
        **os.environ,
        "PAPERFEED_DATA_DIR": str(tmp_path / "data"),
        "PAPERFEED_DATABASE_URL": db_url,
        "PAPERFEED_SMTP_HOST": smtp.host,
        "PAPERFEED_SMTP_PORT": str(smtp.port),
        "PAPERFEED_SMTP_TLS": "none",
        "PAPERFEED_MAIL_FROM": "paperfeed <digest@paperfeed.test>",
        "PAPERFEED_BASE_URL": "http://paperfeed.test",
        "PAPERFEED_SECRET_KEY": "cli-test-secret",
    }


def paperfeed(e: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paperfeed", *args],
        env=e,
        capture_output=True,
        text=True,
        timeout=120,
    )


def start(e: dict[str, str], *args: str, quiet: bool = False) -> subprocess.Popen[str]:
    out = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen(
        [sys.executable, "-m", "paperfeed", *args], env=e, stdout=out, stderr=out, text=True
    )


def subscribe(store: Store, n: int) -> list[str]:
    add_papers(store, DAY, 4)
    addresses = [f"reader{i:03d}@example.org" for i in range(n)]
    for a in addresses:
        add_confirmed(store, a, SubscriptionContent(categories=("quant-ph",)), now=NOW)
    return addresses


def message_ids(smtp: SmtpServer) -> Counter[tuple[str, str]]:
    return Counter((str(m["To"]), str(m["Message-ID"])) for m in smtp.recorder.messages)


def test_send_delivers_each_due_digest_once_and_a_rerun_nothing(
    store: Store, db_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    addresses = subscribe(store, 3)
    e = env(db_url, tmp_path, smtp)
    dry = paperfeed(e, "digest", "send", "--for", "2026-11-25", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "2026-11-25: 3 due" in dry.stdout and "reader000@example.org: 4 paper(s)" in dry.stdout
    assert smtp.recorder.messages == []
    one = paperfeed(e, "digest", "send", "--for", "2026-11-25", "--to", "Reader001@example.org")
    assert one.returncode == 0 and "1 sent" in one.stdout, one.stderr
    assert [str(m["To"]) for m in smtp.recorder.messages] == ["reader001@example.org"]
    first = paperfeed(e, "digest", "send", "--for", "2026-11-25")
    assert first.returncode == 0, first.stderr
    assert "2 sent" in first.stdout and "1 already sent" in first.stdout
    assert sorted(str(m["To"]) for m in smtp.recorder.messages) == addresses
    for m in smtp.recorder.messages:
        assert re.fullmatch(
            r"<http://paperfeed\.test/digest/unsubscribe/\d+\.[\w-]+>", m["List-Unsubscribe"]
        )
        assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    second = paperfeed(e, "digest", "send", "--for", "2026-11-25")
    assert "0 sent" in second.stdout and "3 already sent" in second.stdout
    assert len(smtp.recorder.messages) == 3


def test_saved_searches_run_through_the_search_service(
    store: Store, db_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    add_papers(store, DAY, 3)
    add_papers(store, DAY, 1, start=7, title="Graph neural networks for molecules {i}")
    e = {**env(db_url, tmp_path, smtp), "PAPERFEED_SEARCH_MODEL": "none"}
    added = paperfeed(
        e, "subscribers", "add", "q@example.org", "--confirmed", "--query", "graph neural"
    )
    assert added.returncode == 0, added.stderr
    sent = paperfeed(e, "digest", "send", "--for", "2026-11-25")
    assert sent.returncode == 0 and "1 sent" in sent.stdout, sent.stderr
    (msg,) = smtp.recorder.messages
    text = msg.get_body(("plain",)).get_content()
    assert "Graph neural networks for molecules 7" in text
    assert "matches your search “graph neural” (graph, neural)" in text
    assert "surface codes" not in text


def test_killed_mid_run_then_rerun_sends_every_digest_exactly_once(
    store: Store, db_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    addresses = subscribe(store, 30)
    smtp.recorder.delay = 0.05  # each DATA takes a while: the kill lands mid-transaction
    e = env(db_url, tmp_path, smtp)
    proc = start(e, "digest", "send", "--for", "2026-11-25", quiet=True)
    deadline = time.monotonic() + 60
    while len(smtp.recorder.messages) < 8 and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    before = len(smtp.recorder.messages)
    assert 8 <= before < 30
    rerun = paperfeed(e, "digest", "send", "--for", "2026-11-25")
    assert rerun.returncode == 0, rerun.stderr
    time.sleep(0.1)  # let the server finish recording the killed run's last message
    ids = message_ids(smtp)
    # Every subscriber got its digest, under one Message-ID...
    assert sorted({to for to, _ in ids}) == addresses
    assert all(n_ids == 1 for n_ids in Counter(to for to, _ in ids).values())
    # ...and at most the one message in flight at the kill was handed over twice.
    assert 30 <= len(smtp.recorder.messages) <= 31
    again = paperfeed(e, "digest", "send", "--for", "2026-11-25")
    assert "0 sent" in again.stdout and "30 already sent" in again.stdout


def test_two_senders_started_together_send_each_digest_once(
    store: Store, db_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    addresses = subscribe(store, 20)
    smtp.recorder.delay = 0.01
    e = env(db_url, tmp_path, smtp)
    procs = [start(e, "digest", "send", "--for", "2026-11-25") for _ in range(2)]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert len(smtp.recorder.messages) == 20
    assert sorted(str(m["To"]) for m in smtp.recorder.messages) == addresses
    # Each either sent, or found the other holding the lease and said so.
    for stdout, stderr, code in results:
        assert (code == 0 and "sent" in stdout) or (
            code == 1 and "another `digest send` is running" in stderr
        ), (code, stdout, stderr)


def test_double_opt_in_through_the_cli(
    store: Store, db_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    add_papers(store, DAY, 2)
    e = env(db_url, tmp_path, smtp)
    added = paperfeed(e, "subscribers", "add", "New@Example.org", "--category", "quant-ph")
    assert added.returncode == 0, added.stderr
    assert "confirmation link sent" in added.stdout
    (mail,) = smtp.recorder.messages
    assert mail["To"] == "new@example.org"
    link = re.search(
        r"http://paperfeed\.test/digest/confirm/(\S+)", mail.get_body(("plain",)).get_content()
    )
    assert link
    listed = paperfeed(e, "subscribers", "list")
    assert "new@example.org  pending  daily" in listed.stdout
    # Nothing is sent before the link is followed.
    paperfeed(e, "digest", "send", "--for", "2026-11-25")
    assert len(smtp.recorder.messages) == 1
    confirm(store, link.group(1), now=NOW)
    sent = paperfeed(e, "digest", "send", "--for", "2026-11-25")
    assert "1 sent" in sent.stdout
    assert [str(m["To"]) for m in smtp.recorder.messages] == ["new@example.org"] * 2
    removed = paperfeed(e, "subscribers", "remove", "new@example.org")
    assert removed.returncode == 0
    assert "0 subscription(s)" in paperfeed(e, "subscribers", "list").stdout


def test_operator_errors_are_clear(
    store: Store, db_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    e = env(db_url, tmp_path, smtp)
    bad = paperfeed(e, "subscribers", "add", "not-an-address", "--confirmed")
    assert bad.returncode == 1 and "not an e-mail address" in bad.stderr
    bad = paperfeed(
        e, "subscribers", "add", "a@example.org", "--confirmed", "--category", "DROP TABLE"
    )
    assert bad.returncode == 1 and "not an arXiv category" in bad.stderr
    bad = paperfeed(e, "digest", "send", "--for", "yesterday")
    assert bad.returncode == 1 and "not a period" in bad.stderr
    no_smtp = {**e, "PAPERFEED_SMTP_HOST": ""}
    bad = paperfeed(no_smtp, "digest", "send")
    assert bad.returncode == 1 and "PAPERFEED_SMTP_HOST" in bad.stderr
    missing = paperfeed(e, "subscribers", "remove", "nobody@example.org")
    assert missing.returncode == 1 and "no subscription" in missing.stderr
