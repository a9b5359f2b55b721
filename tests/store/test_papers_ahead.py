"""Papers worked out ahead of the writer (`new_paper_rows` in a parser process, sent as
`PaperAhead` in `Batch.papers`) on real SQLite and PostgreSQL: stored exactly as merged
papers are, and merged as usual where the store already has them."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import select
from store_rows import WRITE_TIMES, stored_papers

from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.records import Record
from paperfeed.models import Batch, Paper, PaperAhead, Version
from paperfeed.store import Store
from paperfeed.store.schema import papers

KAGGLE = "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"
QUANT_PH = "arxiv/quant-ph/quantph_records.jsonl"


def _real_papers(data_dir: Path) -> list[Paper]:
    """The Kaggle head (versions, authors, categories, DOIs) and quant-ph records (a date
    and no version), one record per id."""
    out: dict[str, Paper] = {}
    for reader, rel, count in ((read_kaggle, KAGGLE, 200), (read_generic, QUANT_PH, 300)):
        with (data_dir / rel).open("rb") as fh:
            for item in islice(reader(fh, rel), count):
                assert isinstance(item, Record) and item.paper is not None
                out.setdefault(item.paper.arxiv_id, item.paper)
    return list(out.values())


def _ahead(paper: Paper, dialect: str, parsed: list[str] | None = None) -> PaperAhead:
    from paperfeed.store.papers import new_paper_rows

    row, versions = new_paper_rows(paper, dialect)

    def parse() -> Paper:
        if parsed is not None:
            parsed.append(paper.arxiv_id)
        return paper

    return PaperAhead(paper.arxiv_id, dialect, row, versions, parse)


def _times(store: Store) -> set[tuple[Any, ...]]:
    with store.db.reading() as conn:
        return {tuple(r) for r in conn.execute(select(*(papers.c[n] for n in WRITE_TIMES)))}


def test_papers_worked_out_ahead_are_stored_as_merged_ones(
    db_url: str, another_db_url: str, data_dir: Path
) -> None:
    real = _real_papers(data_dir)
    assert any(p.versions for p in real) and any(not p.versions for p in real)
    with Store.open(db_url) as merged, Store.open(another_db_url) as ahead:
        merged.papers.write(Batch(papers=real[:250]))
        merged.papers.write(Batch(papers=real[250:]))
        dialect = ahead.db.dialect
        for part in (real[:250], real[250:]):
            result = ahead.papers.write(Batch(papers=[_ahead(p, dialect) for p in part]))
            assert result.counts.new == len(part) and result.parsed_again == 0
        assert stored_papers(ahead) == stored_papers(merged)
        # The batch's time, as for merged papers (change numbers are compared above).
        assert all(first is not None and first == changed for first, changed in _times(ahead))


def _paper(arxiv_id: str, title: str, version: int | None = None, **kw: Any) -> Paper:
    versions = (Version(number=version),) if version is not None else ()
    return Paper(arxiv_id=arxiv_id, title=title, version=version, versions=versions, **kw)


def test_a_paper_the_store_has_is_parsed_again_and_merged(store: Store) -> None:
    store.papers.write(Batch(papers=[_paper("2401.00001", "Old", 1, abstract="kept")]))
    parsed: list[str] = []
    dialect = store.db.dialect
    newer = _paper("2401.00001", "New", 2)
    fresh = _paper("2401.00002", "Fresh", 1)
    result = store.papers.write(Batch(papers=[_ahead(p, dialect, parsed) for p in (newer, fresh)]))
    assert parsed == ["2401.00001"] and result.parsed_again == 1
    assert (result.counts.new, result.counts.updated) == (1, 1)
    stored = store.papers.get("2401.00001")
    assert stored is not None
    assert (stored.title, stored.version, stored.abstract) == ("New", 2, "kept")
    assert [v.number for v in stored.versions] == [1, 2]
    again = store.papers.write(Batch(papers=[_ahead(fresh, dialect)]))
    assert (again.counts.unchanged, again.parsed_again) == (1, 1)


def test_rows_for_another_database_are_not_written_as_they_are(store: Store) -> None:
    paper = _paper("2401.00003", "Elsewhere", 1)
    other = "postgresql" if store.db.dialect == "sqlite" else "sqlite"
    parsed: list[str] = []
    result = store.papers.write(Batch(papers=[_ahead(paper, other, parsed)]))
    assert parsed == [paper.arxiv_id] and result.counts.new == 1
    stored = store.papers.get(paper.arxiv_id)
    assert stored is not None and stored.title == "Elsewhere"


def test_a_batch_of_papers_worked_out_ahead_and_merged_ones_together(store: Store) -> None:
    """Change numbers go in batch order however each paper came; a paper worked out ahead
    that the batch has another record of merges in its place."""
    dialect = store.db.dialect

    def make(n: int, title: str = "") -> Paper:
        return Paper(arxiv_id=f"2402.{n:05d}", title=title or f"Paper {n}")

    entries: list[Paper | PaperAhead] = [
        make(n) if n % 2 else _ahead(make(n), dialect) for n in range(10)
    ]
    parsed: list[str] = []
    entries.append(_ahead(make(3, "later"), dialect, parsed))  # no version: fills no title
    result = store.papers.write(Batch(papers=entries))
    assert (result.counts.new, result.counts.unchanged, result.parsed_again) == (10, 1, 1)
    assert parsed == ["2402.00003"]
    with store.db.reading() as conn:
        numbers = {i: n for i, n in conn.execute(select(papers.c.id, papers.c.change_seq))}
    assert sorted(numbers, key=numbers.__getitem__) == [f"2402.{n:05d}" for n in range(10)]
    stored = store.papers.get("2402.00003")
    assert stored is not None and stored.title == "Paper 3"
