"""Åtgärder and the platssamverkan dossier: actions, the reports they answer, a zone's
actors and meetings (rows only; the rules are `geo.actions`'s).

An action's geometry is WKB in EPSG:4326 (None: its zone as a whole). Changes run in one
transaction at a time (`ActionStore.action_changes`), which also holds the report case work
(`geo.store.cases.CaseChanges`) so that an action and the reports it answers change together
or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.store.base import StoreBase
from geo.store.cases import CaseChanges
from geo.store.tables import (
    action_reports,
    actions,
    check_lengths,
    meeting_decisions,
    meetings,
    promise_activities,
    promise_log,
    reports,
    zone_actors,
)

if TYPE_CHECKING:
    from geo.store import Store

ACTION_CHANGEABLE = (
    "title",
    "description",
    "geom_wkb",
    "organisation",
    "start_date",
    "due_date",
    "status",
    "status_comment",
    "cost",
    "public",
    "updated_at",
)
"""The columns of an action that staff change after creating it."""


class ActionChanges:
    """The reads and writes of one transaction of action work (`ActionStore.action_changes`);
    ``cases`` changes the reports in the same transaction."""

    def __init__(self, store: Store, conn: Connection) -> None:
        self._conn = conn
        self.store = store
        self.cases = CaseChanges(conn)

    @property
    def conn(self) -> Connection:
        """The transaction's connection (for `geo.audit.record`)."""
        return self._conn

    def reports_by_ref(self, ref_codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``{ref_code: {id, moderation, status}}`` of those of ``ref_codes`` that exist, locked."""
        if not ref_codes:
            return {}
        rows = self._conn.execute(
            sa.select(reports.c.ref_code, reports.c.id, reports.c.moderation, reports.c.status)
            .where(reports.c.ref_code.in_(list(ref_codes)))
            .with_for_update()
        ).mappings()
        return {row["ref_code"]: dict(row) for row in rows}

    def add_action(self, row: Mapping[str, Any], report_ids: Iterable[str]) -> None:
        check_lengths("actions", row)
        self._conn.execute(actions.insert().values(**row))
        self.link(str(row["id"]), report_ids)

    def link(self, action_id: str, report_ids: Iterable[str]) -> None:
        """Link reports to the action (those linked already stay once)."""
        linked = set(self.linked(action_id))
        rows = [{"action_id": action_id, "report_id": rid} for rid in dict.fromkeys(report_ids) if rid not in linked]
        if rows:
            self._conn.execute(action_reports.insert(), rows)

    def linked(self, action_id: str) -> list[str]:
        """The ids of the reports the action answers."""
        query = sa.select(action_reports.c.report_id).where(action_reports.c.action_id == action_id)
        return list(self._conn.execute(query).scalars())

    def lock_action(self, action_id: str) -> dict[str, Any] | None:
        """The action's row, locked until the transaction ends; None for an unknown action."""
        row = self._conn.execute(sa.select(actions).where(actions.c.id == action_id).with_for_update()).mappings()
        found = row.first()
        return None if found is None else dict(found)

    def update_action(self, action_id: str, **values: Any) -> None:
        for name in values:
            if name not in ACTION_CHANGEABLE:
                raise ValueError(f"field must be one of {ACTION_CHANGEABLE}, got {name!r}")
        check_lengths("actions", values)
        self._conn.execute(actions.update().where(actions.c.id == action_id).values(**values))

    def add_actor(self, row: Mapping[str, Any]) -> None:
        check_lengths("zone_actors", row)
        self._conn.execute(zone_actors.insert().values(**row))

    def actor_leaves(self, actor_id: str, left_on: Any) -> bool:
        """Mark the organisation as gone and forget its contact person; False for an unknown one."""
        result = self._conn.execute(
            zone_actors.update()
            .where(zone_actors.c.id == actor_id)
            .values(left_on=left_on, contact_name="", contact_phone="")
        )
        return bool(result.rowcount)

    def add_meeting(self, row: Mapping[str, Any], decisions: Sequence[Mapping[str, Any]]) -> None:
        check_lengths("meetings", row)
        self._conn.execute(meetings.insert().values(**row))
        for decision in decisions:
            check_lengths("meeting_decisions", decision)
        if decisions:
            self._conn.execute(meeting_decisions.insert(), [dict(d) for d in decisions])

    def decision(self, decision_id: str) -> dict[str, Any] | None:
        query = (
            sa.select(meeting_decisions.c.id, meeting_decisions.c.text, meetings.c.zone_id, meetings.c.held_on)
            .join(meetings, meetings.c.id == meeting_decisions.c.meeting_id)
            .where(meeting_decisions.c.id == decision_id)
        )
        found = self._conn.execute(query).mappings().first()
        return None if found is None else dict(found)

    def add_activity(self, row: Mapping[str, Any]) -> None:
        check_lengths("promise_activities", row)
        self._conn.execute(promise_activities.insert().values(**row))

    def activity_zone(self, activity_id: str) -> str | None:
        """The zone of a medborgarlöfte's activity, or None for an unknown activity."""
        query = sa.select(promise_activities.c.zone_id).where(promise_activities.c.id == activity_id)
        return self._conn.execute(query).scalar()

    def add_log_entry(self, row: Mapping[str, Any]) -> None:
        check_lengths("promise_log", row)
        self._conn.execute(promise_log.insert().values(**row))


class ActionStore(StoreBase):
    """Actions, their reports, a zone's actors and meetings (mixed into `geo.store.Store`)."""

    @contextmanager
    def action_changes(self) -> Iterator[ActionChanges]:
        """One transaction of action (and report case) work: all of it is stored, or none."""
        with self.transaction() as conn:
            yield ActionChanges(self, conn)  # type: ignore[arg-type]  # self is a Store

    def action_rows(
        self, *, zone_id: str | None = None, action_ids: Sequence[str] | None = None, public_only: bool = False
    ) -> list[dict[str, Any]]:
        """Actions (every column) by due date, each with ``report_refs`` (the reference codes
        of the reports it answers, sorted); of one zone, of some ids, or only the public ones."""
        query = sa.select(actions).order_by(actions.c.due_date, actions.c.title, actions.c.id)
        if zone_id is not None:
            query = query.where(actions.c.zone_id == zone_id)
        if action_ids is not None:
            query = query.where(actions.c.id.in_(list(action_ids)))
        if public_only:
            query = query.where(actions.c.public.is_(True))
        with self.reading() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
            refs = _refs_of(conn, [r["id"] for r in rows])
        for row in rows:
            row["report_refs"] = tuple(sorted(refs.get(row["id"], ())))
        return rows

    def action_ids_of_report(self, report_id: str) -> list[str]:
        """The ids of the actions that answer a report."""
        query = sa.select(action_reports.c.action_id).where(action_reports.c.report_id == report_id)
        with self.reading() as conn:
            return list(conn.execute(query).scalars())

    def zone_actor_rows(self, zone_id: str) -> list[dict[str, Any]]:
        """A zone's organisations (those still in it first, then by name)."""
        query = (
            sa.select(zone_actors)
            .where(zone_actors.c.zone_id == zone_id)
            .order_by(zone_actors.c.left_on.is_not(None), zone_actors.c.organisation, zone_actors.c.id)
        )
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def actor_zone(self, actor_id: str) -> str | None:
        """The zone of an organisation of a platssamverkan (None: no such organisation)."""
        query = sa.select(zone_actors.c.zone_id).where(zone_actors.c.id == actor_id)
        with self.reading() as conn:
            return conn.execute(query).scalar()

    def meeting_rows(self, zone_id: str) -> list[dict[str, Any]]:
        """A zone's meetings, newest first, each with ``decisions`` (``id``, ``text``,
        ``action_id``: the action made of it, or None)."""
        query = sa.select(meetings).where(meetings.c.zone_id == zone_id).order_by(meetings.c.held_on.desc())
        with self.reading() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
            ids = [r["id"] for r in rows]
            decisions = (
                conn.execute(
                    sa.select(meeting_decisions, actions.c.id.label("action_id"))
                    .outerjoin(actions, actions.c.decision_id == meeting_decisions.c.id)
                    .where(meeting_decisions.c.meeting_id.in_(ids))
                    .order_by(meeting_decisions.c.position)
                )
                .mappings()
                .all()
                if ids
                else []
            )
        for row in rows:
            row["present"] = list(row["present"] or [])
            row["decisions"] = [
                {"id": d["id"], "text": d["text"], "action_id": d["action_id"]}
                for d in decisions
                if d["meeting_id"] == row["id"]
            ]
        return rows

    def promise_follow_up(self, zone_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A medborgarlöfte's activities (with how often and when last carried out) and its log."""
        with self.reading() as conn:
            return activity_rows(conn, zone_id), log_rows(conn, zone_id)


def _refs_of(conn: Connection, action_ids: Sequence[str]) -> dict[str, list[str]]:
    if not action_ids:
        return {}
    query = (
        sa.select(action_reports.c.action_id, reports.c.ref_code)
        .join(reports, reports.c.id == action_reports.c.report_id)
        .where(action_reports.c.action_id.in_(list(action_ids)))
    )
    found: dict[str, list[str]] = {}
    for action_id, code in conn.execute(query):
        found.setdefault(action_id, []).append(code)
    return found


def activity_rows(conn: Connection, zone_id: str) -> list[dict[str, Any]]:
    """A promise's activities in the order they were added, each with ``times`` (how often it
    was carried out) and ``last_done`` (the latest day, or None)."""
    query = (
        sa.select(
            promise_activities.c.id,
            promise_activities.c.text,
            sa.func.count(promise_log.c.id).label("times"),
            sa.func.max(promise_log.c.done_on).label("last_done"),
        )
        .outerjoin(promise_log, promise_log.c.activity_id == promise_activities.c.id)
        .where(promise_activities.c.zone_id == zone_id)
        .group_by(promise_activities.c.id, promise_activities.c.text, promise_activities.c.created_at)
        .order_by(promise_activities.c.created_at, promise_activities.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def log_rows(conn: Connection, zone_id: str) -> list[dict[str, Any]]:
    """A promise's log, newest day first: ``done_on``, ``activity`` (its text), ``note``."""
    query = (
        sa.select(promise_log.c.done_on, promise_activities.c.text.label("activity"), promise_log.c.note)
        .join(promise_activities, promise_activities.c.id == promise_log.c.activity_id)
        .where(promise_activities.c.zone_id == zone_id)
        .order_by(promise_log.c.done_on.desc(), promise_log.c.created_at.desc())
    )
    return [dict(r) for r in conn.execute(query).mappings()]
