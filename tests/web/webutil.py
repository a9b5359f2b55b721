"""Helpers shared by the web tests."""

from __future__ import annotations

from pathlib import Path

from paperfeed.models import Hit, SearchFilters, SearchResults, Why
from paperfeed.settings import Settings, load_settings
from paperfeed.store import Store


class SubstringSearch:
    """Stand-in for paperfeed.search.SearchService until it lands on this branch: every
    query word in the title or abstract, case-insensitive."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 20,
        offset: int = 0,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
    ) -> SearchResults:
        words = [w.lower() for w in query.split()]
        papers = self.store.get_papers(self.store.paper_ids())
        hits = [
            Hit(p, 1.0, Why(terms=tuple(words), keyword_rank=i + 1))
            for i, p in enumerate(
                p
                for p in papers.values()
                if all(w in f"{p.title} {p.abstract}".lower() for w in words)
            )
        ]
        return SearchResults(query, "keyword", hits[offset : offset + limit], len(hits))

    def related(self, arxiv_id: str, limit: int = 10) -> list[Hit]:
        paper = self.store.get_paper(arxiv_id)
        if paper is None:
            return []
        word = paper.title.split()[0]
        return [h for h in self.search(word).hits if h.paper.arxiv_id != arxiv_id][:limit]


def make_settings(tmp_path: Path, db_url: str, **env: str) -> Settings:
    return load_settings(
        env={
            "PAPERFEED_DATA_DIR": str(tmp_path),
            "PAPERFEED_DATABASE_URL": db_url,
            "PAPERFEED_SUBMISSION_WINDOW_DAYS": "100000",
            **env,
        }
    )
