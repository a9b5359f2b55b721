"""Evaluation's reading of a collection (the scores themselves: tests/cli/test_search.py)."""

import json
from pathlib import Path

import pytest

from paperfeed.search.evaluation import SkippedRecords, canonical_id, evaluate


def test_canonical_id() -> None:
    assert canonical_id("CACM-756") == canonical_id("CACM-0756") == "CACM-756"
    assert canonical_id(" doc ") == "doc"


def test_skipped_records_stop_before_scoring(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    good = [json.dumps({"id": f"D{i}", "title": f"paper {i}"}) for i in range(5)]
    corpus.write_text("\n".join([*good, "{", *good[:1], json.dumps({"id": ""})]) + "\n")
    (tmp_path / "q.tsv").write_text("q1\tpaper\n")
    (tmp_path / "r.txt").write_text("q1 0 D1 1\n")
    args = (corpus, tmp_path / "q.tsv", tmp_path / "r.txt", ["keyword"])
    with pytest.raises(SkippedRecords) as caught:
        evaluate(*args, model=None, allow_skips=False)
    report = caught.value.report
    assert (report.records, report.skipped) == (8, 2)
    assert [(r.line, r.id) for r in report.skipped_records] == [(6, None), (8, None)]
    message = str(caught.value)
    assert message.startswith(f"{corpus}: 2 of 8 records skipped (line 6: not valid JSON (")
    assert message.endswith("; line 8: missing id)")
    # Allowed: scored, and the repeated D0 is merged and counted.
    result = evaluate(*args, model=None)
    assert (result.corpus.documents, result.corpus.duplicate_ids) == (5, 1)
    assert result.results["keyword"].queries == 1
