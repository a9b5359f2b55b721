from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperfeed.errors import Invalid
from paperfeed.recommend.evaluation import (
    DISMISSED,
    evaluate_recommend,
    simulate_readers,
)
from paperfeed.search.evaluation import SkippedRecords

CACM = Path(__file__).resolve().parents[3] / "shared" / "data" / "relevance" / "cacm" / "eval"
CORPUS = [f"D{i}" for i in range(1, 41)]


def test_a_reader_saves_half_and_dismisses_judged_non_relevant_papers_first() -> None:
    qrels = {
        "q1": {**{f"D{i}": 1 for i in range(1, 8)}, "D20": 0, "D21": 0, "D99": 1},
        "q2": {"D1": 1, "D2": 2, "D3": 1},  # three relevant: no reader
    }
    (reader,) = simulate_readers(qrels, CORPUS, ["q1", "q2"])
    assert reader.qid == "q1"
    # D99 is judged but not in the corpus: 7 relevant papers, 3 saved, 4 held out.
    assert len(reader.saved) == 3
    assert set(reader.saved) | set(reader.held_out) == {f"D{i}" for i in range(1, 8)}
    assert not set(reader.saved) & set(reader.held_out)
    assert len(reader.dismissed) == DISMISSED == len(set(reader.dismissed))
    assert {"D20", "D21"} <= set(reader.dismissed)
    assert not set(reader.dismissed) & set(qrels["q1"]) - {"D20", "D21"}


def test_readers_are_the_same_on_every_run_and_for_any_other_queries() -> None:
    qrels = {q: {f"D{i}": 1 for i in range(n, n + 6)} for q, n in (("a", 1), ("b", 10))}
    one = simulate_readers(qrels, CORPUS, ["a", "b"])
    assert one == simulate_readers(qrels, CORPUS, ["a", "b"])
    assert one[1:] == simulate_readers(qrels, CORPUS, ["b"])
    assert one != simulate_readers(qrels, CORPUS, ["a", "b"], seed=1)


def test_only_queries_in_the_queries_file_become_readers() -> None:
    qrels = {"a": {f"D{i}": 1 for i in range(1, 7)}}
    assert simulate_readers(qrels, CORPUS, ["b"]) == []


def test_evaluation_on_a_small_collection(collection: Path) -> None:
    result = evaluate_recommend(
        collection / "corpus.jsonl", collection / "queries.tsv", collection / "qrels.txt"
    )
    data = result.as_json()
    assert set(data) == {"recommend", "baseline_svm"}
    for scores in data.values():
        assert set(scores) == {"ndcg@10", "recall@100", "readers"}  # type: ignore[arg-type]
    assert data["recommend"]["readers"] == 3  # type: ignore[index]
    # Held-out papers are among their topic's 40, and the topics have words of their own.
    assert result.recommend.scores["recall@100"] == 1.0
    assert 0 < result.recommend.scores["ndcg@10"] <= 1
    assert result.corpus.documents == 120


def test_a_collection_without_readers_is_refused(collection: Path) -> None:
    (collection / "qrels.txt").write_text("q1 0 SOR-000 1\n")
    with pytest.raises(Invalid, match="4 or more relevant"):
        evaluate_recommend(
            collection / "corpus.jsonl", collection / "queries.tsv", collection / "qrels.txt"
        )


def test_unreadable_records_fail_unless_allowed(collection: Path) -> None:
    with (collection / "corpus.jsonl").open("a") as fh:
        fh.write('{"title": "no id"}\n')
    files = [collection / name for name in ("corpus.jsonl", "queries.tsv", "qrels.txt")]
    with pytest.raises(SkippedRecords):
        evaluate_recommend(*files, allow_skips=False)
    assert evaluate_recommend(*files).corpus.skipped == 1


def test_on_cacm(tmp_path: Path) -> None:
    result = evaluate_recommend(
        CACM / "corpus.jsonl", CACM / "queries.tsv", CACM / "qrels.txt"
    ).as_json()
    data = json.loads(json.dumps(result))
    for name in ("recommend", "baseline_svm"):
        assert data[name]["readers"] == 43
        assert 0 <= data[name]["ndcg@10"] <= 1
        assert 0 <= data[name]["recall@100"] <= 1
