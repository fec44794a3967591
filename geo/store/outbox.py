"""The outbox: e-mails waiting to be sent, and the rows a sender claims so that each goes at
most once, however many processes send at the same time.

A message is written by `add_message` inside the transaction of the change that causes it
(a report sent, published, its status changed), so it exists exactly when the change does.
A sender claims due rows in one statement (`OutboxStore.claim_messages`): on PostgreSQL the
candidates are read ``FOR UPDATE SKIP LOCKED`` (two senders never wait for, nor take, each
other's rows); on SQLite the claiming ``UPDATE`` holds the file's write lock. A claimed row is
``sending`` and no other sender takes it again; it ends ``sent``, ``failed`` (given up,
shown to the admin), ``dropped`` (no one to send it to) or, after a temporary failure,
``pending`` again with a later ``next_attempt_at``. A resident's messages go in the order
they were written: a message waits while an older one of the same report is unsent.

A resident's address is never copied here: it is read from ``report_contacts`` when the
message is sent (`OutboxStore.recipient`), and deleted in the same transaction that marks the
case's last message sent. Writes here do not bump the data version: mail is not map data.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from geo.store.base import StoreBase
from geo.store.tables import check_lengths, meta, outbox, report_contacts, reports, staff_mail, users

PENDING, SENDING, SENT, FAILED, DROPPED = "pending", "sending", "sent", "failed", "dropped"
STATES = (PENDING, SENDING, SENT, FAILED, DROPPED)
UNSENT = (PENDING, SENDING)
"""States of a message that may still go out: a later message of the same report waits for it."""


@dataclass(frozen=True)
class ContactFacts:
    """What a change needs to write a resident's message, never the address itself."""

    ref_code: str
    language: str
    closing: bool
    """The case's last message is already waiting: nothing more is written after it."""


def add_message(conn: Connection, values: Mapping[str, Any], *, now: dt.datetime) -> int:
    """Write one pending message (columns of ``outbox``) in the caller's transaction."""
    row = {
        "forget_contact": False,
        **values,
        "state": PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "last_error": "",
    }
    check_lengths("outbox", row)
    return int(conn.execute(outbox.insert().values(**row)).inserted_primary_key[0])


def contact_facts(conn: Connection, report_id: str) -> ContactFacts | None:
    """The reference code and language of a report whose resident gave an address (None when
    none did, or it is gone), read in the caller's transaction."""
    row = conn.execute(
        sa.select(reports.c.ref_code, reports.c.language)
        .select_from(reports.join(report_contacts, report_contacts.c.report_id == reports.c.id))
        .where(reports.c.id == report_id)
    ).first()
    if row is None:
        return None
    closing = conn.execute(
        sa.select(sa.literal(1)).where(
            outbox.c.report_id == report_id, outbox.c.forget_contact.is_(True), outbox.c.state.in_(UNSENT)
        )
    ).first()
    return ContactFacts(row.ref_code, row.language or "sv", closing is not None)


def forget_contact(conn: Connection, report_id: str) -> None:
    """Delete the resident's address for this report, in the caller's transaction."""
    conn.execute(report_contacts.delete().where(report_contacts.c.report_id == report_id))


def mail_secret(conn: Connection) -> str:
    """The key that signs stop links when ``TRYGG_MAIL_SECRET`` is unset: drawn once, kept in
    ``meta`` (so every process signs alike), read in the caller's transaction."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(meta)
    conn.execute(insert.values(key="mail_secret", value=secrets.token_hex(32)).on_conflict_do_nothing())
    return str(conn.execute(sa.select(meta.c.value).where(meta.c.key == "mail_secret")).scalar_one())


class OutboxStore(StoreBase):
    """The outbox and staff members' mail settings (mixed into `geo.store.Store`). Moments are
    UTC-aware."""

    def claim_messages(self, claim: str, *, now: dt.datetime, limit: int) -> list[dict[str, Any]]:
        """Take up to ``limit`` due messages for the sender ``claim`` (a random id), oldest
        first, and return them; no other sender will get them."""
        older = outbox.alias("older")
        waits = sa.exists().where(
            older.c.report_id == outbox.c.report_id, older.c.id < outbox.c.id, older.c.state.in_(UNSENT)
        )
        due = (
            sa.select(outbox.c.id)
            .where(outbox.c.state == PENDING, outbox.c.next_attempt_at <= now, ~waits)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if self.engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True, of=outbox)
        with self.engine.begin() as conn:
            conn.execute(
                outbox.update()
                .where(outbox.c.id.in_(due.scalar_subquery()), outbox.c.state == PENDING)
                .values(state=SENDING, claim=claim, claimed_at=now)
            )
            rows = conn.execute(
                sa.select(outbox).where(outbox.c.claim == claim, outbox.c.state == SENDING).order_by(outbox.c.id)
            )
            return [dict(r) for r in rows.mappings()]

    def recipient(self, message: Mapping[str, Any]) -> str | None:
        """The address a claimed message goes to: the resident's (for a report) or the staff
        member's; None when there is none any more (the resident asked to stop)."""
        if message.get("report_id"):
            query = sa.select(report_contacts.c.email).where(report_contacts.c.report_id == message["report_id"])
        else:
            query = sa.select(staff_mail.c.email).where(staff_mail.c.username == message.get("username"))
        with self.reading() as conn:
            return conn.execute(query).scalar()

    def message_sent(self, message_id: int, *, now: dt.datetime) -> None:
        """Mark a claimed message sent; if it was the case's last one, delete the resident's
        address in the same transaction (and only now that it has gone)."""
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(outbox.c.report_id, outbox.c.forget_contact).where(outbox.c.id == message_id)
            ).first()
            conn.execute(
                outbox.update()
                .where(outbox.c.id == message_id)
                .values(state=SENT, sent_at=now, attempts=outbox.c.attempts + 1, last_error="")
            )
            if row is not None and row.forget_contact and row.report_id:
                forget_contact(conn, row.report_id)

    def message_failed(self, message_id: int, error: str, *, retry_at: dt.datetime | None) -> None:
        """A claimed message did not go: back to ``pending`` until ``retry_at``, or ``failed``
        (given up, for the admin to see) when ``retry_at`` is None."""
        values: dict[str, Any] = {"attempts": outbox.c.attempts + 1, "last_error": error[:500], "claim": None}
        values |= {"state": PENDING, "next_attempt_at": retry_at} if retry_at else {"state": FAILED}
        with self.engine.begin() as conn:
            conn.execute(outbox.update().where(outbox.c.id == message_id).values(**values))

    def message_dropped(self, message_id: int, reason: str) -> None:
        """A claimed message has no one to go to (the resident stopped messages): kept as
        ``dropped``, never sent."""
        with self.engine.begin() as conn:
            conn.execute(
                outbox.update().where(outbox.c.id == message_id).values(state=DROPPED, last_error=reason, claim=None)
            )

    def release_messages(self, message_ids: list[int]) -> None:
        """Give claimed messages back untried (the server could not be reached for an earlier one)."""
        if not message_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                outbox.update()
                .where(outbox.c.id.in_(message_ids), outbox.c.state == SENDING)
                .values(state=PENDING, claim=None, claimed_at=None)
            )

    def retry_message(self, message_id: int, *, now: dt.datetime) -> bool:
        """Send a failed or interrupted message again (an admin's choice); False when it is
        neither."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                outbox.update()
                .where(outbox.c.id == message_id, outbox.c.state.in_((FAILED, SENDING)))
                .values(state=PENDING, next_attempt_at=now, claim=None, claimed_at=None)
            ).rowcount
        return bool(changed)

    def stop_messages(self, report_id: str) -> bool:
        """The resident asked for no more messages about this report: their address is deleted
        and the report's waiting messages dropped, in one transaction. False when there was no
        address (already stopped, or the case closed)."""
        with self.engine.begin() as conn:
            deleted = conn.execute(report_contacts.delete().where(report_contacts.c.report_id == report_id)).rowcount
            conn.execute(
                outbox.update()
                .where(outbox.c.report_id == report_id, outbox.c.state == PENDING)
                .values(state=DROPPED, last_error="stopped by the resident")
            )
        return bool(deleted)

    def has_contact(self, report_id: str) -> bool:
        """Whether the resident of this report can be written to (the address itself is never
        handed out)."""
        with self.reading() as conn:
            query = sa.select(sa.literal(1)).where(report_contacts.c.report_id == report_id)
            return conn.execute(query).first() is not None

    def report_ref(self, report_id: str) -> str | None:
        """The reference code of a report, or None."""
        with self.reading() as conn:
            return conn.execute(sa.select(reports.c.ref_code).where(reports.c.id == report_id)).scalar()

    def report_for_stop(self, ref_code: str) -> tuple[str, str] | None:
        """``(id, language)`` of the report with this reference code, or None."""
        with self.reading() as conn:
            row = conn.execute(
                sa.select(reports.c.id, reports.c.language).where(reports.c.ref_code == ref_code)
            ).first()
        return None if row is None else (row.id, row.language or "sv")

    def outbox_counts(self) -> dict[str, int]:
        """How many messages are in each state (every state named, 0 included)."""
        with self.reading() as conn:
            rows = conn.execute(sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state)).all()
        return {state: 0 for state in STATES} | {row[0]: int(row[1]) for row in rows}

    def outbox_troubles(self, *, stuck_before: dt.datetime, limit: int = 200) -> list[dict[str, Any]]:
        """Messages the admin should see, newest first: given up (``failed``), claimed before
        ``stuck_before`` and never finished (a sender stopped mid-way: it may or may not have
        gone), or waiting after a failed attempt. Kind, report code, language, state, attempts,
        last error and times; never an address or a body."""
        columns = [
            outbox.c.id,
            outbox.c.kind,
            reports.c.ref_code,
            outbox.c.username,
            outbox.c.language,
            outbox.c.state,
            outbox.c.attempts,
            outbox.c.created_at,
            outbox.c.next_attempt_at,
            outbox.c.last_error,
        ]
        trouble = sa.or_(
            outbox.c.state == FAILED,
            sa.and_(outbox.c.state == SENDING, outbox.c.claimed_at < stuck_before),
            sa.and_(outbox.c.state == PENDING, outbox.c.attempts > 0),
        )
        query = (
            sa.select(*columns)
            .select_from(outbox.outerjoin(reports, reports.c.id == outbox.c.report_id))
            .where(trouble)
            .order_by(outbox.c.id.desc())
            .limit(limit)
        )
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def messages_of(self, report_id: str) -> list[dict[str, Any]]:
        """The messages written about a report, oldest first (kind, state, subject, sent_at)."""
        query = (
            sa.select(outbox.c.id, outbox.c.kind, outbox.c.state, outbox.c.subject, outbox.c.sent_at)
            .where(outbox.c.report_id == report_id)
            .order_by(outbox.c.id)
        )
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def claim_day(self, key: str, day: str) -> bool:
        """Take ``day`` (``YYYY-MM-DD``) for a once-a-day job named ``key``: True for the one
        process that takes it, False for every other and on every later call that day."""
        name = f"day:{key}"
        with self.engine.begin() as conn:
            insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(meta)
            conn.execute(insert.values(key=name, value="").on_conflict_do_nothing())
            taken = conn.execute(meta.update().where(meta.c.key == name, meta.c.value < day).values(value=day)).rowcount
        return bool(taken)

    def staff_mail(self, username: str) -> dict[str, Any] | None:
        """A staff member's own mail settings (``email``, ``digest``, ``language``), or None."""
        with self.reading() as conn:
            row = conn.execute(sa.select(staff_mail).where(staff_mail.c.username == username)).mappings().first()
        return None if row is None else dict(row)

    def set_staff_mail(self, username: str, *, email: str | None, digest: bool, language: str) -> None:
        """Set (or, with no ``email``, remove) a staff member's address and digest choice."""
        with self.engine.begin() as conn:
            conn.execute(staff_mail.delete().where(staff_mail.c.username == username))
            if email:
                values = {"username": username, "email": email, "digest": digest, "language": language}
                check_lengths("staff_mail", values)
                conn.execute(staff_mail.insert().values(**values))

    def digest_recipients(self) -> list[dict[str, Any]]:
        """``username`` and ``language`` of every active staff member who asked for the digest."""
        query = (
            sa.select(staff_mail.c.username, staff_mail.c.language)
            .select_from(staff_mail.join(users, users.c.username == staff_mail.c.username))
            .where(staff_mail.c.digest.is_(True), users.c.active.is_(True))
            .order_by(staff_mail.c.username)
        )
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def queue_messages(self, messages: list[Mapping[str, Any]], *, now: dt.datetime) -> int:
        """Write several pending messages in one transaction (the digest); how many."""
        with self.engine.begin() as conn:
            for values in messages:
                add_message(conn, values, now=now)
        return len(messages)

    def stored_mail_secret(self) -> str:
        """`mail_secret` in a transaction of its own."""
        with self.engine.begin() as conn:
            return mail_secret(conn)
