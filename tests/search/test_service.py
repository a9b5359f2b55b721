"""Search end to end on real records in SQLite and PostgreSQL: keyword, semantic and hybrid
with a tiny model the tests build, pinned ids and titles, filters, sorting, hostile queries,
the no-model fallback, incremental indexing, and two machines sharing one PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from paperfeed.ingest.generic import read_generic
from paperfeed.ingest.hf_daily import read_hf_daily
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.lines import open_source
from paperfeed.ingest.runner import run_import
from paperfeed.models import Batch, Deletion, Paper, SearchFilters
from paperfeed.search.fusion import FUSION_DEPTH, SHARE_STATIC, combine
from paperfeed.search.service import MODEL_MISSING, SearchService
from paperfeed.store import Store

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CACM = DATA / "relevance" / "cacm" / "eval" / "corpus.jsonl"
KAGGLE = DATA / "arxiv" / "kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head.jsonl"
HF = DATA / "hf" / "daily_papers_2024-10-25.json"


def _load(store: Store) -> None:
    for path, reader in ((CACM, read_generic), (KAGGLE, read_kaggle), (HF, read_hf_daily)):
        with open_source(path) as raw:
            run_import(store, reader(raw, path.name), path.name, batch_size=1000)


@pytest.fixture
def loaded(store: Store) -> Store:
    _load(store)
    return store


@pytest.fixture(scope="module")
def service(
    module_db_url: str, tmp_path_factory: pytest.TempPathFactory, tiny_static_model: Path
) -> Iterator[SearchService]:
    """One indexed store per database kind, for the tests that only read."""
    with Store.open(module_db_url) as store:
        _load(store)
        svc = SearchService.open(
            store, tmp_path_factory.mktemp("data"), model=str(tiny_static_model)
        )
        svc.index()
        yield svc


def test_index_report_and_modes(loaded: Store, tmp_path: Path, tiny_static_model: Path) -> None:
    svc = SearchService.open(loaded, tmp_path / "data", model=str(tiny_static_model))
    report = svc.index()
    n = loaded.stats().papers
    assert report.keyword_total == n
    assert report.vectors_total == n
    assert report.embedded == n and report.vectors_reused == 0
    for mode in ("keyword", "semantic", "hybrid"):
        results = svc.search("sorting algorithms on tape", mode=mode, limit=10)
        assert results.mode == mode
        assert len(results.hits) == 10
        assert results.notice is None
    hybrid = svc.search("sorting algorithms on tape", limit=10)
    assert any(h.why.keyword_rank and h.why.semantic_rank for h in hybrid.hits)
    assert all(h.why.terms for h in hybrid.hits if h.why.keyword_rank)
    # Highlights are the paper's own words: "sorting" may match "Sort" in a title.
    for h in hybrid.hits:
        text = f"{h.paper.title} {h.paper.abstract}"
        assert all(w in text for w in h.why.highlights)
    assert any(h.why.highlights for h in hybrid.hits)
    first = hybrid.hits[0]
    assert "sorting" in [t.lower() for t in first.why.terms] or first.why.semantic_rank


def test_second_run_changes_nothing(service: SearchService) -> None:
    papers = service.store.stats().papers
    report = service.index()
    # Only the safety overlap is re-read (its stored vectors count as reused); nothing is
    # embedded again, and the indexes hold each paper once.
    assert report.embedded == 0
    assert report.keyword_total == report.vectors_total == papers
    assert report.semantic is None


def test_arxiv_id_and_url_are_pinned(service: SearchService) -> None:
    for q in (
        "0704.0001",
        "arXiv:0704.0001v2",
        "https://arxiv.org/abs/0704.0001",
        "https://huggingface.co/papers/0704.0001 gluons",
    ):
        hits = service.search(q, limit=5).hits
        assert hits[0].paper.arxiv_id == "0704.0001", q
        assert hits[0].why.pinned == "arxiv id"


def test_exact_title_is_pinned(service: SearchService) -> None:
    title = "Extraction of Roots by Repeated Subtractions for Digital Computers"
    hits = service.search(title.lower(), limit=5).hits
    assert hits[0].paper.arxiv_id == "CACM-0002"
    assert hits[0].why.pinned == "title"
    assert "CACM-0002" not in [h.paper.arxiv_id for h in hits[1:]]


def _stored(service: SearchService, arxiv_id: str) -> Paper | None:
    """The paper as the store holds it (the one store call of the hostile-query test)."""
    return service.store.papers.get(arxiv_id)


@pytest.mark.parametrize(
    "text",
    [
        'a "unbalanced',
        "title:(a OR b) AND abstract:[* TO *]",
        "foo:bar (x) [y] {z} \\ / * ? ~ ^ +must || <script>alert(1)</script>",
        "😀🚀 ünïcödé 漢字",
        "-",
        "-only -exclusions",
        "x" * 10_240,
        "",
        "   ",
        '""',
        "year:abc cat:",
        "DROP TABLE papers; --",
        "\x00",
        "sort\x00ing",
        "\u202e",
        "\u202etape\u202c",
        ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" * 320)[:10_240],
    ],
)
@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_hostile_queries_never_raise(service: SearchService, text: str, mode: str) -> None:
    normal = [h.paper.arxiv_id for h in service.search("sorting", limit=5).hits]
    results = service.search(text, mode=mode, limit=10)
    assert results.query == text
    assert results.mode == mode
    ids = [h.paper.arxiv_id for h in results.hits]
    assert len(set(ids)) == len(ids) <= 10
    assert results.total >= len(ids)
    for hit in results.hits:
        assert _stored(service, hit.paper.arxiv_id) == hit.paper
    if text in ("", "   ", "\x00", "\u202e", '""'):  # nothing to search for
        assert results.hits == [] and results.total == 0
    # The store and indexes are intact: a normal query answers as before.
    assert [h.paper.arxiv_id for h in service.search("sorting", limit=5).hits] == normal
    assert normal


def test_filters_and_sorting(service: SearchService) -> None:
    quantum = SearchFilters(categories=("quant-ph",))
    results = service.search("quantum states", filters=quantum, limit=20)
    assert results.hits
    assert all("quant-ph" in (h.paper.categories or ()) for h in results.hits)
    from datetime import date

    recent = SearchFilters(date_from=date(2024, 1, 1))
    results = service.search("language models", filters=recent, limit=20)
    assert results.hits
    assert all(h.paper.published and h.paper.published.year >= 2024 for h in results.hits)
    by_date = service.search("language models", sort="date", limit=20).hits
    dates = [h.paper.published for h in by_date if h.paper.published]
    assert dates == sorted(dates, reverse=True)
    by_votes = service.search("language models", sort="upvotes", limit=20).hits
    votes = [h.paper.imported_upvotes or 0 for h in by_votes]
    assert votes == sorted(votes, reverse=True) and votes[0] > 0


def test_a_search_among_given_papers(service: SearchService) -> None:
    """What a digest's saved search does: only the papers on the period's days, in every
    mode (an undated paper, announced but not yet harvested, included)."""
    everywhere = [h.paper.arxiv_id for h in service.search("language models", limit=20).hits]
    among = frozenset(everywhere[3:6])
    for mode in ("keyword", "semantic", "hybrid"):
        found = service.search("language models", mode=mode, filters=SearchFilters(ids=among))
        assert {h.paper.arxiv_id for h in found.hits} <= among, mode
    keyword = service.search("language models", mode="keyword", filters=SearchFilters(ids=among))
    assert {h.paper.arxiv_id for h in keyword.hits} == among
    assert service.search("language models", filters=SearchFilters(ids=frozenset())).hits == []


def test_operators_apply_to_semantic_hits(service: SearchService) -> None:
    results = service.search("quantum cat:quant-ph", mode="semantic", limit=20)
    assert all("quant-ph" in (h.paper.categories or ()) for h in results.hits)
    excluded = service.search("sorting -tape", mode="hybrid", limit=50).hits
    assert all("tape" not in f"{h.paper.title} {h.paper.abstract}".lower() for h in excluded)


def test_hybrid_combines_both_engines_with_the_models_share(service: SearchService) -> None:
    """Hybrid is the convex combination of the two engines' best FUSION_DEPTH, with the share
    of the model's kind (the tiny test model is static), then keyword order beyond them."""
    assert service.embedder is not None and service.embedder.kind == "static"
    for query in ("sorting algorithms", "quantum error correction", "language models"):
        keyword = service.search(query, mode="keyword", limit=FUSION_DEPTH)
        semantic = service.search(query, mode="semantic", limit=FUSION_DEPTH)
        hybrid = service.search(query, mode="hybrid", limit=50)
        assert not any(h.why.pinned for h in hybrid.hits), query
        expected = combine(
            [(h.paper.arxiv_id, h.score) for h in keyword.hits],
            [(h.paper.arxiv_id, h.score) for h in semantic.hits],
            share=SHARE_STATIC,
        )
        assert [h.paper.arxiv_id for h in hybrid.hits] == [f.paper_id for f in expected][:50]
        assert [h.score for h in hybrid.hits] == [f.score for f in expected][:50]


def test_a_cold_process_opens_the_vector_index_once(
    service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many requests arriving at a process that has not opened the vector index yet: one
    opens it, the others wait for it (before, each opened its own copy at once)."""
    import threading
    import time

    from paperfeed.search.vector_index import VectorIndex

    original = VectorIndex.open
    opened: list[Path] = []

    def slow_open(path: Path, dim: int, *, model: str) -> VectorIndex:
        opened.append(path)
        time.sleep(0.2)  # a large index takes a while: let the other requests arrive
        return original(path, dim, model=model)

    monkeypatch.setattr(VectorIndex, "open", staticmethod(slow_open))
    cold = SearchService(service.store, service.data_dir, service.keyword, service.embedder, None)
    start = threading.Barrier(16)
    modes: list[str] = []

    def search() -> None:
        start.wait()
        modes.append(cold.search("sorting", mode="hybrid", limit=5).mode)

    threads = [threading.Thread(target=search) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 1
    assert modes == ["hybrid"] * 16


def test_related_papers(service: SearchService) -> None:
    related = service.related("CACM-0002", limit=5)
    assert len(related) == 5
    assert "CACM-0002" not in [h.paper.arxiv_id for h in related]
    assert all(h.why.similarity is not None for h in related)
    assert service.related("9999.99999") == []


def test_without_a_model_search_says_so_and_uses_keywords(
    loaded: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = str(tmp_path / "no-such-model")
    with caplog.at_level(logging.WARNING):
        svc = SearchService.open(loaded, tmp_path / "data", model=missing)
        SearchService.open(loaded, tmp_path / "data", model=missing)
    assert svc.embedder is None
    assert len([r for r in caplog.records if "semantic search is unavailable" in r.message]) == 1
    report = svc.index()
    assert report.semantic and report.vectors_total == 0
    results = svc.search("sorting", mode="hybrid", limit=5)
    assert results.mode == "keyword"
    assert results.notice == MODEL_MISSING
    assert len(results.hits) == 5


def test_incremental_updates_and_deletions(
    loaded: Store, tmp_path: Path, tiny_static_model: Path
) -> None:
    svc = SearchService.open(loaded, tmp_path / "data", model=str(tiny_static_model))
    svc.index()
    first = Paper(
        arxiv_id="2501.00001",
        title="Zyxwvut transforms for quokka sorting",
        abstract="Sorting quokkas.",
        version=1,
    )
    loaded.papers.write(Batch(papers=[first]))
    report = svc.index()
    assert report.embedded == 1
    assert svc.search("zyxwvut", mode="keyword").hits[0].paper.arxiv_id == "2501.00001"
    # A new version with another text is re-indexed and re-embedded.
    loaded.papers.write(
        Batch(papers=[replace(first, title="Plain title", abstract="Other.", version=2)])
    )
    report = svc.index()
    assert report.embedded == 1
    assert svc.search("zyxwvut", mode="keyword").hits == []
    assert svc.search("plain title", mode="keyword").hits[0].paper.arxiv_id == "2501.00001"
    # A deleted paper leaves both indexes.
    loaded.papers.write(Batch(deletions=[Deletion("2501.00001")]))
    svc.index()
    assert "2501.00001" not in [h.paper.arxiv_id for h in svc.search("plain title").hits]
    assert "2501.00001" not in [h.paper.arxiv_id for h in svc.search("plain", mode="semantic").hits]
    # --rebuild gives the same results and reuses every stored vector.
    before = [h.paper.arxiv_id for h in svc.search("sorting", limit=10).hits]
    report = svc.index(rebuild=True)
    assert report.embedded == 0 and report.vectors_reused == report.vectors_total
    assert [h.paper.arxiv_id for h in svc.search("sorting", limit=10).hits] == before


def test_two_machines_sharing_one_database(
    loaded: Store, db_url: str, tmp_path: Path, tiny_static_model: Path
) -> None:
    model = str(tiny_static_model)
    first = SearchService.open(loaded, tmp_path / "machine-a", model=model)
    first.index()
    with Store.open(db_url) as other:
        second = SearchService.open(other, tmp_path / "machine-b", model=model)
        report = second.index()
        assert report.embedded == 0
        for q in ("sorting algorithms", "quantum entanglement", "language models", "compilers"):
            for mode in ("keyword", "semantic", "hybrid"):
                a = first.search(q, mode=mode).hits
                b = second.search(q, mode=mode).hits
                assert [(h.paper.arxiv_id, round(h.score, 9)) for h in a] == [
                    (h.paper.arxiv_id, round(h.score, 9)) for h in b
                ], (q, mode)
