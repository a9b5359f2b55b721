"""Term counts kept between daily runs: the same rows as counting again, only new or changed
papers counted, kept per fitted space, and a file that is missing, spoiled or of another space
is no counts at all."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from paperfeed.recommend.features import FeatureSpace, PaperRows, PaperText
from paperfeed.recommend.term_counts import Counter, Matrix, TermCounts


def _same(a: PaperRows, b: PaperRows) -> None:
    assert a.ids == b.ids
    for name in a.sparse:
        assert (a.sparse[name] != b.sparse[name]).nnz == 0, name
    for name in a.dense:
        assert np.array_equal(a.dense[name], b.dense[name]), name
    for name in a.spread:
        assert np.array_equal(a.spread[name], b.spread[name]), name


def test_kept_counts_make_the_rows_counting_makes(papers: list[PaperText]) -> None:
    space = FeatureSpace.fit(papers)
    kept = TermCounts(space.fingerprint)
    counted: list[int] = []
    views = {v.kind: v for v in (space.words, space.stems)}

    def counting(kind: str) -> Counter:
        def count(texts: Sequence[str]) -> Matrix:
            counted.append(len(texts))
            return views[kind].count(texts)

        return count

    first = papers[:10]
    space.transform(first, counts=kept)
    assert len(kept) == 10
    # The next day: some of the same papers (one with a new abstract), some new, in another
    # order; only the new and the changed are counted.
    changed = replace(papers[3], abstract="graph vertices edges " + papers[3].abstract)
    today = [papers[12], papers[5], changed, papers[0], papers[11]]
    counted.clear()
    rows = kept.counts(
        [p.id for p in today], [p.text for p in today], {k: counting(k) for k in views}
    )
    assert counted == [3, 3]  # per view: papers 12, 11 and the changed 3
    for kind, view in views.items():
        assert (rows[kind] != view.count([p.text for p in today])).nnz == 0
    _same(space.transform(today, counts=kept), space.transform(today))
    assert len(kept) == 12  # the changed paper's counts replaced, not added


def test_kept_in_a_file_for_the_space_they_were_counted_over(
    papers: list[PaperText], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    space = FeatureSpace.fit(papers)
    kept = TermCounts(space.fingerprint)
    space.transform(papers, counts=kept)
    path = tmp_path / "counts.npz"
    kept.only({p.id for p in papers[:7]}).save(path)
    loaded = TermCounts.load(path, space.fingerprint)
    assert loaded.ids == [p.id for p in papers[:7]]
    _same(space.transform(papers, counts=loaded), space.transform(papers))
    # Fitted again on other papers: another space, and the counts are not for it.
    other = FeatureSpace.fit(papers[::2])
    assert other.fingerprint != space.fingerprint
    assert len(TermCounts.load(path, other.fingerprint)) == 0
    assert len(TermCounts.load(tmp_path / "none.npz", space.fingerprint)) == 0
    path.write_bytes(b"PK\x03\x04 not a zip")
    with caplog.at_level(logging.WARNING):
        assert len(TermCounts.load(path, space.fingerprint)) == 0
    assert "unreadable" in caplog.text
