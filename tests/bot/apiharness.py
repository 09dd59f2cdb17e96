"""A real staff API server on 127.0.0.1 for tests: context, recording senders, tokens."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from backend.attachments import AttachmentDesk
from backend.auth import StaffAuth
from backend.conversations import SqlConversationStore
from backend.drafts import CaseDraft, ComplainantDraft
from backend.notifications import Notification, Sender
from backend.notifier import Notifier
from backend.ratelimit import RateLimiter
from backend.service import CaseService
from backend.settings import Settings
from bot.bootstrap import AppContext
from bot.server import build_web_app

ID_NUMBER = "140522199003151234"
PHONE = "13812341427"


@dataclass
class RecordingSender:
    """A fake channel: records every notification it is asked to deliver."""

    channel: str
    sent: list[Notification] = field(default_factory=list)

    async def send(self, notification: Notification) -> None:
        self.sent.append(notification)

    def to(self, recipient: str) -> list[Notification]:
        return [n for n in self.sent if n.recipient == recipient]


@dataclass
class FakeChannel:
    """A ChannelPlugin whose only job is to provide the recording sender."""

    sender: RecordingSender
    name: str = "fake"
    started: bool = False
    stopped: bool = False

    def senders(self) -> list[Sender]:
        return [self.sender]

    def setup_routes(self, app: web.Application) -> None:
        async def ping(request: web.Request) -> web.Response:
            return web.Response(text="fake")

        app.router.add_get("/fake/ping", ping)

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


@dataclass
class Api:
    ctx: AppContext
    http: aiohttp.ClientSession
    tokens: dict[str, str]
    complainant: RecordingSender  # the complainants' channel ("telegram")
    staff_box: RecordingSender  # staff notifications ("console")
    plugin: FakeChannel
    app: web.Application
    base_url: str = ""  # http://127.0.0.1:<port>, for clients other than ``http``

    async def call(
        self, method: str, path: str, staff: str | None, body: Any = None, raw: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[staff]}"} if staff else {}
        kwargs: dict[str, Any] = {"headers": headers}
        if raw is not None:
            kwargs["data"] = raw
        elif body is not None:
            kwargs["json"] = body
        async with self.http.request(method, "/api/v1" + path, **kwargs) as resp:
            if resp.content_type == "application/json":
                return resp.status, await resp.json()
            return resp.status, await resp.read()

    async def act(self, number: str, kind: str, staff: str, **body: Any) -> dict[str, Any]:
        status, data = await self.call("POST", f"/cases/{number}/{kind}", staff, body)
        assert status == 200, (kind, staff, status, data)
        return dict(data)

    async def deliver(self) -> None:
        assert self.ctx.notifier is not None
        await self.ctx.notifier.drain()

    async def open_case(
        self,
        user: str,
        category: str,
        description: str,
        *,
        insurance: str | None = None,
        period: tuple[date, date] | None = (date(2025, 1, 1), date(2025, 6, 30)),
        people: int | None = None,
    ) -> str:
        draft = CaseDraft(
            channel="telegram",
            channel_user=user,
            description=description,
            category=category,
            complainant=ComplainantDraft(
                name="张三",
                phone=PHONE,
                id_number=ID_NUMBER,
                insurance_type=insurance,
                period_start=period[0] if period else None,
                period_end=period[1] if period else None,
                people_count=people,
            ),
        )
        opened = await self.ctx.cases.open_case(draft)
        return opened.number


@asynccontextmanager
async def running_api(database: Any, county: Any, clock: Any) -> AsyncIterator[Api]:
    """The application of ``yichuang serve`` on a free 127.0.0.1 port, background tasks off
    (the test drives the notifier with its frozen clock)."""
    complainant = RecordingSender("telegram")
    staff_box = RecordingSender("console")
    scratch = tempfile.TemporaryDirectory(prefix="yc-api-att-")
    settings = Settings(
        database_url=database.url.render_as_string(hide_password=False),
        attachments_dir=Path(scratch.name),
    )
    ctx = AppContext(
        settings=settings,
        county=county,
        db=database,
        cases=CaseService(county, database, clock),
        conversations=SqlConversationStore(database, clock),
        clock=clock,
        notifier=Notifier(database, [staff_box], clock=clock, limiter=RateLimiter({})),
        attachments=AttachmentDesk.from_settings(county, database, settings, clock),
    )
    plugin = FakeChannel(complainant)
    app = build_web_app(ctx, [plugin], background=False)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    auth = StaffAuth(database, county, clock)
    tokens = {s.id: await auth.issue(s.id) for s in county.staff}
    try:
        async with aiohttp.ClientSession(base_url=str(server.make_url(""))) as http:
            base = str(server.make_url("")).rstrip("/")
            yield Api(ctx, http, tokens, complainant, staff_box, plugin, app, base)
    finally:
        await server.close()
        scratch.cleanup()
