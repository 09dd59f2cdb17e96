"""Channel-neutral messages: what adapters in ``bot/`` translate to and from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

#: What a user may send besides text (issue 15).
ATTACHMENT_KINDS: tuple[str, ...] = ("image", "voice", "video", "file")


@dataclass(frozen=True)
class InboundAttachment:
    """A photo, voice message, video or file that came with a message, as the channel layer
    found it: already downloaded, checked and stored (or refused) by ``backend.attachments``.
    Plain data; the dialogue acknowledges it and offers what OCR read from it."""

    kind: str  # "image" | "voice" | "video" | "file"
    #: Stored (True) or refused: too big, empty, of a type not taken.
    accepted: bool = True
    #: The store's sentence for the user: its acknowledgement ("收到照片了，会一并交给办理单位。")
    #: or why it was refused ("文件太大了，请发 20MB 以内的。"); "" for the dialogue's default.
    sentence: str = ""
    #: Values read from a photo by OCR, to be confirmed one at a time, never taken silently:
    #: (slot, value, shown) — a form slot name (``dialogs.form``: "id_number", "phone",
    #: "credit_code", "amount", "period", ...), the value as text its reader takes
    #: ("140522196204155869", "3000", "2024年1月至6月"), and how to show it to the user.
    suggestions: tuple[tuple[str, str, str], ...] = ()


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
    #: Photos, voice, files sent with (or instead of) the text; the text may then be "".
    attachments: tuple[InboundAttachment, ...] = ()
    #: Files still to be stored by the dialogue's turn (``InboundUpload``); each becomes an
    #: ``InboundAttachment`` once stored (or refused by the store).
    uploads: tuple[InboundUpload, ...] = ()


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


@dataclass(frozen=True)
class InboundUpload:
    """A file the channel downloaded and checked but has not stored yet: the dialogue stores
    it inside the turn, with the conversation locked (``backend.ports.AttachmentPort``), with
    the report or the case the conversation is at, and hands the turn an ``InboundAttachment``
    with the store's sentence. ``payload`` is opaque here (the bot layer's upload object)."""

    kind: str  # "image" | "voice" | "video" | "file"
    payload: object
    #: What OCR read from a photo: (slot, value, shown), as ``InboundAttachment.suggestions``.
    suggestions: tuple[tuple[str, str, str], ...] = ()
