"""Making thumbnails against a loopback server serving real PDFs and PNGs, on SQLite and
PostgreSQL: HF's thumbnail for an imported paper, page 1 of the arXiv PDF for the others, a
broken PDF recorded and retried only a few times, a bounded batch per run, and a re-run that
changes nothing."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from replay import SERVE, FakeClock, ReplayServer, error
from thumbnail_samples import dark_share, decoded, one_page_pdf, png

from paperfeed.errors import Upstream
from paperfeed.ingest.hf_daily import parse_hf_daily
from paperfeed.ingest.http import USER_AGENT, PoliteClient
from paperfeed.ingest.runner import run_import
from paperfeed.models import Batch, DailyEntry, HfFields, Paper
from paperfeed.store import Store
from paperfeed.thumbnails.files import Failure, ThumbnailFiles
from paperfeed.thumbnails.maker import (
    FIRST_RETRY,
    Sources,
    ThumbnailReport,
    hf_thumbnail,
    latest_days,
    make_thumbnails,
    may_try,
)

DAY = date(2024, 10, 25)
NOW = datetime(2024, 10, 25, 18, 0)
HF_CDN = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers"
# What the site lists on DAY, most upvoted first, and where each thumbnail comes from.
HF_PAPER = "2410.17243"  # imported from HF (64 upvotes), with HF's thumbnail
HF_ELSEWHERE = "2410.16251"  # imported from HF (41), its thumbnail URL not on HF: the PDF
RENDERED = "2410.00001"  # from arXiv (30)
OLD_STYLE = "math/0501001"  # (20) version 2
BROKEN = "2410.00003"  # (10) arXiv answers with an HTML page
LOCAL = "CACM-0001"  # (5) not on arXiv and not from HF: keeps its placeholder
PDF_PATHS = {
    HF_ELSEWHERE: "/pdf/2410.16251",
    RENDERED: "/pdf/2410.00001v1",
    OLD_STYLE: "/pdf/math/0501001v2",
    BROKEN: "/pdf/2410.00003v1",
}


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        yield s


@pytest.fixture
def site(store: Store, server: ReplayServer, data_dir: Path) -> Store:
    """Two real HF daily items (thumbnail URLs moved to the loopback server, one of them off
    HF's hosts) and four papers listed on the same day by hand; the server has what each
    needs."""
    items = json.loads((data_dir / "hf" / "daily_papers_2024-10-25.json").read_bytes())[:2]
    items[0]["thumbnail"] = items[0]["thumbnail"].replace(HF_CDN, server.url + "/thumbs")
    items[1]["thumbnail"] = "http://127.0.0.1:1/elsewhere.png"  # loopback, but not hf_url
    run_import(store, parse_hf_daily(json.dumps(items).encode()), "hf-daily")
    own = [
        Paper(RENDERED, "A Rendered Paper", version=1, imported_upvotes=30),
        Paper(OLD_STYLE, "Old Style Identifiers", version=2, imported_upvotes=20),
        Paper(BROKEN, "Broken Upload", version=1, imported_upvotes=10),
        Paper(LOCAL, "Local Corpus Paper", imported_upvotes=5),
    ]
    entries = [DailyEntry(p.arxiv_id, DAY, source="curator") for p in own]
    store.papers.write(Batch(papers=own, daily_entries=entries))
    server.add(f"/thumbs/{HF_PAPER}.png", {}, png(), content_type="image/png")
    for arxiv_id, path in PDF_PATHS.items():
        body = one_page_pdf(f"Paper {arxiv_id}", ("Abstract: we render page one.",))
        if arxiv_id == BROKEN:
            body = b"<html><body>PDF unavailable: the source failed to compile</body></html>"
        server.add(path, {}, body, content_type="application/pdf")
    return store


def run(
    store: Store,
    files: ThumbnailFiles,
    server: ReplayServer,
    now: datetime = NOW,
    *,
    clock: FakeClock | None = None,
    **kw: int,
) -> ThumbnailReport:
    """One run, with arXiv's 3 s between requests on a fake clock (nobody waits)."""
    clock = clock or FakeClock()
    with PoliteClient(delay=3.0, timeout=5, retries=0, sleep=clock.sleep, clock=clock) as client:
        sources = Sources(pdf_url=f"{server.url}/pdf", hf_url=server.url)
        return make_thumbnails(store, files, client, sources, now, **kw)


def stored(files: ThumbnailFiles) -> dict[str, tuple[bytes, int]]:
    """Every file under the thumbnails folder: its bytes and modification time."""
    return {
        str(p.relative_to(files.directory)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(files.directory.rglob("*"))
        if p.is_file()
    }


@pytest.mark.network
def test_each_paper_gets_its_thumbnail_from_its_source(
    site: Store, server: ReplayServer, tmp_path: Path
) -> None:
    files = ThumbnailFiles(tmp_path / "thumbnails")
    clock = FakeClock()
    report = run(site, files, server, clock=clock)
    assert (report.from_hf, report.from_pdf, report.failed, report.left) == (1, 3, 1, 0)
    assert (report.line() or "").startswith(
        "2024-10-25 to 2024-10-25: 3 rendered from arXiv PDFs, 1 from Hugging Face, 1 failed "
        "(2410.00003: not a readable PDF ("
    )
    # Most upvoted first, one request each, politely: 3 s apart, as paperfeed.
    assert [r.path for r in server.requests] == [
        f"/thumbs/{HF_PAPER}.png",
        *PDF_PATHS.values(),
    ]
    assert clock.sleeps == [3.0] * 4
    assert all(r.headers["user-agent"] == USER_AGENT for r in server.requests)

    hf = files.read(HF_PAPER)
    assert hf is not None and hf.media_type == "image/webp"
    image = decoded(hf.data)
    assert image.size == (640, 346)  # 1200 x 648 scaled to 640 wide
    assert image.getpixel((320, 40))[2] > 120 and image.getpixel((320, 300)) == (255, 255, 255)
    for arxiv_id in (HF_ELSEWHERE, RENDERED, OLD_STYLE):
        thumbnail = files.read(arxiv_id)
        assert thumbnail is not None, arxiv_id
        page = decoded(thumbnail.data)
        assert page.size == (640, 829)  # US Letter at 640 px wide (828.2, rounded up)
        assert dark_share(page, (60, 60, 600, 140)) > 0.02  # the title is on it
        assert dark_share(page, (0, 400, 640, 829)) == 0  # the rest of the page is blank
    assert (files.directory / "math%2F0501001.webp").is_file()
    failure = files.failure(BROKEN)
    assert failure is not None and (failure.attempts, failure.last) == (1, NOW)
    assert "not a readable PDF" in failure.error
    assert files.read(BROKEN) is None and files.read(LOCAL) is None and files.failure(LOCAL) is None


@pytest.mark.network
def test_a_rerun_changes_nothing(site: Store, server: ReplayServer, tmp_path: Path) -> None:
    files = ThumbnailFiles(tmp_path / "thumbnails")
    run(site, files, server)
    before, asked = stored(files), len(server.requests)
    again = run(site, files, server, NOW + timedelta(minutes=30))
    assert again.line() is None
    assert len(server.requests) == asked
    assert stored(files) == before


@pytest.mark.network
def test_a_broken_pdf_is_tried_a_few_times_hours_apart_then_left_alone(
    site: Store, server: ReplayServer, tmp_path: Path
) -> None:
    files = ThumbnailFiles(tmp_path / "thumbnails")
    run(site, files, server)
    broken = PDF_PATHS[BROKEN]

    def asked() -> int:
        return sum(r.path == broken for r in server.requests)

    later = [
        (FIRST_RETRY - timedelta(hours=1), 1),  # not yet
        (FIRST_RETRY, 2),  # 6 hours later
        (FIRST_RETRY * 3 - timedelta(minutes=1), 2),  # the next one 12 hours after that
        (FIRST_RETRY * 3, 3),
        (timedelta(days=30), 3),  # three attempts, then no more
    ]
    for delay, attempts in later:
        run(site, files, server, NOW + delay)
        assert asked() == attempts, delay
    failure = files.failure(BROKEN)
    assert failure is not None and failure.attempts == 3
    assert failure.last == NOW + FIRST_RETRY * 3


@pytest.mark.network
def test_a_batch_per_run_most_upvoted_first(
    site: Store, server: ReplayServer, tmp_path: Path
) -> None:
    files = ThumbnailFiles(tmp_path / "thumbnails")
    first = run(site, files, server, batch=2)
    assert (first.from_hf, first.from_pdf, first.left) == (1, 1, 3)
    assert (first.line() or "").endswith("3 left for the next runs")
    assert files.has(HF_PAPER) and files.has(HF_ELSEWHERE) and not files.has(RENDERED)
    second = run(site, files, server, batch=2)
    assert (second.from_pdf, second.left) == (2, 1)
    assert files.has(RENDERED) and files.has(OLD_STYLE)


@pytest.mark.network
def test_a_run_stopped_by_an_unanswering_arxiv_keeps_its_work_and_the_next_goes_on(
    site: Store, server: ReplayServer, tmp_path: Path
) -> None:
    files = ThumbnailFiles(tmp_path / "thumbnails")
    # Temporary files a killed run left behind two hours ago, and one being written now.
    files.directory.mkdir(parents=True)
    stale = files.directory / f".{RENDERED}.webp.x1.tmp"
    fresh = files.directory / f".{RENDERED}.webp.x2.tmp"
    for temp in (stale, fresh):
        temp.write_bytes(b"half an image")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    server.script(SERVE)  # HF's thumbnail comes…
    server.always(error(503))  # …then arXiv stops answering
    with pytest.raises(Upstream, match="HTTP 503"):
        run(site, files, server)
    assert files.has(HF_PAPER) and not stale.exists() and fresh.exists()
    failure = files.failure(HF_ELSEWHERE)
    assert failure is not None and failure.attempts == 1  # counted against that paper
    # arXiv is back: the next run goes on with the others, the failed one 6 hours later.
    server.always(SERVE)
    report = run(site, files, server, NOW + timedelta(minutes=30))
    assert (report.from_hf, report.from_pdf, report.failed) == (0, 2, 1)
    assert not files.has(HF_ELSEWHERE)
    run(site, files, server, NOW + FIRST_RETRY)
    assert files.has(HF_ELSEWHERE) and files.failure(HF_ELSEWHERE) is None


def test_only_the_latest_days_with_papers(store: Store) -> None:
    days = [date(2024, 10, 18), date(2024, 10, 21), date(2024, 10, 22), date(2024, 10, 25)]
    papers = [Paper(f"2410.0{n:04d}", f"Paper {n}") for n in range(1, len(days) + 1)]
    entries = [
        DailyEntry(p.arxiv_id, d, source="curator") for p, d in zip(papers, days, strict=True)
    ]
    store.papers.write(Batch(papers=papers, daily_entries=entries))
    # Days with papers, not calendar days: the weekend and the empty Wednesday do not count.
    assert latest_days(store, date(2024, 10, 25)) == (date(2024, 10, 21), date(2024, 10, 25))
    # Later, on a quiet site, the latest days are still those with papers.
    assert latest_days(store, date(2024, 11, 3)) == (date(2024, 10, 21), date(2024, 10, 25))
    assert latest_days(store, date(2024, 10, 25), count=1) == (DAY, DAY)


def test_an_empty_site_has_nothing_to_do(store: Store, tmp_path: Path) -> None:
    files = ThumbnailFiles(tmp_path / "thumbnails")
    with PoliteClient(delay=0, retries=0) as client:
        report = make_thumbnails(store, files, client, Sources("http://127.0.0.1:1", ""), NOW)
    assert report.line() is None


@pytest.mark.parametrize(
    ("url", "followed"),
    [
        (f"{HF_CDN}/2410.17243.png", True),
        ("https://huggingface.co/front/thumbnails/papers.png", True),
        ("http://127.0.0.1:8123/thumbs/x.png", True),  # the configured hf_url's host
        ("http://127.0.0.1:8124/thumbs/x.png", False),  # another port
        ("https://huggingface.co.example.org/x.png", False),
        ("https://evilhuggingface.co/x.png", False),
        ("ftp://cdn-thumbnails.huggingface.co/x.png", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_only_hf_thumbnail_urls_on_hf_hosts_are_followed(url: str, followed: bool) -> None:
    fields = HfFields("2410.17243", {"item": {"thumbnail": url}, "paper": {}})
    assert (hf_thumbnail(fields, "http://127.0.0.1:8123") == url) is followed
    assert hf_thumbnail(None, "http://127.0.0.1:8123") is None
    assert hf_thumbnail(HfFields("2410.17243", {"item": {}}), "https://huggingface.co") is None


def test_may_try() -> None:
    assert may_try(None, NOW)
    once = Failure(1, NOW, "HTTP 404")
    assert not may_try(once, NOW + FIRST_RETRY - timedelta(seconds=1))
    assert may_try(once, NOW + FIRST_RETRY)
    assert not may_try(Failure(2, NOW, "x"), NOW + FIRST_RETRY * 2 - timedelta(seconds=1))
    assert may_try(Failure(2, NOW, "x"), NOW + FIRST_RETRY * 2)
    assert not may_try(Failure(3, NOW, "x"), NOW + timedelta(days=365))
