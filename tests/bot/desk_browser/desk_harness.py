"""The server of ``yichuang serve`` on 127.0.0.1 for the console tests, and a cookie-keeping
HTTP client that signs in like a browser (reads the form's CSRF token, posts it back)."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from yarl import URL

from backend.attachments import AttachmentDesk
from backend.auth import StaffAuth
from backend.conversations import SqlConversationStore
from backend.drafts import CaseDraft, ComplainantDraft
from backend.notifications import Notification
from backend.notifier import Notifier
from backend.ratelimit import RateLimiter
from backend.service import CaseService
from backend.settings import Settings
from bot.bootstrap import AppContext
from bot.server import build_web_app

# The fake WeChat Work API lives with the channel's own tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "wecom_channel"))

ID_NUMBER = "140522199003151234"
PHONE = "13812341427"
CSRF_FIELD = re.compile(r'name="_csrf" value="([^"]*)"')


@dataclass
class Recorder:
    channel: str
    sent: list[Notification] = field(default_factory=list)

    async def send(self, notification: Notification) -> None:
        self.sent.append(notification)


@dataclass
class Plugin:
    sender: Recorder
    name: str = "recorder"

    def senders(self) -> list[Any]:
        return [self.sender]

    def setup_routes(self, app: Any) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


@dataclass
class DeskServer:
    ctx: AppContext
    base: str
    tokens: dict[str, str]
    staff_box: Recorder

    def client(self) -> Client:
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
        return Client(aiohttp.ClientSession(base_url=self.base, cookie_jar=jar), self.base)

    async def open_case(
        self,
        description: str = "单位给我交的养老保险缴费金额不对，扣多了",
        *,
        category: str = "contribution_amount",
        name: str = "张三",
        user: str = "user-1",
        insurance: str | None = "pension",
        id_number: str | None = ID_NUMBER,
    ) -> str:
        """A case by Telegram; ``id_number=None`` keeps it from being a repeat (重复件 are
        complex) of the others."""
        draft = CaseDraft(
            channel="telegram",
            channel_user=user,
            description=description,
            category=category,
            complainant=ComplainantDraft(
                name=name,
                phone=PHONE,
                id_number=id_number,
                insurance_type=insurance,
                period_start=date(2025, 1, 1),
                period_end=date(2025, 6, 30),
            ),
        )
        return (await self.ctx.cases.open_case(draft)).number


@dataclass
class Client:
    http: aiohttp.ClientSession
    base: str

    async def get(self, path: str, **kw: Any) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.http.get(path, allow_redirects=kw.pop("follow", True), **kw) as resp:
            return resp.status, await resp.text(), resp

    async def post(
        self, path: str, data: dict[str, str], **kw: Any
    ) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.http.post(
            path, data=data, allow_redirects=kw.pop("follow", True), **kw
        ) as resp:
            return resp.status, await resp.text(), resp

    async def refused(self, path: str, data: dict[str, str]) -> str:
        """Post an action form the server refuses: it must answer post/redirect/get (303 to
        the case page, never leaving the browser on the POST address); the page it leads to."""
        status, _, resp = await self.post(path, data, follow=False)
        location = resp.headers.get("Location", "")
        kind = path.rstrip("/").rsplit("/", 1)[-1]
        assert status == 303, (path, status)
        assert location.startswith(path.rsplit("/", 1)[0] + "?failed=" + kind), location
        assert location.endswith(f"#form-{kind}"), location
        status, html, resp = await self.get(location)
        assert status == 200 and resp.url.path == path.rsplit("/", 1)[0], (status, resp.url)
        return html

    async def csrf(self, path: str) -> str:
        status, html, _ = await self.get(path)
        assert status == 200, (path, status)
        found = CSRF_FIELD.search(html)
        assert found, f"no CSRF field on {path}"
        return found.group(1)

    async def sign_in(self, token: str, next_path: str | None = None) -> aiohttp.ClientResponse:
        form_token = await self.csrf("/console/login")
        data = {"_csrf": form_token, "token": token}
        if next_path is not None:
            data["next"] = next_path
        _, _, resp = await self.post("/console/login", data, follow=False)
        return resp

    def plant(self, name: str, value: str) -> None:
        """Put a cookie in the browser as the server would (path /console)."""
        cookie: SimpleCookie = SimpleCookie()
        cookie[name] = value
        cookie[name]["path"] = "/console"
        self.http.cookie_jar.update_cookies(cookie, response_url=URL(self.base))

    def cookie(self, name: str) -> str | None:
        for c in self.http.cookie_jar:
            if c.key == name:
                return c.value
        return None

    async def close(self) -> None:
        await self.http.close()


@asynccontextmanager
async def running_desk(
    database: Any, county: Any, clock: Any, **settings: Any
) -> AsyncIterator[DeskServer]:
    """``build_web_app`` (API + console) on a free port; background tasks off. Attachments
    are kept in a temporary directory (``attachments_dir`` to choose one)."""
    staff_box = Recorder("console")
    scratch = tempfile.TemporaryDirectory(prefix="yc-desk-att-")
    settings.setdefault("attachments_dir", Path(scratch.name))
    config = Settings(database_url=database.url.render_as_string(hide_password=False), **settings)
    ctx = AppContext(
        settings=config,
        county=county,
        db=database,
        cases=CaseService(county, database, clock),
        conversations=SqlConversationStore(database, clock),
        clock=clock,
        notifier=Notifier(database, [staff_box], clock=clock, limiter=RateLimiter({})),
        attachments=AttachmentDesk.from_settings(county, database, config, clock),
    )
    app = build_web_app(ctx, [Plugin(Recorder("telegram"))], background=False)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    auth = StaffAuth(database, county, clock)
    tokens = {s.id: await auth.issue(s.id) for s in county.staff}
    try:
        yield DeskServer(ctx, str(server.make_url("")).rstrip("/"), tokens, staff_box)
    finally:
        await server.close()
        scratch.cleanup()
