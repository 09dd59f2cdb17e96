"""Hostile input, tamed before it reaches the dialogue or the database.

``clean_text``: NUL and other control characters (PostgreSQL refuses NUL in text; control
characters break logs and exports), lone surrogates (not encodable as UTF-8) and direction
overrides (they disguise text shown to staff) are removed, line ends normalised, the length
capped. ``clean_inbound`` applies it to every field of an ``Inbound``; ``fit_draft`` clips a
``CaseDraft``'s strings to what the register's columns hold, so a report can always be filed.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

from backend.drafts import CaseDraft
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

#: Column widths of the register (backend/models.py) for the strings of a draft.
COMPLAINANT_LIMITS = {
    "name": 200,
    "phone": 32,
    "id_number": 18,
    "employer": 200,
    "credit_code": 18,
    "township": 100,
    "village": 100,
    "insurance_type": 32,
}
FILER_LIMITS = {"name": 100, "phone": 32, "township": 100, "village": 100, "role": 32}
CASE_LIMITS = {
    "channel": 32,
    "channel_user": 200,
    "category": 32,
    "tier_hint": 16,
    "draft_key": 64,
    # A Text column; the cap keeps one report from filling the register.
    "description": 20_000,
}

T = TypeVar("T")


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


def _fit(obj: T, limits: dict[str, int]) -> T:
    """``obj`` (a dataclass) with its string fields cleaned and clipped to ``limits``; an
    optional field left empty becomes None, a required one (no default) the empty string."""
    assert is_dataclass(obj) and not isinstance(obj, type)
    changes: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if not isinstance(value, str):
            continue
        fitted = clean_text(value, limits.get(f.name, MAX_INBOUND)).strip()
        if fitted == value:
            continue
        optional = f.default is None
        changes[f.name] = None if optional and not fitted else fitted
    return replace(obj, **changes) if changes else obj


def fit_draft(draft: CaseDraft) -> CaseDraft:
    """``draft`` with every string clean and no longer than its column (see module doc)."""
    fitted = _fit(draft, CASE_LIMITS)
    return replace(
        fitted,
        complainant=_fit(draft.complainant, COMPLAINANT_LIMITS),
        filed_by=_fit(draft.filed_by, FILER_LIMITS) if draft.filed_by is not None else None,
        keywords=[clean_text(k, 50) for k in draft.keywords][:50],
    )
