"""A member's recommendations are read best first by score: the stored `rank` column goes, so
the daily run adds the day's new recommendations and takes out the ones that fell off a list
without renumbering (and so rewriting) the ones that stay.

Revision ID: 0011_list_by_score
Revises: 0010_library
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_list_by_score"
down_revision = "0010_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_recommendations_user_rank", table_name="recommendations")
    with op.batch_alter_table("recommendations") as batch:
        batch.drop_column("rank")
    op.create_index("ix_recommendations_user_score", "recommendations", ["user_id", "score"])


def downgrade() -> None:
    op.drop_index("ix_recommendations_user_score", table_name="recommendations")
    with op.batch_alter_table("recommendations") as batch:
        batch.add_column(sa.Column("rank", sa.Integer, nullable=False, server_default="0"))
    # Each list numbered again, best first (window functions: SQLite 3.25, PostgreSQL 8.4).
    op.execute(
        """
        UPDATE recommendations SET rank = (
            SELECT numbered.n FROM (
                SELECT user_id, paper_id,
                       ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY score DESC, paper_id) AS n
                FROM recommendations
            ) AS numbered
            WHERE numbered.user_id = recommendations.user_id
              AND numbered.paper_id = recommendations.paper_id
        )
        """
    )
    op.create_index("ix_recommendations_user_rank", "recommendations", ["user_id", "rank"])
