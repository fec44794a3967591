"""Moderation and case status, with an audit trail of every change.

Every function takes the acting `User` and refuses anyone without the right it needs
(`geo.rights`: ``moderate`` to publish, reject and redact; ``set_status`` to change a status
or mark a duplicate; ``view_staff`` to read a history) with `PermissionError`. Each change is one row in
``report_events``: who, when (UTC), which field, from, to, comment. A bulk action
is one transaction (`geo.store.Store.case_changes`): all reports change, or none, and two
moderators at once never both log the same "from" value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import folium
import geopandas as gpd
import pandas as pd

from geo import mapview, outbox
from geo.auth import User
from geo.config import TileSource
from geo.i18n import format_moment, label, translator
from geo.model import WGS84, Category, Moderation, Rejection, Status, category_labels
from geo.outbox import notify
from geo.privacy import scrub_text
from geo.rights import Right, allowed, require
from geo.store import ReportQuery, Store, column_length, utcnow
from geo.store.cases import CaseChanges
from geo.viewstate import SWEDEN, Place

MAX_REASON_LENGTH = column_length("reports", "moderation_reason")
MAX_TEXT_LENGTH = column_length("reports", "text")
MAX_COMMENT_LENGTH = column_length("reports", "public_comment")


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    actor: str
    field: str
    from_value: str
    to_value: str
    comment: str


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
    require(actor, Right.MODERATE)
    frame = store.reports_frame(ReportQuery(moderation=(Moderation.PENDING.value,)))
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
    user = require(actor, Right.MODERATE)
    decision = Moderation(decision)
    reason = reason.strip()
    if decision is Moderation.PENDING:
        raise ValueError("decision must be 'published' or 'rejected', got 'pending'")
    if decision is Moderation.REJECTED and not reason:
        raise ValueError("reason is required to reject a report")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValueError(f"reason must have at most {MAX_REASON_LENGTH} characters, got {len(reason)}")
    at = now or utcnow()
    changed = 0
    with store.case_changes() as cases:
        states = cases.lock(report_ids)
        missing = set(report_ids) - set(states)
        if missing:
            raise KeyError(f"no such reports: {sorted(missing)}")
        for report_id in report_ids:
            before = states[report_id].moderation
            if before == decision.value:
                continue
            values: dict[str, object] = {"moderation": decision.value, "updated_at": at}
            if decision is Moderation.REJECTED:
                values["moderation_reason"] = reason
                values["status"] = Status.CLOSED.value
            cases.update(report_id, **values)
            record = partial(cases.record, report_id, at=at, actor=user.username)
            record(field="moderation", before=before, after=decision.value, comment=reason)
            if decision is Moderation.REJECTED:
                status = states[report_id].status
                if status != Status.CLOSED.value:
                    record(field="status", before=status, after=Status.CLOSED.value, comment="")
                # the case closes: the resident hears why (the kind of reason, never the note),
                # and their address is deleted once that message has gone
                notify(cases.conn, report_id, "rejected", final=True, reason=rejection_kind(reason).value, now=at)
            else:
                notify(cases.conn, report_id, "published", now=at)
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
    resident on the status page). Police may do it anywhere, not only inside their
    medborgarlöften areas (see `geo.rights`)."""
    user = require(actor, Right.SET_STATUS)
    with store.case_changes() as cases:
        apply_status(cases, report_id, status, user, public_comment=public_comment, at=now or utcnow())


def apply_status(
    cases: CaseChanges,
    report_id: str,
    status: Status,
    user: User,
    *,
    public_comment: str = "",
    at: dt.datetime,
    mail_kind: str = "status",
) -> None:
    """The one change of a report's status, inside the caller's transaction (``cases``): the
    status and the public comment (when one is given), an audit row, and the resident's
    e-mail about it (`geo.outbox`: ``mail_kind``, "action_done" when an action it is linked to is
    done; on closing, the case's last one). `change_status` and `geo.actions` both change a status this way."""
    status = Status(status)
    before = cases.current(report_id, "status")
    values: dict[str, object] = {"status": status.value, "updated_at": at}
    if public_comment.strip():
        values["public_comment"] = public_comment.strip()
    cases.update(report_id, **values)
    cases.record(
        report_id,
        at=at,
        actor=user.username,
        field="status",
        before=before,
        after=status.value,
        comment=public_comment.strip(),
    )
    if status.value != before or public_comment.strip():
        # the resident hears of it (in the same transaction); a closed case needs no way to reach
        # them: their address goes once this, its last message, has gone
        comment = public_comment.strip()
        final = not status.is_open
        notify(cases.conn, report_id, mail_kind, final=final, status=status.value, comment=comment, now=at)


def redact_text(
    store: Store, report_id: str, new_text: str, actor: User | None, *, now: dt.datetime | None = None
) -> str:
    """Replace a report's text with ``new_text``, a moderator's further-redacted
    version (scrubbed again on the way in). Returns the stored text.

    The audit row says who redacted and when, never what was removed: the old
    text is overwritten, not kept anywhere.
    """
    user = require(actor, Right.MODERATE)
    text = scrub_text(new_text.strip()).text
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"text must have at most {MAX_TEXT_LENGTH} characters, got {len(text)}")
    at = now or utcnow()
    with store.case_changes() as cases:
        if cases.current(report_id, "text") == text:
            return text
        cases.update(report_id, text=text, updated_at=at)
        cases.record(report_id, at=at, actor=user.username, field="text", before="", after="", comment="")
    return text


def mark_duplicate(
    store: Store, report_id: str, original_ref: str, actor: User | None, *, now: dt.datetime | None = None
) -> str:
    """Close ``report_id`` as a duplicate of the report with reference code
    ``original_ref``; the original gains one supporter (another resident saw the
    same thing). Returns the original's id. Raises KeyError for an unknown report
    or code and ValueError for a report marked as its own duplicate."""
    user = require(actor, Right.SET_STATUS)
    at = now or utcnow()
    code = original_ref.strip().upper()
    with store.case_changes() as cases:
        before = cases.current(report_id, "status")
        original = cases.id_of(code)
        if original is None:
            raise KeyError(f"no report with code {original_ref!r}")
        if original == report_id:
            raise ValueError("a report cannot duplicate itself")
        cases.update(report_id, status=Status.DUPLICATE.value, updated_at=at)
        cases.add_supporter(original)
        record = partial(cases.record, report_id, at=at, actor=user.username, comment="")
        record(field="status", before=before, after=Status.DUPLICATE.value)
        record(field="duplicate_of", before="", after=code)
        notify(cases.conn, report_id, "duplicate", final=True, now=at)
    return str(original)


def can_reply(store: Store, report_id: str, actor: User | None) -> bool:
    """Whether staff can write to the resident of this report: e-mail is configured and the
    resident gave an address (which staff never see)."""
    return allowed(actor, Right.SET_STATUS) and outbox.enabled() and store.has_contact(report_id)


@dataclass(frozen=True)
class SentMessage:
    """A message written to the resident of a report, as staff may see it: never the address."""

    kind: str
    state: str
    subject: str
    sent_at: dt.datetime | None


def resident_messages(store: Store, report_id: str, actor: User | None) -> list[SentMessage]:
    """The e-mails written to the resident of a report, oldest first."""
    require(actor, Right.VIEW_STAFF)
    return [SentMessage(m["kind"], m["state"], m["subject"], m["sent_at"]) for m in store.messages_of(report_id)]


def reply(store: Store, report_id: str, text: str, actor: User | None, *, now: dt.datetime | None = None) -> bool:
    """Write ``text`` to the resident of ``report_id`` by e-mail, without anyone seeing their
    address; the history records who wrote what, and when. False when the resident cannot be
    reached (no address, messages stopped, no e-mail configured). `ValueError` for an empty or
    too long text."""
    user = require(actor, Right.SET_STATUS)
    text = text.strip()
    if not text:
        raise ValueError("text is empty")
    if len(text) > outbox.MAX_REPLY_LENGTH:
        raise ValueError(f"text must have at most {outbox.MAX_REPLY_LENGTH} characters, got {len(text)}")
    at = now or utcnow()
    with store.case_changes() as cases:
        cases.current(report_id, "status")  # locks the row; KeyError for an unknown report
        if not notify(cases.conn, report_id, "reply", reply=text, now=at):
            return False
        cases.record(report_id, at=at, actor=user.username, field="reply", before="", after="", comment=text)
    return True


def history(store: Store, report_id: str, actor: User | None) -> list[Event]:
    """Every change of a report, oldest first."""
    require(actor, Right.VIEW_STAFF)
    return [
        Event(
            at=r["at"],
            actor=r["actor"],
            field=r["field"],
            from_value=r["from_value"],
            to_value=r["to_value"],
            comment=r["comment"],
        )
        for r in store.report_events(report_id)
    ]


def describe_event(event: Event, lang: str) -> str:
    """One line of a report's history in ``lang``: when, who, what changed."""
    t = translator(lang)
    at = format_moment(event.at, lang)
    if event.field == "text":
        line = t("history.redacted", at=at, actor=event.actor)
    elif event.field == "reply":
        line = t("history.reply", at=at, actor=event.actor)
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
    pending: pd.DataFrame,
    selected: Sequence[str],
    *,
    lang: str,
    tiles: TileSource,
    categories: list[Category],
    home: Place = SWEDEN,
) -> folium.Map:
    """The moderation queue on a map: every pending report at its exact place
    (``lon``/``lat`` columns, EPSG:4326), the ``selected`` ones ringed, fitted to all (an empty
    queue: the map at ``home``, the municipality's centre and zoom)."""
    labels = category_labels(categories, lang)
    points = gpd.GeoDataFrame(
        pending.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(pending["lon"], pending["lat"]), crs=WGS84
    )
    m = mapview.base_map(tiles, center=home[0], zoom=home[1])
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
