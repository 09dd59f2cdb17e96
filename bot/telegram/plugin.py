"""The Telegram channel plugin (``bot.channels.ChannelPlugin``) around a PTB ``Application``.

Modes:
- long polling when ``YICHUANG_TELEGRAM_WEBHOOK_URL`` is unset: ``start`` initializes and
  starts the application and the updater's ``getUpdates`` loop; ``stop`` ends them cleanly
  (the last fetched updates are confirmed);
- webhook when it is set: the application is built without an updater, ``start`` calls
  ``setWebhook(url, secret_token)`` and ``POST /telegram/webhook`` on the shared aiohttp
  server checks ``X-Telegram-Bot-Api-Secret-Token`` (403 otherwise, nothing processed) and
  feeds the update to ``Application.process_update``. It answers 200 once the update is
  handled; a failure inside is logged by the error handler and not retried by Telegram.

``YICHUANG_TELEGRAM_API_BASE`` is the Bot API base URL (tests point it at a local server).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from backend.config import ConfigError
from backend.notifications import Sender
from backend.settings import secret_value
from bot.telegram.handlers import StaffDesk, UpdateTranslator
from bot.telegram.sending import TelegramSender
from dialogs.messages import InboundHandler

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
#: Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET_OK = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


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
        builder = Application.builder().token(token).base_url(settings.telegram_api_base)
        if self.webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        self.translator = UpdateTranslator(
            dialogue=handler,
            staff=staff_chat,
            first_time_seen=ctx.conversations.first_time_seen,
            clock=ctx.clock,
            sleep=sleep,
        )
        self.translator.register(self.application)

    # --- ChannelPlugin -------------------------------------------------------------------

    def senders(self) -> list[Sender]:
        return [TelegramSender(self.application.bot)]

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
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=int(self._poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                error_callback=self._polling_error,
            )
            log.info("telegram: long polling")

    async def stop(self) -> None:
        """Stop polling (confirming what was fetched), finish the handlers, close HTTP."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    # --- webhook -------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if self._secret is None or not hmac.compare_digest(given, self._secret.encode()):
            log.warning("telegram webhook: wrong or missing secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        if not self.application.running:
            return web.Response(status=503, text="not ready")  # Telegram retries later
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("telegram webhook: unreadable update: %s", exc)
            return web.Response(status=400, text="bad update")
        if update is None:
            return web.Response(status=400, text="bad update")
        await self.application.process_update(update)
        return web.Response(text="ok")

    def _polling_error(self, exc: Exception) -> None:
        # Network trouble while polling: PTB retries by itself; one line, not a traceback.
        log.warning("telegram: getUpdates failed: %s", exc)
