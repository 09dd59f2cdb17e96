"""Channel-neutral messages: what adapters in ``bot/`` translate to and from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Inbound:
    """One message from a user, whatever the channel."""

    channel: str  # "console" | "telegram" | "wecom_kf" | "wecom_app"
    user_ref: str  # the user's id on that channel (chat id, external_userid, userid)
    text: str
    message_id: str  # for de-duplication on (channel, message_id)
    received_at: datetime  # timezone-aware
    choice_id: str | None = None  # a pressed button / menu item: the Choice.id
    contact_phone: str | None = None  # a phone number the channel vouches for (shared contact)
    display_name: str | None = None


@dataclass(frozen=True)
class Choice:
    id: str  # <= 32 ASCII chars: fits Telegram callback_data and WeChat msgmenu ids
    label: str


@dataclass(frozen=True)
class Reply:
    """One message to the user: plain text plus optional choices (buttons or a numbered list)."""

    text: str
    choices: tuple[Choice, ...] = ()


class InboundHandler(Protocol):
    """What a channel adapter hands every user message to (implemented in ``dialogs.service``)."""

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """The replies to send, in order; [] when the message was a duplicate (already handled)."""
        ...
