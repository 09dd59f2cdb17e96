"""WeChat Work (企业微信) channel: residents through 微信客服, staff and grid workers through the
self-built app, agency group robots. See ``bot.wecom.plugin``."""

from __future__ import annotations

from typing import Any


def create_plugin(ctx: Any) -> Any | None:
    """The plugin when ``YICHUANG_WECOM_*`` is configured (corp id, token, AES key, a secret),
    else None. Called by ``bot.server.load_plugins`` / ``bot.plugins.build_plugins``."""
    from bot.wecom.plugin import WeComPlugin, configured

    if not configured(ctx.settings):
        return None
    return WeComPlugin(ctx)
