"""Importing a reference manager's export (BibTeX, RIS, CSL-JSON: a Zotero library, say) into
one of a member's collections.

Entries are matched in the store by arXiv id, then by DOI. arXiv ids the store does not have
are fetched from arXiv (at most `fetch_limit` per import: each is one polite request), before
the one transaction that stores what was fetched and fills the collection, so a failed import
leaves the collection as it was and a re-run adds nothing twice. What could not be matched is
reported by title, never silently dropped."""

from __future__ import annotations

from dataclasses import dataclass, field

from paperfeed.errors import Upstream
from paperfeed.feed.submission import Fetch, fetch_arxiv
from paperfeed.ingest.records import Item
from paperfeed.ingest.runner import run_import
from paperfeed.models import Collection
from paperfeed.references import Reference, read_references
from paperfeed.store import Store

FETCH_LIMIT = 20  # unknown arXiv ids fetched per import on the web


@dataclass(slots=True)
class ImportReport:
    collection: Collection
    format: str
    entries: int
    added: list[str] = field(default_factory=list)  # ids new to the collection
    already: int = 0  # matched papers the collection held before
    fetched: list[str] = field(default_factory=list)  # ids brought from arXiv
    unmatched: list[Reference] = field(default_factory=list)  # no arXiv id or DOI in the store
    not_fetched: list[str] = field(default_factory=list)  # over the limit, or arXiv failed

    def line(self) -> str:
        parts = [
            f"{self.entries:,} entries read ({self.format})",
            f"{len(self.added):,} added to {self.collection.name}",
        ]
        if self.already:
            parts.append(f"{self.already:,} already there")
        if self.fetched:
            parts.append(f"{len(self.fetched):,} fetched from arXiv")
        if self.not_fetched:
            parts.append(f"{len(self.not_fetched):,} arXiv ids not fetched (import again later)")
        if self.unmatched:
            parts.append(f"{len(self.unmatched):,} not found here (no arXiv id or known DOI)")
        return "; ".join(parts)


def import_references(
    store: Store,
    user_id: int,
    data: bytes,
    name: str,
    *,
    fetch: Fetch,
    collection_id: int | None = None,
    new_collection: str = "",
    fetch_limit: int = FETCH_LIMIT,
) -> ImportReport:
    """Read `data` (Invalid when it is no export) and put every entry found into the member's
    collection `collection_id`, or a new one named `new_collection`, or their first."""
    kind, refs = read_references(data, name)
    if collection_id is not None:
        store.library.owned(user_id, collection_id)  # NotFound before anything is fetched
    ids = list(dict.fromkeys(r.arxiv_id for r in refs if r.arxiv_id))
    known = set(store.papers.get_many(ids))
    by_doi = store.papers.ids_by_doi([r.doi for r in refs if r.doi and not r.arxiv_id])
    missing = [i for i in ids if i not in known]
    fetched: dict[str, list[Item]] = {}
    not_fetched: list[str] = missing[fetch_limit:]
    for arxiv_id in missing[:fetch_limit]:
        try:
            fetched[arxiv_id] = fetch_arxiv(fetch, arxiv_id, "library import")
        except Upstream:
            not_fetched.append(arxiv_id)
    with store.transaction():
        brought = [item for items in fetched.values() for item in items]
        if brought:
            run_import(store, brought, "library import")
        present = set(store.papers.get_many(ids))
        if new_collection.strip():
            target = store.library.create(user_id, new_collection)
        elif collection_id is not None:
            target = store.library.owned(user_id, collection_id)
        else:
            target = store.library.default(user_id)
        report = ImportReport(target, kind, len(refs), not_fetched=not_fetched)
        report.fetched = [i for i in fetched if i in present]
        wanted: list[str] = []
        for ref in refs:
            paper_id = ref.arxiv_id if ref.arxiv_id in present else None
            if paper_id is None and ref.doi and not ref.arxiv_id:
                paper_id = by_doi.get(ref.doi)
            if paper_id is not None:
                wanted.append(paper_id)
            elif ref.arxiv_id is None or ref.arxiv_id not in not_fetched:
                report.unmatched.append(ref)
        wanted = list(dict.fromkeys(wanted))
        held = set(store.library.papers_in(target.id, limit=1_000_000))
        for paper_id in wanted:
            if paper_id in held:
                report.already += 1
            else:
                store.library.save(user_id, paper_id, [target.id])
                report.added.append(paper_id)
        report.collection = store.library.owned(user_id, target.id)
    return report
