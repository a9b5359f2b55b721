"""Drive any source into the store: batch, write each batch in one transaction, count."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from paperfeed.ingest.records import Item
from paperfeed.models import Batch, IngestSummary, RecordError

if TYPE_CHECKING:
    # Only named in annotations: a parser process imports this module for
    # `tune_gc_for_bulk_import` and should not pay for the store's imports.
    from paperfeed.ingest.lines import RowsAhead
    from paperfeed.store import Store

MAX_KEPT_ERRORS = 1000
# Container allocations between two collections of the youngest generation during a bulk
# import (Python's default is 700).
BULK_GC_THRESHOLD = 20_000


@contextmanager
def bulk_import_gc() -> Iterator[None]:
    """Tune the garbage collector for a process that does nothing but import.

    An import allocates millions of short-lived objects while a batch's worth stays alive,
    so with the default thresholds the collector keeps re-scanning the same live objects
    and, every so often, everything the program ever loaded: a fifth of a Kaggle import's
    time in the writing process. Inside this block what existed before is frozen (never
    scanned) and young collections run 30 times less often. Not for servers: the settings
    are process-wide."""
    threshold = tune_gc_for_bulk_import()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def tune_gc_for_bulk_import() -> tuple[int, int, int]:
    """What `bulk_import_gc` does, for good: for a process that exits when the import ends
    (a parser process). Returns the thresholds it replaced."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], BULK_GC_THRESHOLD), *threshold[1:])
    return threshold


def run_import(
    store: Store,
    items: Iterable[Item],
    source: str,
    *,
    # Batches of 4,000 were slower (200,000 Kaggle records: 14.9-16.3 s against 11.9 s).
    batch_size: int = 1000,
    on_error: Callable[[RecordError], None] | None = None,
    on_batch: Callable[[IngestSummary, int], None] | None = None,
    ahead: RowsAhead | None = None,
) -> IngestSummary:
    """Import every good item, skip and report bad ones. A failure while writing a batch leaves
    that batch unwritten and earlier batches in place, so a re-run picks up where it stopped.

    `ahead` is what the items' reader was given: it learns the store's dialect here, and
    while most papers of a batch turn out to be in the store already (papers worked out
    ahead would only be parsed twice) it is turned off until a batch is mostly new again."""
    summary = IngestSummary(source=source)
    batch = Batch()
    pending = 0
    if ahead is not None:
        ahead.dialect = store.db.dialect  # before the first item is read

    def flush() -> None:
        nonlocal batch, pending
        if pending:
            result = store.papers.write(batch)
            if ahead is not None:
                ahead.wanted = 2 * result.counts.new >= len(batch.papers)
            summary.counts.add(result.counts)
            summary.daily_entries += result.new_daily_entries
            summary.announcements += result.new_announcements
            if on_batch is not None:
                on_batch(summary, pending)
        batch = Batch()
        pending = 0

    for item in items:
        if isinstance(item, RecordError):
            summary.skipped += 1
            if len(summary.errors) < MAX_KEPT_ERRORS:
                summary.errors.append(item)
            if on_error is not None:
                on_error(item)
            continue
        if item.ahead is not None:
            batch.papers.append(item.ahead)
        if item.paper is not None:
            batch.papers.append(item.paper)
        if item.daily_entry is not None:
            batch.daily_entries.append(item.daily_entry)
        if item.announcement is not None:
            batch.announcements.append(item.announcement)
        if item.deletion is not None:
            batch.deletions.append(item.deletion)
        if item.hf is not None:
            batch.hf.append(item.hf)
        pending += 1
        if pending >= batch_size:
            flush()
    flush()
    return summary
