"""PostgreSQL for the browser tests' server thread: databases made and dropped by hand (the
shared fixtures' databases belong to the test's event loop, the server has its own)."""

from __future__ import annotations

import os

import pytest

HOST = os.environ.get("YICHUANG_TEST_PG_HOST", "127.0.0.1")
PORT = int(os.environ.get("YICHUANG_TEST_PG_PORT", "5432"))
USER = os.environ.get("YICHUANG_TEST_PG_USER", "postgres")
ADMIN_DB = os.environ.get("YICHUANG_TEST_PG_DB", "test")


def url(database: str) -> str:
    return f"postgresql+asyncpg://{USER}@{HOST}:{PORT}/{database}"


async def admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=HOST, port=PORT, user=USER, database=ADMIN_DB, timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def need_postgres(reason: str | None) -> None:
    """Skip without PostgreSQL, unless YICHUANG_REQUIRE_POSTGRES=1 (CI): then fail."""
    if reason is None:
        return
    if os.environ.get("YICHUANG_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}；YICHUANG_REQUIRE_POSTGRES=1，PostgreSQL 测试必须运行")
    pytest.skip(reason)
