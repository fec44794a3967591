"""Cases: changes to stored reports by staff (moderation, status, redaction, duplicates)
with their audit trail, in one transaction at a time (`CaseStore.case_changes`).

The rules (who may, what a rejection closes) are `geo.moderation`'s; this module only
reads and writes. Rows are read ``FOR UPDATE`` (on PostgreSQL; SQLite locks the whole
file for a writer), so two moderators at once never both log the same "from" value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.store.base import StoreBase
from geo.store.tables import check_lengths, report_contacts, report_events, reports

CHANGEABLE = ("moderation", "moderation_reason", "status", "public_comment", "text", "updated_at")
"""The columns of a report that staff change."""


@dataclass(frozen=True)
class ReportState:
    moderation: str
    status: str


class CaseChanges:
    """The reads and writes of one transaction of case work (see `CaseStore.case_changes`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def conn(self) -> Connection:
        """The transaction's connection, for writing what the change causes (`geo.outbox.enqueue`)."""
        return self._conn

    def lock(self, report_ids: Sequence[str]) -> dict[str, ReportState]:
        """The moderation and status of those of ``report_ids`` that exist, their rows locked
        until the transaction ends."""
        rows = self._conn.execute(
            sa.select(reports.c.id, reports.c.moderation, reports.c.status)
            .where(reports.c.id.in_(list(report_ids)))
            .with_for_update()
        ).all()
        return {row.id: ReportState(row.moderation, row.status) for row in rows}

    def current(self, report_id: str, field: str) -> str:
        """The report's ``field`` (a column of `CHANGEABLE`), its row locked until the
        transaction ends; KeyError for an unknown report."""
        value = self._conn.execute(
            sa.select(reports.c[_changeable(field)]).where(reports.c.id == report_id).with_for_update()
        ).scalar()
        if value is None:
            raise KeyError(f"no such report: {report_id!r}")
        return str(value)

    def id_of(self, ref_code: str) -> str | None:
        """The id of the report with this reference code (exact), or None."""
        return self._conn.execute(sa.select(reports.c.id).where(reports.c.ref_code == ref_code)).scalar()

    def update(self, report_id: str, **values: Any) -> None:
        """Set columns of `CHANGEABLE` (moments aware)."""
        for name in values:
            _changeable(name)
        check_lengths("reports", values)
        self._conn.execute(reports.update().where(reports.c.id == report_id).values(**values))

    def add_supporter(self, report_id: str) -> None:
        self._conn.execute(
            reports.update().where(reports.c.id == report_id).values(supporters=reports.c.supporters + 1)
        )

    def forget_contact(self, report_id: str) -> None:
        """Delete the resident's e-mail for this report."""
        self._conn.execute(report_contacts.delete().where(report_contacts.c.report_id == report_id))

    def record(
        self, report_id: str, *, at: dt.datetime, actor: str, field: str, before: str, after: str, comment: str
    ) -> None:
        """One audit row: who changed which field of a report from what to what, and why."""
        check_lengths("report_events", {"actor": actor, "from_value": before, "to_value": after, "comment": comment})
        self._conn.execute(
            report_events.insert().values(
                report_id=report_id,
                at=at,
                actor=actor,
                field=field,
                from_value=before,
                to_value=after,
                comment=comment,
            )
        )


class CaseStore(StoreBase):
    """Case work on reports and its audit trail (mixed into `geo.store.Store`)."""

    @contextmanager
    def case_changes(self) -> Iterator[CaseChanges]:
        """One transaction of case work: all of it is stored, or (on any error) none."""
        with self.transaction() as conn:
            yield CaseChanges(conn)

    def report_events(self, report_id: str) -> list[dict[str, Any]]:
        """The audit rows of a report, oldest first (``at`` UTC-aware)."""
        query = (
            sa.select(report_events)
            .where(report_events.c.report_id == report_id)
            .order_by(report_events.c.at, report_events.c.id)
        )
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]


def _changeable(field: str) -> str:
    if field not in CHANGEABLE:
        raise ValueError(f"field must be one of {CHANGEABLE}, got {field!r}")
    return field
