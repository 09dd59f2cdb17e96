"""A local Telegram Bot API server for the tests (aiohttp on 127.0.0.1, a free port).

Implements what the bot uses — getMe, deleteWebhook, setWebhook, getUpdates (long poll with
``timeout``, ``offset`` confirming earlier updates), sendMessage, answerCallbackQuery,
editMessageText — accepts form-encoded (what PTB sends) and JSON bodies, records every call,
and can be told to fail the next calls of a method (429 with retry_after, 403, 400).
Tests make updates with ``text``/``press``/``contact`` (queued for getUpdates, and returned
so a webhook test can POST them itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token_abc"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "一窗", "username": "yichuang_test_bot"}
#: Parameters PTB sends JSON-encoded inside a form body.
_JSON_PARAMS = {"reply_markup", "allowed_updates", "entities", "link_preview_options"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    chat_id: str | None = None  # only calls to this chat fail


@dataclass
class FakeBotApi:
    now: Callable[[], float] = time.time
    calls: list[Call] = field(default_factory=list)
    queue: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    port: int = 0

    def __post_init__(self) -> None:
        self._update_ids = itertools.count(5000)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False

    # --- server -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        self._closing = True
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        """For ``YICHUANG_TELEGRAM_API_BASE``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- test controls ------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        *,
        times: int = 1,
        retry_after: int | None = None,
        chat_id: str | int | None = None,
    ) -> None:
        to = str(chat_id) if chat_id is not None else None
        self.failures.setdefault(method, []).extend(
            Failure(status, description, retry_after, to) for _ in range(times)
        )

    def of(self, method: str, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """The parameters of every call of ``method`` (to ``chat_id``), in order."""
        return [
            c.params
            for c in self.calls
            if c.method == method
            and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    def delivered(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """sendMessage calls that succeeded (a failed attempt delivered nothing)."""
        return [p for p in self.of("sendMessage", chat_id) if "_result" in p]

    def texts(self, chat_id: int | str) -> list[str]:
        return [str(p["text"]) for p in self.delivered(chat_id)]

    async def wait_for(self, check: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Until ``check()`` is truthy (re-checked on every call the server gets)."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while not (result := check()):
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    raise AssertionError(
                        f"timed out waiting; calls: {[c.method for c in self.calls]}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)
            return result

    async def wait_sent(self, chat_id: int | str, count: int, timeout: float = 10.0) -> list[str]:
        await self.wait_for(lambda: len(self.texts(chat_id)) >= count, timeout)
        return self.texts(chat_id)

    async def wait_drained(self, timeout: float = 10.0) -> None:
        """Until the bot has fetched (and confirmed) every queued update."""
        await self.wait_for(lambda: not self.queue, timeout)

    # --- updates ------------------------------------------------------------------------

    def _user(self, user_id: int, name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name}

    def _chat(self, chat_id: int, name: str = "") -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": name or "用户"}
        return {"id": chat_id, "type": "supergroup", "title": "办理群"}

    def _push(self, update: dict[str, Any], queue: bool) -> dict[str, Any]:
        if queue:
            self.queue.append(update)
            asyncio.get_running_loop().create_task(self._notify())
        return update

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
        name: str = "张三",
        queue: bool = True,
        update_id: int | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(self.now()),
            "chat": self._chat(chat_id if chat_id is not None else user_id, name),
            "from": self._user(user_id, name),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        uid = update_id if update_id is not None else next(self._update_ids)
        return self._push({"update_id": uid, "message": message}, queue)

    def contact(
        self, user_id: int, phone: str, *, contact_user_id: int | None = None, queue: bool = True
    ) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(self.now()),
            "chat": self._chat(user_id),
            "from": self._user(user_id, "网格员"),
            "contact": {
                "phone_number": phone,
                "first_name": "网格员",
                "user_id": contact_user_id if contact_user_id is not None else user_id,
            },
        }
        return self._push({"update_id": next(self._update_ids), "message": message}, queue)

    def press(
        self, user_id: int, message: dict[str, Any], data: str, *, queue: bool = True
    ) -> dict[str, Any]:
        """A press of the button ``data`` on a message the bot sent (a sendMessage result)."""
        query = {
            "id": f"q{next(self._update_ids)}",
            "from": self._user(user_id, "按钮用户"),
            "chat_instance": "ci-1",
            "data": data,
            "message": message,
        }
        return self._push({"update_id": next(self._update_ids), "callback_query": query}, queue)

    def sent_message(self, index: int, chat_id: int | str | None = None) -> dict[str, Any]:
        """The Message object the server returned for a sendMessage call (for ``press``)."""
        return dict(self.delivered(chat_id)[index]["_result"])

    # --- the API --------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body or {})
        form = await request.post() if request.can_read_body else request.query
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            params[key] = json.loads(text) if key in _JSON_PARAMS else text
        return params

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = await self._params(request)
        call = Call(method, params)
        self.calls.append(call)
        try:
            failure = self._failure(method, params)
            if failure is not None:
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": failure.status,
                    "description": failure.description,
                }
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                return web.json_response(body, status=failure.status)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                return web.json_response(
                    {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
                )
            result = await handler(params)
            params["_result"] = result
            return web.json_response({"ok": True, "result": result})
        finally:
            await self._notify()

    def _failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        pending = self.failures.get(method) or []
        for i, failure in enumerate(pending):
            if failure.chat_id is None or failure.chat_id == str(params.get("chat_id")):
                return pending.pop(i)
        return None

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if offset:  # confirms every update before it
            self.queue[:] = [u for u in self.queue if u["update_id"] >= offset]
        if not self.queue and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self.queue) or self._closing), timeout
                    )
        return [u for u in self.queue if u["update_id"] >= offset][:limit]

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(self.now()),
            "chat": self._chat(chat_id),
            "from": BOT_USER,
            "text": params["text"],
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        return {
            "message_id": int(params["message_id"]),
            "date": int(self.now()),
            "chat": self._chat(int(params["chat_id"])),
            "from": BOT_USER,
            "text": params["text"],
        }
