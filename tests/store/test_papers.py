"""Papers in the store on real SQLite and PostgreSQL: idempotent imports, version rules, atomic
batches, deletions and announcements."""

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from store_rows import announcements_on, daily_entries_on, is_deleted

from paperfeed.arxiv_calendar import announcement_day
from paperfeed.errors import NotFound
from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.records import Record
from paperfeed.ingest.runner import run_import
from paperfeed.models import Announcement, Author, Batch, DailyEntry, Deletion, Paper, Version
from paperfeed.store import Store
from paperfeed.store.chunks import IN_LIST_SIZE
from paperfeed.store.merge import PaperState
from paperfeed.store.papers import first_day
from paperfeed.store.schema import paper_versions, papers


def import_all(store: Store, data_dir: Path) -> list[str]:
    lines = []
    sources = [
        ("kaggle", read_kaggle, "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"),
        ("hf-daily", read_hf_daily, "hf/daily_papers_2024-10-25.json"),
        ("jsonl", read_generic, "arxiv/quant-ph/quantph_records.jsonl"),
    ]
    for name, reader, rel in sources:
        with (data_dir / rel).open("rb") as fh:
            lines.append(run_import(store, reader(fh, rel), name).line())
    return lines


def test_real_sources_give_one_paper_per_id_and_rerun_changes_nothing(
    store: Store, data_dir: Path
) -> None:
    first = import_all(store, data_dir)
    assert first[0] == "kaggle: 200 new, 0 updated, 0 unchanged, 0 skipped"
    assert first[1] == "hf-daily: 29 new, 0 updated, 0 unchanged, 0 skipped, 29 daily entries"
    # nine quant-ph ids are also in the Kaggle head: versionless records only fill gaps
    assert first[2] == "jsonl: 38849 new, 0 updated, 9 unchanged, 0 skipped"
    stats = store.stats()
    assert stats.papers == 200 + 29 + 38858 - 9
    assert stats.daily_entries == 29
    hf = json.loads((data_dir / "hf/daily_papers_2024-10-25.json").read_text())
    assert stats.votes == sum(item["paper"]["upvotes"] for item in hf)
    second = import_all(store, data_dir)
    assert second == [
        "kaggle: 0 new, 0 updated, 200 unchanged, 0 skipped",
        "hf-daily: 0 new, 0 updated, 29 unchanged, 0 skipped",
        "jsonl: 0 new, 0 updated, 38858 unchanged, 0 skipped",
    ]
    assert store.stats() == stats


def test_paper_round_trip(store: Store, data_dir: Path) -> None:
    import_all(store, data_dir)
    p = store.papers.get("0704.0001")
    assert p is not None
    assert p.title.startswith("Calculation of prompt diphoton") and p.version == 2
    assert [a.name for a in p.authors or ()] == [
        "C. Balázs",
        "E. L. Berger",
        "P. M. Nadolsky",
        "C.-P. Yuan",
    ]
    assert [v.number for v in p.versions] == [1, 2]
    assert p.versions[0].submitted == datetime(2007, 4, 2, 19, 18, 42)
    hf = store.papers.get("2410.17243")
    assert hf is not None and hf.imported_upvotes == 64
    entries = daily_entries_on(store, date(2024, 10, 25))
    assert len(entries) == 29 and entries[0].submitted_by == "ClownRat"
    assert store.papers.get("9999.99999") is None


def test_version_rules(store: Store) -> None:
    v2 = Paper(
        "2401.00001",
        "Second",
        abstract="two",
        version=2,
        versions=(Version(2, datetime(2024, 2, 1)),),
    )
    v1 = Paper(
        "2401.00001",
        "First",
        abstract="one",
        version=1,
        versions=(Version(1, datetime(2024, 1, 1)),),
    )
    assert store.papers.write(Batch(papers=[v2])).counts.new == 1
    store.papers.write(Batch(papers=[v1]))
    p = store.papers.get("2401.00001")
    assert p is not None and p.title == "Second" and p.version == 2
    assert [(v.number, v.submitted) for v in p.versions] == [
        (1, datetime(2024, 1, 1)),
        (2, datetime(2024, 2, 1)),
    ]
    v3 = Paper("2401.00001", "Third", version=3)
    assert store.papers.write(Batch(papers=[v3])).counts.updated == 1
    p = store.papers.get("2401.00001")
    assert p is not None and p.title == "Third" and p.abstract == "two"


def test_duplicate_ids_in_one_batch(store: Store) -> None:
    a = Paper("2401.00001", "A", version=1)
    result = store.papers.write(Batch(papers=[a, a, Paper("2401.00001", "B", version=2)]))
    assert (result.counts.new, result.counts.unchanged, result.counts.updated) == (1, 1, 1)
    p = store.papers.get("2401.00001")
    assert p is not None and p.title == "B"


def test_failed_batch_leaves_nothing(store: Store) -> None:
    batch = Batch(
        papers=[Paper("2401.00001", "A", version=1)],
        daily_entries=[DailyEntry("2401.09999", date(2024, 1, 1))],
    )
    with pytest.raises(NotFound, match=r"2401\.09999"):
        store.papers.write(batch)
    assert store.stats().papers == 0


def test_deletions_and_announcements(store: Store) -> None:
    store.papers.write(Batch(papers=[Paper("2401.00001", "A", version=1)]))
    day = date(2024, 1, 5)
    result = store.papers.write(
        Batch(announcements=[Announcement("2401.00001", day, "cs.LG", "new")])
    )
    assert result.new_announcements == 1
    assert (
        store.papers.write(
            Batch(announcements=[Announcement("2401.00001", day, "cs.LG", "new")])
        ).new_announcements
        == 0
    )
    assert announcements_on(store, day) == [Announcement("2401.00001", day, "cs.LG", "new")]
    assert store.papers.write(Batch(deletions=[Deletion("2401.00001")])).counts.updated == 1
    assert store.papers.write(Batch(deletions=[Deletion("2401.00001")])).counts.unchanged == 1
    assert store.papers.get("2401.00001") is None
    assert is_deleted(store, "2401.00001")
    assert store.stats().papers == 0 and store.stats().deleted == 1
    # a newer version arriving again brings the paper back
    store.papers.write(Batch(papers=[Paper("2401.00001", "A", version=2)]))
    assert store.papers.get("2401.00001") is not None


def test_user_text_is_data_not_sql(store: Store) -> None:
    evil = 'Robert\'); DROP TABLE papers;-- "quoted" \\ back'
    store.papers.write(Batch(papers=[Paper("2401.00001", evil, abstract=evil, version=1)]))
    p = store.papers.get("2401.00001")
    assert p is not None and p.title == evil


def test_links_a_member_set_outlast_imports(store: Store) -> None:
    repo, hf_repo, page = "https://github.com/o/r", "https://github.com/hf/r", "https://x.org/p"
    run_import(store, [Record("1", paper=Paper("2401.00001", "A", code_url=hf_repo))], "hf")
    run_import(store, [Record("1", paper=Paper("2401.00002", "B", code_url=hf_repo))], "hf")
    user = store.accounts.ensure_user("m@example.org")
    store.papers.set_links("2401.00001", repo, page, user.id)
    with pytest.raises(NotFound):
        store.papers.set_links("2401.99999", repo, None, user.id)
    newer = "https://github.com/hf/newer"
    for arxiv_id in ("2401.00001", "2401.00002"):
        record = Paper(arxiv_id, "T", version=2, code_url=newer, project_url="https://hf.co/x")
        run_import(store, [Record("1", paper=record)], "hf")
    pinned, free = store.papers.get("2401.00001"), store.papers.get("2401.00002")
    assert pinned is not None and (pinned.title, pinned.code_url, pinned.project_url) == (
        "T",
        repo,
        page,
    )
    assert free is not None and (free.code_url, free.project_url) == (newer, "https://hf.co/x")
    store.papers.set_links("2401.00001", None, None, user.id)
    run_import(store, [Record("1", paper=Paper("2401.00001", "T", code_url=newer))], "hf")
    cleared = store.papers.get("2401.00001")
    assert cleared is not None and (cleared.code_url, cleared.project_url) == (None, None)


def _rows(store: Store, ids: list[str]) -> dict[str, dict[str, object]]:
    """Each paper's row as stored, and its versions, by id."""
    with store.db.engine.connect() as conn:
        rows = {r.id: dict(r._mapping) for r in conn.execute(select(papers))}
        for v in conn.execute(select(paper_versions)):
            rows[v.paper_id].setdefault("versions", []).append(  # type: ignore[union-attr]
                (v.version, v.submitted, v.size)
            )
    return {i: rows[i] for i in ids}


def _like(paper: Paper, arxiv_id: str) -> Paper:
    return replace(paper, arxiv_id=arxiv_id)


SAMPLES = [
    Paper(
        "x",
        "Kaggle-like",
        abstract="with versions",
        version=2,
        authors=(Author("A. B", ("Uni",)), Author("C")),
        categories=("hep-ph", "hep-th"),
        published=datetime(2007, 4, 2, 19, 18, 42),
        updated=datetime(2007, 7, 24, 20, 10, 27),
        versions=(Version(1, datetime(2007, 4, 2, 19, 18, 42)), Version(2, None, "37kb")),
        doi="10.1/x",
    ),
    Paper("x", "Generic", abstract="dated", published=datetime(1992, 10, 3)),
    Paper("x", "Bare"),
    Paper("x", "HF", imported_upvotes=3, code_url="https://github.com/o/r"),
]


def test_a_batch_of_new_papers_is_stored_like_new_papers_in_a_mixed_batch(store: Store) -> None:
    """A batch whose papers are all new skips reading stored papers back: what it writes, and
    the change feed's numbers, are what the same papers get in a batch with known ones."""
    # One moment for both writes: rows stamped either side of a second would differ.
    store.db.clock = lambda: datetime(2026, 3, 2, 12)
    store.papers.write(Batch(papers=[_like(SAMPLES[0], "2401.00000")]))
    fresh = [_like(p, f"2402.{n:05d}") for n, p in enumerate(SAMPLES)]
    mixed = [_like(p, f"2403.{n:05d}") for n, p in enumerate(SAMPLES)]
    updated = replace(SAMPLES[0], arxiv_id="2401.00000", version=3, title="v3")
    counts = store.papers.write(Batch(papers=fresh)).counts
    assert (counts.new, counts.updated, counts.unchanged) == (4, 0, 0)
    counts = store.papers.write(Batch(papers=[mixed[0], updated, *mixed[1:]])).counts
    assert (counts.new, counts.updated, counts.unchanged) == (4, 1, 0)

    rows = _rows(store, [p.arxiv_id for p in fresh + mixed] + ["2401.00000"])
    for a, b in zip(fresh, mixed, strict=True):
        one, other = dict(rows[a.arxiv_id]), dict(rows[b.arxiv_id])
        for row in (one, other):
            del row["id"], row["change_seq"]
        assert one == other
    assert [rows[p.arxiv_id]["change_seq"] for p in fresh] == [2, 3, 4, 5]
    # The mixed batch numbers its changes in batch order, the known paper among them.
    assert [rows[i]["change_seq"] for i in (mixed[0].arxiv_id, "2401.00000")] == [6, 7]
    assert [rows[p.arxiv_id]["change_seq"] for p in mixed[1:]] == [8, 9, 10]
    assert rows["2401.00000"]["title"] == "v3" and rows["2401.00000"]["version"] == 3
    assert rows["2402.00000"]["versions"] == [
        (1, datetime(2007, 4, 2, 19, 18, 42), None),
        (2, None, "37kb"),
    ]
    assert rows["2402.00000"]["first_day"] == date(2007, 4, 4)
    assert rows["2402.00001"]["first_day"] == date(1992, 10, 6)
    assert rows["2402.00002"]["first_day"] is None
    assert store.papers.get("2402.00000") == replace(
        SAMPLES[0], arxiv_id="2402.00000", imported_upvotes=0
    )


def test_known_papers_are_found_among_more_ids_than_one_query_takes(store: Store) -> None:
    many = [Paper(f"2401.{n:05d}", f"P{n}", version=1) for n in range(2 * IN_LIST_SIZE + 10)]
    store.papers.write(Batch(papers=many[::3]))
    again = [
        replace(p, title="new title", version=2) if n % 6 == 0 else p for n, p in enumerate(many)
    ]
    counts = store.papers.write(Batch(papers=again)).counts
    known = len(many[::3])
    assert (counts.new, counts.updated, counts.unchanged) == (
        len(many) - known,
        len(many[::6]),
        known - len(many[::6]),
    )
    assert store.stats().papers == len(many)
    counts = store.papers.write(Batch(papers=again)).counts
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, len(many))


def test_the_first_day_is_the_calendar_s_for_any_time() -> None:
    """first_day remembers days per hour of submission: every minute of two years (daylight
    saving changes, holidays and weekends included) gets the calendar's own answer."""
    start = datetime(2023, 1, 1)
    for minutes in range(0, 2 * 366 * 24 * 60, 7):
        when = start + timedelta(minutes=minutes, seconds=minutes % 60)
        state = PaperState(row={"published": when})
        assert first_day(state) == announcement_day(when), when
