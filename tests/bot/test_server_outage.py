"""A whole-server database outage (PostgreSQL behind a TCP proxy that black-holes, then
refuses): the staff API answers 503 JSON and the console a Chinese 503 page, both with
``Retry-After``; the background loops (notifier, scanner, sweeper) keep running; the log has
one line when the outage starts and one when it ends — no traceback per request or pass."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

from backend.auth import StaffAuth
from backend.settings import Settings
from bot.bootstrap import build_context, close_context
from bot.server import build_web_app
from tests.bot.pgproxy import PgProxy, proxied_timeouts

pytestmark = pytest.mark.postgres

CSRF = re.compile(r'name="_csrf" value="([^"]*)"')


@pytest.fixture
async def served(
    postgres_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[PgProxy, TestServer, Any]]:
    proxied_timeouts(monkeypatch)
    url = make_url(postgres_db_url)
    proxy = PgProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    ctx = await build_context(
        Settings(database_url=url.set(port=proxy.port).render_as_string(hide_password=False))
    )
    server = TestServer(build_web_app(ctx, [], background=True), host="127.0.0.1")
    await server.start_server()
    try:
        yield proxy, server, ctx
    finally:
        await server.close()
        await proxy.stop()
        await close_context(ctx)


async def test_outage_is_503_everywhere_and_logged_once(served: Any, caplog: Any) -> None:
    proxy, server, ctx = served
    token = await StaffAuth(ctx.db, ctx.county).issue("tax01")
    api = str(server.make_url("/api/v1/cases"))
    auth = {"Authorization": f"Bearer {token}"}
    # The console's cookies come from 127.0.0.1: an IP address needs the "unsafe" jar.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(str(server.make_url("/console/login"))) as resp:
            form = CSRF.search(await resp.text())
        assert form is not None
        login = {"_csrf": form.group(1), "token": token}
        async with http.post(str(server.make_url("/console/login")), data=login) as resp:
            assert resp.status == 200
        cases_page = str(server.make_url("/console/cases"))
        async with http.get(cases_page) as resp:
            assert resp.status == 200
        async with http.get(api, headers=auth) as resp:
            assert resp.status == 200

        caplog.clear()
        with caplog.at_level(logging.INFO):
            proxy.mode = "blackhole"
            deadline = time.monotonic() + 3
            for mode in ("blackhole", "cut"):
                if mode == "cut":
                    proxy.cut()
                for _ in range(1 if mode == "blackhole" else 3):
                    async with http.get(api, headers=auth) as resp:
                        assert resp.status == 503 and resp.headers["Retry-After"]
                        assert "数据库" in (await resp.json())["error"]
                    async with http.get(cases_page) as resp:
                        assert resp.status == 503 and resp.headers["Retry-After"]
                        assert resp.content_type == "text/html"
                        assert "数据库" in await resp.text()
            while time.monotonic() < deadline:  # the background loops keep failing meanwhile
                await asyncio.sleep(0.2)
            proxy.mode = "pass"
            deadline = time.monotonic() + 15
            while True:
                async with http.get(api, headers=auth) as resp:
                    if resp.status == 200:
                        break
                assert time.monotonic() < deadline, "no recovery"
                await asyncio.sleep(0.3)
            async with http.get(cases_page) as resp:
                assert resp.status == 200

    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    text = "\n".join(r.getMessage() for r in records)
    assert not [r for r in records if r.exc_info], text  # no traceback at all
    started = [r for r in records if "database unavailable" in r.getMessage()]
    ended = [r for r in records if "available again" in r.getMessage()]
    assert len(started) == 1 and len(ended) == 1, text
