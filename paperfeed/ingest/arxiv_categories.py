"""Categories for the papers that came without them (Hugging Face imports carry none): their
arXiv records, asked of the arXiv API 100 ids a request and merged in like any import, so
category listings and feeds take them in.

Writes one transaction per request, on purpose: a killed run keeps every request's papers,
and the checkpoint (the last paper asked for, in change order) lets the next run go on from
there. A paper arXiv does not return is not asked for again until it changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from paperfeed.ingest.arxiv_api import PAGE_SIZE
from paperfeed.ingest.records import Item
from paperfeed.ingest.runner import run_import
from paperfeed.store import Store

CHECKPOINT = "arxiv-categories:after"
# Requests per run: at the API's 3 s between requests, half a minute of a job's time.
MAX_REQUESTS = 10


@dataclass(slots=True)
class FillReport:
    asked: int = 0
    filled: int = 0
    requests: int = 0

    def line(self) -> str:
        return (
            f"papers without categories asked for: {self.asked}, given categories: "
            f"{self.filled} ({self.requests} arXiv API requests)"
        )


def _cursor(text: str | None) -> tuple[int, str]:
    if not text:
        return 0, ""
    seq, _, last_id = text.partition(" ")
    return int(seq), last_id


def fill_categories(
    store: Store,
    fetch: Callable[[Sequence[str]], Iterable[Item]],
    *,
    max_requests: int = MAX_REQUESTS,
) -> FillReport:
    """Ask arXiv (`fetch`: ids to records) for the papers without categories, from where the
    last run stopped, at most `max_requests` times."""
    report = FillReport()
    after = _cursor(store.checkpoints.get(CHECKPOINT))
    while report.requests < max_requests:
        rows = store.papers.without_categories(after, PAGE_SIZE)
        if not rows:
            break
        ids = [paper_id for _seq, paper_id in rows]
        run_import(store, fetch(ids), "arxiv", batch_size=PAGE_SIZE)
        got = store.papers.get_many(ids)
        report.asked += len(ids)
        report.filled += sum(1 for p in got.values() if p.categories)
        report.requests += 1
        after = rows[-1]
        store.checkpoints.set(CHECKPOINT, f"{after[0]} {after[1]}")
    return report
