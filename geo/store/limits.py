"""Rate limits kept in the database, so that they hold across every process of the app.

A bucket names who is limited (``"all"`` for everyone together, ``"session:<random id>"``
for one browser session; never an IP address). Each accepted submission leaves one row per
bucket with its time; a submission is accepted when every one of its buckets holds fewer
rows than its limit within the window. The check and the insert are one transaction,
serialised per bucket (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so
two processes cannot both take the last slot. The policy (which buckets, what limits) is
`geo.reporting`'s. Writes here do not bump the data version: a rate event is not map data.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Mapping

import sqlalchemy as sa

from geo.store.base import StoreBase
from geo.store.tables import rate_events


class LimitStore(StoreBase):
    """Rate-limit buckets (mixed into `geo.store.Store`)."""

    def take_rate_slot(self, limits: Mapping[str, int], *, window: dt.timedelta, now: dt.datetime) -> int:
        """Record one submission in every bucket of ``limits`` (bucket → most submissions per
        ``window``) if each has room; returns 0 when recorded, else the seconds until the
        fullest bucket has room again (nothing recorded)."""
        since = now - window
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif self.engine.dialect.name == "postgresql":
                for bucket in sorted(limits):
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(zlib.crc32(bucket.encode()))))
            wait = 0
            for bucket, limit in limits.items():
                conn.execute(rate_events.delete().where(rate_events.c.bucket == bucket, rate_events.c.at <= since))
                times = (
                    conn.execute(
                        sa.select(rate_events.c.at)
                        .where(rate_events.c.bucket == bucket)
                        .order_by(rate_events.c.at.desc())
                        .limit(max(limit, 1))
                    )
                    .scalars()
                    .all()
                )
                if len(times) >= limit:
                    oldest_counted = times[-1] if times else now
                    wait = max(wait, max(1, math.ceil((oldest_counted + window - now).total_seconds())))
            if not wait:
                conn.execute(rate_events.insert(), [{"bucket": bucket, "at": now} for bucket in limits])
            conn.commit()
        return wait
