"""A living site: the papers' change feed and first day, Hugging Face's extra fields, jobs.

Revision ID: 0005_living
Revises: 0004_digest
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from paperfeed.arxiv_calendar import announcement_day

revision = "0005_living"
down_revision = "0004_digest"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
_CHUNK = 5000


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("change_seq", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("first_day", sa.Date, nullable=True))
    op.create_table(
        "sequences",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    _backfill()
    op.create_index("ix_papers_change_seq", "papers", ["change_seq"])
    op.create_index("ix_papers_first_day", "papers", ["first_day"])
    op.create_table(
        "hf_papers",
        sa.Column(
            "paper_id",
            sa.String(64),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("fields", JSONType, nullable=False),
        sa.Column("num_comments", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("next_run", sa.DateTime, nullable=True),
        sa.Column("last_run", sa.DateTime, nullable=True),
        sa.Column("last_finished", sa.DateTime, nullable=True),
        sa.Column("last_result", sa.String(16), nullable=True),
        sa.Column("last_message", sa.Text, nullable=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("runs", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_node", sa.String(255), nullable=True),
    )


def _backfill() -> None:
    """Number existing papers in their change order and give each its first day."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT p.id, p.published, v.submitted FROM papers p "
            "LEFT JOIN paper_versions v ON v.paper_id = p.id AND v.version = 1 "
            "ORDER BY p.changed_at, p.id"
        ).columns(sa.column("id", sa.String), published=sa.DateTime, submitted=sa.DateTime)
    ).all()
    update = sa.text("UPDATE papers SET change_seq = :seq, first_day = :day WHERE id = :id")
    params = []
    for seq, (paper_id, published, submitted) in enumerate(rows, start=1):
        when = submitted or published
        params.append({"seq": seq, "day": announcement_day(when) if when else None, "id": paper_id})
        if len(params) >= _CHUNK:
            conn.execute(update, params)
            params = []
    if params:
        conn.execute(update, params)
    conn.execute(
        sa.text("INSERT INTO sequences (name, value) VALUES ('papers', :n)"), {"n": len(rows)}
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    op.drop_table("hf_papers")
    op.drop_index("ix_papers_first_day", "papers")
    op.drop_index("ix_papers_change_seq", "papers")
    op.drop_table("sequences")
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("first_day")
        batch.drop_column("change_seq")
