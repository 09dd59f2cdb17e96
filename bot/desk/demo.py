"""The web console beside ``yichuang demo``: the same database served on its own thread, so
that the chat's terminal can block on input while staff click through the console.

The console's actions write outbox rows like any other; the demo's own notifier delivers them
into the chat window after the next line typed (no background notifier here, so nothing is
printed twice or out of place).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("bot.desk")

#: Who the demo signs in as: the office sees every case and the 督办 board.
DEMO_STAFF = "office01"


@dataclass
class ConsoleThread:
    """The console server of the demo. ``start()`` returns once it listens (or failed)."""

    settings: Any
    staff_id: str = DEMO_STAFF
    url: str = ""
    token: str = ""
    staff_label: str = ""
    error: str = ""
    _loop: asyncio.AbstractEventLoop | None = None
    _stop: asyncio.Event | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self, timeout: float = 30) -> ConsoleThread:
        self._thread = threading.Thread(target=self._run, name="yichuang-console", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.error = "工作台启动超时"
        return self

    def banner(self) -> str:
        """What the demo prints: the address and a sign-in, or why there is none."""
        if self.error:
            return f"（网页工作台没有启动：{self.error}）\n"
        return (
            f"网页工作台：{self.url}\n"
            f"  登录令牌（{self.staff_label}）：{self.token}\n"
            f"  在浏览器打开上面的地址，粘贴令牌登录，可看到同一件案件的工作人员一侧。\n"
        )

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(15)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except Exception as exc:  # the chat goes on without the console
            log.warning("demo console failed: %s", exc)
            self.error = self.error or str(exc)
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        from aiohttp import web

        from backend.auth import StaffAuth
        from bot.bootstrap import build_context, close_context
        from bot.server import build_web_app

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        ctx = await build_context(self.settings, upgrade=False)
        runner: web.AppRunner | None = None
        try:
            app = build_web_app(ctx, [], background=False)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            host = self.settings.http_host
            port = await _listen(runner, host, self.settings.http_port)
            self.url = f"http://{host}:{port}/console/"
            self.token = await StaffAuth(ctx.db, ctx.county, ctx.clock).issue(self.staff_id)
            staff = next(s for s in ctx.county.staff if s.id == self.staff_id)
            unit = ctx.county.agency(staff.agency).short_name
            self.staff_label = f"{unit} {staff.name}"
            self._ready.set()
            await self._stop.wait()
            # The demo's token dies with the demo.
            await StaffAuth(ctx.db, ctx.county, ctx.clock).revoke_token(self.token)
        finally:
            if runner is not None:
                await runner.cleanup()
            await close_context(ctx)


async def _listen(runner: Any, host: str, port: int) -> int:
    """Listen on ``port``, or on a free one when it is taken (a ``serve`` may be running)."""
    from aiohttp import web

    for wanted in (port, 0):
        site = web.TCPSite(runner, host, wanted)
        try:
            await site.start()
        except OSError:
            continue
        server = site._server
        assert server is not None
        return int(next(iter(getattr(server, "sockets", []))).getsockname()[1])
    raise OSError(f"无法在 {host} 上监听")
