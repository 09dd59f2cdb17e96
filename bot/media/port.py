"""The dialogue's ``backend.ports.AttachmentPort`` over ``backend.attachments``, and what a
channel does with a file before the dialogue's turn: check it, read a photo (OCR, off the
event loop) and hand it over as an ``InboundUpload`` — or a refusal as an
``InboundAttachment`` with its sentence.

Flow of a photo, voice message or file (Telegram, 微信客服, the self-built app):
channel download (``bot.media.telegram`` / ``bot.media.wecom``) -> ``prepare`` (``check_upload``:
sniffed type, size, zero bytes; OCR of a photo when the ``ocr`` extra is installed) ->
``Inbound(uploads=…)`` -> the dialogue's turn stores it with the conversation locked
(``DialogueService._receive`` -> ``ChannelAttachments.receive``: the draft being collected,
the latest case as 补充材料 with a notice to the agency, or held until a report starts) ->
the turn answers with the store's sentence and offers what OCR read, to be confirmed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from backend.attachments import AttachmentDesk, Refused, Upload, check_upload
from backend.attachments.records import adopt_uploads
from backend.ports import AttachmentReceipt
from backend.workflow import WorkflowError
from bot.media import DOWNLOAD_FAILED
from dialogs.messages import InboundAttachment, InboundUpload

log = logging.getLogger(__name__)

#: Photos with more suggestions than this are not worth a long quiz.
MAX_SUGGESTIONS = 6


class ChannelAttachments:
    """``AttachmentPort``: keeps uploads through the ``AttachmentDesk`` (store + rows)."""

    def __init__(self, desk: AttachmentDesk) -> None:
        self.desk = desk

    async def receive(
        self, upload: Any, *, draft_key: str | None = None, case_number: str | None = None
    ) -> AttachmentReceipt:
        if not isinstance(upload, Upload):
            raise TypeError("ChannelAttachments.receive takes a backend.attachments.Upload")
        try:
            got = await self.desk.receive(upload, draft_key=draft_key, case_number=case_number)
        except WorkflowError as exc:  # not their case, no such case: a sentence, nothing kept
            return AttachmentReceipt(False, str(exc))
        return AttachmentReceipt(not got.refused, got.sentence, got.case_number)

    async def adopt(self, from_key: str, to_key: str) -> int:
        return await adopt_uploads(self.desk.db, from_key, to_key)


async def prepare(
    got: Upload | Refused | None,
    *,
    kind: str,
    reader: Any | None = None,
    now: datetime | None = None,
) -> InboundAttachment | InboundUpload | None:
    """A channel's download as the dialogue takes it: a refusal (``InboundAttachment`` with
    ``accepted=False`` and the sentence), or an ``InboundUpload`` checked by its bytes and,
    for a photo, read by ``reader`` (``bot.media.ocr.PhotoReader``) into suggestions."""
    if got is None:
        return None
    if isinstance(got, Refused):
        return InboundAttachment(kind, False, got.sentence)
    checked = check_upload(got.data, got.declared_name, got.declared_type, got.kind)
    if isinstance(checked, Refused):
        return InboundAttachment(got.kind, False, checked.sentence)
    suggestions: tuple[tuple[str, str, str], ...] = ()
    if checked.kind == "image" and reader is not None:
        suggestions = await read_photo(reader, got.data, checked.content_type, now)
    return InboundUpload(checked.kind, got, suggestions)


def download_failed(kind: str) -> InboundAttachment:
    """The channel could not fetch the file: say so (the user sends it again)."""
    return InboundAttachment(kind, False, DOWNLOAD_FAILED)


async def read_photo(
    reader: Any, data: bytes, content_type: str | None, now: datetime | None
) -> tuple[tuple[str, str, str], ...]:
    """What a photo says, as (slot, value, shown) for the dialogue to offer; () when OCR is
    not installed, the image cannot be read, or it fails (the photo is kept regardless)."""
    from bot.media.suggest import suggestions

    try:
        reading = await reader.read(data, content_type)
    except Exception:  # a photo OCR chokes on is still a photo
        log.exception("OCR of a photo failed")
        return ()
    if reading is None or not reading.lines:
        return ()
    out: list[tuple[str, str, str]] = []
    for found in suggestions(reading.lines, now)[:MAX_SUGGESTIONS]:
        out.append((found.slot, _value_text(found.slot, found.value, found.shown), found.shown))
    return tuple(out)


def _value_text(slot: str, value: Any, shown: str) -> str:
    """A suggestion's value as text the dialogue's slot reader takes."""
    if slot == "amount":
        amount = float(value)
        return f"{amount:.2f}".rstrip("0").rstrip(".") + "元"
    if slot == "period":
        return shown
    return str(value)
