"""Hostile input, tamed before it reaches the dialogue or the database.

``clean_text``: NUL and other control characters (PostgreSQL refuses NUL in text; control
characters break logs and exports), lone surrogates (not encodable as UTF-8) and direction
overrides (they disguise text shown to staff) are removed, line ends normalised, the length
capped. ``clean_inbound`` applies it to every field of an ``Inbound``. (What a case stores is
cleaned and clipped to its columns once more by the backend, ``backend.cleaning``.)
"""

from __future__ import annotations

import re
from dataclasses import replace

from dialogs.messages import Inbound

#: The longest message we take in (Telegram allows 4,096 characters, WeChat 2,048).
MAX_INBOUND = 4096
#: Other fields of an inbound message: a display name, a shared phone, a button id, ids.
MAX_NAME = 100
MAX_PHONE = 32
MAX_CHOICE = 64
MAX_REF = 200

#: C0 controls but tab and newline, DEL, C1 controls, lone surrogates, bidi embeddings,
#: overrides and isolates (U+202A–U+202E, U+2066–U+2069), the BOM / zero-width no-break space.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(text: str | None, limit: int = MAX_INBOUND) -> str:
    """``text`` without control characters (tab and newline kept), at most ``limit`` long."""
    if not text:
        return ""
    # Cut first (bounded work on a huge input), with room for what the cleaning removes.
    head = text[: limit * 2] if len(text) > limit * 2 else text
    head = head.replace("\r\n", "\n").replace("\r", "\n")
    return _UNWANTED.sub("", head)[:limit]


def clean_optional(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return clean_text(text, limit) or None


def clean_inbound(inbound: Inbound) -> Inbound:
    """Every string of ``inbound`` cleaned and capped (see ``clean_text``)."""
    return replace(
        inbound,
        channel=clean_text(inbound.channel, 32),
        user_ref=clean_text(inbound.user_ref, MAX_REF),
        text=clean_text(inbound.text),
        message_id=clean_text(inbound.message_id, MAX_REF),
        choice_id=clean_optional(inbound.choice_id, MAX_CHOICE),
        contact_phone=clean_optional(inbound.contact_phone, MAX_PHONE),
        display_name=clean_optional(inbound.display_name, MAX_NAME),
    )
