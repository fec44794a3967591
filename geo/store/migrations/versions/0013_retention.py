"""Retention (geo.retention): the counts left of reports removed by age (``report_archive``,
no place and no text) and the claim on background jobs (``jobs``), so that of several app
processes on one database only one applies retention at a time.

Revision ID: 0013_retention
Revises: 0012_settings
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_retention"
down_revision = "0012_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_archive",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("feeling", sa.String(16), primary_key=True),
        sa.Column("time_of_day", sa.String(16), primary_key=True),
        sa.Column("reports", sa.Integer, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime, nullable=True),
        sa.Column("last_finished", sa.DateTime, nullable=True),
        sa.Column("last_result", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("report_archive")
