"""Negative keywords in saved searches, as search reads them (`-word`, `-"a phrase"`): through
the real hybrid search (keyword index and a tiny embedding model) over a real store, a paper
holding an excluded word never reaches a digest, whichever engine found it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from paperfeed.digest.compose import compose, index_period, run_saved_searches
from paperfeed.digest.schedule import period_containing
from paperfeed.digest.searching import saved_search
from paperfeed.digest.subscribe import validate_content
from paperfeed.errors import Invalid
from paperfeed.models import (
    Announcement,
    Batch,
    Paper,
    Subscription,
    SubscriptionContent,
)
from paperfeed.search import SearchService
from paperfeed.store import Store

DAY = datetime(2026, 11, 24, 12)
PERIOD = period_containing("daily", DAY.date())
PAPERS = {
    # Titled exactly as the search is worded: pinned by title unless an exclusion applies.
    "2611.00001": ("Surface codes", "Neural decoders for surface codes, trained end to end."),
    "2611.00002": ("Decoding surface codes with belief propagation", "Surface codes decoded."),
    "2611.00003": ("Neural decoders for surface codes", "A neural network decodes the code."),
    "2611.00004": ("Surface codes under biased noise", "Thresholds for Pauli noise."),
    "2611.00005": ("Graph colouring in linear time", "An algorithm for colouring graphs."),
}


@pytest.fixture
def search(store: Store, tmp_path: Path, tiny_static_model: Path) -> SearchService:
    papers = [
        Paper(pid, title, abstract=abstract, categories=("quant-ph",), published=DAY)
        for pid, (title, abstract) in PAPERS.items()
    ]
    announced = [Announcement(p.arxiv_id, DAY.date(), "quant-ph", "new") for p in papers]
    store.papers.write(Batch(papers=papers, announcements=announced))
    service = SearchService.open(store, tmp_path / "data", model=str(tiny_static_model))
    service.index()
    return service


def _found(search: SearchService, store: Store, query: str) -> set[str]:
    return {h.paper.arxiv_id for h in saved_search(search, store)(query, PERIOD)}


def test_a_saved_search_leaves_out_papers_with_an_excluded_word(
    search: SearchService, store: Store
) -> None:
    assert search.embedder is not None  # hybrid: both engines take part
    everything = _found(search, store, "surface codes")
    assert everything == {"2611.00001", "2611.00002", "2611.00003", "2611.00004"}
    assert _found(search, store, "surface codes -neural") == {"2611.00002", "2611.00004"}
    assert _found(search, store, 'surface codes -"biased noise" -Neural') == {"2611.00002"}
    assert _found(search, store, "cat:quant-ph -neural -colouring") == {"2611.00002", "2611.00004"}
    # As in search, whose page (nearest neighbours included) has neither either.
    page = search.search("surface codes -neural", mode="hybrid", limit=20)
    shown = {h.paper.arxiv_id for h in page.hits}
    assert {"2611.00002", "2611.00004"} <= shown
    assert not shown & {"2611.00001", "2611.00003"}


def test_the_digest_carries_what_the_saved_search_kept(search: SearchService, store: Store) -> None:
    content = validate_content(SubscriptionContent(queries=("surface codes -neural",)))
    sub = Subscription(1, "a@example.org", "active", content)
    new = index_period(store.papers.get_many(list(PAPERS)).values(), {})
    matches = run_saved_searches([sub], PERIOD, saved_search(search, store))
    digest = compose(sub, PERIOD, new, matches)
    assert {i.paper.arxiv_id for i in digest.items} == {"2611.00002", "2611.00004"}


def test_a_saved_search_of_exclusions_only_is_refused_with_a_reason() -> None:
    with pytest.raises(Invalid, match="only leaves papers out"):
        validate_content(SubscriptionContent(queries=('-neural -"deep learning"',)))
    for kept in ("codes -neural", "cat:quant-ph -neural", "year:2026 -neural"):
        assert validate_content(SubscriptionContent(queries=(kept,))).queries == (kept,)
