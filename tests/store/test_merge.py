"""The merge rules, pure: which record wins when sources disagree."""

from datetime import datetime

from paperfeed.models import Author, Paper, Version
from paperfeed.store.merge import merge, state_to_paper


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
