"""Search: keyword index, embeddings, vector index, hybrid fusion, evaluation.

`SearchService` is what the rest of paperfeed calls; the modules below it are its parts."""

from paperfeed.search.service import SearchService

__all__ = ["SearchService"]
