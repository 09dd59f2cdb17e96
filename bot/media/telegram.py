"""Photos, documents, voice and video from Telegram: which file a message carries, and its
bytes through PTB (``getFile``, then the download from the Bot API's file URL).

Wiring (phase 2): the plugin builds its ``Application`` with
``.base_file_url(file_base_url(settings.telegram_api_base))`` so downloads follow the API base
(tests point both at the local fake), and the handler for non-text messages calls
``receive(bot, message, user_ref=..., message_key=..., received_at=...)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, TelegramError

from backend.attachments.limits import MAX_BYTES, UNKNOWN_KIND, Refused, size_refusal, too_big
from backend.attachments.records import Upload
from bot.media import DOWNLOAD_FAILED, DownloadFailed

log = logging.getLogger(__name__)

CHANNEL = "telegram"
#: Telegram's own words when a file exceeds what bots may download (20 MB).
_TOO_BIG_WORDS = ("file is too big", "too big")


@dataclass(frozen=True)
class TelegramMedia:
    """The file a message carries, as Telegram describes it (nothing downloaded yet)."""

    kind: str  # image | voice | video | file
    file_id: str
    file_unique_id: str
    file_size: int | None
    file_name: str | None
    mime_type: str | None


def file_base_url(api_base: str) -> str:
    """The file download base for an API base: ``…/bot`` -> ``…/file/bot``."""
    base = api_base.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def media_of(message: Message) -> TelegramMedia | None:
    """The file in ``message``: the largest photo size that fits the limit, a document, a
    voice or audio message, a video or round video. None for text, stickers and the rest."""
    if message.photo:
        fitting = [p for p in message.photo if (p.file_size or 0) <= MAX_BYTES["image"]]
        best = max(fitting or message.photo[:1], key=lambda p: p.width * p.height)
        return _media("image", best, None, "image/jpeg")
    if message.document is not None:
        d = message.document
        return _media("file", d, d.file_name, d.mime_type)
    if message.voice is not None:
        return _media("voice", message.voice, None, message.voice.mime_type)
    if message.audio is not None:
        a = message.audio
        return _media("voice", a, a.file_name, a.mime_type)
    if message.video is not None:
        v = message.video
        return _media("video", v, v.file_name, v.mime_type)
    if message.video_note is not None:
        return _media("video", message.video_note, None, "video/mp4")
    return None


def _media(kind: str, f: Any, name: str | None, mime: str | None) -> TelegramMedia:
    return TelegramMedia(
        kind=kind,
        file_id=str(f.file_id),
        file_unique_id=str(f.file_unique_id),
        file_size=f.file_size,
        file_name=name,
        mime_type=mime,
    )


async def download(bot: Bot, media: TelegramMedia) -> bytes | Refused:
    """The file's bytes, or ``Refused`` when its size is over the kind's limit (announced by
    the message, by ``getFile`` or found while reading). ``DownloadFailed`` otherwise."""
    refused = size_refusal(media.kind, media.file_size)
    if refused is not None:
        return refused
    try:
        tg_file = await bot.get_file(media.file_id)
        refused = size_refusal(media.kind, tg_file.file_size)
        if refused is not None:
            return refused
        data = bytes(await tg_file.download_as_bytearray())
    except BadRequest as exc:
        if any(w in str(exc).lower() for w in _TOO_BIG_WORDS):
            return too_big(media.kind)
        log.warning("telegram getFile %s refused: %s", media.file_unique_id, exc)
        raise DownloadFailed(DOWNLOAD_FAILED) from exc
    except TelegramError as exc:
        log.warning("telegram download %s failed: %s", media.file_unique_id, exc)
        raise DownloadFailed(DOWNLOAD_FAILED) from exc
    if len(data) > MAX_BYTES[media.kind]:  # type: ignore[index]
        return too_big(media.kind)
    return data


async def receive(
    bot: Bot,
    message: Message,
    *,
    user_ref: str,
    message_key: str,
    received_at: datetime,
) -> Upload | Refused | None:
    """A message's file as an ``Upload`` for ``backend.attachments`` (None: no file in it;
    ``Refused``: tell the user the sentence). ``message_key`` is the key the handler uses for
    de-duplication (the update id)."""
    media = media_of(message)
    if media is None:
        return Refused(UNKNOWN_KIND) if message.sticker is not None else None
    data = await download(bot, media)
    if isinstance(data, Refused):
        return data
    return Upload(
        data=data,
        kind=media.kind,
        channel=CHANNEL,
        user_ref=user_ref,
        received_at=received_at,
        declared_name=media.file_name,
        declared_type=media.mime_type,
        channel_media_id=media.file_id,
        message_id=message_key,
    )
