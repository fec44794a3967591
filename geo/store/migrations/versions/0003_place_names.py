"""The gazetteer: ``place_names`` (villages, places, streets and addresses as points in
EPSG:4326), searched by Rapportera's "find a place" and imported by an admin as a layer.

Revision ID: 0003_place_names
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_place_names"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "place_names",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("place_names")
