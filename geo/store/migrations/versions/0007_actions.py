"""Åtgärder and the platssamverkan dossier: ``actions`` (what is done, where, by whom, when;
geometry as WKB in EPSG:4326 or none for the whole zone), ``action_reports`` (the reports an
action answers), ``zone_actors`` (organisations of a zone, with a contact person: personal
data, staff only), ``meetings`` and ``meeting_decisions``.

Revision ID: 0007_actions
Revises: 0006_audit_log
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_actions"
down_revision = "0006_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("zone_id", sa.String(36), sa.ForeignKey("zones.id", ondelete="SET NULL"), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.String(2000), nullable=False, server_default=""),
        sa.Column("geom_wkb", sa.LargeBinary, nullable=True),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_comment", sa.String(1000), nullable=False, server_default=""),
        sa.Column("cost", sa.Float, nullable=True),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("decision_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_actions_zone_id", "actions", ["zone_id"])
    op.create_table(
        "action_reports",
        sa.Column("action_id", sa.String(36), sa.ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_action_reports_report_id", "action_reports", ["report_id"])
    op.create_table(
        "zone_actors",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("zone_id", sa.String(36), sa.ForeignKey("zones.id", ondelete="CASCADE"), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("contact_phone", sa.String(40), nullable=False, server_default=""),
        sa.Column("joined_on", sa.Date, nullable=True),
        sa.Column("left_on", sa.Date, nullable=True),
    )
    op.create_index("ix_zone_actors_zone_id", "zone_actors", ["zone_id"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("zone_id", sa.String(36), sa.ForeignKey("zones.id", ondelete="CASCADE"), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("present", sa.JSON, nullable=False),
        sa.Column("notes", sa.String(4000), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_meetings_zone_id", "meetings", ["zone_id"])
    op.create_table(
        "meeting_decisions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("meeting_id", sa.String(36), sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.String(1000), nullable=False),
    )
    op.create_index("ix_meeting_decisions_meeting_id", "meeting_decisions", ["meeting_id"])


def downgrade() -> None:
    for table in ("meeting_decisions", "meetings", "zone_actors", "action_reports", "actions"):
        op.drop_table(table)
