"""Every table of the database, declared once (SQLAlchemy Core ``Table`` objects on one
`metadata`). Only `geo.store` reads or writes them; the migrations in
``geo/store/migrations/`` create them (`geo.store.schema`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from geo.store.types import UTCDateTime

metadata = sa.MetaData()

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("feeling", sa.String(16), nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("help", sa.JSON, nullable=False),
    sa.Column("icon", sa.String(16), nullable=False, default=""),
    sa.Column("sort_order", sa.Integer, nullable=False, default=0),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("ref_code", sa.String(16), nullable=False, unique=True),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("category", sa.String(64), sa.ForeignKey("categories.code"), nullable=False),
    sa.Column("feeling", sa.String(16), nullable=False),
    sa.Column("time_of_day", sa.String(16), nullable=False),
    sa.Column("text", sa.String(1000), nullable=False, default=""),
    sa.Column("language", sa.String(8), nullable=False, default="sv"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("moderation", sa.String(16), nullable=False),
    sa.Column("moderation_reason", sa.String(500), nullable=False, default=""),
    sa.Column("public_comment", sa.String(1000), nullable=False, default=""),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("supporters", sa.Integer, nullable=False, default=0),
    # H3 cells at geo.cells.BASE_RESOLUTION of the exact position and of the public's 50 m grid
    # position, written with the report (geo.cells.report_cells; migration 0010 filled older rows)
    sa.Column("cell", sa.BigInteger, nullable=True),
    sa.Column("public_cell", sa.BigInteger, nullable=True),
    sa.Index("ix_reports_lon_lat", "lon", "lat"),
    sa.Index("ix_reports_created_at", "created_at"),
    sa.Index("ix_reports_public_cell_moderation", "public_cell", "moderation"),
)

report_contacts = sa.Table(
    "report_contacts",
    metadata,
    sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
)

report_events = sa.Table(
    "report_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("from_value", sa.String(64), nullable=False, default=""),
    sa.Column("to_value", sa.String(64), nullable=False, default=""),
    sa.Column("comment", sa.String(1000), nullable=False, default=""),
)

meeting_places = sa.Table(
    "meeting_places",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("address", sa.String(300), nullable=False, default=""),
    sa.Column("opening_hours", sa.String(300), nullable=False, default=""),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("accessibility", sa.String(500), nullable=False, default=""),
    sa.Column("contact", sa.String(300), nullable=False, default=""),
    sa.Column("description", sa.String(2000), nullable=False, default=""),
    # the structured fields (issue #19): OSM-style codes, descriptions in other languages
    sa.Column("audience", sa.JSON, nullable=False),
    sa.Column("fee", sa.String(8), nullable=False, default=""),
    sa.Column("wheelchair", sa.String(8), nullable=False, default=""),
    sa.Column("descriptions", sa.JSON, nullable=False),
    sa.Column("staff_note", sa.String(1000), nullable=False, default=""),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("version", sa.Integer, nullable=False, default=1),
)

zones = sa.Table(
    "zones",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("description", sa.String(2000), nullable=False, default=""),
    sa.Column("promise_text", sa.String(4000), nullable=False, default=""),
    sa.Column("police_contact", sa.String(300), nullable=False, default=""),
    sa.Column("start_date", sa.Date, nullable=True),
    sa.Column("end_date", sa.Date, nullable=True),
    sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
)

place_names = sa.Table(
    "place_names",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("detail", sa.String(200), nullable=False, default=""),
)
"""The gazetteer: village and place names, streets and addresses, each one point (EPSG:4326)."""

boundaries = sa.Table(
    "boundaries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sso_email", sa.String(254), nullable=True),
    sa.Index("ux_users_sso_email", "sso_email", unique=True),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    # a random id known only to the server (the app's session state refers to the row by it)
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    # SHA-256 of the one-time code the browser trades for its cookie; None once traded
    sa.Column("handoff_hash", sa.String(64), nullable=True),
    # SHA-256 of the token in the browser's HTTP-only cookie (the token itself is never stored)
    sa.Column("token_hash", sa.String(64), nullable=True),
    sa.Index("ix_staff_sessions_last_seen", "last_seen"),
    sa.Index("ux_staff_sessions_handoff_hash", "handoff_hash", unique=True),
    sa.Index("ux_staff_sessions_token_hash", "token_hash", unique=True),
)


rate_events = sa.Table(
    "rate_events",
    metadata,
    # one row per accepted submission and bucket ("all", "session:<random id>"): never an IP address
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("bucket", sa.String(80), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_rate_events_bucket_at", "bucket", "at"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    # staff actions beyond report status (report_events holds those): geo.audit
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, default=""),
    # short names and counts only (never personal data or a report's text)
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_action", "action"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    # one e-mail to send (geo.outbox): written in the transaction of the change that causes it
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    # whom: a resident by their report (the address stays in report_contacts) or a staff member
    sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=True),
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username", ondelete="CASCADE"), nullable=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body_text", sa.Text, nullable=False),
    sa.Column("body_html", sa.Text, nullable=False),
    # the case's last message: the resident's address is deleted once it has gone
    sa.Column("forget_contact", sa.Boolean, nullable=False, default=False),
    # pending -> sending (claimed by one sender) -> sent | failed (gave up) | dropped (no one to send to)
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("claim", sa.String(32), nullable=True),
    sa.Column("claimed_at", UTCDateTime, nullable=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=False, default=""),
    sa.Index("ix_outbox_state_next", "state", "next_attempt_at"),
    sa.Index("ix_outbox_report_id", "report_id"),
)

staff_mail = sa.Table(
    "staff_mail",
    metadata,
    # a staff member's own address and whether they want the daily digest (their choice)
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username", ondelete="CASCADE"), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("digest", sa.Boolean, nullable=False, default=False),
    sa.Column("language", sa.String(8), nullable=False, default="sv"),
)


actions = sa.Table(
    "actions",
    metadata,
    # an åtgärd: what is done, where (a drawn geometry in EPSG:4326, or its zone as a whole), by whom, when
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("zone_id", sa.String(36), sa.ForeignKey("zones.id", ondelete="SET NULL"), nullable=True, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.String(2000), nullable=False, default=""),
    sa.Column("geom_wkb", sa.LargeBinary, nullable=True),
    sa.Column("organisation", sa.String(200), nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_comment", sa.String(1000), nullable=False, default=""),
    sa.Column("cost", sa.Float, nullable=True),
    sa.Column("public", sa.Boolean, nullable=False, default=False),
    sa.Column("decision_id", sa.String(36), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

action_reports = sa.Table(
    "action_reports",
    metadata,
    # the reports an action answers
    sa.Column("action_id", sa.String(36), sa.ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_action_reports_report_id", "report_id"),
)

zone_actors = sa.Table(
    "zone_actors",
    metadata,
    # an organisation in a zone's platssamverkan; the contact person's name and phone are personal
    # data: staff only, emptied when the organisation leaves
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("zone_id", sa.String(36), sa.ForeignKey("zones.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("organisation", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("contact_name", sa.String(200), nullable=False, default=""),
    sa.Column("contact_phone", sa.String(40), nullable=False, default=""),
    sa.Column("joined_on", sa.Date, nullable=True),
    sa.Column("left_on", sa.Date, nullable=True),
)

meetings = sa.Table(
    "meetings",
    metadata,
    # a meeting of a zone's platssamverkan: who was there, notes; its decisions are `meeting_decisions`
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("zone_id", sa.String(36), sa.ForeignKey("zones.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("present", sa.JSON, nullable=False),
    sa.Column("notes", sa.String(4000), nullable=False, default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

meeting_decisions = sa.Table(
    "meeting_decisions",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "meeting_id", sa.String(36), sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.String(1000), nullable=False),
)

report_archive = sa.Table(
    "report_archive",
    metadata,
    # what is left of reports removed by age (geo.retention, aggregate): counts, no place, no text
    sa.Column("month", sa.Date, primary_key=True),  # first day of the month made, Swedish local time
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("feeling", sa.String(16), primary_key=True),
    sa.Column("time_of_day", sa.String(16), primary_key=True),
    sa.Column("reports", sa.Integer, nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    # one row per background job (retention): which process holds it, until when, when it last finished
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("holder", sa.String(64), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Column("last_finished", UTCDateTime, nullable=True),
    sa.Column("last_result", sa.String(500), nullable=False, default=""),
)


promise_activities = sa.Table(
    "promise_activities",
    metadata,
    # what a medborgarlöfte promises to do ("ökad närvaro vid resecentrum fredag och lördag kväll"): public
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("zone_id", sa.String(36), sa.ForeignKey("zones.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

promise_log = sa.Table(
    "promise_log",
    metadata,
    # one time an activity was carried out: the day and a public note; who entered it stays with staff
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "activity_id",
        sa.String(36),
        sa.ForeignKey("promise_activities.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("done_on", sa.Date, nullable=False),
    sa.Column("note", sa.String(1000), nullable=False, default=""),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)


settings = sa.Table(
    "settings",
    metadata,
    # one row per setting of the deployment (`geo.municipality`): the municipality's texts and
    # contacts, by language where they are shown ({"sv": …, "en": …, "ar": …}); never personal data
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
)


def max_length(table: str, column: str) -> int | None:
    """The most characters ``table.column`` holds: the one place every length limit comes
    from (forms, imports, `geo.zones`). None for an unbounded column or an unknown one."""
    found = metadata.tables.get(table)
    if found is None or column not in found.c:
        return None
    return getattr(found.c[column].type, "length", None)


def column_length(table: str, column: str) -> int:
    """`max_length` of a column that has one (KeyError for an unbounded or unknown column)."""
    limit = max_length(table, column)
    if limit is None:
        raise KeyError(f"{table}.{column} has no length")
    return limit


class TooLong(ValueError):
    """A text is longer than its column holds; nothing was written. ``table``, ``column``,
    ``length`` (characters given) and ``limit`` (characters the column holds) say which."""

    def __init__(self, table: str, column: str, length: int, limit: int) -> None:
        super().__init__(f"{table}.{column} holds at most {limit} characters, got {length}")
        self.table, self.column, self.length, self.limit = table, column, length, limit


def check_lengths(table: str, values: Mapping[str, Any]) -> None:
    """`TooLong` for the first text in ``values`` longer than its column of ``table`` holds:
    checked before writing, so SQLite (which would store it) and PostgreSQL (which would
    fail the transaction) refuse it the same way, with a message that says which."""
    for column, value in values.items():
        limit = max_length(table, column)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise TooLong(table, column, len(value), limit)
