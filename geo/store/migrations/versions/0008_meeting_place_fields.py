"""Meeting places get structured fields (issue #19): who a place is for (``audience``), OSM's
``fee`` and ``wheelchair``, descriptions in other languages than Swedish, a note for the team
only, ``active`` (False once retired) and an edit ``version``. Existing places keep their data.

Revision ID: 0008_meeting_place_fields
Revises: 0007_actions
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_meeting_place_fields"
down_revision = "0007_actions"
branch_labels = None
depends_on = None

_COLUMNS = ("audience", "fee", "wheelchair", "descriptions", "staff_note", "active", "version")


def upgrade() -> None:
    op.add_column("meeting_places", sa.Column("audience", sa.JSON, nullable=False, server_default=sa.text("'[]'")))
    op.add_column("meeting_places", sa.Column("fee", sa.String(8), nullable=False, server_default=""))
    op.add_column("meeting_places", sa.Column("wheelchair", sa.String(8), nullable=False, server_default=""))
    op.add_column("meeting_places", sa.Column("descriptions", sa.JSON, nullable=False, server_default=sa.text("'{}'")))
    op.add_column("meeting_places", sa.Column("staff_note", sa.String(1000), nullable=False, server_default=""))
    op.add_column("meeting_places", sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
    op.add_column("meeting_places", sa.Column("version", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("meeting_places") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
