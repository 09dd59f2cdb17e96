"""Alembic environment, async-aware.

Normally ``Database.upgrade()`` hands us an open connection (``config.attributes``). Run by
the ``alembic`` tool instead, we build an async engine from ``YICHUANG_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (registers the tables on the metadata)

target_metadata = SQLModel.metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    from backend.db import Database
    from backend.settings import Settings

    db = await Database.connect(Settings().database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_run)
    finally:
        await db.dispose()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_with_own_engine())


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; use `yichuang db upgrade`")
run_migrations_online()
