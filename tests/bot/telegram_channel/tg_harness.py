"""The real yichuang server (``build_web_app``) with the Telegram plugin on 127.0.0.1, PTB's
real HTTP stack pointed at the local fake Bot API (``tg_fake``)."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from tg_fake import TOKEN, FakeBotApi

from backend.config import County
from backend.settings import Settings
from bot.bootstrap import AppContext, build_context, build_dialogue, close_context
from bot.server import build_web_app
from bot.telegram.plugin import WEBHOOK_PATH, TelegramPlugin
from dialogs.messages import Inbound, InboundHandler, Reply

SECRET = "s3cret-Token_for-tests"
WEBHOOK_URL = "https://yichuang.example.org/telegram/webhook"
#: Telegram user ids of the staff (example county order) and chat ids of the agency groups.
STAFF_BASE = 7000
GROUP_BASE = -1000100


def staff_user_id(county: County, staff_id: str) -> int:
    return STAFF_BASE + [s.id for s in county.staff].index(staff_id)


def agency_chat(county: County, agency_id: str) -> int:
    return GROUP_BASE - [a.id for a in county.agencies].index(agency_id)


def tg_county() -> County:
    """The example county on Telegram: every staff member has a Telegram user id, every
    agency's notifications go to its own group chat."""
    text = resources.files("backend.county").joinpath("example.toml").read_text("utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    for i, staff in enumerate(data["staff"]):
        staff["telegram_user_id"] = STAFF_BASE + i
    for i, agency in enumerate(data["agencies"]):
        agency["notify"] = [{"channel": "telegram", "to": str(GROUP_BASE - i)}]
    return County.model_validate(data)


def tg_settings(url: str, fake: FakeBotApi, *, webhook: bool, **extra: Any) -> Settings:
    return Settings(
        **extra,
        database_url=url,
        telegram_token=SecretStr(TOKEN),
        telegram_api_base=fake.base,
        telegram_webhook_url=WEBHOOK_URL if webhook else None,
        telegram_secret=SecretStr(SECRET) if webhook else None,
    )


@dataclass
class Exploding:
    """Wraps the dialogue; a message "boom" raises (one bad update must not stop the bot);
    while ``db_down`` > 0 each message fails as if the database were unreachable."""

    inner: InboundHandler
    seen: list[Inbound] = field(default_factory=list)
    db_down: int = 0

    def _check(self, inbound: Inbound) -> None:
        self.seen.append(inbound)
        if inbound.text == "boom":
            raise RuntimeError("a bug while handling one update")
        if self.db_down > 0:
            import sqlalchemy.exc

            self.db_down -= 1
            raise sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError())

    async def handle(self, inbound: Inbound) -> list[Reply]:
        self._check(inbound)
        return await self.inner.handle(inbound)

    async def handle_tracked(self, inbound: Inbound) -> list[Reply]:
        self._check(inbound)
        replies: list[Reply] = await self.inner.handle_tracked(inbound)  # type: ignore[attr-defined]
        return replies

    async def delivered(self, inbound: Inbound) -> None:
        await self.inner.delivered(inbound)  # type: ignore[attr-defined]


@dataclass
class Harness:
    fake: FakeBotApi
    ctx: AppContext
    plugin: TelegramPlugin
    server: TestServer
    http: aiohttp.ClientSession
    handler: Exploding
    sleeps: list[float]

    async def post_update(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        url = str(self.server.make_url(WEBHOOK_PATH))
        async with self.http.post(url, json=update, headers=headers) as resp:
            return resp.status

    async def deliver_outbox(self) -> Any:
        assert self.ctx.notifier is not None
        return await self.ctx.notifier.drain()


@asynccontextmanager
async def running(
    url: str,
    fake: FakeBotApi,
    *,
    nlu: Any,
    clock: Callable[[], Any],
    webhook: bool = False,
    poll_pause: float = 1.0,
    **settings: Any,
) -> AsyncIterator[Harness]:
    """``settings``: more ``Settings`` fields (e.g. ``attachments_dir``)."""
    county = tg_county()
    ctx = await build_context(
        tg_settings(url, fake, webhook=webhook, **settings), county=county, clock=clock
    )
    try:
        ctx.nlu = nlu  # the session's loaded NLU (its cold start is not the channel's)
        dialogue = build_dialogue(ctx)
        handler = Exploding(dialogue)
        sleeps: list[float] = []

        async def no_wait(seconds: float) -> None:
            sleeps.append(seconds)

        sleep: Callable[[float], Awaitable[None]] = no_wait
        plugin = TelegramPlugin(
            ctx, handler=handler, poll_timeout=1, sleep=sleep, poll_pause=poll_pause
        )
        app: web.Application = build_web_app(ctx, [plugin], background=False)
        server = TestServer(app, host="127.0.0.1", port=0)
        await server.start_server()  # starts the plugin (polling or setWebhook)
        try:
            async with aiohttp.ClientSession() as http:
                yield Harness(fake, ctx, plugin, server, http, handler, sleeps)
        finally:
            await server.close()  # stops the plugin
    finally:
        await close_context(ctx)
