"""Alembic migrations of the store's schema; `geo.schema` runs them."""
