"""``make demo``: the web console starts beside the chat, prints its address and a sign-in
that works, and the demo's token is revoked when the demo ends."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import aiohttp

from backend.settings import Settings
from bot.desk.demo import ConsoleThread


async def _prepare(url: str) -> None:
    from backend.db import Database

    db = await Database.connect(url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()


async def _sign_in(base: str, token: str) -> tuple[int, str]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(base + "login") as resp:
            found = re.search(r'name="_csrf" value="([^"]*)"', await resp.text())
        assert found
        async with http.post(
            base + "login", data={"_csrf": found.group(1), "token": token}
        ) as resp:
            return resp.status, await resp.text()


async def _verify(url: str, token: str) -> object:
    from backend.auth import StaffAuth
    from backend.config import load_county
    from backend.db import Database

    db = await Database.connect(url)
    try:
        return await StaffAuth(db, load_county()).verify(token)
    finally:
        await db.dispose()


def test_demo_console_prints_a_working_sign_in(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    asyncio.run(_prepare(url))
    # The configured port is taken (a ``serve`` running): the demo uses a free one instead.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        console = ConsoleThread(Settings(database_url=url, http_port=busy)).start()
    try:
        banner = console.banner()
        address = re.search(r"网页工作台：(http://127\.0\.0\.1:(\d+)/console/)", banner)
        assert address and int(address.group(2)) != busy, banner
        token = re.search(r"登录令牌（领导小组办公室 崔明）：(ycs_\S+)", banner)
        assert address and token, banner
        status, html = asyncio.run(_sign_in(address.group(1), token.group(1)))
        assert status == 200 and "案件" in html and "崔明" in html
    finally:
        console.stop()
    assert asyncio.run(_verify(url, token.group(1))) is None
