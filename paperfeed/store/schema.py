"""Table definitions (SQLAlchemy Core). Migrations in `migrations/versions` create exactly these;
a test compares the migrated database with this metadata."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import false

metadata = MetaData()

JSONType = JSON().with_variant(JSONB(), "postgresql")

papers = Table(
    "papers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version", Integer, nullable=True),
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False, server_default=""),
    # [{"name": str, "affiliations": [str, ...]}, ...] in author order
    Column("authors", JSONType, nullable=False),
    # space-separated, primary category first
    Column("categories", Text, nullable=False, server_default=""),
    Column("primary_category", String(32), nullable=True),
    Column("published", DateTime, nullable=True),
    Column("updated", DateTime, nullable=True),
    Column("comments", Text, nullable=True),
    Column("journal_ref", Text, nullable=True),
    Column("doi", Text, nullable=True),
    Column("report_no", Text, nullable=True),
    Column("license", Text, nullable=True),
    Column("submitter", Text, nullable=True),
    Column("code_url", Text, nullable=True),
    Column("project_url", Text, nullable=True),
    Column("imported_upvotes", Integer, nullable=False, server_default="0"),
    Column("deleted", Boolean, nullable=False, server_default=false()),
    Column("first_seen", DateTime, nullable=False),
    Column("changed_at", DateTime, nullable=False),
    # The store's change feed: every write of a paper takes the next numbers of the "papers"
    # sequence (below) in commit order, so a reader that saw number n has seen every change
    # up to n (the search indexes keep the last number they took in).
    Column("change_seq", BigInteger, nullable=False, server_default="0"),
    # The announcement day of the first version (arxiv_calendar), where a source said when
    # it was submitted: the day a paper without a known announcement is listed on.
    Column("first_day", Date, nullable=True),
    Index("ix_papers_published", "published"),
    Index("ix_papers_changed_at", "changed_at"),
    Index("ix_papers_primary_category", "primary_category"),
    Index("ix_papers_change_seq", "change_seq"),
    Index("ix_papers_first_day", "first_day"),
)

# Named counters taken with UPDATE … RETURNING: the row lock orders the writers that take
# numbers, so numbers become visible in the order they were taken.
sequences = Table(
    "sequences",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

paper_versions = Table(
    "paper_versions",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("submitted", DateTime, nullable=True),
    Column("size", String(32), nullable=True),
)

daily_entries = Table(
    "daily_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("submitted_by", Text, nullable=True),
    Column("submitted_by_name", Text, nullable=True),
    Column("submitted_at", DateTime, nullable=True),
    Column("source", String(32), nullable=False),
    UniqueConstraint("paper_id", "day", name="uq_daily_entries_paper_day"),
    Index("ix_daily_entries_day", "day"),
)

announcements = Table(
    "announcements",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Index("ix_announcements_day", "day"),
)

# What Hugging Face says about a paper beyond what `papers` models (the AI summary and
# keywords, GitHub stars, organization, media, thumbnail, authors with their HF accounts and
# claim status, the submitter's profile …), as the last import or fetch gave it, so the
# HF-compatible API can give it back. `num_comments` is HF's comment count.
hf_papers = Table(
    "hf_papers",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("fields", JSONType, nullable=False),
    Column("num_comments", Integer, nullable=False, server_default="0"),
    Column("updated_at", DateTime, nullable=False),
)

# Small key/value facts about ingestion, e.g. the last OAI-PMH harvest date.
ingest_state = Table(
    "ingest_state",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", Text, nullable=False),
)

# One embedding per paper and model, so any machine can rebuild its vector index from the
# database. `content_hash` identifies the text that was embedded: a changed title or abstract
# makes the stored vector stale. `vector` is little-endian float32.
paper_vectors = Table(
    "paper_vectors",
    metadata,
    Column("model", String(200), primary_key=True),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("content_hash", String(32), nullable=False),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

# ------------------------------------------------------------------ community (0003_community)

# Accounts by e-mail link: no passwords. `role` is admin, curator or member.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False, server_default="member"),
    Column("created_at", DateTime, nullable=False),
)

# Single-use sign-in links; only a hash of the token is stored.
login_tokens = Table(
    "login_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime, nullable=True),
)

# Bearer tokens for the write API; only a hash is stored.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime, nullable=True),
    Index("ix_api_tokens_user_id", "user_id"),
)

# Signed-in browser sessions (0006_sessions): the cookie carries a random id, only its hash is
# stored. Signing out deletes the row, so a copy of the cookie opens nothing afterwards.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("ix_sessions_user_id", "user_id"),
)

# One upvote per user per paper: the primary key makes concurrent clicks count once.
votes = Table(
    "votes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Index("ix_votes_paper_id", "paper_id"),
)

# Comments with one level of replies (`parent_id` points at a top-level comment).
comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), nullable=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("edited_at", DateTime, nullable=True),
    Column("deleted", Boolean, nullable=False, server_default=false()),
    Column("hidden", Boolean, nullable=False, server_default=false()),
    Index("ix_comments_paper_id", "paper_id"),
)

# Who submitted what and when: the per-user daily cap counts these.
submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("submitted_at", DateTime, nullable=False),
    Index("ix_submissions_user_time", "user_id", "submitted_at"),
)

# Papers a curator took out of listings, search results and feeds.
hidden_papers = Table(
    "hidden_papers",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("hidden_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("hidden_at", DateTime, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
)

# Papers whose code and project links (`papers.code_url`, `project_url`) a member set (the
# submitter or an admin): an import leaves those two columns alone from then on.
paper_links = Table(
    "paper_links",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("set_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("set_at", DateTime, nullable=False),
)

# GitHub repositories linked from papers (`papers.code_url`), as the `github-stars` job last saw
# them. `repo` is the lower-cased "owner/name" a link points at; `full_name` is GitHub's own
# spelling (after a rename). `status`: new (never asked), ok, missing (404/410), failed.
# `etag` makes the next request conditional (a 304 costs no rate limit).
github_repos = Table(
    "github_repos",
    metadata,
    Column("repo", String(200), primary_key=True),
    Column("full_name", String(200), nullable=True),
    Column("stars", Integer, nullable=True),
    Column("etag", String(200), nullable=True),
    Column("status", String(16), nullable=False, server_default="new"),
    Column("message", Text, nullable=True),
    Column("checked_at", DateTime, nullable=True),
    Index("ix_github_repos_checked", "checked_at"),
)

# Which repository a paper's code link points at (kept in step with `papers.code_url`).
paper_repos = Table(
    "paper_repos",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "repo",
        String(200),
        ForeignKey("github_repos.repo", ondelete="CASCADE"),
        nullable=False,
    ),
    Index("ix_paper_repos_repo", "repo"),
)

# A repository's star count, one row per day it was seen (the day's last count): the history
# "trending by code" ranks on.
github_star_counts = Table(
    "github_star_counts",
    metadata,
    Column(
        "repo", String(200), ForeignKey("github_repos.repo", ondelete="CASCADE"), primary_key=True
    ),
    Column("day", Date, primary_key=True),
    Column("stars", Integer, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

# Members' claims to be an author of a paper: one per member and paper, naming the author
# (`author_name`) and where they stood in the list when claimed (`position`). A later version
# may move the author: readers place claims on the current list (authors.place_claims), so
# positions here are not unique; feed/claims.py keeps one holder per author.
# `status`: pending (waiting for an admin), verified, assigned (made by an admin: verified at
# once), rejected (kept so its member sees it; claimable again). A verified author may set the
# paper's links; the Hugging Face API shows them as HF shows claimed authors.
author_claims = Table(
    "author_claims",
    metadata,
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("author_name", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("decided_at", DateTime, nullable=True),
    Column("decided_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Index("ix_author_claims_user", "user_id"),
    Index("ix_author_claims_status", "status"),
)

# ----------------------------------------------------------------------------- library
# A member's own papers. A collection holds papers; `visibility` is private (its owner only),
# link (anyone with the URL carrying `share_token`) or public (listed on its owner's profile).
# The token is kept as it is, not hashed: its owner sees the shared link again on the page.
collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("visibility", String(8), nullable=False, server_default="private"),
    Column("share_token", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("user_id", "name", name="uq_collections_user_name"),
)

collection_papers = Table(
    "collection_papers",
    metadata,
    Column(
        "collection_id",
        Integer,
        ForeignKey("collections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", DateTime, nullable=False),
    Index("ix_collection_papers_paper", "paper_id"),
)

# What a member keeps about a paper whether or not it is in a collection: a note, when they
# read it. A row with neither is deleted.
library_notes = Table(
    "library_notes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("read_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=False),
)

# "Not interested": hidden from that member's listings and a negative for their recommender.
dismissals = Table(
    "dismissals",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", DateTime, nullable=False),
)

# What a member follows: kind author (a name as papers write it), category (an arXiv
# category) or search (a saved query). They feed /for-you, the digest and the private feed.
follows = Table(
    "follows",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("value", String(500), primary_key=True),
    Column("created_at", DateTime, nullable=False),
)

# A member's private feed: the secret in its URL (kept as it is, shown on the settings page;
# a new one replaces it).
feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("token", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)

# Recommendations made for a member (the daily job, or on demand), best first by `score` (ties
# by paper id); `made_at` is when each was made (the daily run keeps one for RECENT_DAYS);
# `reason` is the explanation as JSON ({"because": [ids], "words": [...], "authors": [...]}).
recommendations = Table(
    "recommendations",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", String(64), ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("score", Float, nullable=False),
    Column("reason", JSONType, nullable=False),
    Column("made_at", DateTime, nullable=False),
    Index("ix_recommendations_user_score", "user_id", "score"),
)

# Fixed-window rate-limit counters, in the database so several servers share them.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_start", DateTime, nullable=False),
    Column("hits", Integer, nullable=False),
)

# ------------------------------------------------------------------------------ digests
# A digest subscription, keyed by e-mail address (an account with the same address manages it).
# `status`: pending (double opt-in not yet confirmed), active, paused (delivery kept failing),
# unsubscribed. Only a hash of the confirmation token is kept.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("period", String(8), nullable=False),
    Column("send_hour", Integer, nullable=False, server_default="6"),
    Column("top_n", Integer, nullable=False, server_default="0"),
    Column("min_upvotes", Integer, nullable=False, server_default="0"),
    Column("confirm_hash", String(64), nullable=True),
    Column("confirm_expires", DateTime, nullable=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("paused_reason", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_subscriptions_status_period", "status", "period"),
)

# What a subscription asks for besides trending: saved searches, categories, followed authors.
subscription_rules = Table(
    "subscription_rules",
    metadata,
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(16), primary_key=True),
    Column("value", String(500), primary_key=True),
)

# The delivery ledger: one row per (subscription, period) digest. A row is written, with the
# composed content and its Message-ID, before the SMTP transaction starts (`claimed`) and
# updated right after the server accepts it (`sent`); see docs/digests.md for the guarantee.
digest_deliveries = Table(
    "digest_deliveries",
    metadata,
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("period_key", String(16), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("message_id", String(200), nullable=False),
    # {"items": [{"id": arxiv id, "upvotes": int, "why": [str, ...]}, ...]}
    Column("content", JSONType, nullable=False),
    Column("holder", String(100), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text, nullable=True),
    Column("claimed_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    Index("ix_digest_deliveries_period_status", "period_key", "status"),
)

# Named leases: one `digest send` at a time holds "digest-send" until `expires_at`.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

# -------------------------------------------------------------------------------- jobs
# One row per scheduled job: when it is next due, how its last run went, how many runs in a
# row failed (the retry backoff grows with it). Shared by every node; the job's lease (in
# `leases`, named "job:<name>") makes one node run it at a time.
job_runs = Table(
    "job_runs",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("next_run", DateTime, nullable=True),
    Column("last_run", DateTime, nullable=True),
    Column("last_finished", DateTime, nullable=True),
    Column("last_result", String(16), nullable=True),
    Column("last_message", Text, nullable=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("runs", Integer, nullable=False, server_default="0"),
    Column("last_node", String(255), nullable=True),
)
