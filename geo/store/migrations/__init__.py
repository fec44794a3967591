"""Alembic migrations of the store's schema; `geo.store.schema` runs them."""
