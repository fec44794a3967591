"""The deployment's settings (`geo.municipality`): the municipality's title and contacts,
one row per key, the value JSON (texts by language).

Revision ID: 0012_settings
Revises: 0011_promise_follow_up
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_settings"
down_revision = "0011_promise_follow_up"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("settings")
