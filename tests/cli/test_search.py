"""`paperfeed index`, `paperfeed search` and `paperfeed eval` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import cli

EVAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "relevance" / "cacm" / "eval"


def _run(runner: CliRunner, data_dir: Path, db_url: str, *args: str) -> str:
    result = runner.invoke(
        cli, ["--data-dir", str(data_dir), "--database-url", db_url, *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result.stdout


def _eval(tmp_path: Path, *extra: str, queries: Path = EVAL / "queries.tsv") -> Result:
    """`paperfeed eval` on the CACM collection (or other queries), with extra options."""
    return CliRunner().invoke(
        cli,
        [
            "--data-dir",
            str(tmp_path),
            "eval",
            "--corpus",
            str(EVAL / "corpus.jsonl"),
            "--queries",
            str(queries),
            "--qrels",
            str(EVAL / "qrels.txt"),
            *extra,
        ],
        catch_exceptions=False,
    )


def test_index_and_search(db_url: str, tmp_path: Path, tiny_static_model: Path) -> None:
    runner = CliRunner()
    _run(runner, tmp_path, db_url, "ingest", "jsonl", str(EVAL / "corpus.jsonl"))
    out = _run(runner, tmp_path, db_url, "index", "--model", str(tiny_static_model))
    # One CACM record has no title and is skipped on import (reported, not indexed).
    assert "keyword index: 3203 updated, 3203 papers" in out
    assert "3203 embedded" in out
    out = _run(
        runner,
        tmp_path,
        db_url,
        "search",
        "sorting on tape",
        "--json",
        "--limit",
        "5",
        "--model",
        str(tiny_static_model),
    )
    data = json.loads(out)
    assert data["mode"] == "hybrid" and len(data["hits"]) == 5
    assert {"id", "title", "authors", "published", "score", "why"} <= set(data["hits"][0])
    out = _run(runner, tmp_path, db_url, "search", "sorting on tape", "--mode", "keyword")
    assert "results (keyword)" in out and "matched" in out
    # Without a loadable model: keyword results and a clear note.
    result = runner.invoke(
        cli,
        [
            "--data-dir",
            str(tmp_path),
            "--database-url",
            db_url,
            "search",
            "sorting",
            "--model",
            str(tmp_path / "missing"),
        ],
    )
    assert result.exit_code == 0
    assert "note: Semantic search is off on this site" in result.stderr
    assert "results (keyword)" in result.stdout


def test_search_rejects_bad_dates(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path), "search", "x", "--from", "yesterday"]
    )
    assert result.exit_code == 1
    assert result.stderr == ("error: --from must be a date like 2024-10-25, got 'yesterday'\n")


@pytest.mark.parametrize("with_model", [False, True])
def test_eval_json(tmp_path: Path, tiny_static_model: Path, with_model: bool) -> None:
    model = ["--model", str(tiny_static_model)] if with_model else []
    result = _eval(tmp_path, "--json", *model)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    modes = ["keyword", "semantic", "hybrid"] if with_model else ["keyword"]
    assert sorted(data) == sorted([*modes, "corpus", "queries"])
    # Every record is scored, CACM-3193 (an abstract, an empty title) included.
    assert data["corpus"] == {
        "records": 3204,
        "documents": 3204,
        "skipped": 0,
        "skipped_records": [],
        "fields_dropped": {},
        "duplicate_ids": 0,
    }
    assert data["queries"] == {
        "scored": 52,
        "unjudged": 12,
        "missing_text": 0,
        "no_relevant_in_corpus": 0,
        "no_relevant_in_corpus_ids": [],
    }
    for mode in modes:
        assert {"map", "ndcg@10", "recall@100", "p@10"} <= set(data[mode])
        assert data[mode]["mode_used"] == mode
        assert data[mode]["queries"] == 52
    # The keyword engine reaches the published BM25 baseline (Pyserini: MAP 0.3114).
    assert data["keyword"]["map"] >= 0.311


def _collection(tmp_path: Path, *lines: str) -> list[str]:
    """A small collection in tmp_path (corpus lines as given): the `eval` file options."""
    (tmp_path / "corpus.jsonl").write_text("".join(line + "\n" for line in lines))
    (tmp_path / "queries.tsv").write_text("q1\tsorting on tape\nq2\thash tables\n")
    (tmp_path / "qrels.txt").write_text("q1 0 D1 1\nq2 0 D2 1\nq3 0 D9 1\n")
    return [
        f"--corpus={tmp_path / 'corpus.jsonl'}",
        f"--queries={tmp_path / 'queries.tsv'}",
        f"--qrels={tmp_path / 'qrels.txt'}",
    ]


def _eval_files(tmp_path: Path, files: list[str], *extra: str) -> Result:
    return CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path / "data"), "eval", *files, *extra], catch_exceptions=False
    )


def test_eval_keeps_records_with_unusable_optional_fields(tmp_path: Path) -> None:
    files = _collection(
        tmp_path,
        json.dumps({"id": "D1", "title": "Sorting on tape", "date": "spring 1979"}),
        json.dumps({"id": "D2", "title": "Hash tables", "authors": 5, "categories": [1]}),
        json.dumps({"id": "D3", "abstract": "A compiler for ALGOL.", "authors": ["Knuth, D."]}),
    )
    result = _eval_files(tmp_path, files, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["corpus"]["documents"] == 3 and data["corpus"]["skipped"] == 0
    assert data["corpus"]["fields_dropped"] == {"authors": 1, "categories": 1, "date": 1}
    # q3 is judged in the qrels but not asked: said, not scored.
    assert data["queries"]["scored"] == 2 and data["queries"]["missing_text"] == 1
    assert data["keyword"]["map"] == 1.0
    screen = _eval_files(tmp_path, files)
    assert screen.exit_code == 0, screen.stderr
    assert screen.stdout.startswith(
        "corpus: 3 records, 3 documents indexed, 0 skipped; "
        "unusable fields left out: 1 authors, 1 categories, 1 date; model -\n"
        "queries: 2 scored; not scored: 0 without a relevant judgment, "
        "1 judged but not in the queries file\n"
    )


def test_eval_fails_on_skipped_records_unless_allowed(tmp_path: Path) -> None:
    files = _collection(
        tmp_path,
        json.dumps({"id": "D1", "title": "Sorting on tape"}),
        '{"id": "D2", "title": "Hash tables"',
        json.dumps({"title": "A record without an id"}),
        json.dumps({"id": "D4", "title": "Binary search"}),
    )
    result = _eval_files(tmp_path, files, "--json")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"error: {tmp_path / 'corpus.jsonl'}: 2 of 4 records skipped")
    assert "line 2: not valid JSON" in result.stderr
    assert "line 3: missing id" in result.stderr and "--allow-skips" in result.stderr
    allowed = _eval_files(tmp_path, files, "--json", "--allow-skips")
    assert allowed.exit_code == 0, allowed.stderr
    data = json.loads(allowed.stdout)
    assert data["corpus"]["skipped"] == 2 and data["corpus"]["documents"] == 2
    assert [(r["line"], r["id"]) for r in data["corpus"]["skipped_records"]] == [
        (2, None),
        (3, None),
    ]
    # D2 was skipped, so q2 has no relevant document left: scored 0, and named.
    assert data["queries"]["no_relevant_in_corpus_ids"] == ["q2"]
    assert data["keyword"]["queries"] == 2 and data["keyword"]["map"] == 0.5


def test_eval_semantic_without_model_is_an_error(tmp_path: Path) -> None:
    result = _eval(tmp_path, "--mode", "semantic")
    assert result.exit_code == 1
    assert "need an embedding model" in result.stderr


def test_eval_reports_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "q.tsv"
    bad.write_text("no tab here\n")
    result = _eval(tmp_path, queries=bad)
    assert result.exit_code == 1
    assert "q.tsv:1" in result.stderr


def test_index_json_counts_what_each_run_indexed(db_url: str, tmp_path: Path) -> None:
    """A bulk import is indexed once; a run with nothing changed indexes nothing; a new paper
    is indexed alone."""
    runner = CliRunner()
    _run(runner, tmp_path, db_url, "ingest", "jsonl", str(EVAL / "corpus.jsonl"))
    first = json.loads(_run(runner, tmp_path, db_url, "index", "--json", "--model", "none"))
    assert (first["indexed"], first["keyword_total"]) == (3203, 3203)
    again = json.loads(_run(runner, tmp_path, db_url, "index", "--json", "--model", "none"))
    assert again["indexed"] == 0 and again["keyword_total"] == 3203
    changed = tmp_path / "one.jsonl"
    changed.write_text(
        json.dumps({"id": "CACM-9999", "title": "A new paper", "abstract": "", "date": "1958"})
        + "\n"
    )
    _run(runner, tmp_path, db_url, "ingest", "jsonl", str(changed))
    third = json.loads(_run(runner, tmp_path, db_url, "index", "--json", "--model", "none"))
    assert (third["indexed"], third["keyword_total"]) == (1, 3204)


def _recommend_collection(tmp_path: Path) -> list[str]:
    """3 made-up topics of 40 papers (10 of the topic's 40 words each) and a query per topic
    judging 8 of them relevant: the `eval` file options."""
    lines, qrels = [], []
    for q, topic in enumerate(("sorting", "graphs", "parsing"), 1):
        for n in range(40):
            words = [f"{topic}{(n * 7 + k * 3) % 40}" for k in range(10)]
            title, abstract = " ".join(words[:3]), " ".join(words[3:])
            lines.append(json.dumps({"id": f"{topic}-{n}", "title": title, "abstract": abstract}))
            if n < 8:
                qrels.append(f"q{q} 0 {topic}-{n} 1\n")
    (tmp_path / "corpus.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "queries.tsv").write_text("q1\tsorting\nq2\tgraphs\nq3\tparsing\nq4\tnone\n")
    (tmp_path / "qrels.txt").write_text("".join(qrels))
    return [
        f"--corpus={tmp_path / 'corpus.jsonl'}",
        f"--queries={tmp_path / 'queries.tsv'}",
        f"--qrels={tmp_path / 'qrels.txt'}",
    ]


@pytest.mark.parametrize("with_model", [False, True])
def test_eval_recommend(tmp_path: Path, tiny_static_model: Path, with_model: bool) -> None:
    files = _recommend_collection(tmp_path)
    model = ["--model", str(tiny_static_model)] if with_model else []
    result = _eval_files(tmp_path, files, "--task", "recommend", "--json", *model)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"recommend", "baseline_svm"}
    for scores in data.values():
        assert set(scores) == {"ndcg@10", "recall@100", "readers"}
        assert scores["readers"] == 3
        assert 0 <= scores["ndcg@10"] <= 1 and 0 <= scores["recall@100"] <= 1
    screen = _eval_files(tmp_path, files, "--task", "recommend", *model)
    assert screen.exit_code == 0, screen.output
    assert "baseline_svm" in screen.stdout and "recommend" in screen.stdout
    assert ("tiny-static" in screen.stdout) == with_model
