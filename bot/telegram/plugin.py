"""The Telegram channel plugin (``bot.channels.ChannelPlugin``) around a PTB ``Application``.

Modes:
- long polling when ``YICHUANG_TELEGRAM_WEBHOOK_URL`` is unset: our own ``getUpdates`` loop
  (``poll``), not PTB's updater, because the offset — which confirms updates to Telegram —
  must never pass an update that was not handled: a batch is handled (each chat's updates in
  order, chats side by side), and the next offset stops at the first update that failed for a
  passing reason (database, network), which is fetched again after a pause. ``stop`` ends the
  loop; nothing fetched but unhandled is confirmed;
- webhook when it is set: the application is built without an updater, ``start`` calls
  ``setWebhook(url, secret_token)`` and ``POST /telegram/webhook`` on the shared aiohttp
  server checks ``X-Telegram-Bot-Api-Secret-Token`` (403 otherwise, nothing processed) and
  feeds the update to ``Application.process_update``. It answers 200 once the update is
  handled, 503 when it could not be handled for now (Telegram re-sends it), 400 for an update
  it cannot read. A bug in a handler is logged and answered 200 (re-sending would fail again).

``YICHUANG_TELEGRAM_API_BASE`` is the Bot API base URL (tests point it at a local server).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from backend.config import ConfigError
from backend.notifications import Sender
from backend.settings import secret_value
from bot.media.telegram import file_base_url
from bot.telegram.handlers import StaffDesk, UpdateTranslator, retryable
from bot.telegram.render import Outgoing, reply_messages
from bot.telegram.sending import TelegramSender, answer, chat_id
from bot.telegram.transport import AiohttpRequest
from dialogs.messages import InboundHandler, Reply

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
#: Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET_OK = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
#: An update is a few kilobytes; anything bigger is not from Telegram.
MAX_UPDATE_BYTES = 256 * 1024
#: Pauses (seconds) after a failed getUpdates or a batch with an update to redo: 1, 2, 4 … 30.
POLL_BACKOFF_MAX = 30.0


def configured(settings: Any) -> bool:
    """A bot token is set."""
    return secret_value(getattr(settings, "telegram_token", None)) is not None


class TelegramPlugin:
    """Residents, grid workers and staff on Telegram."""

    name = "telegram"

    def __init__(
        self,
        ctx: Any,
        *,
        handler: InboundHandler | None = None,
        staff_chat: StaffDesk | None = None,
        poll_timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        poll_pause: float = 1.0,
    ) -> None:
        settings = ctx.settings
        token = secret_value(settings.telegram_token)
        if token is None:
            raise ConfigError("没有设置 YICHUANG_TELEGRAM_TOKEN（Telegram 机器人令牌）。")
        self.webhook_url: str | None = settings.telegram_webhook_url or None
        self._secret = secret_value(settings.telegram_secret)
        if self.webhook_url and (self._secret is None or not _SECRET_OK.match(self._secret)):
            raise ConfigError(
                "设置了 YICHUANG_TELEGRAM_WEBHOOK_URL 时，YICHUANG_TELEGRAM_SECRET 必须设置为"
                "1到256个字母、数字、下划线或减号。"
            )
        handler = handler if handler is not None else getattr(ctx, "dialogue", None)
        if handler is None:
            raise ValueError("TelegramPlugin needs the dialogue (ctx.dialogue or handler=)")
        if staff_chat is None:
            from bot.staff_chat import StaffChat

            staff_chat = StaffChat(ctx.county, ctx.cases)
        self._poll_timeout = poll_timeout
        self._poll_pause = poll_pause
        # No PTB updater in either mode: polling is ours (see the module docstring).
        builder = (
            Application.builder()
            .token(token)
            .base_url(settings.telegram_api_base)
            # Photos, voice and files are downloaded from the same server (tests: the fake).
            .base_file_url(file_base_url(settings.telegram_api_base))
            # Bot API calls over aiohttp (bot.telegram.transport): a quarter of httpx's CPU.
            .request(AiohttpRequest())
            .get_updates_request(
                AiohttpRequest(connection_pool_size=1, read_timeout=poll_timeout + 10)
            )
            .updater(None)
        )
        self.application = builder.build()
        self.translator = UpdateTranslator(
            dialogue=handler,
            staff=staff_chat,
            ledger=ctx.conversations,
            clock=ctx.clock,
            sleep=sleep,
            desk=getattr(ctx, "cases", None),
            photo_reader=getattr(ctx, "photo_reader", None),
        )
        self.translator.register(self.application)
        self._poller: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        #: The next getUpdates offset (everything before it is handled).
        self.offset: int | None = None

    # --- ChannelPlugin -------------------------------------------------------------------

    def senders(self) -> list[Sender]:
        return [TelegramSender(self.application.bot)]

    def resenders(self) -> dict[str, Callable[[str, list[Reply]], Awaitable[None]]]:
        """How a stored answer that never went out is sent again (``bot.server``'s sweeper)."""
        return {"telegram": self._resend}

    async def _resend(self, user_ref: str, replies: list[Reply]) -> None:
        out: list[Outgoing] = []
        for reply in replies:
            out += reply_messages(reply)
        await self.application.bot.initialize()
        await answer(self.application.bot, chat_id(user_ref), out, strict=True)

    def setup_routes(self, app: web.Application) -> None:
        if self.webhook_url:
            app.router.add_post(WEBHOOK_PATH, self.webhook)

    async def start(self) -> None:
        httpx_log = logging.getLogger("httpx")
        if httpx_log.level == logging.NOTSET:
            # httpx logs every request URL at INFO, and the Bot API URL contains the token.
            httpx_log.setLevel(logging.WARNING)
        app = self.application
        await app.initialize()
        await app.start()
        if self.webhook_url:
            await app.bot.set_webhook(
                self.webhook_url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info("telegram: webhook mode, %s", self.webhook_url)
        else:
            await app.bot.delete_webhook()
            self._stopping.clear()
            self._poller = asyncio.create_task(self.poll(), name="telegram-polling")
            log.info("telegram: long polling")

    async def stop(self) -> None:
        """Stop polling (updates fetched but not handled stay unconfirmed), close HTTP."""
        app = self.application
        self._stopping.set()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
            await self._confirm()
        if app.running:
            await app.stop()
        await app.shutdown()

    # --- handling ------------------------------------------------------------------------

    async def process(self, update: Update) -> bool:
        """Handle one update: True when it is done (or can never be), False to redo it."""
        await self.application.process_update(update)
        error = self.translator.failures.pop(update.update_id, None)
        return error is None or not retryable(error)

    async def process_batch(self, updates: Sequence[Update]) -> int | None:
        """Handle a batch: each chat's updates in order, chats side by side. Returns the
        lowest update id that must be handled again (None: all done). A chat stops at its
        first failed update, so its later ones are not handled out of order."""
        by_chat: dict[Any, list[Update]] = defaultdict(list)
        for update in updates:
            chat = update.effective_chat
            user = update.effective_user
            by_chat[chat.id if chat else user.id if user else update.update_id].append(update)

        async def run(chain: list[Update]) -> int | None:
            for update in chain:
                if not await self.process(update):
                    return update.update_id
            return None

        failed = [i for i in await asyncio.gather(*(run(c) for c in by_chat.values())) if i]
        return min(failed) if failed else None

    async def poll(self) -> None:
        """The getUpdates loop (see the module docstring)."""
        bot = self.application.bot
        pause = self._poll_pause
        while not self._stopping.is_set():
            try:
                updates = await bot.get_updates(
                    offset=self.offset,
                    timeout=int(self._poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                )
            except TelegramError as exc:
                self._polling_error(exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, POLL_BACKOFF_MAX)
                continue
            if not updates:
                pause = self._poll_pause
                continue
            redo = await self.process_batch(updates)
            if redo is None:
                self.offset = max(u.update_id for u in updates) + 1
                pause = self._poll_pause
                continue
            # Confirm what comes before the first update to redo, then wait a little: the
            # database (or Telegram) needs time to come back.
            self.offset = redo
            log.warning("telegram: update %s to be handled again in %.0fs", redo, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, POLL_BACKOFF_MAX)

    async def _confirm(self) -> None:
        """Tell Telegram what was handled (a getUpdates with the offset, no waiting)."""
        if self.offset is None:
            return
        try:
            await asyncio.wait_for(
                self.application.bot.get_updates(offset=self.offset, timeout=0, limit=1), 5.0
            )
        except (TelegramError, TimeoutError) as exc:
            log.info("telegram: could not confirm handled updates on stop: %s", exc)

    # --- webhook -------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if self._secret is None or not hmac.compare_digest(given, self._secret.encode()):
            log.warning("telegram webhook: wrong or missing secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        if not self.application.running:
            return web.Response(status=503, text="not ready")  # Telegram retries later
        if (request.content_length or 0) > MAX_UPDATE_BYTES:
            return web.Response(status=413, text="too large")
        try:
            body = await request.read()
            if len(body) > MAX_UPDATE_BYTES:
                return web.Response(status=413, text="too large")
            update = Update.de_json(_json_object(body), self.application.bot)
        except Exception as exc:  # deep nesting, 5,000-digit numbers, wrong types: all "bad"
            log.warning("telegram webhook: unreadable update: %s", type(exc).__name__)
            return web.Response(status=400, text="bad update")
        if update is None or not isinstance(update.update_id, int):
            return web.Response(status=400, text="bad update")
        if not await self.process(update):
            return web.Response(status=503, text="retry later", headers={"Retry-After": "5"})
        return web.Response(text="ok")

    def _polling_error(self, exc: Exception) -> None:
        # Network trouble while polling: PTB retries by itself; one line, not a traceback.
        log.warning("telegram: getUpdates failed: %s", exc)


def _json_object(body: bytes) -> dict[str, Any]:
    data = json.loads(body.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("an update is a JSON object")
    return data
