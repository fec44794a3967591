"""The audit log's rows (``audit_log``): written and read in domain terms by `geo.audit`,
which decides what is recorded and who may read it. Writes do not bump the data version:
an audit row is not map data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.store.base import StoreBase
from geo.store.tables import audit_log, check_lengths


class AuditStore(StoreBase):
    """Audit rows (mixed into `geo.store.Store`). Moments are UTC-aware."""

    def add_audit(
        self,
        *,
        at: dt.datetime,
        actor: str,
        action: str,
        target: str,
        detail: Mapping[str, str],
        conn: Connection | None = None,
    ) -> None:
        """One row; inside ``conn``'s transaction when given (it commits or rolls back with the
        change it records), else in a transaction of its own. `TooLong` for a text longer than
        its column."""
        values = {"at": at, "actor": actor, "action": action, "target": target, "detail": dict(detail)}
        check_lengths("audit_log", values)
        if conn is not None:
            conn.execute(audit_log.insert().values(**values))
            return
        with self.engine.begin() as own:
            own.execute(audit_log.insert().values(**values))

    def audit_rows(
        self,
        *,
        action_prefix: str = "",
        actor: str = "",
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Rows newest first (ties: the later written first), those whose action starts with
        ``action_prefix``, by ``actor``, at or after ``since`` and before ``until`` (UTC)."""
        query = sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        if action_prefix:
            query = query.where(audit_log.c.action.startswith(action_prefix, autoescape=True))
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at < until)
        if limit is not None:
            query = query.limit(limit)
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def audit_actors(self) -> list[str]:
        """Every actor the log names, by name."""
        with self.reading() as conn:
            found = conn.execute(sa.select(audit_log.c.actor).distinct().order_by(audit_log.c.actor))
            return [str(v) for v in found.scalars()]
