"""Moderation and case status, with an audit trail of every change.

Only staff may act (`geo.auth.STAFF_ROLES`); every function takes the acting
`User` and refuses anyone else with `PermissionError`. Each change is one row in
``report_events``: who, when (UTC), which field, from, to, comment. A bulk action
is one transaction: all reports change, or none. The rows are read ``FOR UPDATE`` (on
PostgreSQL; SQLite locks the whole file for a writer), so two moderators at once never
both log the same "from" value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
import sqlalchemy as sa

from geo import mapview
from geo.auth import STAFF_ROLES, User
from geo.config import TileSource
from geo.i18n import format_moment, label, translator
from geo.model import WGS84, Category, Moderation, Rejection, Status, category_labels
from geo.privacy import scrub_text
from geo.store import Store, report_contacts, report_events, reports, utcnow

MAX_REASON_LENGTH = 500
MAX_TEXT_LENGTH = 1000


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    actor: str
    field: str
    from_value: str
    to_value: str
    comment: str


def _check_staff(actor: User | None) -> User:
    if actor is None or actor.role not in STAFF_ROLES:
        raise PermissionError(f"only staff may moderate, got {actor!r}")
    return actor


def _record(
    conn: sa.Connection, report_id: str, at: dt.datetime, user: User, field: str, before: str, after: str, comment: str
) -> None:
    """One audit row: who changed which field of a report from what to what, and why."""
    conn.execute(
        report_events.insert().values(
            report_id=report_id,
            at=at,
            actor=user.username,
            field=field,
            from_value=before,
            to_value=after,
            comment=comment,
        )
    )


def rejection_reason(kind: Rejection, note: str = "") -> str:
    """The stored reason of a rejection: its kind's code, then the moderator's note
    (``"personal_data: namn i texten"``). Only the kind is ever shown to the public."""
    kind = Rejection(kind)
    note = note.strip()
    return f"{kind.value}: {note}" if note else kind.value


def rejection_kind(reason: str) -> Rejection:
    """The kind of a stored rejection reason (`rejection_reason`); a reason written before
    kinds existed, or any other text, is ``Rejection.OTHER``."""
    code = reason.split(":", 1)[0].strip()
    return Rejection(code) if code in Rejection._value2member_map_ else Rejection.OTHER


def pending_reports(store: Store, actor: User | None) -> pd.DataFrame:
    """Reports awaiting moderation, oldest first (exact EPSG:4326 lon/lat)."""
    _check_staff(actor)
    frame = store.reports_frame(where=[reports.c.moderation == Moderation.PENDING.value])
    return frame.sort_values("created_at").reset_index(drop=True)


def moderate(
    store: Store,
    report_ids: Sequence[str],
    decision: Moderation,
    actor: User | None,
    *,
    reason: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Publish or reject reports (a reason is required to reject; see `rejection_reason`).
    A rejected report's case is closed (status ``stangd``, the contact e-mail forgotten):
    nothing more will happen to it, and the resident is told so. All or nothing; returns
    how many reports changed."""
    user = _check_staff(actor)
    decision = Moderation(decision)
    reason = reason.strip()
    if decision is Moderation.PENDING:
        raise ValueError("decision must be 'published' or 'rejected', got 'pending'")
    if decision is Moderation.REJECTED and not reason:
        raise ValueError("reason is required to reject a report")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValueError(f"reason must have at most {MAX_REASON_LENGTH} characters, got {len(reason)}")
    at = _utc_naive(now)
    changed = 0
    with store.transaction() as conn:
        rows = conn.execute(
            sa.select(reports.c.id, reports.c.moderation, reports.c.status)
            .where(reports.c.id.in_(list(report_ids)))
            .with_for_update()
        ).all()
        current = {row.id: row.moderation for row in rows}
        statuses = {row.id: row.status for row in rows}
        missing = set(report_ids) - set(current)
        if missing:
            raise KeyError(f"no such reports: {sorted(missing)}")
        for report_id in report_ids:
            before = current[report_id]
            if before == decision.value:
                continue
            values: dict[str, object] = {"moderation": decision.value, "updated_at": at}
            if decision is Moderation.REJECTED:
                values["moderation_reason"] = reason
                values["status"] = Status.CLOSED.value
            conn.execute(reports.update().where(reports.c.id == report_id).values(**values))
            _record(conn, report_id, at, user, "moderation", before, decision.value, reason)
            if decision is Moderation.REJECTED:
                if statuses[report_id] != Status.CLOSED.value:
                    _record(conn, report_id, at, user, "status", statuses[report_id], Status.CLOSED.value, "")
                _forget_contact(conn, report_id)
            changed += 1
    return changed


def change_status(
    store: Store,
    report_id: str,
    status: Status,
    actor: User | None,
    *,
    public_comment: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Move a report to ``status`` with an optional public comment (shown to the
    resident on the status page)."""
    user = _check_staff(actor)
    status = Status(status)
    at = _utc_naive(now)
    with store.transaction() as conn:
        before = _current(conn, report_id, reports.c.status)
        values: dict[str, object] = {"status": status.value, "updated_at": at}
        if public_comment.strip():
            values["public_comment"] = public_comment.strip()
        conn.execute(reports.update().where(reports.c.id == report_id).values(**values))
        _record(conn, report_id, at, user, "status", before, status.value, public_comment.strip())
        if not status.is_open:
            _forget_contact(conn, report_id)


def _current(conn: sa.Connection, report_id: str, column: sa.Column) -> str:
    """The report's value in ``column``, its row locked until the transaction ends (FOR
    UPDATE on PostgreSQL); KeyError for an unknown report."""
    value = conn.execute(sa.select(column).where(reports.c.id == report_id).with_for_update()).scalar()
    if value is None:
        raise KeyError(f"no such report: {report_id!r}")
    return str(value)


def _forget_contact(conn: sa.Connection, report_id: str) -> None:
    """A closed case needs no way to reach the resident: the e-mail goes (DESIGN.md §2)."""
    conn.execute(report_contacts.delete().where(report_contacts.c.report_id == report_id))


def redact_text(
    store: Store, report_id: str, new_text: str, actor: User | None, *, now: dt.datetime | None = None
) -> str:
    """Replace a report's text with ``new_text``, a moderator's further-redacted
    version (scrubbed again on the way in). Returns the stored text.

    The audit row says who redacted and when, never what was removed: the old
    text is overwritten, not kept anywhere.
    """
    user = _check_staff(actor)
    text = scrub_text(new_text.strip()).text
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"text must have at most {MAX_TEXT_LENGTH} characters, got {len(text)}")
    at = _utc_naive(now)
    with store.transaction() as conn:
        before = _current(conn, report_id, reports.c.text)
        if before == text:
            return text
        conn.execute(reports.update().where(reports.c.id == report_id).values(text=text, updated_at=at))
        _record(conn, report_id, at, user, "text", "", "", "")
    return text


def mark_duplicate(
    store: Store, report_id: str, original_ref: str, actor: User | None, *, now: dt.datetime | None = None
) -> str:
    """Close ``report_id`` as a duplicate of the report with reference code
    ``original_ref``; the original gains one supporter (another resident saw the
    same thing). Returns the original's id. Raises KeyError for an unknown report
    or code and ValueError for a report marked as its own duplicate."""
    user = _check_staff(actor)
    at = _utc_naive(now)
    with store.transaction() as conn:
        before = _current(conn, report_id, reports.c.status)
        original = conn.execute(
            sa.select(reports.c.id).where(reports.c.ref_code == original_ref.strip().upper())
        ).scalar()
        if original is None:
            raise KeyError(f"no report with code {original_ref!r}")
        if original == report_id:
            raise ValueError("a report cannot duplicate itself")
        conn.execute(
            reports.update().where(reports.c.id == report_id).values(status=Status.DUPLICATE.value, updated_at=at)
        )
        conn.execute(reports.update().where(reports.c.id == original).values(supporters=reports.c.supporters + 1))
        _record(conn, report_id, at, user, "status", before, Status.DUPLICATE.value, "")
        _record(conn, report_id, at, user, "duplicate_of", "", original_ref.strip().upper(), "")
        _forget_contact(conn, report_id)
    return str(original)


def _utc_naive(now: dt.datetime | None) -> dt.datetime:
    return (now or utcnow()).astimezone(dt.UTC).replace(tzinfo=None)


def history(store: Store, report_id: str, actor: User | None) -> list[Event]:
    """Every change of a report, oldest first."""
    _check_staff(actor)
    query = (
        sa.select(report_events)
        .where(report_events.c.report_id == report_id)
        .order_by(report_events.c.at, report_events.c.id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        Event(
            at=r["at"].replace(tzinfo=dt.UTC),
            actor=r["actor"],
            field=r["field"],
            from_value=r["from_value"],
            to_value=r["to_value"],
            comment=r["comment"],
        )
        for r in rows
    ]


def describe_event(event: Event, lang: str) -> str:
    """One line of a report's history in ``lang``: when, who, what changed."""
    t = translator(lang)
    at = format_moment(event.at, lang)
    if event.field == "text":
        line = t("history.redacted", at=at, actor=event.actor)
    elif event.field == "duplicate_of":
        line = t("history.duplicate", at=at, actor=event.actor, original=event.to_value)
    else:
        line = t(
            "moderation.event",
            at=at,
            actor=event.actor,
            field=t(f"moderation.field.{event.field}"),
            before=label(event.field, event.from_value, lang),
            after=label(event.field, event.to_value, lang),
        )
    return f"{line} · {event.comment}" if event.comment else line


def queue_map(
    pending: pd.DataFrame, selected: Sequence[str], *, lang: str, tiles: TileSource, categories: list[Category]
) -> folium.Map:
    """The moderation queue on a map: every pending report at its exact place
    (``lon``/``lat`` columns, EPSG:4326), the ``selected`` ones ringed, fitted to all."""
    labels = category_labels(categories, lang)
    points = gpd.GeoDataFrame(
        pending.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(pending["lon"], pending["lat"]), crs=WGS84
    )
    m = mapview.base_map(tiles)
    groups = [mapview.reports_group(points, lambda code: labels.get(code, code))]
    chosen = points[points["id"].isin(list(selected))]
    groups += [mapview.highlight_group(point) for point in chosen.geometry]
    for group in groups:
        group.add_to(m)
    if not points.empty:
        minx, miny, maxx, maxy = points.total_bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(30, 30), max_zoom=16)
    mapview.localized(m, *groups)
    return m
