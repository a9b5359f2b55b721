"""The merge rules, pure: which record wins when sources disagree."""

from datetime import datetime
from pathlib import Path

from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.records import Record
from paperfeed.models import Author, Paper, Version
from paperfeed.store.merge import (
    _EMPTY,
    PaperState,
    _merge_versions,
    _record_version,
    merge,
    provided_fields,
    state_to_paper,
)


def paper(**kw: object) -> Paper:
    base: dict[str, object] = {"arxiv_id": "2410.17243", "title": "T"}
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def test_new_paper() -> None:
    state, changed = merge(None, paper(version=2, abstract="A"))
    assert changed and state.row["version"] == 2 and state.row["abstract"] == "A"


def test_same_record_twice_is_unchanged() -> None:
    p = paper(version=1, abstract="A", authors=(Author("X"),), categories=("cs.LG",))
    state, _ = merge(None, p)
    _, changed = merge(state, p)
    assert not changed


def test_newer_version_overwrites() -> None:
    state, _ = merge(None, paper(version=1, title="Old", abstract="old"))
    state, changed = merge(state, paper(version=2, title="New", abstract="new"))
    assert changed and state.row["title"] == "New" and state.row["version"] == 2


def test_older_version_never_overwrites_but_adds_its_date() -> None:
    v1 = Version(1, datetime(2024, 1, 1))
    state, _ = merge(None, paper(version=3, title="New"))
    state, changed = merge(state, paper(version=1, title="Old", versions=(v1,)))
    assert state.row["title"] == "New" and state.row["version"] == 3
    assert changed and state.versions[1] == (datetime(2024, 1, 1), None)


def test_versionless_record_only_fills_gaps() -> None:
    state, _ = merge(None, paper(version=2, title="Kaggle title", abstract="", authors=None))
    state, changed = merge(
        state, paper(title="HF title", abstract="HF abstract", authors=(Author("A"),))
    )
    assert changed
    assert state.row["title"] == "Kaggle title"
    assert state.row["abstract"] == "HF abstract"
    assert state.row["authors"] == [{"name": "A", "affiliations": []}]


def test_imported_upvotes_are_taken_from_any_source() -> None:
    state, _ = merge(None, paper(version=2))
    state, changed = merge(state, paper(imported_upvotes=64, code_url="https://github.com/x/y"))
    assert changed and state.row["imported_upvotes"] == 64
    assert state_to_paper("2410.17243", state).code_url == "https://github.com/x/y"


def test_missing_fields_never_clear() -> None:
    state, _ = merge(None, paper(version=1, doi="10.1/x", comments="c"))
    state, _ = merge(state, paper(version=1, doi=None, comments=None))
    assert state.row["doi"] == "10.1/x" and state.row["comments"] == "c"


def test_imported_upvotes_never_go_down() -> None:
    state, _ = merge(None, paper(imported_upvotes=82))
    state, changed = merge(state, paper(imported_upvotes=29))  # an older snapshot
    assert not changed and state.row["imported_upvotes"] == 82
    state, changed = merge(state, paper(imported_upvotes=90))
    assert changed and state.row["imported_upvotes"] == 90


def _new_the_long_way(p: Paper) -> PaperState:
    """A new paper's state as the general rules make it: the empty row, then every field the
    record provides."""
    row = dict(_EMPTY)
    row.update(provided_fields(p))
    row["version"] = _record_version(p)
    state = PaperState(row=row)
    _merge_versions(state.versions, p.versions)
    return state


def test_a_new_paper_gets_what_the_general_rules_give(data_dir: Path) -> None:
    """`merge` builds a new paper's state by a shorter path: the same state for every real
    record of each source, and for records that leave every field out or give empty ones."""
    papers: list[Paper] = []
    sources = [
        (read_kaggle, "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"),
        (read_generic, "arxiv/quant-ph/quantph_records.jsonl"),
        (read_hf_daily, "hf/daily_papers_2024-10-25.json"),
    ]
    for reader, rel in sources:
        with (data_dir / rel).open("rb") as fh:
            papers += [i.paper for i in reader(fh, rel) if isinstance(i, Record) and i.paper]
    papers += [
        paper(),
        paper(abstract="", authors=(), categories=(), imported_upvotes=0, comments="c"),
        paper(imported_upvotes=7, code_url="https://github.com/o/r", versions=(Version(3),)),
    ]
    assert len(papers) > 1000
    for p in papers:
        state, changed = merge(None, p)
        assert changed and state == _new_the_long_way(p), p.arxiv_id
