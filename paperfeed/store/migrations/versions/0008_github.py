"""GitHub repositories linked from papers, their star counts day by day.

Revision ID: 0008_github
Revises: 0007_links
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_github"
down_revision = "0007_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "github_repos",
        sa.Column("repo", sa.String(200), primary_key=True),
        sa.Column("full_name", sa.String(200), nullable=True),
        sa.Column("stars", sa.Integer, nullable=True),
        sa.Column("etag", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("checked_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_github_repos_checked", "github_repos", ["checked_at"])
    op.create_table(
        "paper_repos",
        sa.Column(
            "paper_id",
            sa.String(64),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "repo",
            sa.String(200),
            sa.ForeignKey("github_repos.repo", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_paper_repos_repo", "paper_repos", ["repo"])
    op.create_table(
        "github_star_counts",
        sa.Column(
            "repo",
            sa.String(200),
            sa.ForeignKey("github_repos.repo", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("stars", sa.Integer, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("github_star_counts")
    op.drop_index("ix_paper_repos_repo", table_name="paper_repos")
    op.drop_table("paper_repos")
    op.drop_index("ix_github_repos_checked", table_name="github_repos")
    op.drop_table("github_repos")
