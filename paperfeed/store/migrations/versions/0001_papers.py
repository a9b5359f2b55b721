"""Papers, versions, daily entries, announcements, ingest state.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False, server_default=""),
        sa.Column("authors", JSONType, nullable=False),
        sa.Column("categories", sa.Text, nullable=False, server_default=""),
        sa.Column("primary_category", sa.String(32), nullable=True),
        sa.Column("published", sa.DateTime, nullable=True),
        sa.Column("updated", sa.DateTime, nullable=True),
        sa.Column("comments", sa.Text, nullable=True),
        sa.Column("journal_ref", sa.Text, nullable=True),
        sa.Column("doi", sa.Text, nullable=True),
        sa.Column("report_no", sa.Text, nullable=True),
        sa.Column("license", sa.Text, nullable=True),
        sa.Column("submitter", sa.Text, nullable=True),
        sa.Column("code_url", sa.Text, nullable=True),
        sa.Column("project_url", sa.Text, nullable=True),
        sa.Column("imported_upvotes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_papers_published", "papers", ["published"])
    op.create_index("ix_papers_changed_at", "papers", ["changed_at"])
    op.create_index("ix_papers_primary_category", "papers", ["primary_category"])
    op.create_table(
        "paper_versions",
        sa.Column(
            "paper_id",
            sa.String(64),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("submitted", sa.DateTime, nullable=True),
        sa.Column("size", sa.String(32), nullable=True),
    )
    op.create_table(
        "daily_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "paper_id",
            sa.String(64),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("submitted_by", sa.Text, nullable=True),
        sa.Column("submitted_by_name", sa.Text, nullable=True),
        sa.Column("submitted_at", sa.DateTime, nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.UniqueConstraint("paper_id", "day", name="uq_daily_entries_paper_day"),
    )
    op.create_index("ix_daily_entries_day", "daily_entries", ["day"])
    op.create_table(
        "announcements",
        sa.Column(
            "paper_id",
            sa.String(64),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("category", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index("ix_announcements_day", "announcements", ["day"])
    op.create_table(
        "ingest_state",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ingest_state")
    op.drop_table("announcements")
    op.drop_table("daily_entries")
    op.drop_table("paper_versions")
    op.drop_table("papers")
