"""Issue 14, findings 4, 5 and 10 at the server's edge: database trouble answered 503 (and
``/healthz`` fast) with recovery without a restart; statement parameters never logged; slow
clients cut off.

The database outage is played by a TCP proxy in front of PostgreSQL that can black-hole
(hold every byte) or cut (refuse) connections: stopping PostgreSQL would hurt other work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

import bot.server
from backend.auth import TOKEN_PREFIX
from backend.settings import Settings
from bot.bootstrap import build_context, close_context
from bot.server import build_web_app, runner_options
from tests.bot.pgproxy import PgProxy, proxied_timeouts

pytestmark = pytest.mark.postgres


@pytest.fixture
async def proxied(postgres_db_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    proxied_timeouts(monkeypatch)
    url = make_url(postgres_db_url)
    proxy = PgProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    ctx = await build_context(
        Settings(database_url=url.set(port=proxy.port).render_as_string(hide_password=False))
    )
    server = TestServer(build_web_app(ctx, [], background=False), host="127.0.0.1")
    await server.start_server()
    try:
        yield proxy, server
    finally:
        await server.close()
        await proxy.stop()
        await close_context(ctx)


async def _get(http: aiohttp.ClientSession, url: str, **kw: Any) -> tuple[int, Any, float]:
    started = time.monotonic()
    async with http.get(url, **kw) as resp:
        body = await resp.json()
        return resp.status, body, time.monotonic() - started


async def test_database_outage_is_503_fast_and_recovers_without_restart(proxied: Any) -> None:
    """Finding 4: a black-holed or refusing database: /healthz says so within ~1 s, the API
    and the channels answer 503 (JSON, Retry-After), never hang 20 s or answer 500; when the
    database is back the same process serves again."""
    proxy, server = proxied
    health = str(server.make_url("/healthz"))
    api = str(server.make_url("/api/v1/cases"))
    bogus: dict[str, Any] = {"headers": {"Authorization": "Bearer " + TOKEN_PREFIX + "x" * 40}}
    async with aiohttp.ClientSession() as http:
        status, body, _ = await _get(http, health)
        assert status == 200 and body["database"] == "ok" and isinstance(body["pid"], int)
        assert (await _get(http, api, **bogus))[0] == 401

        proxy.mode = "blackhole"
        status, body, took = await _get(http, health)
        assert (status, body["database"]) == (503, "unreachable") and took < 1.6
        started = time.monotonic()
        async with http.get(api, **bogus) as resp:
            assert resp.status == 503
            assert "数据库" in (await resp.json())["error"]
        assert time.monotonic() - started < 6

        proxy.cut()
        status, body, took = await _get(http, health)
        assert status == 503 and took < 1.6
        async with http.get(api, **bogus) as resp:
            assert resp.status == 503

        proxy.mode = "pass"
        deadline = time.monotonic() + 10
        while (await _get(http, health))[0] != 200:
            assert time.monotonic() < deadline, "no recovery without a restart"
            await asyncio.sleep(0.2)
        assert (await _get(http, api, **bogus))[0] == 401


async def test_a_failed_write_logs_no_personal_data(postgres_database: Any, caplog: Any) -> None:
    """Finding 5: statement parameters are hidden — the error of a write PostgreSQL refuses
    (here an ID number longer than its column) names no person, phone or ID number, nor does
    the log of it."""
    from backend.models import Person

    log = logging.getLogger("test.failed_write")
    with caplog.at_level(logging.DEBUG, logger="sqlalchemy"):
        with pytest.raises(Exception) as info:
            async with postgres_database.session(write=True) as s:
                s.add(
                    Person(name="王秀英", phone="13812341427", id_number="11010519491231002X" * 2)
                )
                await s.commit()
        log.error("write failed", exc_info=info.value)
    text = caplog.text + str(info.value) + repr(info.value.args)
    assert "parameters hidden" in str(info.value)
    for secret in ("王秀英", "13812341427", "11010519491231002X"):
        assert secret not in text


@pytest.fixture
async def edge_server(
    sqlite_database: Any, county: Any, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestServer]:
    from backend.settings import Settings

    monkeypatch.setattr(bot.server, "KEEPALIVE_TIMEOUT", 1.0)
    monkeypatch.setattr(bot.server, "BODY_TIMEOUT", 1.0)
    ctx = await build_context(
        Settings(database_url=sqlite_database.url.render_as_string(hide_password=False)),
        county=county,
    )
    server = TestServer(build_web_app(ctx, [], background=False), host="127.0.0.1")
    await server.start_server(**runner_options())
    try:
        yield server
    finally:
        await server.close()
        await close_context(ctx)


@pytest.mark.parametrize("phase", ["headers", "body"])
async def test_trickling_clients_are_cut_off(edge_server: TestServer, phase: str) -> None:
    """Finding 10: 60 connections sending one byte now and then (slowloris), in the headers
    or in the body, are closed within seconds while the server keeps answering."""
    host, port = edge_server.host, edge_server.port
    head = b"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\n"
    if phase == "body":
        head += b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"
    conns = [await asyncio.open_connection(host, port) for _ in range(60)]
    started = time.monotonic()

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> float:
        writer.write(head)
        with contextlib.suppress(ConnectionError):
            while time.monotonic() - started < 8:
                writer.write(b"a" if phase == "body" else b"X-A: b\r\n"[:1])
                await writer.drain()
                try:
                    if await asyncio.wait_for(reader.read(1024), 0.3) == b"":
                        break
                except TimeoutError:
                    continue
                with contextlib.suppress(TimeoutError):
                    while await asyncio.wait_for(reader.read(1024), 0.3):
                        pass
                break
        writer.close()
        return time.monotonic() - started

    tasks = [asyncio.create_task(trickle(r, w)) for r, w in conns]
    await asyncio.sleep(0.3)
    async with aiohttp.ClientSession() as http:
        status, _, took = await _get(http, str(edge_server.make_url("/healthz")))
    assert status == 200 and took < 0.5
    held = await asyncio.gather(*tasks)
    assert max(held) < 4, f"a trickling connection was held {max(held):.1f}s"


async def test_two_serve_processes_on_one_postgres(postgres_db_url: str) -> None:
    """ARCHITECTURE "Several processes": two ``yichuang serve`` on one PostgreSQL database
    (different ports) both come up — migrating concurrently — and both are healthy."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from test_server import free_port

    root = Path(__file__).resolve().parents[2]
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--no-background"],
            cwd=root,
            env={**os.environ, "YICHUANG_DATABASE_URL": postgres_db_url, "NO_PROXY": "127.0.0.1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for port in ports
    ]
    try:
        pids = set()
        async with aiohttp.ClientSession() as http:
            for port, proc in zip(ports, procs, strict=True):
                deadline = time.monotonic() + 30
                while True:
                    try:
                        status, body, _ = await _get(http, f"http://127.0.0.1:{port}/healthz")
                        break
                    except aiohttp.ClientConnectionError:
                        assert proc.poll() is None, proc.communicate()[1]
                        assert time.monotonic() < deadline, "serve did not come up"
                        await asyncio.sleep(0.1)
                assert status == 200 and body["database"] == "ok"
                pids.add(body["pid"])
        assert pids == {p.pid for p in procs}
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                _, err = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
            assert proc.returncode == 0 and "Traceback" not in err, err
