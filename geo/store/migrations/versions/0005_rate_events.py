"""Accepted submissions per rate-limit bucket, so that one rate limit holds across every
process of the app (geo.reporting's policy, geo.store.limits). No IP address is kept.

Revision ID: 0005_rate_events
Revises: 0004_staff_sessions
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_rate_events"
down_revision = "0004_staff_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bucket", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_rate_events_bucket_at", "rate_events", ["bucket", "at"])


def downgrade() -> None:
    op.drop_table("rate_events")
