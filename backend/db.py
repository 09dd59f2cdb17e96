"""The database: SQLAlchemy's async engine on SQLite (aiosqlite) or PostgreSQL (asyncpg).

``Database.connect(url)`` checks the URL and that the server answers; every problem becomes a
``DatabaseError`` with one sentence. Schema changes only through the Alembic migrations in
``backend/migrations`` (``Database.upgrade()``).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool
from sqlalchemy.util import greenlet_spawn

from backend.sqlite_file import prepare_sqlite_file
from backend.wording import chinese_reason

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"

#: Driver used for a bare dialect name in a URL ("postgresql://" -> asyncpg).
_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg", "postgres": "asyncpg"}
_SUPPORTED = {("sqlite", "aiosqlite"), ("postgresql", "asyncpg")}

#: Execution option that makes a SQLite transaction take the write lock at BEGIN.
_IMMEDIATE = "yichuang_begin_immediate"

#: Key of the PostgreSQL advisory lock that serialises concurrent migrations.
_MIGRATION_LOCK = 7_401_220

#: PostgreSQL limits (seconds). A statement the server takes longer over is cancelled by the
#: server; a reply that never comes (a black-holed network) is given up by the client a little
#: later; a connection not made or not free in the pool fails fast. Every one of these becomes
#: an error that ``is_unavailable`` recognises, so callers answer "try again later" (503).
CONNECT_TIMEOUT = 5.0
STATEMENT_TIMEOUT = 5.0
COMMAND_TIMEOUT = 8.0
POOL_TIMEOUT = 5.0
#: A session left idle inside a transaction (a hung process holding a conversation lock) is
#: ended by the server after this long, so its locks go to the next process.
IDLE_IN_TRANSACTION_TIMEOUT = 60.0

#: Pool of each process (PostgreSQL): a turn holds one connection (its conversation row lock)
#: and may need a second for the case desk; see ``backend.conversations.MAX_LOCKED_TURNS``.
POOL_SIZE = 10
MAX_OVERFLOW = 20
#: A pooled connection unused for this long is pinged before use (SQLAlchemy's
#: ``pool_pre_ping`` pings on EVERY checkout, three round trips with asyncpg: BEGIN, ``;``,
#: ROLLBACK — the largest single cost of a dialogue turn). A busy connection that died is
#: found by the statement that fails on it, which invalidates the whole pool.
IDLE_PING_SECONDS = 20.0
#: Connections are replaced after this long (a firewall may drop long-idle TCP silently).
POOL_RECYCLE_SECONDS = 1800

#: SQLSTATE classes that mean "the database cannot serve this now" rather than "this statement
#: is wrong": 08 connection, 53 resources, 57 operator intervention (statement timeout,
#: shutdown), 40 transaction rollback (serialisation, deadlock), 55P03 lock not available.
_TRANSIENT_SQLSTATES = ("08", "53", "57", "40", "55P03")
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }
)


class DatabaseError(Exception):
    """The database cannot be used (bad URL, unreachable server); one sentence for the user."""


def normalise_url(url: str | URL) -> URL:
    """Parse and check a database URL; bare dialects get their async driver."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        raise DatabaseError(
            f"数据库地址“{url}”格式不对，应如 sqlite+aiosqlite:///var/yichuang.db "
            "或 postgresql+asyncpg://用户@主机:5432/库名。"
        ) from None
    # Read the driver from the name itself: asking SQLAlchemy would import unknown dialects.
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if not driver and backend in _ASYNC_DRIVERS:
        driver = _ASYNC_DRIVERS[backend]
    parsed = parsed.set(drivername=f"{backend}+{driver}" if driver else backend)
    if (backend, driver) not in _SUPPORTED:
        raise DatabaseError(
            f"不支持的数据库“{parsed.drivername}”，只支持 sqlite+aiosqlite 和 postgresql+asyncpg。"
        )
    if backend == "postgresql" and not parsed.database:
        raise DatabaseError("数据库地址缺少库名，应如 postgresql+asyncpg://用户@主机:5432/库名。")
    return parsed


def _sqlite_path(url: URL) -> Path | None:
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


class Database:
    """The async engine plus a session factory. Build with ``await Database.connect(url)``."""

    def __init__(self, engine: AsyncEngine, url: URL) -> None:
        self.engine = engine
        self.url = url
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(
            engine.execution_options(**{_IMMEDIATE: True}), expire_on_commit=False
        )
        self._probe: asyncio.Future[bool] | None = None

    @property
    def dialect_name(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @classmethod
    async def connect(
        cls,
        url: str | URL,
        *,
        check: bool = True,
        echo: bool = False,
        connect_timeout: float | None = None,
        statement_timeout: float | None = None,
        command_timeout: float | None = None,
        pool_timeout: float | None = None,
    ) -> Database:
        """Create the engine and (``check``) make sure the database answers.

        The timeouts apply to PostgreSQL (seconds; see the module constants). Statement
        parameters are never logged (``hide_parameters``): a failed write must not put a
        resident's name, phone or ID number into the log."""
        parsed = normalise_url(url)
        # Read at call time (not as defaults) so a deployment or a test can change them.
        connect_timeout = connect_timeout or CONNECT_TIMEOUT
        statement_timeout = statement_timeout or STATEMENT_TIMEOUT
        command_timeout = command_timeout or COMMAND_TIMEOUT
        pool_timeout = pool_timeout or POOL_TIMEOUT
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if parsed.get_backend_name() == "sqlite":
            path = _sqlite_path(parsed)
            if path is None:
                # An in-memory database exists once per connection: share one.
                kwargs["poolclass"] = StaticPool
                kwargs["connect_args"] = {"check_same_thread": False}
            else:
                try:
                    # Missing folders 0700, a new file 0600 (and its -wal/-shm alike), logged.
                    prepare_sqlite_file(path)
                except OSError as exc:
                    reason = chinese_reason(exc.strerror or str(exc))
                    raise DatabaseError(f"无法创建数据库文件 {path}：{reason}。") from None
        else:
            kwargs["pool_timeout"] = pool_timeout
            kwargs["pool_recycle"] = POOL_RECYCLE_SECONDS
            kwargs["connect_args"] = {
                # Fail within seconds, not asyncpg's default minute, when the server is away.
                "timeout": connect_timeout,
                "command_timeout": command_timeout,
                "server_settings": {
                    "statement_timeout": str(int(statement_timeout * 1000)),
                    "idle_in_transaction_session_timeout": str(
                        int(IDLE_IN_TRANSACTION_TIMEOUT * 1000)
                    ),
                },
            }
            kwargs["pool_size"] = POOL_SIZE
            kwargs["max_overflow"] = MAX_OVERFLOW
        try:
            engine = create_async_engine(parsed, **kwargs)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise DatabaseError(
                f"无法使用数据库地址 {parsed.render_as_string()}：{exc}。"
            ) from None
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        else:
            _ping_when_idle(engine)
        db = cls(engine, parsed)
        if check:
            try:
                async with engine.connect() as conn:
                    await conn.execute(sa.text("SELECT 1"))
            except BaseException as exc:
                await engine.dispose()
                if isinstance(exc, Exception):
                    raise DatabaseError(db._unreachable(exc)) from None
                raise
        return db

    def _unreachable(self, exc: BaseException) -> str:
        detail = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        reason = (
            str(detail).strip().splitlines()[0] if str(detail).strip() else type(detail).__name__
        )
        return f"连不上数据库 {self.display_url}：{chinese_reason(reason)}。"

    @asynccontextmanager
    async def session(self, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """A session (``expire_on_commit=False``). ``write=True``: the transaction will write,
        so on SQLite it takes the write lock at BEGIN (no lock-upgrade deadlocks)."""
        maker = self._write_sessions if write else self._sessions
        async with maker() as session:
            yield session

    @asynccontextmanager
    async def raw_connection(self) -> AsyncIterator[Any]:
        """A pooled connection as the driver's own (PostgreSQL: an ``asyncpg.Connection``), for
        hot paths that want prepared statements without the ORM (taken from the pool itself,
        without SQLAlchemy's ``Connection`` around it). The caller ends every transaction it
        starts. An error that means the database is away (``is_unavailable``) or that leaves
        the connection in an unknown state (a cancelled statement, a failed rollback)
        invalidates the pool's connections, as SQLAlchemy does for its own."""
        pool = self.engine.sync_engine.pool
        fairy = await greenlet_spawn(pool.connect)
        try:
            driver = fairy.driver_connection
            try:
                yield driver
            except BaseException as exc:
                if is_unavailable(exc) or not _idle(driver) or not isinstance(exc, Exception):
                    reason = exc if isinstance(exc, Exception) else None
                    # What SQLAlchemy does on a disconnect: this generation of connections goes.
                    try:
                        await greenlet_spawn(pool._invalidate, fairy, reason)
                    except Exception as closing:  # the original error is the one to report
                        log.warning("invalidating the pool failed: %s", type(closing).__name__)
                raise
        finally:
            await greenlet_spawn(fairy.close)  # back to the pool (or away, if invalidated)

    async def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to ``revision`` (safe with concurrent callers on PG)."""
        try:
            async with self.engine.begin() as conn:
                if self.dialect_name == "postgresql":
                    # A migration may legitimately take longer than one request may.
                    await conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
                    await conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
                await conn.run_sync(_run_alembic, revision)
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"升级数据库 {self.display_url} 失败：{_first_line(exc)}。"
            ) from exc
        except OSError as exc:
            raise DatabaseError(self._unreachable(exc)) from exc

    async def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        def read(sync_conn: sa.Connection) -> str | None:
            return MigrationContext.configure(sync_conn).get_current_revision()

        async with self.engine.connect() as conn:
            return await conn.run_sync(read)

    async def ping(self, timeout: float) -> bool:
        """The database answers ``SELECT 1`` within ``timeout`` seconds (``/healthz``).

        The probe runs as a task of its own that is never waited for beyond ``timeout``
        (cancelling a connection attempt into a black hole can itself hang), and one probe
        at a time serves every caller, so a flood of health checks opens no flood of
        connections."""
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(self._probe_once())
        done, _ = await asyncio.wait({self._probe}, timeout=timeout)
        return bool(done) and self._probe.result()

    async def _probe_once(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception as exc:  # unreachable, black-holed, refused: all "down"
            # Debug only: the server logs an outage once (``bot.api.outage``), not per probe.
            log.debug("database ping failed: %s", _first_line(exc) or type(exc).__name__)
            return False
        return True

    def is_unavailable(self, exc: BaseException) -> bool:
        return is_unavailable(exc)

    async def dispose(self) -> None:
        if self._probe is not None and not self._probe.done():
            self._probe.cancel()
        await self.engine.dispose()


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot serve us right now (unreachable, timed out,
    pool exhausted, shutting down, busy, deadlock): the caller should answer "try again later"
    and leave the work to be redone, rather than treat the input as bad."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(
            e,
            (
                OperationalError,
                InterfaceError,
                sa.exc.TimeoutError,
                DisconnectionError,
                ConnectionError,
                TimeoutError,
                socket.gaierror,
            ),
        ):
            return True
        if isinstance(e, OSError) and (
            e.errno in _NETWORK_ERRNOS or str(e).startswith("Multiple exceptions")
        ):
            return True  # the address could not be reached (asyncio tries each address)
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return True
        if type(e).__module__.startswith("asyncpg") and _broken_asyncpg(e):
            return True
        sqlstate = getattr(e, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES):
            return True
        orig = getattr(e, "orig", None)
        todo += [e.__cause__, e.__context__, orig if isinstance(orig, BaseException) else None]
    return False


#: asyncpg's own words (no SQLSTATE) for a connection that cannot be used any more.
_ASYNCPG_BROKEN = ("connection is closed", "another operation", "cannot perform operation")


def _broken_asyncpg(e: BaseException) -> bool:
    """An asyncpg client-side error (used directly, not through SQLAlchemy) that means the
    connection is gone or out of step — e.g. the server ended it while it was idle — rather
    than a mistake in the statement."""
    name = type(e).__name__
    if name == "InternalClientError":
        return True
    return name == "InterfaceError" and any(w in str(e) for w in _ASYNCPG_BROKEN)


def _idle(driver: Any) -> bool:
    """The driver connection is open and not inside a transaction."""
    is_closed = getattr(driver, "is_closed", None)
    if is_closed is None:
        return True  # not asyncpg: nothing to check
    try:
        return not is_closed() and not driver.is_in_transaction()
    except Exception:
        return False


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection on checkout only when it has been idle a while
    (``IDLE_PING_SECONDS``); a failed ping makes the pool take a fresh connection."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["yichuang_idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("yichuang_idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise DisconnectionError(f"stale pooled connection: {type(exc).__name__}") from exc


def alembic_config(connection: sa.Connection | None = None) -> Any:
    """An Alembic ``Config`` for the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration of this release (what ``upgrade()`` brings a database to)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _run_alembic(sync_conn: sa.Connection, revision: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(sync_conn), revision)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sqlite_setup(engine: AsyncEngine) -> None:
    """Foreign keys, WAL, a busy timeout, and BEGIN IMMEDIATE for write sessions.

    pysqlite's own transaction handling is switched off (as SQLAlchemy's aiosqlite docs
    advise) so that we emit BEGIN ourselves.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception:  # in-memory databases cannot use WAL; that is fine
            log.debug("WAL not available for this SQLite database")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
