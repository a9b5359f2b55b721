"""Helpers shared by the web tests."""

from __future__ import annotations

from pathlib import Path

from paperfeed.search import SearchService
from paperfeed.settings import Settings, load_settings
from paperfeed.store import Store


def indexed_search(store: Store, data_dir: Path) -> SearchService:
    """The real search service over what `store` holds now, in keyword mode (no model; the
    search tests cover semantic and hybrid modes with a tiny model)."""
    search = SearchService.open(store, data_dir, model="none")
    search.index()
    return search


def make_settings(tmp_path: Path, db_url: str, **env: str) -> Settings:
    return load_settings(
        env={
            "PAPERFEED_DATA_DIR": str(tmp_path),
            "PAPERFEED_DATABASE_URL": db_url,
            "PAPERFEED_SUBMISSION_WINDOW_DAYS": "100000",
            **env,
        }
    )
