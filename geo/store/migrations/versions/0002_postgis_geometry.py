"""PostGIS: geometry columns (SRID 4326) with GiST indexes, on PostgreSQL only.

Each is a generated column (``GENERATED ALWAYS AS … STORED``) computed from the columns
every backend has: ``reports.geom`` and ``meeting_places.geom`` from ``lon``/``lat``,
``zones.geom`` and ``boundaries.geom`` from ``geom_wkb``. Writers keep writing those;
the database keeps the geometry in step, so the two can never disagree. SQLite: no-op
(its spatial questions are answered by a bounding box in SQL and shapely).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    # table, geometry type, expression
    ("reports", "POINT", "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"),
    ("meeting_places", "POINT", "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"),
    ("zones", "GEOMETRY", "ST_GeomFromWKB(geom_wkb, 4326)"),
    ("boundaries", "GEOMETRY", "ST_GeomFromWKB(geom_wkb, 4326)"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Needs a superuser (or the database's owner where PostGIS is trusted); the README
    # has the IT department create it beforehand, so this is then a no-op.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    for table, kind, expression in COLUMNS:
        op.add_column(
            table,
            sa.Column(
                "geom",
                Geometry(kind, srid=4326, spatial_index=False),
                sa.Computed(expression, persisted=True),
                nullable=True,
            ),
        )
        op.create_index(f"ix_{table}_geom", table, ["geom"], postgresql_using="gist")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, _kind, _expression in COLUMNS:
        op.drop_index(f"ix_{table}_geom", table_name=table)
        op.drop_column(table, "geom")
