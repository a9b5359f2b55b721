"""Members' libraries: collections, notes and read state, dismissals, follows, the private feed's
token and the recommendations made for each member.

Revision ID: 0010_library
Revises: 0009_claims
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010_library"
down_revision = "0009_claims"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def _user() -> sa.Column[int]:
    return sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


def _paper() -> sa.Column[str]:
    return sa.Column(
        "paper_id", sa.String(64), sa.ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )


def upgrade() -> None:
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("visibility", sa.String(8), nullable=False, server_default="private"),
        sa.Column("share_token", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("user_id", "name", name="uq_collections_user_name"),
    )
    op.create_table(
        "collection_papers",
        sa.Column(
            "collection_id",
            sa.Integer,
            sa.ForeignKey("collections.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _paper(),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_collection_papers_paper", "collection_papers", ["paper_id"])
    op.create_table(
        "library_notes",
        _user(),
        _paper(),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("read_at", sa.DateTime, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dismissals", _user(), _paper(), sa.Column("created_at", sa.DateTime, nullable=False)
    )
    op.create_table(
        "follows",
        _user(),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(500), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "feed_tokens",
        _user(),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "recommendations",
        _user(),
        _paper(),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reason", JSONType, nullable=False),
        sa.Column("made_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_recommendations_user_rank", "recommendations", ["user_id", "rank"])


def downgrade() -> None:
    op.drop_index("ix_recommendations_user_rank", table_name="recommendations")
    for table in ("recommendations", "feed_tokens", "follows", "dismissals", "library_notes"):
        op.drop_table(table)
    op.drop_index("ix_collection_papers_paper", table_name="collection_papers")
    op.drop_table("collection_papers")
    op.drop_table("collections")
