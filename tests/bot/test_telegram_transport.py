"""PTB over aiohttp (``bot.telegram.transport.AiohttpRequest``): what reaches the Bot API is
what PTB's own transport sends (form fields, JSON-encoded markup, multipart files), and
timeouts / unreachable servers / Telegram errors come back as PTB's exceptions."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.telegram.sending import retry_seconds
from bot.telegram.transport import AiohttpRequest

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
TOKEN = "123456:transport-test"
ME = {"id": 123456, "is_bot": True, "first_name": "一窗", "username": "yc_bot"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def api() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    async def method(request: web.Request) -> web.Response:
        name = request.match_info["method"]
        if request.content_type.startswith("multipart/"):
            fields: dict[str, Any] = {}
            async for part in await request.multipart():
                body = await part.read()  # type: ignore[union-attr]
                name = part.name or ""  # type: ignore[union-attr]
                filename = part.filename  # type: ignore[union-attr]
                fields[name] = (filename, bytes(body)) if filename else bytes(body).decode()
        else:
            fields = dict(await request.post())
        seen.append({"method": name, "fields": fields, "ua": request.headers.get("User-Agent")})
        if name == "getMe":
            return web.json_response({"ok": True, "result": ME})
        if name == "slow":
            await asyncio.sleep(1)
        if fields.get("chat_id") == "429":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests",
                    "parameters": {"retry_after": 7},
                },
                status=429,
            )
        message = {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": int(str(fields.get("chat_id", "1"))), "type": "private"},
            "text": str(fields.get("text", "")),
        }
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}/bot", seen
    finally:
        await runner.cleanup()


async def test_messages_files_and_errors_go_through_aiohttp(
    api: tuple[str, list[dict[str, Any]]],
) -> None:
    base, seen = api
    bot = Bot(TOKEN, base_url=base, request=AiohttpRequest(read_timeout=0.5))
    async with bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("确认", callback_data="yes")]])
        sent = await bot.send_message(1001, "您好，请核对", reply_markup=markup)
        assert sent.text == "您好，请核对" and sent.chat.id == 1001
        call = seen[-1]
        assert call["method"] == "sendMessage" and call["fields"]["text"] == "您好，请核对"
        assert json.loads(call["fields"]["reply_markup"])["inline_keyboard"][0][0] == {
            "text": "确认",
            "callback_data": "yes",
        }
        assert "python-telegram-bot" in (call["ua"] or "")

        await bot.send_document(1001, b"%PDF-1.4 test", filename="回执.pdf")
        fields = seen[-1]["fields"]
        assert fields["document"] == ("回执.pdf", b"%PDF-1.4 test") and fields["chat_id"] == "1001"

        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(429, "x")
        assert retry_seconds(flood.value) == 7

        with pytest.raises(TimedOut):
            await bot.do_api_request("slow", api_kwargs={"chat_id": 1})

    dead = Bot(TOKEN, base_url=f"http://127.0.0.1:{_free_port()}/bot", request=AiohttpRequest())
    with pytest.raises(NetworkError) as down:
        await dead.initialize()
    assert not isinstance(down.value, TimedOut)
    await dead.shutdown()
