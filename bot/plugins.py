"""Which channel plugins ``serve`` runs: every adapter that is configured.

Each channel package exposes ``create_plugin(ctx) -> ChannelPlugin | None`` (None when its
``YICHUANG_*`` settings are absent); ``bot.server.load_plugins`` imports them by name.
"""

from __future__ import annotations

from typing import Any

from bot.channels import ChannelPlugin


def build_plugins(ctx: Any) -> list[ChannelPlugin]:
    """The configured channel plugins: WeChat Work when ``YICHUANG_WECOM_CORP_ID``, ``_TOKEN``,
    ``_AES_KEY`` and a secret are set; Telegram when its token is set (``bot.telegram``)."""
    from bot.server import load_plugins

    return load_plugins(ctx)
