"""The fleet: real ``yichuang serve`` processes on a fresh PostgreSQL database, Telegram in
webhook mode, and what stands around them.

- ``RecordingBotApi``: the tests' fake Bot API (``tests/bot/telegram_channel/tg_fake.py``,
  imported, not copied) that also files every sendMessage per chat and wakes whoever waits.
- ``PgProxy``: a TCP proxy between the servers and PostgreSQL that can ``cut`` (reset every
  connection and refuse new ones) or ``blackhole`` (hold every byte and new connection) for a
  while, then ``restore``. Stopping PostgreSQL itself would hurt other work on the machine.
- ``ServeProcess``: one ``yichuang serve`` subprocess (env ``YICHUANG_*``; ``kill -9``,
  restart on the same port, SIGTERM).
- ``TelegramFront``: plays Telegram behind a round-robin: POSTs each update to
  ``/telegram/webhook`` with the secret header and re-sends it (to the next process) while the
  answer is not 2xx or the connection fails, as Telegram does; records webhook times.
- ``Fleet``: all of it as one async context manager (database created and dropped).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

_TG_DIR = Path(__file__).resolve().parents[1] / "telegram_channel"
if str(_TG_DIR) not in sys.path:
    sys.path.insert(0, str(_TG_DIR))

from tg_fake import TOKEN, FakeBotApi  # noqa: E402

PG_HOST = os.environ.get("YICHUANG_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("YICHUANG_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("YICHUANG_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("YICHUANG_TEST_PG_DB", "test")
SECRET = "fleet-Secret_token-14"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Where warm-up chats live (residents use other ids).
WARMUP_CHAT = 990_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB, timeout=5
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def postgres_problem() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        await pg_admin("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL {PG_HOST}:{PG_PORT} 不可达（{type(exc).__name__}: {exc}）"
    return None


# --- the fake Bot API ------------------------------------------------------------------------


class RecordingBotApi(FakeBotApi):
    """``FakeBotApi`` plus an inbox per chat: (monotonic time, text) of every sendMessage."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.inbox: defaultdict[int, list[tuple[float, str]]] = defaultdict(list)
        self._wake: dict[int, asyncio.Event] = {}

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        result = await super()._api_sendMessage(params)
        chat = int(params["chat_id"])
        self.inbox[chat].append((time.monotonic(), str(params["text"])))
        event = self._wake.get(chat)
        if event is not None:
            event.set()
        return result

    async def wait_count(self, chat: int, count: int, timeout: float) -> bool:
        """Until ``chat`` has received ``count`` messages; False on timeout."""
        deadline = time.monotonic() + timeout
        while len(self.inbox[chat]) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            event = self._wake[chat] = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)
        return True


# --- the database proxy ----------------------------------------------------------------------


class PgProxy:
    """127.0.0.1:<port> -> PostgreSQL, with faults on demand."""

    def __init__(self, host: str = PG_HOST, port: int = PG_PORT) -> None:
        self.upstream = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._open = asyncio.Event()
        self._open.set()
        self._transports: set[asyncio.WriteTransport] = set()
        self.connections = 0
        self.state = "up"

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._client, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.state = "up"

    async def stop(self) -> None:
        self._open.set()
        self._close_server()
        self._abort_all()

    def _close_server(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _abort_all(self) -> None:
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    async def cut(self) -> None:
        """Reset every connection and refuse new ones (the server is gone)."""
        self.state = "cut"
        self._close_server()
        self._abort_all()

    def blackhole(self) -> None:
        """Hold every byte and every new connection (packets dropped on the floor: TCP
        waits and retransmits, nothing answers)."""
        self.state = "blackhole"
        self._open.clear()

    async def restore(self) -> None:
        if self._server is None:
            await self.start()
        self.state = "up"
        self._open.set()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._transports.add(writer.transport)
        try:
            await self._open.wait()
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                writer.transport.abort()
                return
            self._transports.add(up_writer.transport)
            try:
                await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
            finally:
                self._transports.discard(up_writer.transport)
                up_writer.transport.abort()
        finally:
            self._transports.discard(writer.transport)
            writer.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._open.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux ``/proc``); 0 when it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- one server process ----------------------------------------------------------------------


def serve_command() -> list[str]:
    script = Path(sys.executable).parent / "yichuang"
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-m", "bot.cli", "serve"]


@dataclass
class ServeProcess:
    index: int
    port: int
    env: dict[str, str]
    log_path: Path
    proc: asyncio.subprocess.Process | None = None
    starts: int = 0
    kills: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start {self.starts} at {time.time():.3f} =====\n".encode())
            log.flush()
            self.proc = await asyncio.create_subprocess_exec(
                *serve_command(),
                env=self.env,
                cwd=self.log_path.parent,  # whatever a server writes lands here, not in the repo
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )

    async def wait_ready(self, http: aiohttp.ClientSession, timeout: float = 90.0) -> float:
        """Until ``/healthz`` answers 200; seconds waited. Raises with the log's tail."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.proc is None or self.proc.returncode is not None:
                raise RuntimeError(f"serve #{self.index} exited:\n{self.log_tail()}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(
                    self.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)
                ) as resp:
                    if resp.status == 200:
                        return time.monotonic() - began
            await asyncio.sleep(0.1)
        raise RuntimeError(f"serve #{self.index} not ready in {timeout:.0f}s:\n{self.log_tail()}")

    async def kill9(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.kills += 1
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self, grace: float = 15.0) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            await self.kill9()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the running process so far; 0 when not running."""
        if self.proc is None or self.proc.returncode is not None:
            return 0.0
        return proc_cpu_seconds(self.proc.pid)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text("utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


# --- Telegram in front -----------------------------------------------------------------------


@dataclass
class Delivery:
    ok: bool
    attempts: int
    backend: int | None
    sent_at: float
    acked_at: float | None


@dataclass
class TelegramFront:
    """Round-robin webhook delivery with Telegram's re-sending."""

    urls: list[str]
    secret: str = SECRET
    connections: int = 100
    attempt_timeout: float = 30.0
    patience: float = 120.0
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    attempts: int = 0

    def __post_init__(self) -> None:
        self._rr = itertools.count()
        self._down_until = [0.0] * len(self.urls)
        self._http: aiohttp.ClientSession | None = None
        #: Requests in the hands of each process now: request number -> when it was sent.
        self.in_flight: list[dict[int, float]] = [{} for _ in self.urls]
        self._request_ids = itertools.count()

    async def open(self) -> None:
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.connections),
            timeout=aiohttp.ClientTimeout(total=self.attempt_timeout),
        )

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    def busy(self, index: int, min_age: float) -> int:
        """Requests process ``index`` has had for at least ``min_age`` seconds (being worked on,
        not just sent)."""
        now = time.monotonic()
        return sum(1 for t0 in self.in_flight[index].values() if now - t0 >= min_age)

    def reset_stats(self) -> None:
        self.latencies = []
        self.failures = Counter()
        self.attempts = 0

    def _pick(self) -> int:
        now = time.monotonic()
        for _ in range(len(self.urls)):
            i = next(self._rr) % len(self.urls)
            if self._down_until[i] <= now:
                return i
        return next(self._rr) % len(self.urls)

    async def deliver(self, update: dict[str, Any], pin: int | None = None) -> Delivery:
        """POST until 2xx (or ``patience`` runs out). ``pin``: the first attempt goes there."""
        assert self._http is not None
        began = time.monotonic()
        attempt = 0
        while True:
            i = pin if pin is not None and attempt == 0 else self._pick()
            attempt += 1
            self.attempts += 1
            t0 = time.monotonic()
            status: int | None = None
            request = next(self._request_ids)
            self.in_flight[i][request] = t0
            try:
                async with self._http.post(
                    self.urls[i] + WEBHOOK_PATH, json=update, headers={SECRET_HEADER: self.secret}
                ) as resp:
                    await resp.read()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                self.failures[type(exc).__name__] += 1
                if not isinstance(exc, TimeoutError):
                    self._down_until[i] = time.monotonic() + 0.5
            finally:
                self.in_flight[i].pop(request, None)
            now = time.monotonic()
            if status is not None and 200 <= status < 300:
                self.latencies.append(now - t0)
                return Delivery(True, attempt, i, began, now)
            if status is not None:
                self.failures[f"HTTP {status}"] += 1
            if now - began > self.patience:
                return Delivery(False, attempt, None, began, None)
            await asyncio.sleep(min(0.25 * attempt, 2.0))


# --- the fleet -------------------------------------------------------------------------------


#: Trains the NLU model of the servers' source tree unless its file is there.
_TRAIN = (
    "from nlu.model import build, default_model_dir, model_path\n"
    "model_path(default_model_dir()).exists() or build(default_model_dir())\n"
)


async def ensure_nlu_model(env: dict[str, str]) -> None:
    """Train the NLU model once before the servers start (each would train its own on its
    first message)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _TRAIN,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await proc.wait()


@dataclass
class Fleet:
    """``async with Fleet(...) as fleet``: database, fake Bot API, PostgreSQL proxy, N serve
    processes (ready and warmed up), the front."""

    processes: int = 2
    use_pg_proxy: bool = True
    log_dir: Path | None = None
    connections: int = 100
    #: Run the servers from this source tree (PYTHONPATH), e.g. a ``git archive`` of an older
    #: commit to compare; None: the installed one.
    source: Path | None = None
    db_name: str = field(default_factory=lambda: f"yc_fleet_{uuid.uuid4().hex[:10]}")
    fake: RecordingBotApi = field(default_factory=RecordingBotApi)
    proxy: PgProxy | None = None
    servers: list[ServeProcess] = field(default_factory=list)
    front: TelegramFront | None = None
    http: aiohttp.ClientSession | None = None
    startup_seconds: float = 0.0

    @property
    def admin_db_url(self) -> str:
        """asyncpg DSN of the fleet's database, not through the proxy (for counting)."""
        return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.db_name}"

    def server_db_url(self) -> str:
        if self.proxy is not None:
            return f"postgresql+asyncpg://{PG_USER}@127.0.0.1:{self.proxy.port}/{self.db_name}"
        return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.db_name}"

    def _env(self, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("YICHUANG_")}
        env.update(
            YICHUANG_DATABASE_URL=self.server_db_url(),
            YICHUANG_HTTP_HOST="127.0.0.1",
            YICHUANG_HTTP_PORT=str(port),
            YICHUANG_TELEGRAM_TOKEN=TOKEN,
            YICHUANG_TELEGRAM_API_BASE=self.fake.base,
            YICHUANG_TELEGRAM_WEBHOOK_URL="https://fleet.example.org" + WEBHOOK_PATH,
            YICHUANG_TELEGRAM_SECRET=SECRET,
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
        )
        if self.source is not None:
            env["PYTHONPATH"] = str(self.source)
        for key in ("YICHUANG_NLU_MODEL_DIR", "YICHUANG_CONFIG"):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    async def __aenter__(self) -> Fleet:
        began = time.monotonic()
        if self.log_dir is None:
            self.log_dir = Path(tempfile.mkdtemp(prefix="yichuang-fleet-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        await pg_admin(f'CREATE DATABASE "{self.db_name}"')
        try:
            await ensure_nlu_model(self._env(0))
            await self.fake.start()
            if self.use_pg_proxy:
                self.proxy = PgProxy()
                await self.proxy.start()
            self.http = aiohttp.ClientSession()
            for i in range(self.processes):
                port = free_port()
                self.servers.append(
                    ServeProcess(i, port, self._env(port), self.log_dir / f"serve-{i}.log")
                )
            for server in self.servers:
                await server.start()
            await asyncio.gather(*(s.wait_ready(self.http) for s in self.servers))
            self.front = TelegramFront([s.url for s in self.servers], connections=self.connections)
            await self.front.open()
            await self.warm_up()
        except BaseException:
            await self._teardown()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._teardown()

    async def _teardown(self) -> None:
        for server in self.servers:
            with contextlib.suppress(Exception):
                await server.stop()
        if self.front is not None:
            await self.front.close()
        if self.http is not None:
            await self.http.close()
        if self.proxy is not None:
            await self.proxy.stop()
        with contextlib.suppress(Exception):
            await self.fake.stop()
        with contextlib.suppress(Exception):
            await pg_admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def update(self, chat_id: int, text: str) -> dict[str, Any]:
        return self.fake.text(chat_id, text, queue=False)

    async def warm_up(self) -> None:
        """One conversation turn per process (loads the NLU there), not measured."""
        assert self.front is not None
        for i in range(len(self.servers)):
            chat = WARMUP_CHAT + i
            for text in ("你好", "同意"):
                before = len(self.fake.inbox[chat])
                await self.front.deliver(self.update(chat, text), pin=i)
                await self.fake.wait_count(chat, before + 1, 60)
        self.front.reset_stats()

    async def restart(self, index: int) -> float:
        """Start a killed process again on its port; seconds until ``/healthz`` answers."""
        assert self.http is not None
        server = self.servers[index]
        await server.start()
        return await server.wait_ready(self.http)

    async def cases(self) -> list[dict[str, Any]]:
        """Every Telegram case with its complainant (read directly, not through the proxy)."""
        import asyncpg

        conn = await asyncpg.connect(self.admin_db_url, timeout=10)
        try:
            rows = await conn.fetch(
                "SELECT c.number, c.channel_user, p.name, p.phone FROM cases c "
                "JOIN persons p ON p.id = c.complainant_id WHERE c.channel = 'telegram'"
            )
        finally:
            await conn.close()
        return [dict(r) for r in rows]

    async def cpu_seconds(self) -> tuple[float, float]:
        """CPU seconds used so far by the server processes and by the PostgreSQL backends
        serving this database (those connected now; PostgreSQL on this machine only)."""
        import asyncpg

        servers = sum(s.cpu_seconds() for s in self.servers)
        conn = await asyncpg.connect(self.admin_db_url, timeout=10)
        try:
            pids = await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                self.db_name,
            )
        finally:
            await conn.close()
        return servers, sum(proc_cpu_seconds(int(r["pid"])) for r in pids)

    async def sample_lock_waits(self, stop: asyncio.Event, every: float = 0.25) -> Counter[str]:
        """Until ``stop``: which statements of this database's backends wait for a lock (one
        count per backend per sample, by the statement's first words)."""
        import asyncpg

        waits: Counter[str] = Counter()
        conn = await asyncpg.connect(self.admin_db_url, timeout=10)
        try:
            while not stop.is_set():
                rows = await conn.fetch(
                    "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS q "
                    "FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
                    self.db_name,
                )
                for row in rows:
                    waits[str(row["q"])] += 1
                waits["(samples)"] += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), every)
        finally:
            await conn.close()
        return waits

    def log_problems(self) -> Counter[str]:
        """ERROR/CRITICAL/Traceback lines of the server logs, by their text (ids cut)."""
        import re

        found: Counter[str] = Counter()
        for server in self.servers:
            for line in server.log_text().splitlines():
                if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback"):
                    text = line.split(": ", 1)[-1] if " ERROR " in line else line
                    found[re.sub(r"\d+", "N", text)[:140]] += 1
                elif re.match(r"^[\w.]+(Error|Exception): ", line):
                    found[re.sub(r"\d+", "N", line)[:140]] += 1
        return found
