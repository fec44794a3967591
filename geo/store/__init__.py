"""The store: every table of Trygghetskartan behind one SQLAlchemy 2 interface, and the
only package of `geo` that speaks SQL.

The embedded default is a SQLite file (``sqlite:///data/trygghet.db``); any other
SQLAlchemy URL (``TRYGG_DATABASE_URL``) selects another database (PostgreSQL + PostGIS).

Geometry is stored in EPSG:4326 so that it round-trips exactly: points as two
float64 columns (``lon``, ``lat``: degrees), polygons as WKB. Callers get
GeoDataFrames from `geo.layers`, not rows from here.

The modules, by what they hold:

- `geo.store.tables`: every table (`metadata`); `geo.store.schema` and
  ``geo/store/migrations/`` (Alembic) create and upgrade them;
- `geo.store.engine`: engines, `StoreError`, the data version;
- `geo.store.base`: opening, schema check, transactions, emptying (`StoreBase`);
- `geo.store.reports`: one report in; reports out, counted or located, asked for with a
  `ReportQuery` (filters, box, zone, order, paging);
- `geo.store.stats`: reports counted per category, feeling, time of day, status, hour, ...
  (``GROUP BY`` in SQL), for the statistics page and the lägesbild;
- `geo.store.bulk`: many reports at once (``executemany``/``COPY``);
- `geo.store.types`: `UTCDateTime`, aware moments in and out;
- `geo.store.places`: categories, meeting places, zones, the boundary, the gazetteer;
- `geo.store.features`: any simple layer's rows, by the table its registry entry names;
- `geo.store.cases`: staff's changes to reports and their audit trail;
- `geo.store.actions`: åtgärder, the reports they answer, a zone's actors and meetings;
- `geo.store.accounts`: staff accounts;
- `geo.store.audit`: the audit log of staff actions (the rules are `geo.audit`'s);
- `geo.store.limits`: rate limits shared by every process;
- `geo.store.outbox`: e-mails waiting to be sent, claimed by one sender each; staff's mail settings;
- `geo.store.codes`: reference codes;
- `geo.store.sessions`: staff sessions (rows only; the rules are `geo.auth`'s);
- `geo.store.settings`: the deployment's settings and its first-time set-up (`geo.municipality`);
- `geo.store.retention`: removing what is kept no longer, withdrawals, claims on background jobs.

`Store` joins the parts; ``from geo.store import Store`` is all a caller needs.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from geo.store.accounts import UserChangeRefused, UserStore
from geo.store.actions import ActionStore
from geo.store.audit import AuditStore
from geo.store.bulk import BulkStore
from geo.store.cases import CaseStore
from geo.store.codes import REF_CODE_ALPHABET, REF_CODE_LENGTH, new_ref_code
from geo.store.engine import StoreError, make_engine, safe_url, utcnow
from geo.store.features import FeatureStore
from geo.store.limits import LimitStore
from geo.store.outbox import OutboxStore
from geo.store.places import PlaceStore, StaleEdit
from geo.store.reports import ReportQuery
from geo.store.retention import Removed, RetentionStore
from geo.store.sessions import SessionStore
from geo.store.settings import SettingsStore
from geo.store.stats import StatsStore
from geo.store.tables import TooLong, column_length, max_length

__all__ = [
    "REF_CODE_ALPHABET",
    "REF_CODE_LENGTH",
    "Connection",
    "Removed",
    "ReportQuery",
    "StaleEdit",
    "Store",
    "StoreError",
    "TooLong",
    "UserChangeRefused",
    "column_length",
    "make_engine",
    "max_length",
    "new_ref_code",
    "safe_url",
    "utcnow",
]


class Store(
    StatsStore,
    BulkStore,
    CaseStore,
    ActionStore,
    PlaceStore,
    FeatureStore,
    UserStore,
    SessionStore,
    LimitStore,
    AuditStore,
    OutboxStore,
    SettingsStore,
    RetentionStore,
):
    """All reads and writes of the application's data.

    >>> store = Store.open("sqlite://")  # in memory
    >>> store.count_reports()
    0
    """
