"""`paperfeed index`, `paperfeed search` and `paperfeed eval`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from paperfeed.cli.common import (
    FILE,
    handle_errors,
    note,
    open_search,
    open_store,
    out,
    parse_date,
    say,
    stage_progress,
)
from paperfeed.errors import Invalid
from paperfeed.models import SearchFilters, Why
from paperfeed.recommend.evaluation import RecommendEvaluation, evaluate_recommend
from paperfeed.search.evaluation import SkippedRecords, evaluate
from paperfeed.search.searcher import MODES, SORTS
from paperfeed.serialize import index_report_json, search_results_json

MODEL_OPTION = click.option(
    "--model",
    default=None,
    metavar="NAME_OR_PATH",
    help="Embedding model: model2vec hub id or directory, st:NAME_OR_PATH, or none "
    "[env PAPERFEED_SEARCH_MODEL].",
)


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Start the local indexes over.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@MODEL_OPTION
@handle_errors
def index_cmd(rebuild: bool, as_json: bool, model: str | None) -> None:
    """Bring the search indexes up to date with the store.

    Updates the keyword index, the stored embeddings and the vector index with papers new or
    changed since the last run. Embeddings are kept in the database: a second machine sharing
    it reuses them instead of embedding again. --rebuild rebuilds the local index files.
    """
    with open_store() as store:
        service = open_search(store, model)
        if service.notice and not as_json:
            note(f"note: {service.notice}")
        if as_json:
            report = service.index(rebuild=rebuild)
        else:
            bars, update = stage_progress()
            with bars:
                report = service.index(rebuild=rebuild, progress=update)
    if as_json:
        click.echo(json.dumps(index_report_json(report)))
    else:
        out.print(report.line(), markup=False, soft_wrap=True)


def describe_why(why: Why) -> str:
    """A hit's reasons on one line: `matched sorting; keyword #1; semantic #3 (similarity …)`."""
    parts = []
    if why.pinned:
        parts.append(f"pinned: {why.pinned}")
    if why.terms:
        parts.append("matched " + ", ".join(why.terms))
    if why.keyword_rank:
        parts.append(f"keyword #{why.keyword_rank}")
    if why.semantic_rank:
        sim = f" (similarity {why.similarity:.2f})" if why.similarity is not None else ""
        parts.append(f"semantic #{why.semantic_rank}{sim}")
    return "; ".join(parts) or "-"


@click.command()
@click.argument("query")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="hybrid",
    show_default=True,
    help="keyword (BM25), semantic (embeddings) or hybrid (both, fused).",
)
@click.option("--limit", type=click.IntRange(1, 200), default=10, show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--category", "categories", multiple=True, help="Only papers in CATEGORY.")
@click.option("--from", "date_from", default=None, metavar="DATE", help="Published on or after.")
@click.option("--until", "date_to", default=None, metavar="DATE", help="Published on or before.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@MODEL_OPTION
@handle_errors
def search(
    query: str,
    mode: str,
    limit: int,
    sort: str,
    categories: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    as_json: bool,
    model: str | None,
) -> None:
    """Search every paper.

    QUERY is plain text; these operators are understood: "exact phrase", -exclude,
    author:NAME (author:"Full Name"), cat:CATEGORY, year:2024 or year:2020-2024. An arXiv id or
    an arXiv / Hugging Face paper URL puts that paper first, and so does an exact title.
    """
    filters = SearchFilters(
        date_from=parse_date(date_from, "--from"),
        date_to=parse_date(date_to, "--until"),
        categories=categories,
    )
    with open_store() as store:
        # Keyword search needs no model: do not load (or try to download) one.
        service = open_search(store, "none" if mode == "keyword" and not model else model)
        results = service.search(query, mode=mode, limit=limit, filters=filters, sort=sort)
    if as_json:
        click.echo(json.dumps(search_results_json(results)))
        return
    if results.notice:
        note(f"note: {results.notice}")
    say(f"{results.total:,} results ({results.mode})")
    for i, hit in enumerate(results.hits, 1):
        p = hit.paper
        when = p.published.date().isoformat() if p.published else "-"
        say(f"{i:>3}. {p.arxiv_id}  {when}  {p.title}")
        out.print(f"     {describe_why(hit.why)}", markup=False, style="dim")


@click.command("eval")
@click.option("--corpus", type=FILE, required=True, help="corpus.jsonl")
@click.option(
    "--queries",
    type=FILE,
    required=True,
    help="queries.tsv (qid<TAB>text); for recommend, which judged queries become readers.",
)
@click.option("--qrels", type=FILE, required=True, help="TREC qrels (qid 0 docid gain)")
@click.option(
    "--task",
    type=click.Choice(("search", "recommend")),
    default="search",
    show_default=True,
    help="search: rank for each query; recommend: simulated readers (docs/recommend.md).",
)
@click.option(
    "--mode",
    "modes",
    type=click.Choice(MODES),
    multiple=True,
    help="Mode(s) to score [default: keyword, and semantic and hybrid with --model].",
)
@click.option(
    "--model",
    default=None,
    metavar="NAME_OR_PATH",
    help="Embedding model for semantic and hybrid modes, and one more feature view for "
    "recommend (model2vec id or directory, or st:NAME_OR_PATH).",
)
@click.option(
    "--allow-skips",
    is_flag=True,
    help="Score even when corpus records had to be skipped (they are still reported).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object: scores keyed by mode, with `corpus` and `queries` (for "
    "recommend: `recommend` and `baseline_svm`, each with nDCG@10, Recall@100 and readers).",
)
@handle_errors
def eval_cmd(
    corpus: Path,
    queries: Path,
    qrels: Path,
    task: str,
    modes: tuple[str, ...],
    model: str | None,
    allow_skips: bool,
    as_json: bool,
) -> None:
    """Measure search or recommendation quality on a relevance collection.

    Indexes the corpus in a throwaway data directory and prints MAP, nDCG@10, Recall@100 and
    P@10 for each mode, with query latency p50/p95. The format is the plain one of
    shared/data/relevance/*/eval/ (docs/search.md). A corpus record without an id or any text
    is skipped and named, and the command fails unless --allow-skips; an unusable date,
    author list or category list is left out and counted, never a reason to skip.

    With --task recommend, each judged query with at least 4 relevant documents is a reader
    who saved half of them and dismissed 5 others; paperfeed's recommender and
    arxiv-sanity-lite's SVM rank the rest of the corpus for them, scored by nDCG@10 and
    Recall@100 on the held-out half (--mode does not apply).
    """
    if task == "recommend":
        _eval_recommend(corpus, queries, qrels, model, allow_skips, as_json)
        return
    chosen = modes or (("keyword", "semantic", "hybrid") if model else ("keyword",))
    bars, update = stage_progress()
    try:
        with bars:
            result = evaluate(
                corpus,
                queries,
                qrels,
                chosen,
                model=model,
                allow_skips=allow_skips,
                progress=update,
            )
    except SkippedRecords as exc:
        raise Invalid(f"{exc}; fix them, or pass --allow-skips to score the rest") from None
    if as_json:
        click.echo(json.dumps(result.as_json()))
        return
    say(f"{result.corpus.line()}; model {result.model or '-'}")
    say(result.queries.line())
    say(
        f"{'mode':<9} {'MAP':>7} {'nDCG@10':>8} {'R@100':>7} {'P@10':>7} {'p50 ms':>8} "
        f"{'p95 ms':>8}  queries"
    )
    for mode, r in result.results.items():
        sc = r.scores
        say(
            f"{mode:<9} {sc['map']:>7.4f} {sc['ndcg@10']:>8.4f} {sc['recall@100']:>7.4f} "
            f"{sc['p@10']:>7.4f} {r.latency_ms_p50:>8.2f} {r.latency_ms_p95:>8.2f}  {r.queries}"
        )


def _eval_recommend(
    corpus: Path, queries: Path, qrels: Path, model: str | None, allow_skips: bool, as_json: bool
) -> None:
    bars, update = stage_progress()
    try:
        with bars:
            result: RecommendEvaluation = evaluate_recommend(
                corpus, queries, qrels, model=model, allow_skips=allow_skips, progress=update
            )
    except SkippedRecords as exc:
        raise Invalid(f"{exc}; fix them, or pass --allow-skips to score the rest") from None
    if as_json:
        click.echo(json.dumps(result.as_json()))
        return
    say(f"{result.corpus.line()}; model {result.model or '-'}")
    say(f"{'recommender':<13} {'nDCG@10':>8} {'R@100':>7}  readers")
    for name, r in (("recommend", result.recommend), ("baseline_svm", result.baseline_svm)):
        say(f"{name:<13} {r.scores['ndcg@10']:>8.4f} {r.scores['recall@100']:>7.4f}  {r.readers}")
