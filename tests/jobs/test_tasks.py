"""What each job does, against a loopback server replaying recorded arXiv and Hugging Face
answers, a real SMTP server and the real search index, on SQLite and PostgreSQL: each picks
up where it stopped (the harvest from its checkpoint, the mirror from the last day fetched)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from digest_helpers import LINKS, add_papers
from hand_clock import HandClock
from replay import FIXTURES, ReplayServer
from smtp_server import SmtpServer
from thumbnail_samples import one_page_pdf, png

from paperfeed.categories import ARCHIVES
from paperfeed.digest.deliver import LEASE
from paperfeed.digest.subscribe import add_confirmed
from paperfeed.errors import Upstream
from paperfeed.jobs import JobConfig, JobContext, JobRunner, RunResult, build_jobs, tasks
from paperfeed.models import SubscriptionContent
from paperfeed.search import SearchService
from paperfeed.store import Store
from paperfeed.store.leases import LeaseHolder
from paperfeed.thumbnails.files import ThumbnailFiles

OAI = FIXTURES / "oai"
HF_DAY = "2024-10-25"


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        yield s


def config(server: ReplayServer, **kw: object) -> JobConfig:
    return JobConfig(
        rss_url=f"{server.url}/rss/",
        oai_url=f"{server.url}/oai",
        hf_url=server.url,
        http_delay=0,
        http_timeout=5,
        http_retries=0,
        **kw,  # type: ignore[arg-type]
    )


def context(store: Store, now: datetime, search_dir: Path | None = None) -> JobContext:
    def search() -> SearchService:
        assert search_dir is not None, "this job should not need the search index"
        return SearchService.open(store, search_dir, model="none")

    return JobContext(store, now, search)


@pytest.mark.network
def test_announcements_of_the_followed_categories(server: ReplayServer, store: Store) -> None:
    server.add_file(
        "/rss/cs.SE",
        {},
        FIXTURES / "rss" / "assembled_rss2_cs.SE_2025-09-18.xml",
        content_type="application/rss+xml",
    )
    line = tasks.fetch_announcements(
        config(server, followed=("cs.SE",)), context(store, datetime(2025, 9, 19))
    )
    assert line.startswith("rss: ") and " 0 new" not in line
    assert store.stats().announcements > 0
    # Following everything, the job asks for every archive's feed at once.
    with pytest.raises(Upstream, match="no announcement feed"):
        tasks.fetch_announcements(config(server), context(store, datetime(2025, 9, 19)))
    assert server.requests[-1].path == "/rss/" + "+".join(ARCHIVES)


@pytest.mark.network
def test_the_harvest_starts_a_week_back_then_from_its_checkpoint(
    server: ReplayServer, store: Store
) -> None:
    first = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2014-10-01"}
    server.add_file("/oai", first, OAI / "mikesaelim_ListRecords_arXivRaw_page_with_token.xml")
    server.add_file(
        "/oai",
        {"verb": "ListRecords", "resumptionToken": "726959|1001"},
        OAI / "assembled_ListRecords_arXivRaw_page_2_final.xml",
    )
    line = tasks.harvest_oai(config(server), context(store, datetime(2014, 10, 8, 7)))
    assert line.startswith("oai: ") and store.stats().papers > 0
    assert [r.params.get("from") for r in server.requests] == ["2014-10-01", None]
    # The next night starts where that harvest stopped (the day the server answered).
    with pytest.raises(Upstream):
        tasks.harvest_oai(config(server), context(store, datetime(2014, 10, 9, 7)))
    stopped = server.requests[-1].params["from"]
    assert stopped != "2014-10-01" and stopped >= "2014-10-01"


@pytest.mark.network
def test_the_hf_mirror_fetches_recent_days_and_catches_up(
    server: ReplayServer, store: Store, data_dir: Path
) -> None:
    payload = (data_dir / "hf" / f"daily_papers_{HF_DAY}.json").read_bytes()
    day = datetime.fromisoformat(HF_DAY)
    for n in range(-3, 8):
        d = (day + timedelta(days=n)).date().isoformat()
        body = payload if d == HF_DAY else b"[]"
        server.add("/api/daily_papers", {"date": d, "limit": "100"}, body)
    line = tasks.mirror_hf_daily(config(server), context(store, day.replace(hour=12)))
    assert line.startswith("2024-10-23 to 2024-10-25: hf-daily: 29 new")
    assert store.checkpoints.get(tasks.HF_CHECKPOINT) == HF_DAY
    # Down for four days: every day since the last one fetched.
    server_days = len(server.requests)
    line = tasks.mirror_hf_daily(
        config(server), context(store, day.replace(hour=12) + timedelta(days=4))
    )
    assert line.startswith("2024-10-25 to 2024-10-29: hf-daily: 0 new, 0 updated, 29 unchanged")
    assert [r.params["date"] for r in server.requests[server_days:]] == [
        "2024-10-25",
        "2024-10-26",
        "2024-10-27",
        "2024-10-28",
        "2024-10-29",
    ]
    assert store.checkpoints.get(tasks.HF_CHECKPOINT) == "2024-10-29"


@pytest.mark.network
def test_thumbnails_from_the_hf_mirror_and_arxiv_pdfs(
    server: ReplayServer, store: Store, data_dir: Path, tmp_path: Path
) -> None:
    # HF's real answer, its thumbnail URLs moved from HF's CDN to the loopback server.
    cdn = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/"
    payload = (data_dir / "hf" / f"daily_papers_{HF_DAY}.json").read_bytes()
    payload = payload.replace(cdn.encode(), f"{server.url}/thumbs/".encode())
    for n in (-2, -1, 0):
        d = (datetime.fromisoformat(HF_DAY) + timedelta(days=n)).date().isoformat()
        server.add("/api/daily_papers", {"date": d, "limit": "100"}, payload if n == 0 else b"[]")
    noon = datetime.fromisoformat(HF_DAY).replace(hour=12)
    tasks.mirror_hf_daily(config(server), context(store, noon))
    hf_ids = store.listings.ids_on_days(noon.date(), noon.date())
    for arxiv_id in hf_ids:
        server.add(f"/thumbs/{arxiv_id}.png", {}, png(), content_type="image/png")
    (own,) = add_papers(store, noon, 1)  # announced by arXiv that day
    server.add(f"/pdf/{own.arxiv_id}", {}, one_page_pdf(own.title), content_type="application/pdf")

    cfg = config(server, thumbnails_dir=tmp_path / "thumbnails", arxiv_pdf_url=f"{server.url}/pdf")
    line = tasks.make_thumbnails(cfg, context(store, noon))
    assert line == (
        f"{HF_DAY} to {HF_DAY}: 1 rendered from arXiv PDFs, {len(hf_ids)} from Hugging Face, "
        "0 failed"
    )
    files = ThumbnailFiles(tmp_path / "thumbnails")
    assert all(files.has(i) for i in [*hf_ids, own.arxiv_id]) and len(hf_ids) == 29
    # Nothing more to make: quiet, and, run as `paperfeed jobs run thumbnails` does, on this
    # node without a lease.
    asked = len(server.requests)
    assert tasks.make_thumbnails(cfg, context(store, noon)) is None
    runner = JobRunner(store, build_jobs(cfg), "node-a", lambda: noon)
    assert runner.run("thumbnails") == RunResult("thumbnails", "ok", "nothing to do")
    assert len(server.requests) == asked


def test_the_index_job_is_quiet_when_nothing_changed(store: Store, tmp_path: Path) -> None:
    now = datetime(2026, 11, 26, 7)
    opened = SearchService.open(store, tmp_path, model="none")
    ctx = JobContext(store, now, lambda: opened)
    assert tasks.refresh_index(ctx) is None  # an empty store
    add_papers(store, datetime(2026, 11, 25), 3)
    line = tasks.refresh_index(ctx)
    assert line is not None and line.startswith("keyword index: 3 updated")
    assert tasks.refresh_index(ctx) is None
    assert len(opened.search("quantum", mode="keyword").hits) == 3


def test_due_digests_are_sent_once_missed_ones_too(db_url: str, smtp: SmtpServer) -> None:
    now = datetime(2026, 11, 26, 7)
    clock = HandClock(now)
    store = Store.open(db_url, clock=clock)
    try:
        for day in range(25, 29):
            add_papers(store, datetime(2026, 11, day), 2, start=day * 10)
        add_confirmed(
            store, "reader@example.org", SubscriptionContent(period="daily", top_n=5), now=now
        )
        cfg = JobConfig(rss_url="", oai_url="", hf_url="", smtp=smtp.config(), links=LINKS)
        line = tasks.send_digests(cfg, context(store, now))
        assert "1 sent" in line and len(smtp.recorder.to("reader@example.org")) == 1
        assert "0 sent" in tasks.send_digests(cfg, context(store, now))
        # Down from Thursday 07:00 to Sunday 07:00: Friday's and Saturday's digests (of
        # Thursday and Friday) were missed; they go out first, then Saturday's, on time.
        # Someone subscribed while the site was down: only the digest due after that.
        add_confirmed(
            store,
            "late@example.org",
            SubscriptionContent(period="daily", top_n=5),
            now=datetime(2026, 11, 28, 12),
        )
        clock.now = now = datetime(2026, 11, 29, 7)
        line = tasks.send_digests(cfg, context(store, now))
        (late,) = smtp.recorder.to("late@example.org")
        assert late["Subject"].endswith("Saturday, November 28, 2026")
        for day in ("2026-11-26: ", "2026-11-27: "):
            assert f"{day}1 due, 1 sent" in line, line
        assert "2026-11-28, 2026-W47: 2 due, 2 sent" in line, line
        subjects = [m["Subject"] for m in smtp.recorder.to("reader@example.org")]
        assert [s.split(" · ")[-1] for s in subjects] == [
            "Wednesday, November 25, 2026",
            "Thursday, November 26, 2026",
            "Friday, November 27, 2026",
            "Saturday, November 28, 2026",
        ]
        assert "0 sent" in tasks.send_digests(cfg, context(store, now))
        assert len(smtp.recorder.to("reader@example.org")) == 4
        # A `digest send` from cron holding its lease: this run leaves the work to it.
        busy = LeaseHolder("cron", "another-host", 1, now + timedelta(minutes=1))
        store.deliveries.acquire_lease(LEASE, busy, now, lambda _h: False)
        assert tasks.send_digests(cfg, context(store, now)).startswith("skipped: another")
    finally:
        store.close()


def test_recommendations_run_once_a_day_and_open_nothing_when_no_day_is_new(
    store: Store, demo_space: Path, tmp_path: Path
) -> None:
    """The hourly job ranks a newly listed day once; in the other hours it returns before
    opening the recommender (loading its feature space: seconds on a large store)."""
    import shutil

    from paperfeed.demo import load_demo
    from paperfeed.feed.recommending import SPACE_FILE

    load_demo(store)
    user = store.accounts.ensure_user("reader@example.org").id
    latest = store.listings.latest_day()
    assert latest is not None
    for pid in store.listings.ids_on_days(latest, latest)[:3]:
        store.library.save(user, pid)
    search_dir = tmp_path / "search"
    search_dir.mkdir()
    shutil.copy(demo_space, search_dir / SPACE_FILE)
    now = datetime(latest.year, latest.month, latest.day, 12)
    line = tasks.make_recommendations(context(store, now, search_dir))
    assert line is not None and line.endswith(f"({latest} to {latest})")
    assert store.recommendations.of(user)
    # An hour later nothing is new: the job must not even load the space (spoilt here, so
    # that loading it would fail).
    (search_dir / SPACE_FILE).write_bytes(b"not a feature space")
    assert tasks.make_recommendations(context(store, now + timedelta(hours=1), search_dir)) is None
