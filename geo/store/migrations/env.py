"""Alembic's environment. `geo.store.schema` hands over an open connection (no alembic.ini needed);
run from Alembic's own command line (``alembic -c geo/store/migrations/alembic.ini revision -m …``
to start a new revision), it connects to ``TRYGG_DATABASE_URL`` instead."""

from __future__ import annotations

from alembic import context

from geo.config import load_settings
from geo.store.engine import make_engine


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(load_settings().database_url)
    with engine.begin() as own:
        _run(own)
    engine.dispose()
