"""Plain dataclasses passed between the layers: sources produce them, the store keeps them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any, TypeVar

from paperfeed.arxiv_id import is_arxiv_id

_T = TypeVar("_T")


def pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle instances as `cls(*fields)`: parser processes send papers to the writing process,
    and a dataclass's own pickling (a state list set field by field, in Python) took 12 us to
    dump and 9 us to load per Kaggle record, against 7.7 and 3.1 this way."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    values = attrgetter(*names)
    single = len(names) == 1  # attrgetter of one name gives the value, not a 1-tuple

    def __reduce__(self: Any) -> tuple[type[_T], tuple[Any, ...]]:
        return cls, (values(self),) if single else values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Author:
    name: str
    affiliations: tuple[str, ...] = ()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Version:
    """One submitted version of a paper; `submitted` is naive UTC, None when the source omits it."""

    number: int
    submitted: datetime | None = None
    size: str | None = None


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and a Paper is
# built for every imported record (5.0 us against 0.7 us each, ~4% of a Kaggle import). It is
# immutable all the same by convention (change one with dataclasses.replace), hence hashable
# by value (digests cache rendered papers by it).
@pickled_by_fields
@dataclass(slots=True, unsafe_hash=True)
class Paper:
    """A paper as one source describes it.

    `None` means "this source does not say", never "clear this field": the store merges
    records from several sources without losing what one of them knew.
    Datetimes are naive UTC.
    """

    arxiv_id: str
    title: str
    abstract: str | None = None
    version: int | None = None
    authors: tuple[Author, ...] | None = None
    categories: tuple[str, ...] | None = None
    published: datetime | None = None
    updated: datetime | None = None
    versions: tuple[Version, ...] = ()
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    report_no: str | None = None
    license: str | None = None
    submitter: str | None = None
    code_url: str | None = None
    project_url: str | None = None
    imported_upvotes: int | None = None

    @property
    def is_arxiv(self) -> bool:
        return is_arxiv_id(self.arxiv_id)

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def abs_url(self) -> str | None:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.is_arxiv else None

    @property
    def pdf_url(self) -> str | None:
        return f"https://arxiv.org/pdf/{self.arxiv_id}" if self.is_arxiv else None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DailyEntry:
    """A paper featured on a given day, with who submitted it and when."""

    arxiv_id: str
    day: date
    submitted_by: str | None = None
    submitted_by_name: str | None = None
    submitted_at: datetime | None = None
    source: str = "import"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Announcement:
    """A paper in arXiv's daily announcement of a category.

    `kind` is arXiv's announce type: new, cross, replace or replace-cross."""

    arxiv_id: str
    day: date
    category: str
    kind: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class HfFields:
    """What Hugging Face says about a paper beyond `Paper` and `DailyEntry`: the item's and
    the paper object's other fields as HF gave them (AI summary and keywords, GitHub stars,
    organization, media, thumbnail, authors with their accounts and claim status, …), and
    HF's comment count. Kept whole so the HF-compatible API can give them back."""

    arxiv_id: str
    fields: dict[str, Any]
    num_comments: int = 0


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Deletion:
    """A record the source reports as deleted (OAI-PMH `status="deleted"`)."""

    arxiv_id: str
    when: datetime | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class RecordError:
    """A record that could not be used, with where it was in its source."""

    position: str
    message: str
    record_id: str | None = None  # the record's own id, when it has a usable one

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


@dataclass(slots=True)
class PaperAhead:
    """A paper as the rows it would be stored as were it new to the store, worked out where
    its record was parsed (in a parser process: `store.papers.new_paper_rows`), so that the
    writing process has only to send them. Where the store has the paper after all, or the
    batch has another record of it, the writer merges as usual the Paper that `parse` makes
    of the record again."""

    arxiv_id: str
    dialect: str  # whose storage form the rows are in
    # The `papers` row, with its bookkeeping times and change number left None, and the
    # `paper_versions` rows.
    row: tuple[Any, ...]
    versions: tuple[tuple[Any, ...], ...]
    parse: Callable[[], Paper]


@dataclass(slots=True)
class Batch:
    """What one transaction writes: papers plus the facts that hang off them."""

    # In the order their records came; some may come worked out ahead.
    papers: list[Paper | PaperAhead] = field(default_factory=list)
    daily_entries: list[DailyEntry] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    hf: list[HfFields] = field(default_factory=list)


@dataclass(slots=True)
class BatchCounts:
    """How a write changed the store; counts are per paper (or per deletion)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: BatchCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass(frozen=True, slots=True)
class WriteResult:
    counts: BatchCounts
    new_daily_entries: int = 0
    new_announcements: int = 0
    # Papers that came worked out ahead (PaperAhead) and were parsed again to merge.
    parsed_again: int = 0


@dataclass(slots=True)
class IngestSummary:
    """The outcome of one import, as the CLI prints it."""

    source: str
    counts: BatchCounts = field(default_factory=BatchCounts)
    skipped: int = 0
    # The first errors, kept for the report; `skipped` counts them all.
    errors: list[RecordError] = field(default_factory=list)
    daily_entries: int = 0
    announcements: int = 0

    def line(self) -> str:
        c = self.counts
        extra = ""
        if self.daily_entries:
            extra += f", {self.daily_entries} daily entries"
        if self.announcements:
            extra += f", {self.announcements} announcements"
        return (
            f"{self.source}: {c.new} new, {c.updated} updated, {c.unchanged} unchanged, "
            f"{self.skipped} skipped{extra}"
        )


@dataclass(frozen=True, slots=True)
class Stats:
    papers: int
    versions: int
    daily_entries: int
    votes: int
    announcements: int
    deleted: int
    first_published: datetime | None
    last_published: datetime | None
    first_daily: date | None
    last_daily: date | None


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Restrictions on a search: published dates (inclusive), categories (any of), a set of
    papers to search among, and a set to leave out."""

    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[str, ...] = ()
    # Only these papers (a digest's period), when given.
    ids: frozenset[str] | None = None
    # Never these papers (the search service adds the ones curators hid).
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Why:
    """Why a paper matched, for pages to show: the query's keyword terms found in it, its
    rank in each engine, its cosine similarity to the query, and whether it was pinned
    first ("arxiv id" for an id or URL in the query, "title" for an exact title)."""

    terms: tuple[str, ...] = ()
    keyword_rank: int | None = None
    semantic_rank: int | None = None
    similarity: float | None = None
    pinned: str | None = None
    # The words of the paper's title and abstract that matched, as written there
    # ("Contrasting" for the query word "contrastive"), for highlighting.
    highlights: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    paper: Paper
    score: float
    why: Why


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of hits. `mode` is the mode actually used (hybrid falls back to keyword when
    no embedding model can be loaded, and `notice` says so)."""

    query: str
    mode: str
    hits: list[Hit]
    total: int
    notice: str | None = None


ROLES = ("admin", "curator", "member")


@dataclass(frozen=True, slots=True)
class User:
    """A community member; `role` is one of ROLES."""

    id: int
    email: str
    name: str
    role: str
    created_at: datetime

    @property
    def is_curator(self) -> bool:
        return self.role in ("admin", "curator")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


CLAIM_STATUSES = ("pending", "verified", "assigned", "rejected")


@dataclass(frozen=True, slots=True)
class AuthorClaim:
    """A member's claim to be `author_name`, the author at `position` (from 0) of a paper's
    author list when they claimed it. A later version of the paper may move or drop that
    author: `authors.place_claims` gives the claim its author's current `position`, or marks
    it `stale` when the author is gone (a stale claim holds no author and gives no rights).
    `status` is one of CLAIM_STATUSES: pending (waiting for an admin), verified (an admin
    agreed), assigned (an admin made it: verified at once, HF's "admin_assigned"), rejected."""

    arxiv_id: str
    position: int
    author_name: str
    user_id: int
    user_name: str
    status: str
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = None
    stale: bool = False

    @property
    def verified(self) -> bool:
        """Whether it makes its member that author (verified or assigned, and not stale)."""
        return self.status in ("verified", "assigned") and not self.stale

    @property
    def held(self) -> bool:
        """Whether it keeps its author from others (pending or verified, and not stale)."""
        return self.status != "rejected" and not self.stale


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment on a paper; `parent_id` is set on replies (one level only). The body is the
    author's Markdown, rendered and sanitised by the web layer."""

    id: int
    arxiv_id: str
    author: str
    author_id: int
    parent_id: int | None
    body: str
    created_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class ListedPaper:
    """A paper as listings show it: featured on `day`, with community counts."""

    paper: Paper
    day: date | None
    upvotes: int
    num_comments: int
    submitted_by: str | None = None
    submitted_by_name: str | None = None
    submitted_at: datetime | None = None
    source: str | None = None
    # arXiv's announce type on `day` (new, cross, replace, replace-cross); "new" also for a
    # paper listed on the day its first version appeared. None for a community pick only.
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a listing and how many papers the whole listing has."""

    items: list[ListedPaper]
    total: int


@dataclass(frozen=True, slots=True)
class SubscriptionContent:
    """What a digest subscriber asks for. `top_n` trending papers of the period (0: none), plus
    new papers matching any saved search, category or followed author; every paper must have
    at least `min_upvotes`."""

    period: str = "daily"
    send_hour: int = 6
    top_n: int = 0
    min_upvotes: int = 0
    queries: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Subscription:
    """A digest subscription. `status` is pending (awaiting the double opt-in), active,
    paused (deliveries kept failing; `paused_reason` says why) or unsubscribed."""

    id: int
    email: str
    status: str
    content: SubscriptionContent
    failures: int = 0
    paused_reason: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IndexDoc:
    """What the search indexes need of a paper, as the store hands it out in change order."""

    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    published: datetime | None
    deleted: bool
    changed_at: datetime
    change_seq: int = 0


@dataclass(slots=True)
class IndexReport:
    keyword_updated: int = 0
    keyword_total: int = 0
    embedded: int = 0
    vectors_reused: int = 0
    vectors_total: int = 0
    semantic: str | None = None  # why there is no vector index, when there is none

    def line(self) -> str:
        out = f"keyword index: {self.keyword_updated} updated, {self.keyword_total} papers"
        if self.semantic:
            return f"{out}; semantic index: off ({self.semantic})"
        return (
            f"{out}; vectors: {self.embedded} embedded, {self.vectors_reused} reused from "
            f"the store, {self.vectors_total} in the index"
        )


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A job as `paperfeed jobs` and /admin/jobs show it."""

    name: str
    description: str
    schedule: str
    enabled: bool
    reason: str | None
    per_node: bool
    next_run: datetime | None
    last_run: datetime | None
    last_finished: datetime | None
    last_result: str | None
    last_message: str | None
    failures: int
    runs: int
    last_node: str | None


# ------------------------------------------------------------------------------ library
VISIBILITIES = ("private", "link", "public")
FOLLOW_KINDS = ("author", "category", "search")


@dataclass(frozen=True, slots=True)
class Collection:
    """A member's collection of papers. `visibility` is one of VISIBILITIES: private (its owner
    only), link (anyone with `share_token` in the URL) or public."""

    id: int
    user_id: int
    owner_name: str
    name: str
    description: str
    visibility: str
    share_token: str
    created_at: datetime
    updated_at: datetime
    size: int = 0


@dataclass(frozen=True, slots=True)
class PaperNote:
    """What a member keeps about one paper besides collections: a note and when they read it."""

    paper_id: str
    note: str
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class Follow:
    """Something a member follows: `kind` one of FOLLOW_KINDS, `value` as the member gave it."""

    kind: str
    value: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a paper was recommended: the reader's papers it is closest to (`because`, ids),
    the words and authors that weighed most, and what the reader follows that it matches."""

    because: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    follows: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredRecommendation:
    paper_id: str
    rank: int
    score: float
    reason: Reason
    made_at: datetime
