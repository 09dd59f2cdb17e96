"""``build_web_app`` served from a thread with its own event loop, for the browser tests: the
browser (Playwright's sync API) drives it from the test's thread like a person would, and the
test reaches the server's objects through ``call`` (run a coroutine on the server's loop)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from desk_harness import Plugin, Recorder

T = TypeVar("T")


@dataclass
class MovableClock:
    """The server's clock; the test moves it (thread-safe enough: one assignment)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class LiveServer:
    url: str  # database URL
    county: Any
    clock: MovableClock
    #: Where the server keeps attachments (files, content-addressed).
    attachments_dir: Path | None = None
    base: str = ""
    ctx: Any = None
    tokens: dict[str, str] = field(default_factory=dict)
    staff_box: Recorder = field(default_factory=lambda: Recorder("console"))
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _stop: asyncio.Event | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _error: BaseException | None = None

    def start(self) -> LiveServer:
        self._thread = threading.Thread(target=self._run, name="desk-live", daemon=True)
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("the console server did not start within 60 s")
        if self._error is not None:
            raise self._error
        return self

    def call(self, make: Callable[[], Awaitable[T]], timeout: float = 30) -> T:
        """Run ``make()`` on the server's loop and return its result."""
        assert self._loop is not None

        async def run() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(30)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        from backend.attachments import AttachmentDesk
        from backend.auth import StaffAuth
        from backend.conversations import SqlConversationStore
        from backend.db import Database
        from backend.notifier import Notifier
        from backend.ratelimit import RateLimiter
        from backend.service import CaseService
        from backend.settings import Settings
        from bot.bootstrap import AppContext
        from bot.server import build_web_app

        self._stop = asyncio.Event()
        db = await Database.connect(self.url)
        try:
            await db.upgrade()
            settings = Settings(database_url=self.url, attachments_dir=self.attachments_dir)
            self.ctx = AppContext(
                settings=settings,
                county=self.county,
                db=db,
                cases=CaseService(self.county, db, self.clock),
                conversations=SqlConversationStore(db, self.clock),
                clock=self.clock,
                notifier=Notifier(db, [self.staff_box], clock=self.clock, limiter=RateLimiter({})),
                attachments=AttachmentDesk.from_settings(self.county, db, settings, self.clock),
            )
            app = build_web_app(self.ctx, [Plugin(Recorder("telegram"))], background=False)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            server = site._server
            assert server is not None
            port = next(iter(getattr(server, "sockets", []))).getsockname()[1]
            self.base = f"http://127.0.0.1:{port}"
            auth = StaffAuth(db, self.county, self.clock)
            self.tokens = {s.id: await auth.issue(s.id) for s in self.county.staff}
            self._ready.set()
            await self._stop.wait()
            await runner.cleanup()
        finally:
            await db.dispose()
