"""Members' claims to be an author of a paper.

Revision ID: 0009_claims
Revises: 0008_github
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_claims"
down_revision = "0008_github"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "author_claims",
        sa.Column(
            "paper_id",
            sa.String(64),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("author_name", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column(
            "decided_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
    )
    op.create_index("ix_author_claims_user", "author_claims", ["user_id"])
    op.create_index("ix_author_claims_status", "author_claims", ["status"])


def downgrade() -> None:
    op.drop_index("ix_author_claims_status", table_name="author_claims")
    op.drop_index("ix_author_claims_user", table_name="author_claims")
    op.drop_table("author_claims")
