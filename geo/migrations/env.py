"""Alembic's environment: runs on the connection `geo.schema` hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the migrations through geo.schema.upgrade (python -m geo db upgrade)")
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
