"""The extension point for chat channels: how Telegram, WeChat Work and the console plug into
the one server. The server knows only this protocol; each adapter translates, nothing more."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from backend.notifications import Sender


class ChannelPlugin(Protocol):
    name: str

    def senders(self) -> list[Sender]:
        """Outbox senders this channel provides (may be empty)."""
        ...

    def setup_routes(self, app: web.Application) -> None:
        """Register webhook/callback routes on the shared aiohttp application (may do nothing)."""
        ...

    async def start(self) -> None:
        """Start background work (e.g. long polling). Called once the server is up."""
        ...

    async def stop(self) -> None:
        """Finish or hand back in-flight work; called on shutdown (SIGTERM)."""
        ...
