"""The foundation's schema: every table of geo.store and geo.auth (users with sso_email).

Also adds the ``meta`` row ``data_version`` (0) that every write bumps. Adopts a database
from before migrations existed: a table that is already there is left
as it is (with its rows), and ``users`` gets the ``sso_email`` column and its unique index
where they are missing (the hand migration geo.auth used to run).

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> list[sa.Table]:
    """The tables as the foundation defined them (frozen here; geo.store may move on)."""
    md = sa.MetaData()
    return [
        sa.Table(
            "categories",
            md,
            sa.Column("code", sa.String(64), primary_key=True),
            sa.Column("feeling", sa.String(16), nullable=False),
            sa.Column("labels", sa.JSON, nullable=False),
            sa.Column("help", sa.JSON, nullable=False),
            sa.Column("icon", sa.String(16), nullable=False),
            sa.Column("sort_order", sa.Integer, nullable=False),
            sa.Column("active", sa.Boolean, nullable=False),
        ),
        sa.Table(
            "reports",
            md,
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("ref_code", sa.String(16), nullable=False, unique=True),
            sa.Column("lon", sa.Float, nullable=False),
            sa.Column("lat", sa.Float, nullable=False),
            sa.Column("category", sa.String(64), sa.ForeignKey("categories.code"), nullable=False),
            sa.Column("feeling", sa.String(16), nullable=False),
            sa.Column("time_of_day", sa.String(16), nullable=False),
            sa.Column("text", sa.String(1000), nullable=False),
            sa.Column("language", sa.String(8), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
            sa.Column("status", sa.String(32), nullable=False),
            sa.Column("moderation", sa.String(16), nullable=False),
            sa.Column("moderation_reason", sa.String(500), nullable=False),
            sa.Column("public_comment", sa.String(1000), nullable=False),
            sa.Column("source", sa.String(16), nullable=False),
            sa.Column("supporters", sa.Integer, nullable=False),
            sa.Index("ix_reports_lon_lat", "lon", "lat"),
            sa.Index("ix_reports_created_at", "created_at"),
        ),
        sa.Table(
            "report_contacts",
            md,
            sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("email", sa.String(254), nullable=False),
        ),
        sa.Table(
            "report_events",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "report_id",
                sa.String(36),
                sa.ForeignKey("reports.id", ondelete="CASCADE"),
                nullable=False,
                index=True,
            ),
            sa.Column("at", sa.DateTime, nullable=False),
            sa.Column("actor", sa.String(128), nullable=False),
            sa.Column("field", sa.String(32), nullable=False),
            sa.Column("from_value", sa.String(64), nullable=False),
            sa.Column("to_value", sa.String(64), nullable=False),
            sa.Column("comment", sa.String(1000), nullable=False),
        ),
        sa.Table(
            "meeting_places",
            md,
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("kind", sa.String(32), nullable=False),
            sa.Column("lon", sa.Float, nullable=False),
            sa.Column("lat", sa.Float, nullable=False),
            sa.Column("address", sa.String(300), nullable=False),
            sa.Column("opening_hours", sa.String(300), nullable=False),
            sa.Column("languages", sa.JSON, nullable=False),
            sa.Column("accessibility", sa.String(500), nullable=False),
            sa.Column("contact", sa.String(300), nullable=False),
            sa.Column("description", sa.String(2000), nullable=False),
        ),
        sa.Table(
            "zones",
            md,
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("kind", sa.String(32), nullable=False),
            sa.Column("description", sa.String(2000), nullable=False),
            sa.Column("promise_text", sa.String(4000), nullable=False),
            sa.Column("police_contact", sa.String(300), nullable=False),
            sa.Column("start_date", sa.Date, nullable=True),
            sa.Column("end_date", sa.Date, nullable=True),
            sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
        ),
        sa.Table(
            "boundaries",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
        ),
        sa.Table(
            "meta",
            md,
            sa.Column("key", sa.String(64), primary_key=True),
            sa.Column("value", sa.String(200), nullable=False),
        ),
        sa.Table(
            "users",
            md,
            sa.Column("username", sa.String(64), primary_key=True),
            sa.Column("password_hash", sa.String(200), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("failed_attempts", sa.Integer, nullable=False),
            sa.Column("locked_until", sa.DateTime, nullable=True),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("sso_email", sa.String(254), nullable=True),
            sa.Index("ux_users_sso_email", "sso_email", unique=True),
        ),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names())
    for table in _tables():  # in dependency order
        if table.name not in present:
            table.create(bind)
    meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.String))
    if bind.execute(sa.select(meta.c.key).where(meta.c.key == "data_version")).first() is None:
        # The row every write bumps exists from the start, so that two first writers
        # never both try to insert it.
        op.bulk_insert(meta, [{"key": "data_version", "value": "0"}])
    if "users" in present:
        columns = {c["name"] for c in sa.inspect(bind).get_columns("users")}
        if "sso_email" not in columns:  # a database from before single sign-on
            op.add_column("users", sa.Column("sso_email", sa.String(254), nullable=True))
            op.create_index("ux_users_sso_email", "users", ["sso_email"], unique=True)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_tables()):
        table.drop(bind, checkfirst=True)
