"""Staff sessions: one row per log-in, shared by every process of the app.

A row has a random id that only the server knows (the app's session state refers to it),
the SHA-256 of a one-time hand-off code that the browser trades for its cookie, and the
SHA-256 of the token in that HTTP-only cookie (tokens and codes are never stored). Writes
here do not bump the data version: a session is not map data. The rules (idle limit,
active account, how long a code lasts) are `geo.auth`'s; this module reads and writes rows.
Moments are aware (`geo.store.types.UTCDateTime`), as elsewhere in the store.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from geo.store.base import StoreBase
from geo.store.tables import staff_sessions, users


class SessionStore(StoreBase):
    """Staff sessions' rows (mixed into `geo.store.Store`)."""

    def insert_session(self, session_id: str, handoff_hash: str, username: str, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                staff_sessions.insert().values(
                    id=session_id,
                    handoff_hash=handoff_hash,
                    username=username,
                    created_at=now,
                    last_seen=now,
                )
            )

    def session_by_id(self, session_id: str) -> sa.Row | None:
        """The session's ``id`` and ``last_seen`` with its account's ``username``, ``role``, ``active``."""
        with self.engine.connect() as conn:
            return conn.execute(_account_query().where(staff_sessions.c.id == session_id)).first()

    def session_by_token(self, token_hash: str) -> sa.Row | None:
        """As `session_by_id`, found by the hash of the cookie's token."""
        with self.engine.connect() as conn:
            return conn.execute(_account_query().where(staff_sessions.c.token_hash == token_hash)).first()

    def trade_handoff(self, handoff_hash: str, token_hash: str, created_after: dt.datetime) -> bool:
        """Give the session whose unused hand-off code (made after ``created_after``) hashes to
        ``handoff_hash`` the cookie token hashing to ``token_hash``, and void the code.
        False for an unknown, used or stale code: each code is traded once."""
        with self.engine.begin() as conn:
            done = conn.execute(
                staff_sessions.update()
                .where(
                    staff_sessions.c.handoff_hash == handoff_hash,
                    staff_sessions.c.token_hash.is_(None),
                    staff_sessions.c.created_at > created_after,
                )
                .values(handoff_hash=None, token_hash=token_hash)
            )
            return done.rowcount == 1

    def touch_session(self, session_id: str, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(staff_sessions.update().where(staff_sessions.c.id == session_id).values(last_seen=now))

    def delete_session(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(staff_sessions.delete().where(staff_sessions.c.id == session_id))

    def delete_session_by_token(self, token_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == token_hash))

    def delete_sessions_of(self, username: str, *, keep: str | None = None) -> int:
        """Remove every session of ``username`` but the one with id ``keep``; how many were removed."""
        query = staff_sessions.delete().where(staff_sessions.c.username == username)
        if keep is not None:
            query = query.where(staff_sessions.c.id != keep)
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount

    def delete_sessions_seen_before(self, moment: dt.datetime) -> int:
        """Remove every session idle since before ``moment``; how many were removed."""
        with self.engine.begin() as conn:
            return conn.execute(staff_sessions.delete().where(staff_sessions.c.last_seen < moment)).rowcount


def _account_query() -> sa.Select:
    return sa.select(
        staff_sessions.c.id, staff_sessions.c.last_seen, users.c.username, users.c.role, users.c.active
    ).join(users, users.c.username == staff_sessions.c.username)
