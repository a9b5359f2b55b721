"""Where an incremental OAI-PMH harvest of a set starts: the day given, or where the last
harvest of that set stopped (kept in the store's checkpoints)."""

from __future__ import annotations

from datetime import date

from paperfeed.errors import Invalid
from paperfeed.ingest.oai import Harvest
from paperfeed.store import Store


def _key(set_spec: str | None) -> str:
    return f"oai:{set_spec or '*'}:last"


def harvest_window(
    store: Store, set_spec: str | None, since: date | None, until: date | None
) -> tuple[date, date | None]:
    """The (from, until) of the next harvest of `set_spec`; Invalid when there is no start."""
    if since is None:
        stored = store.checkpoints.get(_key(set_spec))
        if stored is None:
            raise Invalid("no earlier harvest of this set: give --from DATE")
        since = date.fromisoformat(stored)
    if until is not None and until < since:
        raise Invalid("--until is before --from")
    return since, until


def record_harvest(store: Store, set_spec: str | None, until: date | None, done: Harvest) -> None:
    """Remember where a finished harvest stopped: `until`, else the day the server answered."""
    if done.response_date:
        stopped = until or date.fromisoformat(done.response_date[:10])
        store.checkpoints.set(_key(set_spec), stopped.isoformat())
