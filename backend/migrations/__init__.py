"""Alembic migrations (run with ``yichuang db upgrade`` or ``Database.upgrade()``)."""
