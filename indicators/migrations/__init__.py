"""Alembic migrations of the store (run by :func:`indicators.store.Store.migrate`)."""
