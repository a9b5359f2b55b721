"""The import runner's bulk-import garbage collector settings: undone afterwards in the
writing process, kept in a parser process."""

import gc

from paperfeed.ingest.runner import BULK_GC_THRESHOLD, bulk_import_gc, tune_gc_for_bulk_import


def test_bulk_import_gc_is_undone() -> None:
    before = gc.get_threshold()
    with bulk_import_gc():
        assert gc.get_threshold()[0] == max(before[0], BULK_GC_THRESHOLD)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_parser_process_keeps_the_bulk_import_settings() -> None:
    before = gc.get_threshold()
    try:
        assert tune_gc_for_bulk_import() == before
        assert gc.get_threshold()[0] == max(before[0], BULK_GC_THRESHOLD)
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
