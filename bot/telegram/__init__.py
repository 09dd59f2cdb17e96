"""Telegram channel: residents, grid workers and staff on python-telegram-bot (v22).

See ``bot.telegram.plugin`` (modes, routes), ``bot.telegram.handlers`` (translation) and
``bot.telegram.sending`` (outbox sender, error mapping).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_plugin"]


def create_plugin(ctx: Any) -> Any | None:
    """The plugin when ``YICHUANG_TELEGRAM_TOKEN`` is set, else None. Called by
    ``bot.server.load_plugins`` / ``bot.plugins.build_plugins``."""
    from bot.telegram.plugin import TelegramPlugin, configured

    if not configured(ctx.settings):
        return None
    return TelegramPlugin(ctx)
