"""Storage: the only package that talks SQL."""

from paperfeed.store.store import Store, make_engine

__all__ = ["Store", "make_engine"]
