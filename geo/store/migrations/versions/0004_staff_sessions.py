"""Staff sessions in the database: a session survives a reload, a bookmark or a typed
address, and every process of the app sees the same sessions (geo.auth, geo.store.sessions).

Revision ID: 0004_staff_sessions
Revises: 0003_place_names
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_staff_sessions"
down_revision = "0003_place_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("handoff_hash", sa.String(64), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True),
    )
    op.create_index("ix_staff_sessions_last_seen", "staff_sessions", ["last_seen"])
    op.create_index("ux_staff_sessions_handoff_hash", "staff_sessions", ["handoff_hash"], unique=True)
    op.create_index("ux_staff_sessions_token_hash", "staff_sessions", ["token_hash"], unique=True)


def downgrade() -> None:
    op.drop_table("staff_sessions")
