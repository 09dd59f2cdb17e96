"""The database layer: URLs, connection errors, migrations matching the models, SQLite pragmas."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import backend.models  # noqa: F401
from backend.db import Database, DatabaseError, head_revision, normalise_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h:5433/db", "postgresql+asyncpg://u@h:5433/db"),
        ("postgresql+asyncpg://u:secret@h/db", "postgresql+asyncpg://u:secret@h/db"),
    ],
)
def test_urls_get_their_async_driver(url: str, expected: str) -> None:
    assert normalise_url(url).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "格式不对"),
        ("mysql://u@h/db", "不支持的数据库"),
        ("sqlite+pysqlite:///x.db", "不支持的数据库"),
        ("postgresql+asyncpg://u@h", "缺少库名"),
    ],
)
async def test_bad_urls_give_one_sentence(url: str, words: str) -> None:
    with pytest.raises(DatabaseError) as info:
        await Database.connect(url)
    message = str(info.value)
    assert words in message and "\n" not in message and message.endswith("。")


async def test_unreachable_server_gives_one_sentence() -> None:
    with pytest.raises(DatabaseError) as info:
        await Database.connect("postgresql+asyncpg://postgres:pw@127.0.0.1:1/nothing")
    message = str(info.value)
    assert message.startswith("连不上数据库") and "\n" not in message
    assert "pw" not in message  # the password is never shown


async def test_sqlite_file_directory_is_created_and_pragmas_set(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'a' / 'b' / 'x.db'}"
    db = await Database.connect(url)
    try:
        assert (tmp_path / "a" / "b").is_dir()
        async with db.session() as s:
            fk = (await s.execute(sa.text("PRAGMA foreign_keys"))).scalar()
            mode = (await s.execute(sa.text("PRAGMA journal_mode"))).scalar()
            busy = (await s.execute(sa.text("PRAGMA busy_timeout"))).scalar()
        assert (fk, mode) == (1, "wal") and busy and busy >= 5000
    finally:
        await db.dispose()


async def test_upgrade_from_empty_is_idempotent(db_url: str) -> None:
    db = await Database.connect(db_url)
    try:
        assert await db.current_revision() is None
        await db.upgrade()
        await db.upgrade()
        assert await db.current_revision() == head_revision()
    finally:
        await db.dispose()


async def test_concurrent_upgrades_do_not_collide(postgres_db_url: str) -> None:
    dbs = [await Database.connect(postgres_db_url) for _ in range(3)]
    try:
        await asyncio.gather(*(db.upgrade() for db in dbs))
        assert await dbs[0].current_revision() == head_revision()
    finally:
        for db in dbs:
            await db.dispose()


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    def diff(conn: sa.Connection) -> list[Any]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        return list(compare_metadata(ctx, SQLModel.metadata))

    async with database.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []


async def test_foreign_keys_are_enforced(database: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    async with database.session(write=True) as s:
        with pytest.raises(IntegrityError):
            await s.execute(
                sa.text(
                    "INSERT INTO assignments (case_id, agency_id, role, active, assigned_at) "
                    "VALUES (999, 'tax', 'lead', true, CURRENT_TIMESTAMP)"
                )
            )
            await s.commit()
