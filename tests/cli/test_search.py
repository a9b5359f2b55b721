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
    assert sorted(data) == sorted(modes)
    for mode in modes:
        assert {"map", "ndcg@10", "recall@100", "p@10"} <= set(data[mode])
        assert data[mode]["mode_used"] == mode
        assert data[mode]["queries"] == 52
    # The keyword engine reaches the published BM25 baseline (Pyserini: MAP 0.3114).
    assert data["keyword"]["map"] >= 0.311


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
