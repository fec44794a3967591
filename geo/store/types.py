"""Column types of the store's own.

`UTCDateTime`: every moment is stored as naive UTC (SQLite has no time zones; the
PostgreSQL columns are ``timestamp without time zone``), but the rest of the code only
ever hands in and gets back time-zone aware `datetime`s: the conversion happens here,
once, instead of by hand at every query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A moment: aware `datetime` in (any zone; naive ones are refused with
    `ValueError`), aware UTC `datetime` out; stored as naive UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise ValueError(f"a moment must be a datetime.datetime, got {type(value).__name__} {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a moment must carry a time zone, got the naive {value!r}")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)
