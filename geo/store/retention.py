"""Storage limitation in SQL: removing what `geo.retention` says is kept no longer, a
resident's withdrawal of their own report, and the claim on background jobs that lets one
process of several run a job at a time.

Invented demo reports (``source = 'demo'``) hold no one's data and are left alone, so the
demo keeps its texts and its two years of reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.config import LOCAL_TIME_ZONE
from geo.model import Moderation, Source, Status
from geo.store.base import StoreBase
from geo.store.outbox import DROPPED, FAILED, SENT
from geo.store.tables import (
    jobs,
    outbox,
    rate_events,
    report_archive,
    report_contacts,
    report_events,
    reports,
    staff_sessions,
)

CLOSED = tuple(s.value for s in Status if not s.is_open)
FINISHED = (SENT, FAILED, DROPPED)
"""Outbox states of a message that will not be sent again (its text is kept no longer than a closed case's)."""


@dataclass(frozen=True)
class Removed:
    """What one run of retention removed, counted (never what it was)."""

    texts: int = 0
    """closed reports whose free text was removed"""
    contacts: int = 0
    """contact e-mails removed"""
    notes: int = 0
    """moderators' notes removed (a rejection's own words; its kind is kept)"""
    reports: int = 0
    """reports removed by age"""
    archived: int = 0
    """of those, published reports counted in ``report_archive`` first"""
    sessions: int = 0
    """staff sessions idle for longer than a session lasts"""
    rate_events: int = 0
    """rate-limit rows older than their window"""
    messages: int = 0
    """e-mails written before the text cut-off that have gone, were given up or stopped"""


class RetentionStore(StoreBase):
    """Retention, withdrawal and job claims (mixed into `geo.store.Store`)."""

    def apply_retention(
        self,
        *,
        closed_before: dt.datetime,
        created_before: dt.datetime,
        aggregate: bool,
        reason_kind: Callable[[str], str],
        idle_before: dt.datetime | None = None,
        rate_before: dt.datetime | None = None,
        then: Callable[[Connection, Removed], None] | None = None,
    ) -> Removed:
        """In ONE transaction (all of it or, on any error, nothing): remove every report made
        before ``created_before`` with its history and contact, counting the published ones
        first in ``report_archive`` when ``aggregate``; then, of every report that is closed
        and last changed before ``closed_before``, remove the free text, the contact e-mail and
        the moderator's note (the rejection's reason becomes its kind, ``reason_kind(reason)``,
        so the resident's status page still says why); the e-mails written before
        ``closed_before`` that are sent, given up or dropped; and the staff sessions last seen
        before ``idle_before`` and rate-limit rows from before ``rate_before``;
        finally ``then(conn, removed)`` in the same transaction (the audit log's row). Moments
        are aware."""
        with self.transaction() as conn:
            archived = _archive(conn, created_before) if aggregate else 0
            removed, old_contacts = _delete_old(conn, created_before)
            texts, contacts, notes = _clear_closed(conn, closed_before, reason_kind)
            sessions = (
                0
                if idle_before is None
                else conn.execute(staff_sessions.delete().where(staff_sessions.c.last_seen < idle_before)).rowcount
            )
            rates = (
                0
                if rate_before is None
                else conn.execute(rate_events.delete().where(rate_events.c.at < rate_before)).rowcount
            )
            messages = conn.execute(
                outbox.delete().where(outbox.c.state.in_(FINISHED), outbox.c.created_at < closed_before)
            ).rowcount
            done = Removed(texts, contacts + old_contacts, notes, removed, archived, sessions, rates, messages)
            if then is not None:
                then(conn, done)
        return done

    def archived_counts(self) -> pd.DataFrame:
        """``report_archive``: month (first day, local), category, feeling, time_of_day, reports."""
        with self.reading() as conn:
            frame = pd.read_sql_query(sa.select(report_archive).order_by(*report_archive.primary_key), conn)
        return frame

    def withdraw_report(self, ref_code: str, *, then: Callable[[Connection], None] | None = None) -> bool:
        """Delete the report with this reference code (exact, upper case), its history and its
        contact, then ``then(conn)`` (the audit log's row), in one transaction; False when
        there is no such report (nothing written)."""
        with self.transaction() as conn:
            found = conn.execute(sa.select(reports.c.id).where(reports.c.ref_code == ref_code)).scalar()
            if found is None:
                return False
            _delete_reports(conn, reports.c.id == found)
            if then is not None:
                then(conn)
        return True

    # -- background jobs shared by every process -----------------------------

    def claim_job(self, name: str, holder: str, *, now: dt.datetime, lease: dt.timedelta, due: dt.timedelta) -> bool:
        """Claim job ``name`` for ``holder`` until ``now + lease`` if no one holds it and it
        last finished at least ``due`` ago (or never). One conditional ``UPDATE``: of several
        processes asking at once, exactly one gets True."""
        try:
            with self.engine.begin() as conn:
                conn.execute(jobs.insert().values(name=name, last_result=""))
        except sa.exc.IntegrityError:
            pass  # the row exists (or another process made it just now)
        with self.engine.begin() as conn:
            claimed = conn.execute(
                jobs.update()
                .where(
                    jobs.c.name == name,
                    sa.or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now),
                    sa.or_(jobs.c.last_finished.is_(None), jobs.c.last_finished <= now - due),
                )
                .values(holder=holder, lease_until=now + lease)
            ).rowcount
        return claimed == 1

    def finish_job(self, name: str, holder: str, *, now: dt.datetime, result: str | None) -> None:
        """Let go of a job ``holder`` claimed; with a ``result`` (counts only) it counts as done
        at ``now``, without one (it failed) it is due again at once."""
        values: dict[str, object] = {"holder": None, "lease_until": None}
        if result is not None:
            values |= {"last_finished": now, "last_result": result[:500]}
        with self.engine.begin() as conn:
            conn.execute(jobs.update().where(jobs.c.name == name, jobs.c.holder == holder).values(**values))

    def job_state(self, name: str) -> dict[str, object] | None:
        """The job's row (holder, lease_until, last_finished, last_result), or None before its first claim."""
        with self.reading() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.name == name)).mappings().first()
        return None if row is None else dict(row)


def _not_demo() -> sa.ColumnElement[bool]:
    return reports.c.source != Source.DEMO.value


def _clear_closed(
    conn: Connection, closed_before: dt.datetime, reason_kind: Callable[[str], str]
) -> tuple[int, int, int]:
    closed = [reports.c.status.in_(CLOSED), reports.c.updated_at < closed_before, _not_demo()]
    ids = sa.select(reports.c.id).where(*closed)
    texts = conn.execute(reports.update().where(*closed, reports.c.text != "").values(text="")).rowcount
    contacts = conn.execute(report_contacts.delete().where(report_contacts.c.report_id.in_(ids))).rowcount
    notes = 0
    reasons = conn.execute(sa.select(reports.c.moderation_reason).where(*closed).distinct()).scalars().all()
    for reason in reasons:
        kind = reason_kind(reason) if reason else ""
        if kind != reason:
            notes += conn.execute(
                reports.update().where(*closed, reports.c.moderation_reason == reason).values(moderation_reason=kind)
            ).rowcount
    conn.execute(
        report_events.update()
        .where(report_events.c.field == "moderation", report_events.c.comment != "", report_events.c.report_id.in_(ids))
        .values(comment="")
    )
    return texts, contacts, notes


def _archive(conn: Connection, created_before: dt.datetime) -> int:
    """Add the published reports made before ``created_before`` to ``report_archive``: counts
    per local month, category, feeling and time of day. Returns how many were counted."""
    keys = ["category", "feeling", "time_of_day"]
    query = sa.select(sa.type_coerce(reports.c.created_at, sa.DateTime()).label("created_at"), *reports.c[*keys]).where(
        reports.c.created_at < created_before, _not_demo(), reports.c.moderation == Moderation.PUBLISHED.value
    )
    frame = pd.read_sql_query(query, conn)
    if frame.empty:
        return 0
    local = pd.to_datetime(frame["created_at"]).dt.tz_localize("UTC").dt.tz_convert(LOCAL_TIME_ZONE)
    frame["month"] = [dt.date(year, month, 1) for year, month in zip(local.dt.year, local.dt.month, strict=True)]
    counts = frame.groupby(["month", *keys]).size()
    for (month, category, feeling, time_of_day), count in counts.items():
        where = [
            report_archive.c.month == month,
            report_archive.c.category == category,
            report_archive.c.feeling == feeling,
            report_archive.c.time_of_day == time_of_day,
        ]
        added = conn.execute(
            report_archive.update().where(*where).values(reports=report_archive.c.reports + int(count))
        ).rowcount
        if not added:
            conn.execute(
                report_archive.insert().values(
                    month=month, category=category, feeling=feeling, time_of_day=time_of_day, reports=int(count)
                )
            )
    return len(frame)


def _delete_old(conn: Connection, created_before: dt.datetime) -> tuple[int, int]:
    return _delete_reports(conn, sa.and_(reports.c.created_at < created_before, _not_demo()))


def _delete_reports(conn: Connection, condition: sa.ColumnElement[bool]) -> tuple[int, int]:
    """Delete the reports matching ``condition`` with their history and contact; (reports, contacts)."""
    ids = sa.select(reports.c.id).where(condition)
    conn.execute(report_events.delete().where(report_events.c.report_id.in_(ids)))
    contacts = conn.execute(report_contacts.delete().where(report_contacts.c.report_id.in_(ids))).rowcount
    removed = conn.execute(reports.delete().where(condition)).rowcount
    return removed, contacts
