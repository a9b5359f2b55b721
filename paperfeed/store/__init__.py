"""Storage: the only package that talks SQL."""

from paperfeed.store.database import Database, make_engine
from paperfeed.store.store import Store

__all__ = ["Database", "Store", "make_engine"]
