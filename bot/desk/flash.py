"""A refused form, carried across its redirect (post/redirect/get): which form, the one
sentence saying why, and what was typed — so the page shows the error next to that form with
the text still in it, and the browser is left on the page's address, not the POST's.

It travels in a short-lived HTTP-only cookie, signed with the session it belongs to (HMAC
keyed by the session id, which only that browser and the server hold), so another session
cannot plant one, and it is read once. When what was typed is too long for a cookie,
``pack`` gives None and the caller answers the form's page directly instead (no redirect, but
nothing typed is ever lost).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

FLASH_COOKIE = "yc_console_flash"
#: Largest cookie value (browsers keep about 4,096 bytes per cookie, name and attributes
#: included; aiohttp reads at most 8,190 bytes of Cookie header).
MAX_COOKIE = 3000
#: Seconds a flash waits for its page.
FLASH_SECONDS = 300


@dataclass(frozen=True)
class Flash:
    """``where``: the page it belongs to (a case number, "board"); ``form``: the form's
    kind; ``error``: the sentence; ``values``: what was typed, by field name."""

    where: str
    form: str
    error: str
    values: dict[str, str] = field(default_factory=dict)


def _sign(session_id: str, payload: str) -> str:
    return hmac.new(
        session_id.encode("utf-8"), b"flash:" + payload.encode("ascii"), hashlib.sha256
    ).hexdigest()[:32]


def pack(flash: Flash, session_id: str) -> str | None:
    """The cookie value, or None when it would not fit in a cookie."""
    raw = json.dumps(
        {"w": flash.where, "f": flash.form, "e": flash.error, "v": flash.values},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    payload = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")
    value = f"{payload}.{_sign(session_id, payload)}"
    return value if len(value) <= MAX_COOKIE else None


def unpack(value: str | None, session_id: str, where: str) -> Flash | None:
    """The flash in ``value`` if it is this session's and belongs to ``where``, else None."""
    if not value or len(value) > MAX_COOKIE or "." not in value:
        return None
    payload, _, signature = value.rpartition(".")
    if not hmac.compare_digest(_sign(session_id, payload), signature):
        return None
    try:
        padded = payload + "=" * (-len(payload) % 4)
        # A signed value is our own, but bound the inflation anyway.
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.urlsafe_b64decode(padded), 64 * 1024)
        data: Any = json.loads(raw.decode("utf-8"))
    except (ValueError, zlib.error, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("w") != where:
        return None
    given = data.get("v")
    values: dict[Any, Any] = given if isinstance(given, dict) else {}
    return Flash(
        where=str(data.get("w")),
        form=str(data.get("f", "")),
        error=str(data.get("e", "")),
        values={str(k): str(v) for k, v in values.items()},
    )
