"""The real yichuang server (``build_web_app``) with the WeChat Work plugin, on 127.0.0.1,
talking to the local fake WeChat Work API; callbacks are encrypted with the real algorithm."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from wecom_fake import (
    AES_KEY,
    AGENT_ID,
    APP_SECRET,
    CB_TOKEN,
    CORP_ID,
    KF_SECRET,
    FakeWeCom,
    signed_callback,
)

from backend.config import County
from backend.settings import Settings
from bot.bootstrap import AppContext, build_context, build_dialogue, close_context
from bot.server import build_web_app
from bot.wecom.plugin import WeComPlugin
from dialogs.messages import Choice, Inbound, InboundHandler, Reply

GRID_WORKER_USERID = "ZhangGuilan"


def wecom_county() -> County:
    """The example county with WeChat Work accounts: every staff member's userid is their id;
    each agency notifies its members through the app and its group robot "<id>_group"; the
    grid worker 张桂兰 has a userid."""
    text = resources.files("backend.county").joinpath("example.toml").read_text("utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    for staff in data["staff"]:
        staff["wecom_userid"] = staff["id"]
    for agency in data["agencies"]:
        members = [s["id"] for s in data["staff"] if s["agency"] == agency["id"]]
        agency["notify"] = [{"channel": "wecom_robot", "to": f"{agency['id']}_group"}]
        if members:
            agency["notify"].insert(0, {"channel": "wecom_app", "to": "|".join(members)})
    data["grid_workers"][0]["wecom_userid"] = GRID_WORKER_USERID
    return County.model_validate(data)


def robot_environ(county: County) -> dict[str, str]:
    return {f"YICHUANG_WECOM_ROBOT_{a.id.upper()}_GROUP": f"key-{a.id}" for a in county.agencies}


def settings(url: str, fake: FakeWeCom, **extra: Any) -> Settings:
    return Settings(
        **extra,
        database_url=url,
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret=SecretStr(APP_SECRET),
        wecom_kf_secret=SecretStr(KF_SECRET),
        wecom_token=SecretStr(CB_TOKEN),
        wecom_aes_key=SecretStr(AES_KEY),
        wecom_api_base=fake.base,
    )


@dataclass
class EchoHandler:
    """A stand-in dialogue for the plumbing tests: de-duplicates like the real one, records
    what reached it, answers in two parts (the adapter must merge them) or with a menu."""

    ctx: AppContext
    seen: list[Inbound] = field(default_factory=list)

    async def handle(self, inbound: Inbound) -> list[Reply]:
        if not await self.ctx.conversations.first_time_seen(inbound.channel, inbound.message_id):
            return []
        self.seen.append(inbound)
        if inbound.text == "菜单":
            return [Reply("请选择：", (Choice("opt_a", "选项A"), Choice("opt_b", "选项B")))]
        return [Reply(f"收到：{inbound.text}"), Reply("还有别的情况吗？")]


@dataclass
class Harness:
    fake: FakeWeCom
    ctx: AppContext
    plugin: WeComPlugin
    server: TestServer
    http: aiohttp.ClientSession

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def post(self, route: str, inner: dict[str, str | int], times: int = 1) -> list[int]:
        query, body = signed_callback(inner)
        statuses = []
        for _ in range(times):
            async with self.http.post(self.url(route), params=query, data=body) as resp:
                statuses.append(resp.status)
                assert resp.status != 200 or (await resp.text()) == "success"
        return statuses

    async def settle(self) -> None:
        """Background work of the plugin done, then the outbox delivered."""
        await self.plugin.drain(10)
        assert self.ctx.notifier is not None
        await self.ctx.notifier.drain()


@asynccontextmanager
async def running(
    url: str,
    fake: FakeWeCom,
    *,
    handler: InboundHandler | None = None,
    echo: bool = False,
    county: County | None = None,
    nlu: Any = None,
    **more: Any,
) -> AsyncIterator[Harness]:
    """``nlu``: a loaded NLU to share between server instances (loading it is the slow part);
    ``more``: further ``Settings`` fields (e.g. ``attachments_dir``)."""
    county = county or wecom_county()
    ctx = await build_context(settings(url, fake, **more), county=county)
    try:
        if echo:
            handler = EchoHandler(ctx)
        elif handler is None and nlu is not None:
            ctx.nlu = nlu
            build_dialogue(ctx)
        plugin = WeComPlugin(ctx, handler=handler, environ=robot_environ(county))
        app: web.Application = build_web_app(ctx, [plugin], background=False)
        server = TestServer(app, host="127.0.0.1", port=0)
        await server.start_server()
        try:
            async with aiohttp.ClientSession() as http:
                yield Harness(fake, ctx, plugin, server, http)
        finally:
            await server.close()  # runs plugin.stop()
    finally:
        await close_context(ctx)
