"""Shared fixtures: databases (SQLite and PostgreSQL), the example county, the case service, a
frozen clock.

Databases: ``database`` is parametrised over SQLite and PostgreSQL and gives each test a fresh,
migrated database (copied from a template migrated once per session, so tests stay fast).
PostgreSQL runs at 127.0.0.1:5432 (trust auth, user postgres, database test); when it is not
reachable the PostgreSQL variants skip, unless YICHUANG_REQUIRE_POSTGRES=1, then they fail.

Fixtures:
    db_url            fresh EMPTY database URL (sqlite tmp file | postgres yc_<random>)
    database          fresh migrated ``Database`` (sqlite | postgres)
    sqlite_database   the same, SQLite only        postgres_database   PostgreSQL only
    sqlite_db_url     fresh empty SQLite URL       postgres_db_url     fresh empty PG URL
    county            the packaged example county (session scope, immutable)
    clock             a ``FrozenClock`` at Monday 2026-03-02 09:00 Beijing time
    make_clock        factory: ``make_clock(datetime)`` -> FrozenClock
    case_service      ``CaseService(county, database, clock)``
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

PG_HOST = os.environ.get("YICHUANG_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("YICHUANG_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("YICHUANG_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("YICHUANG_TEST_PG_DB", "test")
BEIJING = ZoneInfo("Asia/Shanghai")


def pg_url(database: str, driver: str = "postgresql+asyncpg") -> str:
    return f"{driver}://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


# --- clock -------------------------------------------------------------------------------


@dataclass
class FrozenClock:
    """A clock the test moves by hand: ``clock()`` -> aware UTC datetime."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, *, days: float = 0, hours: float = 0) -> datetime:
        self.now += timedelta(seconds=seconds, days=days, hours=hours)
        return self.now

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self.now = moment.astimezone(UTC)
        return self.now


@pytest.fixture
def make_clock() -> Callable[[datetime], FrozenClock]:
    def make(moment: datetime) -> FrozenClock:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
        return FrozenClock(moment.astimezone(UTC))

    return make


@pytest.fixture
def clock(make_clock: Callable[[datetime], FrozenClock]) -> FrozenClock:
    return make_clock(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))


# --- county ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def county() -> Any:
    from backend.config import load_county

    return load_county()


# --- PostgreSQL availability -------------------------------------------------------------


async def _pg_admin() -> Any:
    import asyncpg

    return await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB, timeout=3
    )


@pytest.fixture(scope="session")
def postgres_available() -> str | None:
    """None when reachable, else the reason."""

    async def probe() -> None:
        conn = await _pg_admin()
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"PostgreSQL {PG_HOST}:{PG_PORT} 不可达（{type(exc).__name__}: {exc}）"
    return None


def _need_postgres(reason: str | None) -> None:
    if reason is None:
        return
    if os.environ.get("YICHUANG_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}；YICHUANG_REQUIRE_POSTGRES=1，PostgreSQL 测试必须运行")
    pytest.skip(reason)


async def _pg_exec(sql: str) -> None:
    conn = await _pg_admin()
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _new_pg_name(prefix: str = "yc") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


# --- migrated templates (once per session) -----------------------------------------------


async def _migrate(url: str) -> None:
    from backend.db import Database

    db = await Database.connect(url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def _postgres_template(postgres_available: str | None) -> Iterator[str]:
    _need_postgres(postgres_available)
    name = _new_pg_name("yc_tpl")
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_migrate(pg_url(name)))
        yield name
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- per-test databases ------------------------------------------------------------------


@pytest.fixture
def sqlite_db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'yichuang.db'}"


@pytest.fixture
async def postgres_db_url(postgres_available: str | None) -> AsyncIterator[str]:
    _need_postgres(postgres_available)
    name = _new_pg_name()
    await _pg_exec(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        await _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty (not migrated) database URL on each backend."""
    fixture = "sqlite_db_url" if request.param == "sqlite" else "postgres_db_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
async def sqlite_database(tmp_path: Path, _sqlite_template: Path) -> AsyncIterator[Any]:
    from backend.db import Database

    path = tmp_path / "yichuang.db"
    shutil.copyfile(_sqlite_template, path)
    db = await Database.connect(f"sqlite+aiosqlite:///{path}")
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def postgres_database(_postgres_template: str) -> AsyncIterator[Any]:
    from backend.db import Database

    name = _new_pg_name()
    await _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{_postgres_template}"')
    db = await Database.connect(pg_url(name))
    try:
        yield db
    finally:
        await db.dispose()
        await _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Any:
    """A fresh, migrated ``backend.db.Database`` on each backend."""
    fixture = "sqlite_database" if request.param == "sqlite" else "postgres_database"
    return request.getfixturevalue(fixture)


# --- the case service --------------------------------------------------------------------


@pytest.fixture
def case_service(county: Any, database: Any, clock: FrozenClock) -> Any:
    from backend.service import CaseService

    return CaseService(county, database, clock)


@pytest.fixture
def sqlite_case_service(county: Any, sqlite_database: Any, clock: FrozenClock) -> Any:
    from backend.service import CaseService

    return CaseService(county, sqlite_database, clock)


@pytest.fixture
def make_draft() -> Callable[..., Any]:
    """Factory of ``CaseDraft``s: ``make_draft(category="refund", name="张三", ...)``.

    Keyword arguments matching ``ComplainantDraft`` fields go to the complainant; the rest to
    the ``CaseDraft``. ``filed_by=("张桂兰", "15835601121")`` makes a proxy filing.
    """
    from dataclasses import fields

    from backend.drafts import CaseDraft, ComplainantDraft, FilerDraft

    person_fields = {f.name for f in fields(ComplainantDraft)}

    def make(**kw: Any) -> CaseDraft:
        person = {k: kw.pop(k) for k in list(kw) if k in person_fields}
        person.setdefault("name", "张三")
        person.setdefault("phone", "13812341427")
        filed = kw.pop("filed_by", None)
        if isinstance(filed, tuple):
            filed = FilerDraft(name=filed[0], phone=filed[1], township="凤鸣镇", village="南关村")
            kw.setdefault("consent", True)
        kw.setdefault("channel", "console")
        kw.setdefault("channel_user", "user-1")
        kw.setdefault("description", "单位给我交的养老保险缴费金额不对，扣多了")
        kw.setdefault("category", "contribution_amount")
        return CaseDraft(complainant=ComplainantDraft(**person), filed_by=filed, **kw)

    return make
