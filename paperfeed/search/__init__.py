"""Search: keyword index, embeddings, vector index, hybrid fusion, evaluation.

`Searcher` is the contract the rest of paperfeed calls, `SearchService` its implementation; the
modules below it are its parts."""

from paperfeed.search.searcher import MODES, SORTS, Searcher
from paperfeed.search.service import SearchService

__all__ = ["MODES", "SORTS", "SearchService", "Searcher"]
