"""Medborgarlöften followed up in public: ``promise_activities`` (what a promise says will be
done) and ``promise_log`` (each time it was done: the day and a public note).

Revision ID: 0011_promise_follow_up
Revises: 0010_report_cells
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_promise_follow_up"
down_revision = "0010_report_cells"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promise_activities",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("zone_id", sa.String(36), sa.ForeignKey("zones.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_promise_activities_zone_id", "promise_activities", ["zone_id"])
    op.create_table(
        "promise_log",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "activity_id",
            sa.String(36),
            sa.ForeignKey("promise_activities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("done_on", sa.Date, nullable=False),
        sa.Column("note", sa.String(1000), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_promise_log_activity_id", "promise_log", ["activity_id"])


def downgrade() -> None:
    op.drop_table("promise_log")
    op.drop_table("promise_activities")
